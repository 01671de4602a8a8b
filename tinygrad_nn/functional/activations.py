"""Activation functions as plain functions of Tensors, with PyTorch's names, arguments and defaults.

Each is one recorded op of ``tinygrad_nn.engine.ops`` (or two, for
``softmin``, ``relu6`` and ``tanhshrink``); docs/ops.md lists every one with
its derivative. Kink and tie conventions are PyTorch's and tested:
``relu'(0) = 0``, ``leaky_relu'(0) = negative_slope``, ``prelu'(0) =
weight``, ``elu'(0)`` the negative side's slope, ``hardtanh``, ``relu6``
and ``hardsigmoid`` have slope 0 at their bounds, ``hardswish`` 0 at -3 and 1
at 3, and in ``maxout`` tied maxima share the gradient evenly.

Arrays and numbers are accepted and turned into constant Tensors. The
``inplace`` flag of PyTorch's signatures is accepted so that PyTorch code
runs unchanged, but the result is always a new Tensor: use the returned
value (the input is never modified).
"""

import numbers


from ..engine import Tensor, ShapeError, ops
from ..engine.methods.arguments import number_argument

__all__ = ["sigmoid", "tanh", "relu", "leaky_relu", "softmax", "log_softmax", "softmin", "maxout", "gelu",
           "silu", "swish", "mish", "elu", "selu", "celu", "softplus", "softsign", "logsigmoid", "hardtanh",
           "relu6", "hardsigmoid", "hardswish", "prelu", "tanhshrink"]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


# ---------------------------------------------------------------- the classic ones
def sigmoid(x):
    """1 / (1 + e**-x), elementwise; output in (0, 1), stable for any |x|."""
    return _tensor(x).sigmoid()


def tanh(x):
    """The hyperbolic tangent, elementwise; output in (-1, 1)."""
    return _tensor(x).tanh()


def relu(x, inplace=False):
    """max(0, x), elementwise; its gradient at 0 is 0."""
    return _tensor(x).relu()


def leaky_relu(x, negative_slope=0.01, inplace=False):
    """x where x > 0, else ``negative_slope * x``; its gradient at 0 is ``negative_slope``."""
    return _tensor(x).leaky_relu(negative_slope=number_argument(negative_slope, "negative_slope", "leaky_relu"))


# ---------------------------------------------------------------- along an axis
def _dim(dim, axis, function):
    """The axis to work along: PyTorch's ``dim`` or numpy's ``axis`` (not both); the last one by default."""
    if dim is not None and axis is not None:
        raise TypeError(f"{function}: give dim (PyTorch's name) or axis (numpy's), not both")
    return dim if dim is not None else (axis if axis is not None else -1)


def softmax(x, dim=None, *, axis=None):
    """exp(x) / sum(exp(x)) along ``dim`` (or ``axis``; default the last), computed stably (it sums to 1).

    PyTorch picks a legacy axis when ``dim`` is None and warns; here None
    means the last axis. Give ``dim`` for code that runs the same on both.
    """
    return _tensor(x).softmax(axis=_dim(dim, axis, "softmax"))


def log_softmax(x, dim=None, *, axis=None):
    """x - log(sum(exp(x))) along ``dim`` (or ``axis``; default the last), computed stably."""
    return _tensor(x).log_softmax(axis=_dim(dim, axis, "log_softmax"))


def softmin(x, dim=None, *, axis=None):
    """softmax(-x) along ``dim`` (or ``axis``; default the last): the smallest entries get the most weight."""
    return (-_tensor(x)).softmax(axis=_dim(dim, axis, "softmin"))


def maxout(x, pieces, axis=-1):
    """Max over groups of ``pieces`` consecutive features along ``axis``.

    An input of shape ``(N, units * pieces)`` gives ``(N, units)``: output
    unit ``u`` is the max of features ``u*pieces ... u*pieces + pieces - 1``.
    Tied maxima share the gradient evenly (the engine's ``max`` rule).
    """
    x = _tensor(x)
    if not isinstance(pieces, numbers.Integral) or isinstance(pieces, bool) or pieces < 1:
        raise ValueError(f"maxout: pieces must be a positive int, got {pieces!r}")
    if x.ndim == 0:
        raise ShapeError("maxout: needs an input with at least one axis, got a 0-d tensor")
    if not isinstance(axis, numbers.Integral) or isinstance(axis, bool):
        raise TypeError(f"maxout: axis must be an int, got {axis!r:.40}")
    axis = axis % x.ndim if -x.ndim <= axis < x.ndim else None
    if axis is None:
        raise ShapeError(f"maxout: axis out of range for an input of shape {x.shape}")
    size = x.shape[axis]
    if size % pieces:
        raise ShapeError(f"maxout: axis {axis} of the input of shape {x.shape} has {size} features, "
                         f"not a multiple of pieces={pieces}")
    grouped = x.reshape(x.shape[:axis] + (size // pieces, pieces) + x.shape[axis + 1:])
    return grouped.max(axis=axis + 1)


# ---------------------------------------------------------------- smooth ones
def gelu(x, approximate="none"):
    """x Phi(x) (Phi the standard normal CDF, through an exact erf); ``approximate="tanh"`` for the tanh form."""
    if not isinstance(approximate, str) or approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r:.40}")
    return ops.GELU.apply(_tensor(x), approximate=approximate)


def silu(x, inplace=False):
    """x sigmoid(x), also called swish; smooth, unbounded above, with a minimum of -0.278 at x = -1.278."""
    return ops.SiLU.apply(_tensor(x))


def swish(x):
    """The same function as ``silu`` (x sigmoid(x)), under the name TensorFlow and the Swish paper use."""
    return silu(x)


def mish(x, inplace=False):
    """x tanh(softplus(x)); smooth, computed without overflow at any |x|."""
    return ops.Mish.apply(_tensor(x))


def elu(x, alpha=1.0, inplace=False):
    """x for x > 0, else alpha (e**x - 1); its gradient at 0 is alpha (the negative side's, as PyTorch)."""
    return ops.ELU.apply(_tensor(x), alpha=number_argument(alpha, "alpha", "elu", finite=True))


def selu(x, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants alpha = 1.6733, scale = 1.0507."""
    return ops.ELU.apply(_tensor(x), alpha=SELU_ALPHA, scale=SELU_SCALE)


def celu(x, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (e**(x/alpha) - 1)); continuously differentiable, slope 1 at 0. alpha != 0."""
    alpha = number_argument(alpha, "alpha", "celu", finite=True)
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (the input is divided by it)")
    return ops.ELU.apply(_tensor(x), alpha=alpha, input_scale=1.0 / alpha)


def softplus(x, beta=1.0, threshold=20.0):
    """log(1 + e**(beta x)) / beta, and x itself where beta x > threshold (PyTorch's switch). beta != 0."""
    beta = number_argument(beta, "beta", "softplus", finite=True)
    if beta == 0:
        raise ValueError("softplus: beta must not be 0 (the result is divided by it)")
    return ops.Softplus.apply(_tensor(x), beta=beta, threshold=number_argument(threshold, "threshold", "softplus"))


def softsign(x):
    """x / (1 + |x|): like tanh, but its tails approach +-1 polynomially."""
    return ops.Softsign.apply(_tensor(x))


def logsigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), computed stably (it is -|x| for very negative x, not -inf)."""
    return ops.LogSigmoid.apply(_tensor(x))


def tanhshrink(x):
    """x - tanh(x)."""
    x = _tensor(x)
    return x - x.tanh()


# ---------------------------------------------------------------- piecewise linear ones
def hardtanh(x, min_val=-1.0, max_val=1.0, inplace=False):
    """clip(x, min_val, max_val), with gradient 0 at both bounds (PyTorch's; ``clip`` counts them as inside)."""
    min_val, max_val = number_argument(min_val, "min_val", "hardtanh"), number_argument(max_val, "max_val", "hardtanh")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return ops.Hardtanh.apply(_tensor(x), min_val=min_val, max_val=max_val)


def relu6(x, inplace=False):
    """min(max(0, x), 6) = hardtanh(x, 0, 6); its gradient is 0 at 0 and at 6."""
    return ops.Hardtanh.apply(_tensor(x), min_val=0.0, max_val=6.0)


def hardsigmoid(x, inplace=False):
    """clip(x / 6 + 1/2, 0, 1), a piecewise linear sigmoid; its gradient is 0 at -3 and 3."""
    return ops.Hardsigmoid.apply(_tensor(x))


def hardswish(x, inplace=False):
    """x * hardsigmoid(x): 0 for x <= -3, x for x >= 3, x (x + 3) / 6 between; slope 0 at -3, 1 at 3."""
    return ops.Hardswish.apply(_tensor(x))


def prelu(x, weight):
    """x where x > 0, else weight * x, with one learned slope per channel (axis 1) or one for all.

    ``weight`` has shape ``(1,)`` (shared) or ``(C,)`` for an input of shape
    ``(N, C, ...)``. Its gradient at x = 0 is the slope, as ``leaky_relu``.
    """
    x, weight = _tensor(x), _tensor(weight)
    if weight.ndim > 1:
        raise ShapeError(f"prelu: weight must have one slope per channel, shape (C,) or (1,); got {weight.shape}")
    slopes = weight.numel()
    if slopes == 1:
        return ops.PReLU.apply(x, weight.reshape(()))
    channels = x.shape[1] if x.ndim >= 2 else 1
    if slopes != channels:
        raise ShapeError(f"prelu: weight of shape {weight.shape} has {slopes} slopes, but the input of "
                         f"shape {x.shape} has {channels} channel{'s' * (channels != 1)} (axis 1; inputs "
                         "with fewer than 2 axes have 1)")
    return ops.PReLU.apply(x, weight.reshape((channels,) + (1,) * (x.ndim - 2)))

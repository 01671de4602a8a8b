"""Weight initialization, in place on a Tensor's data (names end in ``_`` as in PyTorch).

Default choices of this package (see docs/modules.md):

* ``Linear`` and ``Maxout`` start with He/Kaiming normal weights,
  ``std = sqrt(2 / fan_in)``, and zero biases. This is the scaling the
  course notes recommend for ReLU units: it keeps the variance of the
  activations roughly constant from layer to layer, so deep ReLU nets train
  from the start. Maxout gets the same scaling, since a ReLU is a Maxout
  with one piece fixed at zero.
* ``MLP(..., activation=Sigmoid or Tanh)`` re-initializes its weights with
  Xavier/Glorot normal, ``std = sqrt(2 / (fan_in + fan_out))``. The He
  factor 2 compensates for ReLU zeroing half its inputs; sigmoid and tanh
  zero nothing, and larger weights push them into saturation, where they
  kill gradients (the notes' warning). Glorot's variance is the one derived
  for such symmetric squashing units.

The names, arguments and defaults are ``torch.nn.init``'s
(``kaiming_normal_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu')``,
``uniform_(tensor, a=0.0, b=1.0)``, ``constant_(tensor, val)`` ...). For a
weight of shape ``(out_features, in_features)`` ``fan_in`` is
``in_features`` and ``fan_out`` ``out_features``, as in PyTorch; for
Maxout's ``(out, pieces, in)`` ``fan_in`` is the last axis and ``fan_out``
``out * pieces``. Every random function takes ``rng=None`` (the default
generator of ``tinygrad_nn.random``, reseeded by ``tg.manual_seed``), an int
seed, or a ``numpy.random.Generator``, where PyTorch takes ``generator``.
Every function fills the tensor in place (bumping its ``version``) and
returns it. As in PyTorch, the names of nonlinearities are lower case
(``'relu'``, not ``'ReLU'``), and an empty tensor (no elements) is returned
as it is: the Kaiming functions warn, since its fans may be 0.
"""

import math
import numbers
import warnings

import numpy as np

from ..engine import Tensor, no_grad
from ..random import as_rng

__all__ = ["calculate_gain", "fans", "zeros_", "ones_", "constant_", "eye_", "normal_", "uniform_",
           "kaiming_normal_", "kaiming_uniform_", "xavier_normal_", "xavier_uniform_", "orthogonal_"]

_LINEAR = ("linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid")
_GAINS = {**dict.fromkeys(_LINEAR, 1.0), "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0), "selu": 3.0 / 4.0}


def calculate_gain(nonlinearity, param=None):
    """The recommended standard-deviation gain for a nonlinearity (PyTorch's table).

    ``"relu"``: sqrt(2); ``"leaky_relu"``: sqrt(2 / (1 + slope**2)) (slope
    ``param``, default 0.01); ``"tanh"``: 5/3; ``"selu"``: 3/4; ``"sigmoid"``,
    ``"linear"``, ``"identity"`` and the conv names: 1. The names are lower
    case, as PyTorch's (``"ReLU"`` is an error that suggests ``"relu"``).
    """
    return _gain("calculate_gain", nonlinearity, param, "param")


def _gain(op, nonlinearity, slope, slope_name):
    """``calculate_gain(nonlinearity, slope)`` with errors naming ``op`` and the slope argument."""
    if not isinstance(nonlinearity, str):
        raise TypeError(f"{op}: nonlinearity must be a name such as 'relu', got {type(nonlinearity).__name__}")
    name = nonlinearity
    if name == "leaky_relu":
        if slope is None:
            slope = 0.01
        elif isinstance(slope, (bool, np.bool_)):
            raise TypeError(f"{op}: {slope_name} (the negative slope) must be a number, got {slope!r}")
        slope = _real(op, slope_name, slope)
        return math.sqrt(2.0 / (1.0 + slope * slope))  # (slope * slope: inf, never OverflowError)
    if name not in _GAINS:
        lower = name.lower()
        hint = (f"the names are lower case: did you mean {lower!r}?" if lower in _GAINS or lower == "leaky_relu"
                else f"known: {', '.join(sorted(_GAINS) + ['leaky_relu'])}")
        raise ValueError(f"{op}: unknown nonlinearity {nonlinearity!r}; {hint}")
    return _GAINS[name]


def fans(shape):
    """``(fan_in, fan_out)`` of a weight shape: ``(in, out)`` for ``(out, in)``, as PyTorch computes them.

    For more axes, ``(out, pieces, in)`` as Maxout's weight, ``fan_in`` is
    the last axis and ``fan_out`` the product of the others.
    """
    if isinstance(shape, Tensor):
        raise TypeError("fans: expected a shape (a tuple of ints), got a Tensor; pass tensor.shape")
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"fans: expected a shape (a tuple of ints), got {shape!r:.60}") from None
    if not all(isinstance(size, numbers.Integral) and not isinstance(size, bool) for size in shape):
        raise TypeError(f"fans: expected a shape (a tuple of ints), got {shape!r:.60}")
    if len(shape) < 2:
        raise ValueError(f"fans: need a weight with at least 2 axes (out, in), got shape {shape}")
    inner = int(np.prod(shape[1:-1])) if len(shape) > 2 else 1
    return shape[-1], shape[0] * inner


def _checked(op, tensor):
    """``tensor`` if it is a floating Tensor (what every init function fills), else a TypeError naming ``op``."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: expected a Tensor to fill in place, got {type(tensor).__name__}")
    if tensor.dtype.kind != "f":
        raise TypeError(f"{op}: can only fill a floating tensor, this one has dtype {tensor.dtype}")
    return tensor


def _real(op, name, value, at_least=None):
    """``value`` as a finite float (>= ``at_least`` if given), else an error naming ``op`` and ``name``."""
    if isinstance(value, Tensor) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number) or (at_least is not None and number < at_least):
        bound = "" if at_least is None else f" >= {at_least:g}"
        raise ValueError(f"{op}: {name} must be a finite number{bound}, got {value!r}")
    return number


def _fill(tensor, values):
    """Write ``values`` into ``tensor`` in place with ``copy_`` (under ``no_grad``: a parameter may be filled)."""
    if not tensor.data.flags.writeable:
        raise ValueError(f"nn.init: the tensor of shape {tensor.shape} is read-only (its data array is not writeable)")
    with no_grad():
        return tensor.copy_(values)


def zeros_(tensor):
    """Fill with 0."""
    return _fill(_checked("zeros_", tensor), 0.0)


def ones_(tensor):
    """Fill with 1."""
    return _fill(_checked("ones_", tensor), 1.0)


def constant_(tensor, val):
    """Fill with ``val`` (a number)."""
    _checked("constant_", tensor)
    if isinstance(val, Tensor) or not isinstance(val, numbers.Real):
        raise TypeError(f"constant_: val must be a number, got {type(val).__name__}")
    return _fill(tensor, val)


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal, zeros elsewhere; any shape)."""
    _checked("eye_", tensor)
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, rng=None):
    """Fill with draws from N(mean, std**2)."""
    _checked("normal_", tensor)
    mean, std = _real("normal_", "mean", mean), _real("normal_", "std", std, at_least=0.0)
    return _fill(tensor, as_rng(rng, "normal_").normal(mean, std, size=tensor.shape))


def uniform_(tensor, a=0.0, b=1.0, rng=None, *, low=None, high=None):
    """Fill with draws from U(a, b), as ``torch.nn.init.uniform_``.

    ``low=`` and ``high=`` are accepted as the older names of ``a`` and ``b``
    (not together with a value for the same bound).
    """
    _checked("uniform_", tensor)
    if low is not None:
        if not (type(a) in (int, float) and a == 0.0):
            raise TypeError(f"uniform_: got both a={a!r:.40} and low={low!r:.40} (low is the older name of a); "
                            "pass a")
        a = low
    if high is not None:
        if not (type(b) in (int, float) and b == 1.0):
            raise TypeError(f"uniform_: got both b={b!r:.40} and high={high!r:.40} (high is the older name of "
                            "b); pass b")
        b = high
    a, b = _real("uniform_", "a", a), _real("uniform_", "b", b)
    if a > b:
        raise ValueError(f"uniform_: a must be <= b, got a={a:g}, b={b:g}")
    return _fill_uniform("uniform_", tensor, a, b, rng)


def _fill_uniform(op, tensor, low, high, rng):
    """Fill ``tensor`` with U(low, high) draws (``low <= high``, both finite); errors name ``op``."""
    if not math.isfinite(high - low):
        raise ValueError(f"{op}: U({low:g}, {high:g}) is too wide for float64 (high - low overflows)")
    return _fill(tensor, as_rng(rng, op).uniform(low, high, size=tensor.shape))


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    """He/Kaiming normal, as ``torch.nn.init.kaiming_normal_``: N(0, std**2), ``std = gain / sqrt(fan)``.

    ``gain = calculate_gain(nonlinearity, a)`` (``a``: the negative slope of
    a leaky ReLU, used only with ``'leaky_relu'``; the default, slope 0, is
    ReLU's sqrt(2)); ``fan`` is ``fan_in`` (``mode='fan_in'``: keeps the
    forward variance) or ``fan_out`` (the backward one). The older form
    ``kaiming_normal_(w, 'leaky_relu', 0.2)`` (nonlinearity, then slope)
    still works.
    """
    std = _kaiming_std("kaiming_normal_", tensor, a, mode, nonlinearity)
    return tensor if std is None else normal_(tensor, 0.0, std, rng)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    """He/Kaiming uniform, as ``torch.nn.init.kaiming_uniform_``: U(-b, b), ``b = sqrt(3) * std``.

    ``std`` is ``kaiming_normal_``'s (same arguments), so the variance is the same.
    """
    std = _kaiming_std("kaiming_uniform_", tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return _fill_uniform("kaiming_uniform_", tensor, -bound, bound, rng)


def _kaiming_std(op, tensor, a, mode, nonlinearity):
    """``gain / sqrt(fan)`` for the Kaiming functions, every argument checked (errors name ``op``).

    None for an empty tensor, with a warning (as PyTorch's): there is nothing
    to fill, and its fan may be 0.
    """
    _checked(op, tensor)
    if isinstance(a, str):  # the older positional form (tensor, nonlinearity, slope)
        if nonlinearity != "leaky_relu":
            raise TypeError(f"{op}: a must be a number (the negative slope), got {a!r}; "
                            f"nonlinearity is given as {nonlinearity!r} already")
        nonlinearity, a = a, (None if isinstance(mode, str) else mode)
        mode = "fan_in"
    elif isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Real):
        raise TypeError(f"{op}: a (the negative slope of a leaky ReLU) must be a number, got {a!r:.60}")
    if not isinstance(mode, str):
        raise TypeError(f"{op}: mode must be 'fan_in' or 'fan_out', got {type(mode).__name__}")
    if mode.lower() not in ("fan_in", "fan_out"):
        raise ValueError(f"{op}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    gain = _gain(op, nonlinearity, a, "a")
    if tensor.size == 0:
        warnings.warn(f"{op}: the tensor of shape {tensor.shape} has no elements: nothing to fill", UserWarning,
                      stacklevel=3)
        return None
    fan_in, fan_out = fans(tensor.shape)
    return gain / math.sqrt(fan_in if mode.lower() == "fan_in" else fan_out)


def xavier_normal_(tensor, gain=1.0, rng=None):
    """Xavier/Glorot normal: N(0, gain**2 * 2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans("xavier_normal_", tensor)
    gain = _real("xavier_normal_", "gain", gain, at_least=0.0)
    if tensor.size == 0:
        return tensor
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng)


def xavier_uniform_(tensor, gain=1.0, rng=None):
    """Xavier/Glorot uniform: U(-b, b) with ``b = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _fans("xavier_uniform_", tensor)
    gain = _real("xavier_uniform_", "gain", gain, at_least=0.0)
    if tensor.size == 0:
        return tensor
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill_uniform("xavier_uniform_", tensor, -bound, bound, rng)


def orthogonal_(tensor, gain=1.0, rng=None):
    """Fill with a (semi-)orthogonal matrix times ``gain``, as ``torch.nn.init.orthogonal_`` (Saxe et al.).

    The tensor is seen as ``(rows, cols)`` with ``rows = shape[0]`` (further
    axes flattened into ``cols``): its rows are orthonormal if ``rows <=
    cols``, else its columns are. Drawn as the Q of a QR factorization of a
    standard normal matrix, signs fixed so that it is uniformly distributed.
    """
    _checked("orthogonal_", tensor)
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: need a tensor with at least 2 axes, got shape {tensor.shape}")
    gain = _real("orthogonal_", "gain", gain)
    rows = tensor.shape[0]
    cols = tensor.size // rows if rows else 0
    if tensor.size == 0:
        return _fill(tensor, 0.0)
    flat = as_rng(rng, "orthogonal_").standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


def _fans(op, tensor):
    """``fans`` of a checked tensor's shape (both positive unless the tensor is empty)."""
    return fans(_checked(op, tensor).shape)

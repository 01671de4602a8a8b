"""Activation modules: each applies one function of ``tinygrad_nn.functional``, with PyTorch's names and defaults.

Only ``PReLU`` has a parameter (its learned slopes). ``tg.nn.watch_units``
recognises ``ReLU``, ``LeakyReLU``, ``Sigmoid`` and ``Tanh`` (and
``Maxout``) and reports dead or saturated units per module; it leaves the
others alone. Any of them can be the ``activation`` of ``nn.MLP``: a class,
an instance (each hidden layer gets a copy) or a function making one.

``inplace=True`` is accepted where PyTorch has it, so PyTorch models build
unchanged; the output is always a new Tensor (the input is never modified).
"""

import copy

import numpy as np

from .. import functional as F
from ..engine import Tensor
from ..engine.methods.arguments import device_argument, flag_argument, number_argument
from .linear import new_parameter
from .module import Module

__all__ = ["Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Identity", "GELU", "SiLU", "Mish", "ELU", "SELU", "CELU",
           "Softplus", "Softsign", "LogSigmoid", "Tanhshrink", "Softmax", "LogSoftmax", "Softmin", "Hardtanh",
           "ReLU6", "Hardsigmoid", "Hardswish", "PReLU", "activation_maker"]


class _Activation(Module):
    """An activation with PyTorch's ``inplace`` flag (accepted; the result is always a new Tensor)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = flag_argument(inplace, "inplace", type(self).__name__)

    def extra_repr(self):
        """The options in the module's repr: ``inplace=True`` when set, as PyTorch shows it."""
        return "inplace=True" if self.inplace else ""


def _options(*pairs, inplace=False):
    """``extra_repr`` text: ``name=value`` pairs, then ``inplace=True`` when set (PyTorch's layout)."""
    return ", ".join([f"{name}={value!r}" for name, value in pairs] + (["inplace=True"] if inplace else []))


# ---------------------------------------------------------------- the classic ones
class Sigmoid(Module):
    """1 / (1 + e**-x): squashes to (0, 1); saturates (kills gradients) at both tails."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """tanh x: squashes to (-1, 1), zero-centred; saturates at both tails."""

    def forward(self, x):
        return F.tanh(x)


class ReLU(_Activation):
    """max(0, x); ReLU'(0) = 0. A unit that is zero for every input is dead: no gradient reaches it."""

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(_Activation):
    """x where x > 0, else ``negative_slope * x``: a small gradient keeps negative units alive."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__(inplace)
        self.negative_slope = number_argument(negative_slope, "negative_slope", "LeakyReLU", finite=True)

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return _options(("negative_slope", self.negative_slope), inplace=self.inplace)


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. the 'no activation' of a layer).

    Like every module it returns a Tensor: a Tensor input is returned as is
    (the same object, as in PyTorch), an array or number becomes a Tensor.
    PyTorch's ``Identity(*args, **kwargs)`` ignores its arguments, and so
    does this one.
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x if isinstance(x, Tensor) else Tensor(x)


# ---------------------------------------------------------------- smooth ones
class GELU(Module):
    """x Phi(x) (Phi the normal CDF); ``approximate="tanh"`` for the tanh form (the transformers' activation)."""

    def __init__(self, approximate="none"):
        super().__init__()
        F.gelu(0.0, approximate)  # refuse a wrong option now, not at the first forward
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self):
        return _options(("approximate", self.approximate))


class SiLU(_Activation):
    """x sigmoid(x), also called swish."""

    def forward(self, x):
        return F.silu(x)


class Mish(_Activation):
    """x tanh(softplus(x))."""

    def forward(self, x):
        return F.mish(x)


class ELU(_Activation):
    """x for x > 0, else alpha (e**x - 1): negative outputs pull mean activations towards 0."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__(inplace)
        self.alpha = number_argument(alpha, "alpha", "ELU", finite=True)

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self):
        return _options(("alpha", self.alpha), inplace=self.inplace)


class SELU(_Activation):
    """scale * elu(x, alpha) with the self-normalising constants (alpha = 1.6733, scale = 1.0507)."""

    def forward(self, x):
        return F.selu(x)


class CELU(_Activation):
    """max(0, x) + min(0, alpha (e**(x/alpha) - 1)), continuously differentiable for any alpha != 0."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__(inplace)
        F.celu(0.0, alpha)  # refuse alpha = 0 now
        self.alpha = number_argument(alpha, "alpha", "CELU", finite=True)

    def forward(self, x):
        return F.celu(x, self.alpha)

    def extra_repr(self):
        return _options(("alpha", self.alpha), inplace=self.inplace)


class Softplus(Module):
    """log(1 + e**(beta x)) / beta, a smooth ReLU; the identity where beta x > threshold."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        F.softplus(0.0, beta, threshold)  # refuse beta = 0 now
        self.beta = number_argument(beta, "beta", "Softplus", finite=True)
        self.threshold = number_argument(threshold, "threshold", "Softplus")

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return _options(("beta", self.beta), ("threshold", self.threshold))


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, x):
        return F.softsign(x)


class LogSigmoid(Module):
    """log sigmoid(x), computed stably."""

    def forward(self, x):
        return F.logsigmoid(x)


class Tanhshrink(Module):
    """x - tanh(x)."""

    def forward(self, x):
        return F.tanhshrink(x)


# ---------------------------------------------------------------- along an axis
class _AlongDim(Module):
    """An activation along ``dim``; None means the last axis (PyTorch would pick a legacy axis and warn)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def extra_repr(self):
        return _options(("dim", self.dim))


class Softmax(_AlongDim):
    """exp(x) / sum(exp(x)) along ``dim``: probabilities that sum to 1."""

    def forward(self, x):
        return F.softmax(x, self.dim)


class LogSoftmax(_AlongDim):
    """log softmax(x) along ``dim``, computed stably."""

    def forward(self, x):
        return F.log_softmax(x, self.dim)


class Softmin(_AlongDim):
    """softmax(-x) along ``dim``."""

    def forward(self, x):
        return F.softmin(x, self.dim)


# ---------------------------------------------------------------- piecewise linear ones
class Hardtanh(_Activation):
    """clip(x, min_val, max_val), with slope 0 at both bounds."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__(inplace)
        F.hardtanh(0.0, min_val, max_val)  # refuse min_val > max_val now
        self.min_val = number_argument(min_val, "min_val", "Hardtanh")
        self.max_val = number_argument(max_val, "max_val", "Hardtanh")

    def forward(self, x):
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self):
        return _options(("min_val", self.min_val), ("max_val", self.max_val), inplace=self.inplace)


class ReLU6(Hardtanh):
    """min(max(0, x), 6), ``Hardtanh(0, 6)`` (as in PyTorch); slope 0 at 0 and at 6."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        """Only ``inplace=True`` when set: the bounds are fixed (PyTorch shows ``ReLU6()``)."""
        return _options(inplace=self.inplace)


class Hardsigmoid(_Activation):
    """clip(x / 6 + 1/2, 0, 1), a piecewise linear sigmoid."""

    def forward(self, x):
        return F.hardsigmoid(x)


class Hardswish(_Activation):
    """x * hardsigmoid(x), the MobileNetV3 activation."""

    def forward(self, x):
        return F.hardswish(x)


class PReLU(Module):
    """x where x > 0, else a x, with a learned slope a: one for all channels, or one per channel (axis 1).

    ``weight`` has shape ``(num_parameters,)`` and starts at ``init``;
    ``num_parameters`` is 1 or the number of channels C of inputs shaped
    ``(N, C, ...)``. ``dtype`` and ``device`` as ``Linear``'s (float64 unless given).

    >>> import tinygrad_nn as tg
    >>> tg.nn.PReLU()(tg.Tensor([-2.0, 3.0])).data
    array([-0.5,  3. ])
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        device_argument(device, "PReLU")
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, (int, np.integer)) \
                or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive int, got {num_parameters!r}")
        self.num_parameters = int(num_parameters)
        init = number_argument(init, "init", "PReLU")
        self.weight = new_parameter("PReLU", (self.num_parameters,), np.float64 if dtype is None else dtype,
                                 lambda shape, dtype: np.full(shape, init, dtype=dtype))

    def forward(self, x):
        return F.prelu(x, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


# ---------------------------------------------------------------- for nn.MLP
def activation_maker(activation, where="MLP"):
    """A zero-argument function making a fresh activation module from ``activation``.

    ``activation`` is a Module class (``nn.ReLU``), a Module instance
    (``nn.ELU(alpha=0.5)``: each call returns a deep copy, so layers never
    share a ``PReLU``'s slopes), or any zero-argument callable returning a
    Module (``lambda: nn.Softplus(beta=2)``).
    """
    if not isinstance(where, str) or not where:
        raise TypeError(f"activation_maker: where must be the caller's name (a str), got {where!r:.40}")
    if isinstance(activation, Module):
        return lambda: copy.deepcopy(activation)
    if callable(activation):
        def make():
            try:
                module = activation()
            except TypeError as error:
                raise TypeError(f"{where}: activation() failed: {error} (a class or function given as the "
                                "activation is called with no arguments)") from error
            if not isinstance(module, Module):
                raise TypeError(f"{where}: activation() returned a {type(module).__name__}, not a Module")
            return module
        return make
    raise TypeError(f"{where}: activation must be a Module class, a Module instance or a zero-argument "
                    f"callable making one (e.g. nn.ReLU or nn.ELU(alpha=0.5)), not {activation!r:.60}")

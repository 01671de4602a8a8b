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

For a weight of shape ``(out_features, in_features)`` (or ``(out, pieces,
in)`` for Maxout) ``fan_in`` is the last axis and ``fan_out`` the first.
Every function takes ``rng=None`` (the default generator of
``tinygrad_nn.random``, reseeded by ``tg.manual_seed``), an int seed, or a
``numpy.random.Generator``.
"""

import math
import numbers

import numpy as np

from ..engine import Tensor, no_grad
from ..random import as_rng

__all__ = ["calculate_gain", "fans", "zeros_", "ones_", "constant_", "normal_", "uniform_",
           "kaiming_normal_", "kaiming_uniform_", "xavier_normal_", "xavier_uniform_"]

_GAINS = {"linear": 1.0, "identity": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}


def calculate_gain(nonlinearity, param=None):
    """The recommended standard-deviation gain for a nonlinearity (PyTorch's table).

    ``"relu"``: sqrt(2); ``"leaky_relu"``: sqrt(2 / (1 + slope**2)) (slope
    ``param``, default 0.01); ``"tanh"``: 5/3; ``"sigmoid"``, ``"linear"``: 1.
    """
    if not isinstance(nonlinearity, str):
        raise TypeError(f"calculate_gain: nonlinearity must be a name such as 'relu', "
                        f"got {type(nonlinearity).__name__}")
    name = nonlinearity.lower()
    if name == "leaky_relu":
        slope = 0.01 if param is None else _real("calculate_gain", "param", param)
        return math.sqrt(2.0 / (1.0 + slope ** 2))
    if name not in _GAINS:
        raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; "
                         f"known: {', '.join(sorted(_GAINS) + ['leaky_relu'])}")
    return _GAINS[name]


def fans(shape):
    """``(fan_in, fan_out)`` of a weight shape: the last axis and the first axis."""
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


def constant_(tensor, value):
    """Fill with ``value`` (a number)."""
    _checked("constant_", tensor)
    if isinstance(value, Tensor) or not isinstance(value, numbers.Real):
        raise TypeError(f"constant_: value must be a number, got {type(value).__name__}")
    return _fill(tensor, value)


def normal_(tensor, mean=0.0, std=1.0, rng=None):
    """Fill with draws from N(mean, std**2)."""
    _checked("normal_", tensor)
    mean, std = _real("normal_", "mean", mean), _real("normal_", "std", std, at_least=0.0)
    return _fill(tensor, as_rng(rng, "normal_").normal(mean, std, size=tensor.shape))


def uniform_(tensor, low=0.0, high=1.0, rng=None):
    """Fill with draws from U(low, high)."""
    _checked("uniform_", tensor)
    low, high = _real("uniform_", "low", low), _real("uniform_", "high", high)
    if low > high:
        raise ValueError(f"uniform_: low must be <= high, got low={low:g}, high={high:g}")
    return _fill_uniform("uniform_", tensor, low, high, rng)


def _fill_uniform(op, tensor, low, high, rng):
    """Fill ``tensor`` with U(low, high) draws (``low <= high``, both finite); errors name ``op``."""
    if not math.isfinite(high - low):
        raise ValueError(f"{op}: U({low:g}, {high:g}) is too wide for float64 (high - low overflows)")
    return _fill(tensor, as_rng(rng, op).uniform(low, high, size=tensor.shape))


def kaiming_normal_(tensor, nonlinearity="relu", param=None, rng=None):
    """He/Kaiming normal: N(0, gain**2 / fan_in); for ReLU ``std = sqrt(2 / fan_in)``."""
    fan_in, _ = _fans("kaiming_normal_", tensor)
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, param) / math.sqrt(fan_in), rng)


def kaiming_uniform_(tensor, nonlinearity="relu", param=None, rng=None):
    """He/Kaiming uniform: U(-b, b) with ``b = gain * sqrt(3 / fan_in)`` (same variance as the normal)."""
    fan_in, _ = _fans("kaiming_uniform_", tensor)
    bound = calculate_gain(nonlinearity, param) * math.sqrt(3.0 / fan_in)
    return _fill_uniform("kaiming_uniform_", tensor, -bound, bound, rng)


def xavier_normal_(tensor, gain=1.0, rng=None):
    """Xavier/Glorot normal: N(0, gain**2 * 2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans("xavier_normal_", tensor)
    gain = _real("xavier_normal_", "gain", gain, at_least=0.0)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng)


def xavier_uniform_(tensor, gain=1.0, rng=None):
    """Xavier/Glorot uniform: U(-b, b) with ``b = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _fans("xavier_uniform_", tensor)
    bound = _real("xavier_uniform_", "gain", gain, at_least=0.0) * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill_uniform("xavier_uniform_", tensor, -bound, bound, rng)


def _fans(op, tensor):
    """``fans`` of a checked tensor's shape; a weight with no inputs (fan_in 0) cannot be scaled by it."""
    fan_in, fan_out = fans(_checked(op, tensor).shape)
    if fan_in == 0 or fan_in + fan_out == 0:
        raise ValueError(f"{op}: the tensor of shape {tensor.shape} has no inputs (fan_in = 0), so the scale "
                         f"1 / fan_in is undefined")
    return fan_in, fan_out

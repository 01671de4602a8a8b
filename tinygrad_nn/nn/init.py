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

import numpy as np

from ..engine import no_grad
from ..random import as_rng

__all__ = ["calculate_gain", "fans", "zeros_", "ones_", "constant_", "normal_", "uniform_",
           "kaiming_normal_", "kaiming_uniform_", "xavier_normal_", "xavier_uniform_"]

_GAINS = {"linear": 1.0, "identity": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}


def calculate_gain(nonlinearity, param=None):
    """The recommended standard-deviation gain for a nonlinearity (PyTorch's table).

    ``"relu"``: sqrt(2); ``"leaky_relu"``: sqrt(2 / (1 + slope**2)) (slope
    ``param``, default 0.01); ``"tanh"``: 5/3; ``"sigmoid"``, ``"linear"``: 1.
    """
    name = nonlinearity.lower()
    if name == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope ** 2))
    if name not in _GAINS:
        raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; "
                         f"known: {', '.join(sorted(_GAINS) + ['leaky_relu'])}")
    return _GAINS[name]


def fans(shape):
    """``(fan_in, fan_out)`` of a weight shape: the last axis and the first axis."""
    shape = tuple(shape)
    if len(shape) < 2:
        raise ValueError(f"fans: need a weight with at least 2 axes (out, in), got shape {shape}")
    inner = int(np.prod(shape[1:-1])) if len(shape) > 2 else 1
    return shape[-1], shape[0] * inner


def _fill(tensor, values):
    """Write ``values`` into ``tensor`` in place with ``copy_`` (under ``no_grad``: a parameter may be filled)."""
    if not tensor.data.flags.writeable:
        raise ValueError(f"nn.init: the tensor of shape {tensor.shape} is read-only (its data array is not writeable)")
    with no_grad():
        return tensor.copy_(values)


def zeros_(tensor):
    """Fill with 0."""
    return _fill(tensor, 0.0)


def ones_(tensor):
    """Fill with 1."""
    return _fill(tensor, 1.0)


def constant_(tensor, value):
    """Fill with ``value``."""
    return _fill(tensor, value)


def normal_(tensor, mean=0.0, std=1.0, rng=None):
    """Fill with draws from N(mean, std**2)."""
    return _fill(tensor, as_rng(rng).normal(mean, std, size=tensor.shape))


def uniform_(tensor, low=0.0, high=1.0, rng=None):
    """Fill with draws from U(low, high)."""
    return _fill(tensor, as_rng(rng).uniform(low, high, size=tensor.shape))


def kaiming_normal_(tensor, nonlinearity="relu", param=None, rng=None):
    """He/Kaiming normal: N(0, gain**2 / fan_in); for ReLU ``std = sqrt(2 / fan_in)``."""
    fan_in, _ = fans(tensor.shape)
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, param) / math.sqrt(fan_in), rng)


def kaiming_uniform_(tensor, nonlinearity="relu", param=None, rng=None):
    """He/Kaiming uniform: U(-b, b) with ``b = gain * sqrt(3 / fan_in)`` (same variance as the normal)."""
    fan_in, _ = fans(tensor.shape)
    bound = calculate_gain(nonlinearity, param) * math.sqrt(3.0 / fan_in)
    return uniform_(tensor, -bound, bound, rng)


def xavier_normal_(tensor, gain=1.0, rng=None):
    """Xavier/Glorot normal: N(0, gain**2 * 2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(tensor.shape)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng)


def xavier_uniform_(tensor, gain=1.0, rng=None):
    """Xavier/Glorot uniform: U(-b, b) with ``b = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = fans(tensor.shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, rng)

"""Activation functions as plain functions of Tensors: thin wrappers over the engine's ops.

Kink and tie conventions (tested): ``relu'(0) = 0``, ``leaky_relu'(0) =
negative_slope``, and in ``maxout`` tied maxima share the gradient evenly.
Arrays and numbers are accepted and turned into constant Tensors.
"""

import numbers

from ..engine import ShapeError, Tensor

__all__ = ["sigmoid", "tanh", "relu", "leaky_relu", "softmax", "log_softmax", "maxout"]


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def sigmoid(x):
    """1 / (1 + e**-x), elementwise; output in (0, 1), stable for any |x|."""
    return _tensor(x).sigmoid()


def tanh(x):
    """The hyperbolic tangent, elementwise; output in (-1, 1)."""
    return _tensor(x).tanh()


def relu(x):
    """max(0, x), elementwise; its gradient at 0 is 0."""
    return _tensor(x).relu()


def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else ``negative_slope * x``; its gradient at 0 is ``negative_slope``."""
    return _tensor(x).leaky_relu(negative_slope=negative_slope)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``, computed stably (rows sum to 1)."""
    return _tensor(x).softmax(axis=axis)


def log_softmax(x, axis=-1):
    """x - log(sum(exp(x))) along ``axis``, computed stably."""
    return _tensor(x).log_softmax(axis=axis)


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
    axis = axis % x.ndim if -x.ndim <= axis < x.ndim else None
    if axis is None:
        raise ShapeError(f"maxout: axis out of range for an input of shape {x.shape}")
    size = x.shape[axis]
    if size % pieces:
        raise ShapeError(f"maxout: axis {axis} of the input of shape {x.shape} has {size} features, "
                         f"not a multiple of pieces={pieces}")
    grouped = x.reshape(x.shape[:axis] + (size // pieces, pieces) + x.shape[axis + 1:])
    return grouped.max(axis=axis + 1)

"""Reduction methods of ``Tensor`` (sum, mean, max, ...) and the softmax family, one line each."""

import operator

from .. import ops

__all__ = ["ReductionMethods"]


class ReductionMethods:
    """Reductions over axes, each recorded as one op."""

    __slots__ = ()

    def sum(self, axis=None, keepdims=False):
        """Sum over ``axis`` (None: all axes)."""
        return ops.Sum.apply(self, axis=_axis(axis, "sum"), keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        """Mean over ``axis`` (None: all axes)."""
        return ops.Mean.apply(self, axis=_axis(axis, "mean"), keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        """Maximum over ``axis``; tied maxima share the gradient evenly."""
        return ops.Max.apply(self, axis=_axis(axis, "max"), keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        """Minimum over ``axis``; tied minima share the gradient evenly."""
        return ops.Min.apply(self, axis=_axis(axis, "min"), keepdims=keepdims)

    def softmax(self, axis=-1):
        """exp(x) / sum(exp(x)) along ``axis``, computed stably."""
        return ops.Softmax.apply(self, axis=_axis(axis, "softmax"))

    def log_softmax(self, axis=-1):
        """x - log(sum(exp(x))) along ``axis``, computed stably."""
        return ops.LogSoftmax.apply(self, axis=_axis(axis, "log_softmax"))


def _axis(axis, op):
    """``axis`` as None, a Python int or a tuple of ints (numpy integers and lists accepted)."""
    if axis is None:
        return None
    try:
        if isinstance(axis, (list, tuple)):
            return tuple(operator.index(a) for a in axis)
        return operator.index(axis)
    except TypeError:
        raise TypeError(f"{op}: axis must be None, an int or a tuple of ints, got {axis!r}") from None

"""Reduction methods of ``Tensor`` (sum, mean, max, ...) and the softmax family, one line each."""

from .. import ops
from .arguments import axis_argument, flag_argument

__all__ = ["ReductionMethods"]


class ReductionMethods:
    """Reductions over axes, each recorded as one op."""

    __slots__ = ()

    def sum(self, axis=None, keepdims=False):
        """Sum over ``axis`` (None: all axes)."""
        return ops.Sum.apply(self, **_reduction(self, axis, keepdims, "sum"))

    def mean(self, axis=None, keepdims=False):
        """Mean over ``axis`` (None: all axes)."""
        return ops.Mean.apply(self, **_reduction(self, axis, keepdims, "mean"))

    def max(self, axis=None, keepdims=False):
        """Maximum over ``axis``; tied maxima share the gradient evenly."""
        return ops.Max.apply(self, **_reduction(self, axis, keepdims, "max"))

    def min(self, axis=None, keepdims=False):
        """Minimum over ``axis``; tied minima share the gradient evenly."""
        return ops.Min.apply(self, **_reduction(self, axis, keepdims, "min"))

    def softmax(self, axis=-1):
        """exp(x) / sum(exp(x)) along ``axis``, computed stably."""
        return ops.Softmax.apply(self, axis=axis_argument(axis, "softmax", self.ndim))

    def log_softmax(self, axis=-1):
        """x - log(sum(exp(x))) along ``axis``, computed stably."""
        return ops.LogSoftmax.apply(self, axis=axis_argument(axis, "log_softmax", self.ndim))


def _reduction(tensor, axis, keepdims, op):
    """The checked options of a reduction: ``axis`` (None, an int or a tuple of ints) and ``keepdims``."""
    return {"axis": axis_argument(axis, op, tensor.ndim), "keepdims": flag_argument(keepdims, "keepdims", op)}

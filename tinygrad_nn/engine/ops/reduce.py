"""Reductions over axes: sum, mean, max, min."""

import numpy as np

from ..function import Function
from .helpers import is_array, kept_shape, reduce_along
from .shape import BroadcastTo


def _spread(grad, shape, axis, keepdims):
    """The gradient of a reduction, given back the reduced axes and spread over ``shape`` (a new array)."""
    if shape and not keepdims and axis is not None:  # (a 0-d gradient of axis=None broadcasts as it is)
        grad = grad.reshape(kept_shape(shape, axis))
    if is_array(grad):
        spread = np.empty(shape, grad.dtype)  # a new array (no leaf copy later); np.full costs 0.3 us more
        spread[...] = grad
        return spread
    return BroadcastTo.apply(grad, shape=shape)


class Sum(Function):
    """sum(x, axis);  dx = g broadcast back over the summed axes."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        return np.asarray(reduce_along(np.add, x, axis, keepdims))

    @staticmethod
    def backward(ctx, grad):
        return _spread(grad, ctx.shape, ctx.axis, ctx.keepdims)


class Mean(Function):
    """mean(x, axis);  dx = g / n broadcast back, n the number of averaged elements."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        out = np.asarray(reduce_along(np.add, x, axis, keepdims))
        if axis is None or x.ndim == 0:
            count = x.size
        else:
            axes = (axis,) if isinstance(axis, int) else axis
            count = int(np.prod([x.shape[a] for a in axes]))
        if count == 0 and out.size:
            raise ValueError(f"the mean of zero elements is undefined (axis={axis} selects only empty axes)")
        ctx.count = max(count, 1)  # an empty output (nothing averaged into nothing) stays empty
        return out / out.dtype.type(ctx.count)

    @staticmethod
    def backward(ctx, grad):
        return _spread(grad / grad.dtype.type(ctx.count), ctx.shape, ctx.axis, ctx.keepdims)


class _Extremum(Function):
    """Shared by max and min: the gradient goes to the extreme entries, split evenly among ties."""

    ufunc = None  # np.maximum or np.minimum

    @classmethod
    def forward(cls, ctx, x, axis=None, keepdims=False):
        out = np.asarray(reduce_along(cls.ufunc, x, axis))
        if ctx.needs_input_grad[0]:  # where the extremes are: only backward needs it
            hits = x == out
            if np.isnan(out).any():  # a NaN is the extreme (NaN != NaN): its gradient goes to the NaN entries
                hits |= np.isnan(x) & np.isnan(out)
            ctx.save_for_backward(hits, hits.sum(axis=axis, keepdims=True))
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        return out if keepdims else np.asarray(_squeeze(out, axis))

    @staticmethod
    def backward(ctx, grad):
        hits, count = ctx.saved_tensors  # where the extremes are, and how many tie in each reduced group
        return _spread(grad, ctx.shape, ctx.axis, ctx.keepdims) * (hits / count).astype(grad.dtype)


def _squeeze(out, axis):
    return out.reshape(()) if axis is None else np.squeeze(out, axis=axis)


class Max(_Extremum):
    """max(x, axis);  dx = g / k at each of the k tied maxima, 0 elsewhere."""

    ufunc = np.maximum


class Min(_Extremum):
    """min(x, axis);  dx = g / k at each of the k tied minima, 0 elsewhere."""

    ufunc = np.minimum

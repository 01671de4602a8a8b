"""Reductions over axes: sum, mean, max, min."""

import numpy as np

from ..function import Function


def reduce_along(ufunc, x, axis, keepdims=True):
    """``ufunc.reduce(x, axis=axis, keepdims=keepdims)``, fast also when ``axis`` is one short axis.

    numpy reduces many short rows slowly: the max of each row of a (300, 3)
    array takes ~12 us, and ~2.5 us once the axis is moved first so the
    reduction runs over a few long contiguous rows (softmax over 3 or 10
    classes is exactly this case). Same values; for ``np.add`` the terms are
    summed in the same order.

    >>> reduce_along(np.maximum, np.arange(6.0).reshape(3, 2), 1).ravel()
    array([1., 3., 5.])
    """
    if not isinstance(axis, int):  # None or a tuple of axes: numpy as is
        return ufunc.reduce(x, axis=axis, keepdims=keepdims)
    ndim = x.ndim
    position = axis + ndim if -ndim <= axis < 0 else axis
    length = x.shape[position] if 0 <= position < ndim else 0
    if 0 < length <= 16 and x.size >= 128 * length:
        moved = np.ascontiguousarray(x.T if ndim == 2 and position == 1 else np.moveaxis(x, position, 0))
        reduced = ufunc.reduce(moved, axis=0)
        shape = list(x.shape)
        if keepdims:
            shape[position] = 1
        else:
            del shape[position]
        return reduced.reshape(shape)
    return ufunc.reduce(x, axis=axis, keepdims=keepdims)


def _expand(grad, shape, axis, keepdims):
    """Give a reduced gradient back the reduced axes so it broadcasts against ``shape``."""
    if not shape:  # a 0-d input (numpy accepts axis 0 or -1 for it): nothing was removed
        return np.reshape(grad, ())
    if not keepdims and axis is not None:
        axes = (axis,) if isinstance(axis, int) else axis
        grad = np.expand_dims(grad, tuple(a % len(shape) for a in axes))
    # axis=None without keepdims: grad is 0-d and already broadcasts against any shape
    return grad


class Sum(Function):
    """sum(x, axis);  dx = g broadcast back over the summed axes."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape = x.shape
        return np.asarray(reduce_along(np.add, x, axis, keepdims))

    @staticmethod
    def backward(ctx, grad):
        kwargs = ctx.kwargs
        grad = _expand(grad, ctx.shape, kwargs.get("axis"), kwargs.get("keepdims", False))
        return np.full(ctx.shape, grad)  # a new array: cheaper than np.broadcast_to for small shapes, no leaf copy


class Mean(Function):
    """mean(x, axis);  dx = g / n broadcast back, n the number of averaged elements."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape = x.shape
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
        kwargs = ctx.kwargs
        grad = _expand(grad, ctx.shape, kwargs.get("axis"), kwargs.get("keepdims", False))
        return np.full(ctx.shape, grad / grad.dtype.type(ctx.count))


class _Extremum(Function):
    """Shared backward of max and min: the gradient goes to the extreme entries, split evenly among ties."""

    ufunc = None  # np.maximum or np.minimum

    @classmethod
    def forward(cls, ctx, x, axis=None, keepdims=False):
        out = np.asarray(reduce_along(cls.ufunc, x, axis))
        ctx.save_for_backward(x, out)
        return out if keepdims else np.asarray(_squeeze(out, axis))

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        kwargs = ctx.kwargs
        grad = _expand(grad, x.shape, kwargs.get("axis"), kwargs.get("keepdims", False))
        hits = x == out
        count = hits.sum(axis=kwargs.get("axis"), keepdims=True)
        if not count.all():  # a NaN is the extreme (NaN != NaN): its gradient goes to the NaN entries
            hits |= np.isnan(x) & np.isnan(out)
            count = hits.sum(axis=kwargs.get("axis"), keepdims=True)
        return grad * hits / count.astype(grad.dtype)


def _squeeze(out, axis):
    return out.reshape(()) if axis is None else np.squeeze(out, axis=axis)


class Max(_Extremum):
    """max(x, axis);  dx = g / k at each of the k tied maxima, 0 elsewhere."""

    ufunc = np.maximum


class Min(_Extremum):
    """min(x, axis);  dx = g / k at each of the k tied minima, 0 elsewhere."""

    ufunc = np.minimum

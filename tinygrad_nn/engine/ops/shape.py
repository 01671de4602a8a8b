"""Shape operations: reshape, transpose, indexing (and its transpose, scatter-add), concatenate, stack,
broadcast_to, and casting to another dtype."""

import numpy as np

from ..broadcasting import unbroadcast
from ..errors import ShapeError
from ..function import Function
from .helpers import is_array


class Reshape(Function):
    """x.reshape(shape);  dx = g.reshape(x.shape)."""

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class Transpose(Function):
    """x.transpose(axes);  dx = g.transpose(inverse permutation)."""

    @staticmethod
    def forward(ctx, x, axes=None):
        out = np.transpose(x, axes)  # raises for axes that are not a permutation
        ctx.inverse = None if axes is None else tuple(int(i) for i in np.argsort([axis % x.ndim for axis in axes]))
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose() if ctx.inverse is None else grad.transpose(ctx.inverse)


def is_basic_index(index):
    """True when ``index`` selects each element at most once (no integer arrays)."""
    items = index if isinstance(index, tuple) else (index,)
    for item in items:
        if isinstance(item, (list, np.ndarray)) and np.asarray(item).dtype.kind != "b":
            return False
    return True


def scatter_add(grad, shape, index):
    """Zeros of ``shape`` with ``grad`` added at ``index`` (repeated indices accumulate): an array."""
    out = np.zeros(shape, dtype=grad.dtype)
    if is_basic_index(index):
        out[index] = grad
    else:
        np.add.at(out, index, grad)
    return out


class GetItem(Function):
    """x[index];  dx = zeros with g scattered at index (repeated indices accumulate)."""

    @staticmethod
    def forward(ctx, x, index=None):
        if isinstance(index, np.ndarray) and index.dtype.kind == "f":
            raise IndexError(f"indices must be integers or booleans, got dtype {index.dtype}")
        ctx.shape, ctx.index = x.shape, index
        return np.asarray(x[index])

    @staticmethod
    def backward(ctx, grad):
        if is_array(grad):
            return scatter_add(grad, ctx.shape, ctx.index)
        return ScatterAdd.apply(grad, shape=ctx.shape, index=ctx.index)


class ScatterAdd(Function):
    """zeros(shape) with g added at index: the transpose of indexing;  dg = (upstream)[index]."""

    @staticmethod
    def forward(ctx, grad, shape=(), index=None):
        ctx.index = index
        return scatter_add(grad, shape, index)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.index]


class Concatenate(Function):
    """concatenate(xs, axis);  each dx is its slice of g."""

    @staticmethod
    def forward(ctx, *xs, axis=0):
        try:
            out = np.concatenate(xs, axis=axis)
        except np.exceptions.AxisError:
            raise
        except ValueError as error:  # numpy's message says "dimensions", not "shape": name it a shape error
            raise ShapeError(f"Concatenate: cannot join shapes {' and '.join(str(x.shape) for x in xs)} along "
                             f"axis {axis}: {error}") from None
        ctx.axis = axis
        ctx.bounds = np.cumsum([0] + [x.shape[axis] for x in xs]).tolist()
        return out

    @staticmethod
    def backward(ctx, grad):
        axis = ctx.axis % grad.ndim
        before = (slice(None),) * axis
        return tuple(grad[before + (slice(start, stop),)] for start, stop in zip(ctx.bounds, ctx.bounds[1:]))


class Stack(Function):
    """stack(xs, axis);  each dx is g indexed at its position along the new axis."""

    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        return np.stack(xs, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        axis = ctx.axis % grad.ndim
        before = (slice(None),) * axis
        return tuple(grad[before + (i,)] for i in range(grad.shape[axis]))


class BroadcastTo(Function):
    """broadcast_to(x, shape) (a new array);  dx = g summed over the broadcast axes."""

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.shape = x.shape
        return np.array(np.broadcast_to(x, shape))

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.shape)


class Cast(Function):
    """x.astype(dtype) for a floating dtype;  dx = g cast back to x's dtype."""

    @staticmethod
    def forward(ctx, x, dtype=None):
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"astype: a tensor in the graph can only become another floating dtype, not {dtype}")
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype)

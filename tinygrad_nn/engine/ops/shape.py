"""Shape operations: reshape, transpose, indexing, concatenate, stack."""

import numpy as np

from ..function import Function


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
        ctx.inverse = None if axes is None else tuple(np.argsort([axis % x.ndim for axis in axes]))
        return out

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, ctx.inverse)


def _is_basic(index):
    """True when ``index`` selects each element at most once (no integer arrays)."""
    items = index if isinstance(index, tuple) else (index,)
    for item in items:
        if isinstance(item, (list, np.ndarray)) and np.asarray(item).dtype.kind != "b":
            return False
    return True


class GetItem(Function):
    """x[index];  dx = zeros with g scattered at index (np.add.at, so repeated indices accumulate)."""

    @staticmethod
    def forward(ctx, x, index=None):
        ctx.shape = x.shape
        if isinstance(index, np.ndarray) and index.dtype.kind == "f":
            raise IndexError(f"indices must be integers or booleans, got dtype {index.dtype}")
        return np.asarray(x[index])

    @staticmethod
    def backward(ctx, grad):
        index = ctx.kwargs["index"]
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        if _is_basic(index):
            out[index] = grad
        else:
            np.add.at(out, index, grad)
        return out


class Concatenate(Function):
    """concatenate(xs, axis);  each dx is its slice of g."""

    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.splits = np.cumsum([x.shape[axis] for x in xs])[:-1]
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.split(grad, ctx.splits, axis=ctx.kwargs.get("axis", 0)))


class Stack(Function):
    """stack(xs, axis);  each dx is g indexed at its position along the new axis."""

    @staticmethod
    def forward(ctx, *xs, axis=0):
        return np.stack(xs, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        axis = ctx.kwargs.get("axis", 0)
        return tuple(np.moveaxis(grad, axis, 0))

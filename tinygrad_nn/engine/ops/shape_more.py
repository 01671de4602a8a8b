"""More shape operations: flip, constant padding, tiling, and a differentiable copy (clone).

Each backward is written with indexing, ``reshape`` and ``sum``, which work
on arrays and, under ``create_graph=True``, on Tensors (see ``function.py``).
"""

import numpy as np

from ..function import Function

__all__ = ["Flip", "Pad", "Tile", "Clone", "OPS_TABLE"]

# (name, formula, derivative, convention at kinks): the shape ops' rows of docs/ops.md
OPS_TABLE = [
    ("flatten, unflatten, squeeze, unsqueeze, view", "the same values in another shape (a reshape)",
     "g reshaped back", "none"),
    ("permute, swapaxes", "the axes in another order (a transpose)", "g with the inverse order", "none"),
    ("expand", "x broadcast to a larger shape", "g summed over the broadcast axes", "none"),
    ("flip", "x reversed along dims", "g reversed along dims", "none"),
    ("pad", "x surrounded by a constant", "g with the padding cut off", "none"),
    ("repeat, tile", "x tiled reps times", "g summed over the copies", "none"),
    ("repeat_interleave", "each entry repeated (an index)", "g summed over the repeats", "none"),
    ("split, chunk", "consecutive pieces (slices)", "each piece's g in its slice", "none"),
    ("clone", "a copy of x", "g", "none"),
]


class Flip(Function):
    """x reversed along ``axes``;  dx = g reversed along the same axes."""

    @staticmethod
    def forward(ctx, x, axes=()):
        ctx.axes = axes
        return np.flip(x, axes)

    @staticmethod
    def backward(ctx, grad):
        index = [slice(None)] * grad.ndim
        for axis in ctx.axes:
            index[axis] = slice(None, None, -1)
        return grad[tuple(index)]


class Pad(Function):
    """x surrounded by ``value``: ``widths[i] = (before, after)`` entries on axis i;  dx = g with the padding cut off."""

    @staticmethod
    def forward(ctx, x, widths=(), value=0.0):
        ctx.inside = tuple(slice(before, before + size) for (before, _), size in zip(widths, x.shape))
        return np.pad(x, widths, mode="constant", constant_values=x.dtype.type(value))

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.inside]


class Tile(Function):
    """x tiled ``reps[i]`` times along axis i (numpy's tile, PyTorch's repeat);  dx = g summed over the copies.

    ``reps`` has at least ``x.ndim`` entries; extra leading ones add axes.
    """

    @staticmethod
    def forward(ctx, x, reps=()):
        shape = (1,) * (len(reps) - x.ndim) + x.shape
        ctx.shape = x.shape
        # g of shape (r0*s0, r1*s1, ...) viewed as (r0, s0, r1, s1, ...): the copies lie along the even axes
        ctx.split = tuple(size for pair in zip(reps, shape) for size in pair)
        ctx.copies = tuple(range(0, 2 * len(reps), 2))
        return np.tile(x, reps)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.split).sum(axis=ctx.copies).reshape(ctx.shape)


class Clone(Function):
    """A copy of x (PyTorch's clone: the result is a new array in the graph);  dx = g."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad

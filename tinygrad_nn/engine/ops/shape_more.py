"""More shape operations: flip, constant padding, tiling, and a differentiable copy (clone).

Each backward is written with indexing, ``reshape`` and ``sum``, which work
on arrays and, under ``create_graph=True``, on Tensors (see ``function.py``).
"""

import numpy as np

from ..function import Function

__all__ = ["Flip", "Pad", "Tile", "Clone", "CATALOG"]

# Rows of the ops table in docs/ops.md, in the fields of ``tinygrad_nn.catalog.Entry``: ``Entry(**fields)`` each.
CATALOG = [
    dict(op="flatten", api=("Tensor.flatten", "tg.flatten", "nn.Flatten"),
         value="axes start_dim..end_dim merged (a reshape)",
         derivative="g reshaped back"),
    dict(op="unflatten", api=("Tensor.unflatten", "nn.Unflatten"), value="one axis split into several (a reshape)",
         derivative="g reshaped back"),
    dict(op="squeeze", api=("Tensor.squeeze", "tg.squeeze",),
         value="size-1 axes removed (others named are kept, as PyTorch)",
         derivative="g reshaped back"),
    dict(op="unsqueeze", api=("Tensor.unsqueeze", "tg.unsqueeze",),
         value="a size-1 axis inserted", derivative="g reshaped back"),
    dict(op="view", api=("Tensor.view",), value="PyTorch's name for reshape", derivative="g reshaped back"),
    dict(op="permute", api=("Tensor.permute", "Tensor.swapaxes"), value="axes in a new order (a transpose)",
         derivative="g with the inverse order"),
    dict(op="expand", api=("Tensor.expand", "Tensor.expand_as",), value="size-1 axes broadcast (-1 keeps an axis)",
         derivative="g summed over the expanded axes"),
    dict(op="flip", api=("Tensor.flip", "np.flip"), value="x reversed along dims", derivative="g reversed along dims"),
    dict(op="pad", api=("F.pad", "np.pad"), value="x surrounded by a constant (F.pad: last axis first; "
         "negative widths crop)", derivative="g with the padding cut off"),
    dict(op="repeat", api=("Tensor.repeat", "Tensor.tile", "np.tile"), value="x tiled reps times per axis",
         derivative="g summed over the copies"),
    dict(op="repeat_interleave", api=("Tensor.repeat_interleave", "np.repeat"),
         value="each entry repeated along dim", derivative="g summed over each entry's repeats"),
    dict(op="split", api=("Tensor.split", "tg.split", "tg.chunk", "Tensor.chunk"),
         value="consecutive pieces along dim (slices)",
         derivative="each piece's g in its slice"),
    dict(op="argsort", api=("Tensor.argsort",), value="the indices that sort x along dim (int64, stable; NaN is the largest value)",
         derivative="none (an integer result)"),
    dict(op="clone", api=("Tensor.clone",), value="a copy of x in the graph", derivative="g"),
    dict(op="contiguous", api=("Tensor.contiguous", "Tensor.cpu"), value="x itself (PyTorch's layout and device "
         "steps, which numpy on the CPU does not need)", derivative="g"),
    dict(op="new_zeros", api=("Tensor.new_zeros", "Tensor.new_ones"), value="zeros or ones of a size, in x's dtype",
         derivative="none (a new leaf)"),
    dict(op="to", api=("Tensor.to", "Tensor.type_as", "Tensor.float", "Tensor.double", "Tensor.half", "Tensor.long",
                       "Tensor.int", "Tensor.bool"),
         value="x in another dtype", derivative="g cast back to x's dtype (between floating dtypes)"),
    dict(op="numel", api=("Tensor.numel", "tg.numel", "Tensor.dim"), value="the number of elements, of axes (ints)",
         derivative="none (an int)"),
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
        out_shape = tuple(r * size for r, size in zip(reps, shape))
        if 0 in out_shape:  # np.tile would first build the copies along the other axes, maybe terabytes of them
            return np.zeros(out_shape, dtype=x.dtype)
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

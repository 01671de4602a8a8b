"""Elementwise minimum, and clamping between bounds that are Tensors themselves.

``Clip`` (in ``unary.py``) clamps to fixed numbers or arrays; ``Clamp`` here
takes bounds that may need gradients, such as a learned ceiling.
"""

import numpy as np

from ..function import Function
from .select import Maximum

__all__ = ["Minimum", "Clamp"]


class Minimum(Function):
    """minimum(a, b);  the smaller input gets g, ties split it evenly (g/2 each), as ``Maximum``."""

    @staticmethod
    def forward(ctx, a, b):
        if True in ctx.needs_input_grad:
            ctx.save_for_backward(a < b, a == b)  # masks: who wins, and where they tie
        return np.minimum(a, b)

    backward = staticmethod(Maximum.backward)  # the same masks, the same split of g


class Clamp(Function):
    """min(max(x, lo), hi) with Tensor bounds (broadcast together);  the gradient goes to the active one.

    dx = g where lo <= x <= hi (bounds included, as ``Clip``), dlo = g where
    x < lo, dhi = g where x > hi: PyTorch's ``clamp`` with tensor bounds. A
    missing bound is passed as -inf or +inf. Needs lo <= hi everywhere; a
    NaN bound gives NaN there, as in PyTorch, and where x or a bound is NaN
    no input gets a gradient (as ``Clip`` and PyTorch).
    """

    @staticmethod
    def forward(ctx, x, lo, hi):
        crossed = lo > hi
        if crossed.any():
            raise ValueError(f"clamp needs min <= max everywhere; min > max at {int(np.count_nonzero(crossed))} "
                             f"of {crossed.size} positions (min of shape {lo.shape}, max of shape {hi.shape})")
        below, above = x < lo, x > hi
        inside = (x >= lo) & (x <= hi)  # not ~(below | above): a NaN (in x or a bound) is neither, and gets 0
        ctx.save_for_backward(inside, below, above)
        # np.maximum / np.minimum pass a NaN bound on (PyTorch's NaN too), where comparisons would skip it
        return np.minimum(np.maximum(x, lo), hi).astype(np.result_type(x, lo, hi), copy=False)

    @staticmethod
    def backward(ctx, grad):
        inside, below, above = ctx.saved_tensors
        needs = ctx.needs_input_grad
        return (np.where(inside, grad, 0) if needs[0] else None,
                np.where(below, grad, 0) if needs[1] else None,
                np.where(above, grad, 0) if needs[2] else None)

"""Elementwise selection: maximum and where."""

import numpy as np

from ..function import Function


class Maximum(Function):
    """maximum(a, b);  the larger input gets g, ties split it evenly (g/2 each)."""

    @staticmethod
    def forward(ctx, a, b):
        if True in ctx.needs_input_grad:
            ctx.save_for_backward(a > b, a == b)  # masks: who wins, and where they tie
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a_wins, tie = ctx.saved_tensors
        da, db = ctx.needs_input_grad
        share_a = a_wins + grad.dtype.type(0.5) * tie  # an array in grad's dtype: 1, 1/2 or 0
        grad_a = grad * share_a if da else None
        grad_b = grad * (1 - share_a) if db else None
        return grad_a, grad_b


class Where(Function):
    """where(cond, a, b);  da = g where cond, db = g where not cond (cond gets no gradient)."""

    @staticmethod
    def forward(ctx, a, b, condition=None):
        condition = np.asarray(condition, dtype=bool)
        ctx.save_for_backward(condition)
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        da, db = ctx.needs_input_grad
        return (np.where(condition, grad, 0) if da else None,
                np.where(condition, 0, grad) if db else None)

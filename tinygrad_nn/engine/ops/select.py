"""Elementwise selection: maximum and where."""

import numpy as np

from ..function import Function


class Maximum(Function):
    """maximum(a, b);  the larger input gets g, ties split it evenly (g/2 each)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        da, db = ctx.needs_input_grad
        share_a = (a > b) + 0.5 * (a == b)
        grad_a = grad * share_a.astype(grad.dtype, copy=False) if da else None
        grad_b = grad * (1 - share_a).astype(grad.dtype, copy=False) if db else None
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
        zero = np.zeros((), dtype=grad.dtype)
        return (np.where(condition, grad, zero) if da else None,
                np.where(condition, zero, grad) if db else None)

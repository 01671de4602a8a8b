"""Losses that need their own backward: binary cross-entropy on probabilities.

``functional.binary_cross_entropy`` records it. The targets and weights are
inputs of the op (constant Tensors, without gradient), so under
``create_graph=True`` the backward sees them as Tensors and stays
differentiable.
"""

import numpy as np

from ..function import Function

__all__ = ["BinaryCrossEntropy"]

_EPSILON = 1e-12  # the gradient's denominator x (1 - x) is kept above this, as PyTorch does


class BinaryCrossEntropy(Function):
    """-w (t log x + (1 - t) log(1 - x)), each log clamped at -100;  dx = g w (x - t) / max(x (1 - x), 1e-12).

    The clamp (PyTorch's) keeps the loss finite at x = 0 and x = 1 (at most
    100 per element); the gradient's denominator is kept above 1e-12 there.
    ``targets`` and ``weight`` get no gradient.
    """

    @staticmethod
    def forward(ctx, x, targets, weight):
        with np.errstate(divide="ignore"):  # log 0 = -inf, clamped at -100 right away
            log_x = np.maximum(np.log(x), -100)
            log_rest = np.maximum(np.log1p(-x), -100)
        ctx.save_for_backward(x, targets, weight)
        return -weight * (targets * log_x + (1 - targets) * log_rest)

    @staticmethod
    def backward(ctx, grad):
        x, targets, weight = ctx.saved_tensors
        return grad * weight * (x - targets) / np.maximum(x * (1 - x), _EPSILON), None, None

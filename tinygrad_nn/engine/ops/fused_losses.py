"""Losses that need their own backward: binary cross-entropy on probabilities.

``functional.binary_cross_entropy`` records it. The targets and weights are
inputs of the op (constant Tensors, without gradient), so under
``create_graph=True`` the backward sees them as Tensors and stays
differentiable.
"""

import numpy as np

from ..function import Function

__all__ = ["BinaryCrossEntropy", "OPS_TABLE"]

# (name, formula, derivative, convention at kinks): the losses' rows of docs/ops.md
OPS_TABLE = [
    ("cross_entropy", "-w_y log softmax(x)_y (mean over the weights of the labels)", "w_y (softmax(x) - onehot(y))",
     "label smoothing mixes in -sum_c w_c log softmax(x)_c / C"),
    ("nll_loss", "-w_y x_y", "-w_y at the label, 0 elsewhere", "ignore_index rows count 0"),
    ("binary_cross_entropy", "-w (t log x + (1 - t) log(1 - x)), logs clamped at -100",
     "w (x - t) / max(x (1 - x), 1e-12)", "finite at x = 0 and x = 1 (clamped)"),
    ("binary_cross_entropy_with_logits", "w (l softplus(-x) + (1 - t) x), l = 1 + (pos_weight - 1) t",
     "w ((1 - t) - l sigmoid(-x))", "none"),
    ("kl_div", "t (log t - x), 0 where t = 0", "-t", "none"),
    ("mse_loss", "(x - t)**2", "2 (x - t)", "none"),
    ("l1_loss", "|x - t|", "sign(x - t)", "0 at x = t"),
    ("smooth_l1_loss", "0.5 d**2 / beta if |d| < beta else |d| - 0.5 beta", "d / beta, else sign(d)",
     "beta = 0 is l1_loss"),
    ("huber_loss", "0.5 d**2 if |d| < delta else delta (|d| - 0.5 delta)", "d, else delta sign(d)", "none"),
    ("hinge_loss", "max(0, 1 - y s)", "-y where y s < 1", "1/2 of -y at y s = 1"),
    ("multiclass_hinge_loss", "sum_{j != y} max(0, s_j - s_y + delta)", "+1 at s_j, -1 at s_y per active margin",
     "1/2 at a margin of exactly 0"),
]

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

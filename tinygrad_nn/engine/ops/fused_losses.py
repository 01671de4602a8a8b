"""Losses that need their own backward: binary cross-entropy on probabilities.

``functional.binary_cross_entropy`` records it. The targets and weights are
inputs of the op, so under ``create_graph=True`` the backward sees them as
Tensors and stays differentiable. The targets get a gradient when they
require grad (``needs_input_grad[1]``, as in PyTorch); the weights never do.
"""

import numpy as np

from ..function import Function

__all__ = ["BinaryCrossEntropy"]

_EPSILON = 1e-12  # the gradient's denominator x (1 - x) is kept above this, as PyTorch does
_LOG_FLOOR = -100  # each log is clamped here (PyTorch's rule)
_TINY = float(np.exp(_LOG_FLOOR))  # log x >= -100 exactly where x >= e**-100


def _clamped_log(x, rest=False):
    """max(log x, -100) (``rest``: max(log(1 - x), -100)) for an array or a Tensor.

    Written with ``where`` rather than ``maximum`` so that its derivative is
    finite (0) also where the log is -inf (x = 0 or x = 1), under create_graph too.
    """
    inside = x < 1 - _TINY if rest else x > _TINY
    safe = np.where(inside, x, 0 if rest else 1)
    return np.where(inside, np.log1p(-safe) if rest else np.log(safe), _LOG_FLOOR)


class BinaryCrossEntropy(Function):
    """-w (t log x + (1 - t) log(1 - x)), each log clamped at -100;  dx = g w (x - t) / max(x (1 - x), 1e-12),
    dt = g w (log(1 - x) - log x) (the clamped logs).

    The clamp (PyTorch's) keeps the loss finite at x = 0 and x = 1 (at most
    100 per element); the gradient's denominator is kept above 1e-12 there.
    The target's gradient is that of the clamped loss, so it is finite
    (+-100 w) where PyTorch's ``-logit(x)`` is infinite (x below e**-100 or
    x = 1). ``weight`` gets no gradient.
    """

    @staticmethod
    def forward(ctx, x, targets, weight):
        with np.errstate(divide="ignore"):  # log 0 = -inf, clamped at -100 right away
            log_x = np.maximum(np.log(x), _LOG_FLOOR)
            log_rest = np.maximum(np.log1p(-x), _LOG_FLOOR)
        ctx.save_for_backward(x, targets, weight)
        return -weight * (targets * log_x + (1 - targets) * log_rest)

    @staticmethod
    def backward(ctx, grad):
        x, targets, weight = ctx.saved_tensors
        needs_x, needs_targets = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        grad_x = grad * weight * (x - targets) / np.maximum(x * (1 - x), _EPSILON) if needs_x else None
        if not needs_targets:  # the common case: labels or constant targets
            return grad_x, None, None
        return grad_x, grad * weight * (_clamped_log(x, rest=True) - _clamped_log(x)), None

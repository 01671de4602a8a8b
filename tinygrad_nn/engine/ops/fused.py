"""Fused ops: one node (and one hand-written backward) where a composition would be slower.

``functional.cross_entropy``, ``functional.l2_penalty`` and ``functional.multiclass_hinge_loss``
record these.
"""

import numpy as np

from ..function import Function
from .helpers import is_array, masked, reduce_along


class SoftmaxCrossEntropy(Function):
    """mean_i -log softmax(s_i)[y_i];  ds = (softmax(s) - onehot(y)) / N.

    The fused form of ``-s.log_softmax(axis=1)[rows, y].mean()``: one node
    instead of four, and the gradient in one pass, as the CS231n notes
    compute it. Stable at any scale: the exponentials are of ``s - max(s)``
    <= 0. ``labels`` is an integer array of shape (N,) in [0, C).
    ``ignore_index`` is given when the label ``cross_entropy`` ignores is a
    class index: it takes this path only when no label equals it, and a
    compiled step (``tg.compile``) checks the same on every call.
    """

    @staticmethod
    def forward(ctx, scores, labels=None, ignore_index=None):
        rows = np.arange(scores.shape[0])
        shifted = scores - reduce_along(np.maximum, scores, 1)
        exp = np.exp(shifted)
        sums = reduce_along(np.add, exp, 1)
        ctx.save_for_backward(scores, exp, sums)
        ctx.rows, ctx.labels = rows, labels
        losses = np.log(sums[:, 0]) - shifted[rows, labels]
        return np.asarray(losses.sum() / losses.size, dtype=scores.dtype)  # np.mean's value, 1.8 us sooner: (a+nn) -1%

    @staticmethod
    def backward(ctx, grad):
        scores, exp, sums = ctx.saved_tensors
        rows, labels = ctx.rows, ctx.labels
        if not is_array(grad):  # recording (create_graph): softmax from the scores themselves
            onehot = np.zeros(scores.shape, dtype=scores.dtype)
            onehot[rows, labels] = 1
            return (scores.softmax(axis=1) - onehot) * (grad / grad.dtype.type(len(rows)))
        probs = exp / sums  # the softmax, from what forward computed
        probs[rows, labels] -= 1
        probs *= grad / probs.dtype.type(len(rows))
        return probs


class SumOfSquares(Function):
    """sum over the inputs p of sum(p**2);  dp = 2 g p.

    One node for a whole list of parameters (instead of a square, a sum and
    an add per parameter), for speed; it is ``l2_penalty``'s only op.
    """

    @staticmethod
    def forward(ctx, *params):
        ctx.save_for_backward(*params)
        total = np.zeros((), dtype=np.result_type(*params))
        for param in params:
            total = total + np.vdot(param, param)
        return np.asarray(total)

    @staticmethod
    def backward(ctx, grad):
        twice = grad * 2
        return tuple(twice * param if needed else None
                     for param, needed in zip(ctx.saved_tensors, ctx.needs_input_grad))


class WrongClasses(Function):
    """x with each row's correct class zeroed: x * mask, mask 0 at [i, labels[i]], else 1;  dx = g * mask.

    The mask is made inside the op from ``labels``, so a compiled function
    makes it again on every call from that call's labels.
    """

    @staticmethod
    def forward(ctx, x, labels=None):
        mask = np.ones(x.shape, dtype=bool)  # a mask carries no gradient, also under create_graph
        mask[np.arange(len(labels)), labels] = 0
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return masked(grad, mask)

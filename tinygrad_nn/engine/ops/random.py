"""Operations that draw random numbers: dropout.

The draw happens inside the op's ``forward``, so it is part of the recorded
graph: a compiled function (``tinygrad_nn.compile``) draws a fresh mask on
every call instead of replaying the one drawn while it was traced.
"""

from ..function import Function
from ..grad_mode import notify_tracer
from ...random import as_rng  # the library's seeding (numpy only): tg.manual_seed reaches every mask


class Dropout(Function):
    """x * mask, mask = (u >= p) / (1 - p) with u uniform in [0, 1);  dx = g * mask.

    ``rng`` is a ``numpy.random.Generator``, or None for the default generator
    at the time of the call (``tinygrad_nn.random.default_rng()``, which
    ``tg.manual_seed`` replaces). Each element is kept with probability
    ``1 - p`` and scaled by ``1 / (1 - p)`` ("inverted" dropout).
    """

    @staticmethod
    def forward(ctx, x, p=0.5, rng=None):
        notify_tracer("random", ctx)  # a compiled function draws in the same order as the eager one
        keep = as_rng(rng).random(x.shape) >= p
        mask = keep.astype(x.dtype) / x.dtype.type(1.0 - p)
        ctx.save_for_backward(keep)  # a boolean mask carries no gradient, also under create_graph
        ctx.kept = 1.0 - p
        ctx.keep = keep  # kept after backward releases saved_tensors: replay rebuilds the output from it
        return x * mask

    @staticmethod
    def backward(ctx, grad):
        (keep,) = ctx.saved_tensors
        return grad * (keep.astype(grad.dtype) / grad.dtype.type(ctx.kept))  # the forward's mask, exactly

    @staticmethod
    def replay(node, x):
        """The output this node gave, from the mask it drew (``recompute``: no new draw, the generator untouched)."""
        return x * (node.keep.astype(x.dtype) / x.dtype.type(node.kept))

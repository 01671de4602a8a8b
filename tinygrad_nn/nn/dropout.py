"""``Dropout``: inverted dropout, the identity in eval mode."""

import numbers

from .module import Module
from .. import functional as F
from ..engine.methods.arguments import flag_argument
from ..random import as_rng

__all__ = ["Dropout"]


class Dropout(Module):
    """In training, zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The scaling ("inverted" dropout) keeps every element's expected value
    unchanged, so nothing needs rescaling at test time: in eval mode
    (``module.eval()``), and at ``p=0``, it is the identity. The output is
    always a Tensor: a Tensor input is then returned as is (as in PyTorch),
    an array or number becomes a Tensor, as every other module makes it. ``rng=None`` draws the
    masks from the default generator (``tg.manual_seed``); pass a Generator
    or an int seed to give this layer its own stream. ``inplace=True`` is
    accepted, as by the activations, so PyTorch models build unchanged: the
    input is never modified.
    """

    def __init__(self, p=0.5, inplace=False, rng=None):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r:.60}")
        self.p = float(p)
        self.inplace = flag_argument(inplace, "inplace", "Dropout")
        self.rng = None if rng is None else as_rng(rng, "Dropout")

    def forward(self, x):
        return F.dropout(x, self.p, self.training, rng=self.rng)  # one recorded op: the mask is drawn inside it

    def extra_repr(self):
        return f"p={self.p}, inplace=True" if self.inplace else f"p={self.p}"

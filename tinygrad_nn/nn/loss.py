"""Loss modules with PyTorch's names and constructor arguments: ``nn.CrossEntropyLoss()(logits, labels)``.

Each holds its options and calls the function of ``tinygrad_nn.functional``
of the same meaning in ``forward(input, target)``; none has parameters.
Class weights (``weight=``, ``pos_weight=``) are data: they are kept as
given and are not part of ``state_dict`` (PyTorch stores them as buffers).

>>> import numpy as np
>>> import tinygrad_nn as tg
>>> loss = tg.nn.CrossEntropyLoss(label_smoothing=0.1)
>>> round(loss(tg.Tensor([[2.0, 0.0]]), np.array([0])).item(), 4)
0.2269
"""

from .. import functional as F
from ..functional.losses_inputs import KL_REDUCTIONS, REDUCTIONS, check_reduction
from .module import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "MSELoss", "L1Loss", "SmoothL1Loss",
           "HuberLoss", "KLDivLoss"]


class _Loss(Module):
    """Shared by the loss modules: ``reduction`` (checked when made) and a repr that lists the options."""

    reductions = REDUCTIONS

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = check_reduction(reduction, type(self).__name__, self.reductions)

    def extra_repr(self):
        return ", ".join(f"{name}={value!r}" for name, value in vars(self).items()
                         if not name.startswith("_") and name != "training" and value is not None)


class CrossEntropyLoss(_Loss):
    """``F.cross_entropy``: softmax cross-entropy of (N, C) logits against labels or class probabilities."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        self.weight, self.ignore_index, self.label_smoothing = weight, ignore_index, label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """``F.nll_loss``: negative log-likelihood of (N, C) log-probabilities."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class BCELoss(_Loss):
    """``F.binary_cross_entropy``: binary cross-entropy of probabilities in [0, 1]."""

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """``F.binary_cross_entropy_with_logits``: the binary logistic loss on raw scores."""

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class MSELoss(_Loss):
    """``F.mse_loss``: squared error."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """``F.l1_loss``: absolute error."""

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """``F.smooth_l1_loss``: quadratic below ``beta``, linear beyond."""

    def __init__(self, reduction="mean", beta=1.0):
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """``F.huber_loss``: quadratic below ``delta``, linear (slope ``delta``) beyond."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """``F.kl_div``: KL divergence; ``reduction="batchmean"`` gives the divergence per sample."""

    reductions = KL_REDUCTIONS

    def __init__(self, reduction="mean", log_target=False):
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)

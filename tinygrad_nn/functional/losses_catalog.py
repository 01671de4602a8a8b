"""The losses' rows of the ops table in docs/ops.md, in the fields of ``tinygrad_nn.catalog.Entry``.

``CATALOG`` is the whole losses section: ``[Entry(**fields) for fields in CATALOG]``. Every loss
reduces with ``reduction="mean" | "sum" | "none"``; ``g`` is the upstream gradient of one element's
loss, and "mean" divides it by the number of elements (by the summed weights of the counted samples
for ``cross_entropy`` and ``nll_loss`` with labels).
"""

import numpy as np

from .losses import binary_cross_entropy, cross_entropy
from .losses_margin import hinge_loss
from .losses_regression import l1_loss

__all__ = ["CATALOG"]

CATALOG = [
    dict(op="cross_entropy", api=("F.cross_entropy", "nn.CrossEntropyLoss"),
         value="-w[y] log softmax(s)[y]; probabilities t: -sum_c w[c] t[c] log softmax(s)[c]; label_smoothing eps "
               "mixes in eps / C of -sum_c w[c] log softmax(s)[c]",
         derivative="w[y] (softmax(s) - onehot(y)); probabilities: softmax(s) sum_c w[c] t[c] - w t",
         kinks="ignore_index samples: 0", checks=(([[0.0, 0.0]], 0.0),),
         probe=lambda s: cross_entropy(s, np.array([7]), ignore_index=7, reduction="sum")),
    dict(op="nll_loss", api=("F.nll_loss", "nn.NLLLoss"), value="-w[y] x[y] for log-probabilities x",
         derivative="-w[y] at the label, 0 elsewhere"),
    dict(op="binary_cross_entropy", api=("F.binary_cross_entropy", "nn.BCELoss"),
         value="-w (t log x + (1 - t) log(1 - x)), each log clamped at -100",
         derivative="w (x - t) / max(x (1 - x), 1e-12)", kinks="x = t = 0 or x = t = 1: 0 (the clamp)",
         checks=(([0.0], 0.0),), probe=lambda x: binary_cross_entropy(x, np.zeros(x.shape))),
    dict(op="binary_cross_entropy_with_logits", api=("F.binary_cross_entropy_with_logits", "nn.BCEWithLogitsLoss"),
         value="w (l softplus(-s) + (1 - t) s), l = 1 + (pos_weight - 1) t, t in [0, 1]",
         derivative="w ((1 - t) - l sigmoid(-s))"),
    dict(op="kl_div", api=("F.kl_div", "nn.KLDivLoss"),
         value="t (log t - x), 0 where t = 0 (log_target: e**t (t - x)); batchmean: sum / N",
         derivative="-t (log_target: -e**t)"),
    dict(op="mse_loss", api=("F.mse_loss", "nn.MSELoss"), value="(x - t)**2", derivative="2 (x - t)"),
    dict(op="l1_loss", api=("F.l1_loss", "nn.L1Loss"), value="|x - t|", derivative="sign(x - t)",
         kinks="x = t: 0", checks=((0.0, 0.0),), probe=lambda x: l1_loss(x, np.zeros(x.shape))),
    dict(op="smooth_l1_loss", api=("F.smooth_l1_loss", "nn.SmoothL1Loss"),
         value="0.5 d**2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - t; beta = 0: |d|)",
         derivative="d / beta where |d| < beta, else sign(d)"),
    dict(op="huber_loss", api=("F.huber_loss", "nn.HuberLoss"),
         value="0.5 d**2 where |d| < delta, else delta (|d| - 0.5 delta)",
         derivative="d where |d| < delta, else delta sign(d)"),
    dict(op="hinge_loss", api=("F.hinge_loss",), value="max(0, 1 - y s), y = +-1", derivative="-y where y s < 1, else 0",
         kinks="y s = 1: -y / 2, a tie of maximum", checks=((1.0, -0.5),),
         probe=lambda s: hinge_loss(s, np.ones(s.shape))),
    dict(op="multiclass_hinge_loss", api=("F.multiclass_hinge_loss",),
         value="per sample sum over j != y of max(0, s_j - s_y + delta)",
         derivative="1 per violating j, -(count of violations) for s_y",
         kinks="s_j - s_y + delta = 0: half, a tie of maximum"),
    dict(op="l2_penalty", api=("F.l2_penalty",), value="sum over the tensors p of sum(p**2)", derivative="2 p"),
]

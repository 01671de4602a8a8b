"""Catalog section: losses (each returns the batch mean)."""

from . import Entry

TITLE = "Losses"

ENTRIES = [
    Entry("cross_entropy", ("F.cross_entropy",), "mean of -log softmax(s)[y]", "(softmax(s) - onehot(y)) / N"),
    Entry("binary_cross_entropy_with_logits", ("F.binary_cross_entropy_with_logits",),
          "mean of softplus(s) - t s, t in {0, 1}", "(sigmoid(s) - t) / N"),
    Entry("hinge_loss", ("F.hinge_loss",), "mean of max(0, 1 - y s), y = +-1", "-y / N where y s < 1, else 0",
          "y s = 1: -y / (2N), a tie of maximum"),
    Entry("multiclass_hinge_loss", ("F.multiclass_hinge_loss",),
          "mean of sum over j != y of max(0, s_j - s_y + delta)",
          "1 / N per violating j, -(count of violations) / N for s_y",
          "s_j - s_y + delta = 0: half, a tie of maximum"),
    Entry("mse_loss", ("F.mse_loss",), "mean of (x - t)**2", "2 (x - t) / n"),
    Entry("l2_penalty", ("F.l2_penalty",), "sum over the tensors p of sum(p**2)", "2 p"),
]

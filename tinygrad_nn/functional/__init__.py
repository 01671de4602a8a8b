"""Stateless functions of Tensors: activations and losses (``import tinygrad_nn.functional as F``)."""

from .losses import (cross_entropy, binary_cross_entropy_with_logits, hinge_loss,
                     multiclass_hinge_loss, mse_loss, l2_penalty)

__all__ = ["cross_entropy", "binary_cross_entropy_with_logits", "hinge_loss",
           "multiclass_hinge_loss", "mse_loss", "l2_penalty"]

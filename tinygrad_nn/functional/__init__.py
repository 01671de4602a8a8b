"""Stateless functions of Tensors: activations and losses (``import tinygrad_nn.functional as F``).

>>> import tinygrad_nn as tg
>>> from tinygrad_nn import functional as F
>>> F.relu(tg.Tensor([-1.0, 2.0])).data
array([0., 2.])
"""

from .activations import (sigmoid, tanh, relu, leaky_relu, softmax, log_softmax, softmin, maxout, gelu, silu,
                          swish, mish, elu, selu, celu, softplus, softsign, logsigmoid, hardtanh, relu6,
                          hardsigmoid, hardswish, prelu, tanhshrink)
from . import activations as _activations
from .linear import linear
from .normalization import layer_norm
from .dropout import dropout, one_hot
from .padding import pad
from .losses import cross_entropy, nll_loss, binary_cross_entropy, binary_cross_entropy_with_logits, kl_div
from .losses_regression import mse_loss, l1_loss, smooth_l1_loss, huber_loss
from .losses_margin import hinge_loss, multiclass_hinge_loss, l2_penalty

__all__ = [*_activations.__all__,
           "linear", "layer_norm", "dropout", "one_hot", "pad", "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "kl_div", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "hinge_loss", "multiclass_hinge_loss", "l2_penalty"]
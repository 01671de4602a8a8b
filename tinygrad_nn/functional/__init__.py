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
from .losses import (cross_entropy, binary_cross_entropy_with_logits, hinge_loss,
                     multiclass_hinge_loss, mse_loss, l2_penalty)

__all__ = [*_activations.__all__,
           "linear", "cross_entropy", "binary_cross_entropy_with_logits", "hinge_loss",
           "multiclass_hinge_loss", "mse_loss", "l2_penalty"]

"""``LayerNorm``: normalize each sample's features, then scale and shift them by learned weights."""

import numpy as np

from .. import functional as F
from ..engine.methods.arguments import device_argument, flag_argument
from ..functional.normalization import eps_argument, normalized_shape_argument
from .linear import new_parameter
from .module import Module

__all__ = ["LayerNorm"]


class LayerNorm(Module):
    """``F.layer_norm`` over the last axes, with a learned ``weight`` (ones) and ``bias`` (zeros), as PyTorch's.

    ``normalized_shape`` is the size of the last axis (an int) or of the
    last few axes (a tuple). Each sample is rescaled to mean 0 and variance
    1 over those axes, so the next layer sees inputs of the same scale
    whatever the earlier weights do; ``weight`` and ``bias`` (shape
    ``normalized_shape``) then let the layer learn any scale and shift back.
    ``elementwise_affine=False`` leaves them out, ``bias=False`` only the
    bias. ``dtype`` and ``device`` as ``Linear``'s (float64 unless given).

    >>> import tinygrad_nn as tg
    >>> norm = tg.nn.LayerNorm(3)
    >>> norm(tg.Tensor([[1.0, 2.0, 6.0]])).numpy().mean().round(12)
    0.0
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        device_argument(device, "LayerNorm")
        self.normalized_shape = normalized_shape_argument(normalized_shape, "LayerNorm")
        self.eps = eps_argument(eps, "LayerNorm")
        self.elementwise_affine = flag_argument(elementwise_affine, "elementwise_affine", "LayerNorm")
        flag_argument(bias, "bias", "LayerNorm")
        dtype = np.float64 if dtype is None else dtype
        self.weight = self.bias = None
        if self.elementwise_affine:
            self.weight = new_parameter("LayerNorm", self.normalized_shape, dtype, np.ones)
            if bias:
                self.bias = new_parameter("LayerNorm", self.normalized_shape, dtype, np.zeros)

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")

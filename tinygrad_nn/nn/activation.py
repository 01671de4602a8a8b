"""Activation modules: each applies one function of ``tinygrad_nn.functional`` elementwise.

They hold no parameters. ``tg.nn.watch_units`` recognises them (and
``Maxout``) and reports dead or saturated units per module.
"""

import numbers

import numpy as np

from .. import functional as F
from .module import Module

__all__ = ["Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Identity"]


class Sigmoid(Module):
    """1 / (1 + e**-x): squashes to (0, 1); saturates (kills gradients) at both tails."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """tanh x: squashes to (-1, 1), zero-centred; saturates at both tails."""

    def forward(self, x):
        return F.tanh(x)


class ReLU(Module):
    """max(0, x); ReLU'(0) = 0. A unit that is zero for every input is dead: no gradient reaches it."""

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """x where x > 0, else ``negative_slope * x``: a small gradient keeps negative units alive."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        if isinstance(negative_slope, (bool, np.bool_, np.ndarray)) or not isinstance(negative_slope, numbers.Real):
            raise TypeError(f"LeakyReLU: negative_slope must be a number, got {type(negative_slope).__name__}")
        if not -1e308 < negative_slope < 1e308:
            raise ValueError(f"LeakyReLU: negative_slope must be a finite number, got {negative_slope!r:.40}")
        self.negative_slope = float(negative_slope)

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. the 'no activation' of a layer)."""

    def forward(self, x):
        return x

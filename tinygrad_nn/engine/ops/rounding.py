"""Rounding: floor, ceil, round, trunc (gradient 0) and frac (gradient 1).

A step function is flat wherever it is differentiable and jumps at the
integers (or, for ``round``, at the halves), where it has no derivative.
As in PyTorch, the gradient is 0 everywhere, the jumps included: training
sees no slope through a rounding. ``frac(x) = x - trunc(x)`` has slope 1
everywhere, its jumps included.
"""

import numpy as np

from ..function import Function

__all__ = ["Floor", "Ceil", "Round", "Trunc", "Frac"]


class _Step(Function):
    """A piecewise constant function: its gradient is 0 everywhere (also at the jumps, by convention)."""

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


class Floor(_Step):
    """floor x, the largest integer <= x;  dx = 0."""

    @staticmethod
    def forward(ctx, x):
        return np.floor(x)


class Ceil(_Step):
    """ceil x, the smallest integer >= x;  dx = 0."""

    @staticmethod
    def forward(ctx, x):
        return np.ceil(x)


class Trunc(_Step):
    """trunc x, x rounded towards 0;  dx = 0."""

    @staticmethod
    def forward(ctx, x):
        return np.trunc(x)


class Round(_Step):
    """x rounded to ``decimals`` places, halves to even (numpy's and PyTorch's rule: round(2.5) = 2);  dx = 0."""

    @staticmethod
    def forward(ctx, x, decimals=0):
        return x.copy() if x.dtype.kind == "b" else np.round(x, decimals)  # (numpy's round of bool is float16)


class Frac(Function):
    """frac x = x - trunc x, with the sign of x (frac(-1.5) = -0.5);  dx = g (also at the jumps)."""

    @staticmethod
    def forward(ctx, x):
        return x - np.trunc(x)

    @staticmethod
    def backward(ctx, grad):
        return grad

"""Trigonometric and hyperbolic functions and their inverses, one ``Function`` each.

Each backward is written with operators and numpy calls that work on arrays
and, under ``create_graph=True``, on Tensors (``np.cos`` of a Tensor records
``Cos``), so every op here is differentiable again.

At the edges of a domain the values are numpy's exact limits, without
warnings: ``arctanh(+-1) = +-inf``, and the slopes of ``arcsin``,
``arccos``, ``arccosh`` and ``arctanh`` at their end points are infinite.
``sinh`` and ``cosh`` overflow to inf beyond |x| ~ 710 (float64) or ~ 89
(float32), also without a warning. Outside a domain (``arcsin(2)``,
``arccosh(0)``) numpy's NaN comes with numpy's warning, as for ``log`` of a
negative number: there is no exact value being hidden.
"""

import numpy as np

from ..function import Function
from .helpers import floating

__all__ = ["Sin", "Cos", "Tan", "Sinh", "Cosh", "Arcsin", "Arccos", "Arctan", "Arcsinh", "Arccosh", "Arctanh"]


class Sin(Function):
    """sin x;  dx = g cos x."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.cos(x)


class Cos(Function):
    """cos x;  dx = -g sin x."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * np.sin(x)


class Tan(Function):
    """y = tan x;  dx = g (1 + y**2)."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        out = np.asarray(np.tan(x))  # an array even for 0-d x, so backward gets this very output
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 + out * out)


class Sinh(Function):
    """sinh x;  dx = g cosh x.  Overflows to +-inf without a warning."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(over="ignore"):
            return np.sinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(over="ignore"):
            return grad * np.cosh(x)


class Cosh(Function):
    """cosh x;  dx = g sinh x.  Overflows to inf without a warning."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(over="ignore"):
            return np.cosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(over="ignore"):
            return grad * np.sinh(x)


class Arcsin(Function):
    """arcsin x on [-1, 1];  dx = g / sqrt(1 - x**2), inf at x = +-1."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return np.arcsin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore"):
            return grad / np.sqrt(1 - x * x)


class Arccos(Function):
    """arccos x on [-1, 1];  dx = -g / sqrt(1 - x**2), -inf at x = +-1."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return np.arccos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore"):
            return -grad / np.sqrt(1 - x * x)


class Arctan(Function):
    """arctan x;  dx = g / (1 + x**2)."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return np.arctan(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(over="ignore"):  # x**2 overflows for huge |x|: the slope's limit 0
            return grad / (1 + x * x)


class Arcsinh(Function):
    """arcsinh x;  dx = g / sqrt(x**2 + 1)."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return np.arcsinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(over="ignore"):  # x**2 overflows for huge |x|: the slope's limit 0
            return grad / np.sqrt(x * x + 1)


class Arccosh(Function):
    """arccosh x for x >= 1;  dx = g / sqrt(x**2 - 1), inf at x = 1 (its own slope there -inf, as in PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return np.arccosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        # inf at x = 1; 0 where x**2 overflows. (x - 1) * (x + 1) would be a little more exact near 1, but its
        # recorded product rule makes 0 * inf = NaN at x = 1 under create_graph, where the limit is -inf
        with np.errstate(divide="ignore", over="ignore"):
            return grad / np.sqrt(x * x - 1)


class Arctanh(Function):
    """arctanh x on [-1, 1];  dx = g / (1 - x**2).  arctanh(+-1) = +-inf, its slope inf (exact limits)."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore"):
            return np.arctanh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore"):
            return grad / (1 - x * x)

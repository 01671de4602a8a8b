"""Logarithms, exponentials, powers and the error function, one ``Function`` each.

Each backward is written with operators and numpy calls that work on arrays
and, under ``create_graph=True``, on Tensors, so every op here is
differentiable again. Exact limits come without warnings: ``log1p(-1) =
-inf``, ``log2(0) = -inf``, ``rsqrt(0) = reciprocal(0) = inf`` (and their
slopes are infinite there), and ``expm1``/``exp2`` overflow to inf. Outside
a domain (``log1p(-2)``) numpy's NaN keeps numpy's warning.

An op that saves its output wraps it in ``np.asarray``: for a 0-d input numpy
returns a scalar, and backward must get back the very array it returned.
"""

import math

import numpy as np

from ..function import Function
from .helpers import floating
from .special import erf_values, erfc_values

__all__ = ["Log1p", "Expm1", "Log2", "Log10", "Exp2", "Rsqrt", "Reciprocal", "Square", "Erf", "Erfc"]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_INV_LN2 = 1.0 / _LN2
_INV_LN10 = 1.0 / _LN10
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_FLAT = 1e3  # e**(-x**2) is exactly 0 beyond |x| = 27 (float64) and 10 (float32)


class Log1p(Function):
    """log(1 + x), accurate for tiny x;  dx = g / (1 + x).  log1p(-1) = -inf, its slope inf."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore"):
            return np.log1p(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore"):
            return grad / (1 + x)


class Expm1(Function):
    """y = e**x - 1, accurate for tiny x;  dx = g (y + 1).  Overflows to inf without a warning."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        with np.errstate(over="ignore"):
            out = np.asarray(np.expm1(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out + 1)


class Log2(Function):
    """log2 x;  dx = g / (x ln 2), computed as (g / x) (1 / ln 2).  log2(0) = -inf, its slope inf."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore"):
            return np.log2(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", over="ignore"):  # inf at 0 and beyond 1 / tiny; x ln b would overflow
            return grad / x * _INV_LN2


class Log10(Function):
    """log10 x;  dx = g / (x ln 10), computed as (g / x) (1 / ln 10).  log10(0) = -inf, its slope inf."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore"):
            return np.log10(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", over="ignore"):  # inf at 0 and beyond 1 / tiny; x ln b would overflow
            return grad / x * _INV_LN10


class Exp2(Function):
    """y = 2**x;  dx = g y ln 2.  Overflows to inf without a warning."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        with np.errstate(over="ignore"):
            out = np.asarray(np.exp2(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * _LN2


class Rsqrt(Function):
    """y = 1 / sqrt x;  dx = -g y**3 / 2.  rsqrt(0) = inf and its slope -inf (PyTorch's values)."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        with np.errstate(divide="ignore"):
            out = np.asarray(1 / np.sqrt(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        with np.errstate(over="ignore"):
            return grad * (out * out * out) * -0.5


class Reciprocal(Function):
    """y = 1 / x;  dx = -g y**2.  reciprocal(0) = inf and its slope -inf (PyTorch's values)."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        with np.errstate(divide="ignore"):
            out = np.asarray(np.reciprocal(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        with np.errstate(over="ignore"):
            return -grad * (out * out)


class Square(Function):
    """x**2;  dx = 2 g x.  Overflows to inf without a warning."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(over="ignore"):
            return np.square(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (2 * x)


class Erf(Function):
    """erf x = 2/sqrt(pi) * integral_0^x e**(-t**2) dt;  dx = g 2/sqrt(pi) e**(-x**2).

    numpy has no erf: the values come from ``special.erf_values`` (about 2
    ulps in float64).
    """

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return erf_values(x)

    @staticmethod
    def backward(ctx, grad):
        near = np.clip(ctx.saved_tensors[0], -_FLAT, _FLAT)  # the same slope (0 beyond), and x**2 cannot overflow
        return grad * (np.exp(-(near * near)) * _TWO_OVER_SQRT_PI)


class Erfc(Function):
    """erfc x = 1 - erf x, accurate also where it is tiny;  dx = -g 2/sqrt(pi) e**(-x**2)."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return erfc_values(x)

    @staticmethod
    def backward(ctx, grad):
        near = np.clip(ctx.saved_tensors[0], -_FLAT, _FLAT)  # the same slope (0 beyond), and x**2 cannot overflow
        return grad * (np.exp(-(near * near)) * -_TWO_OVER_SQRT_PI)

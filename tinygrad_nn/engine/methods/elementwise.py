"""Elementwise methods of ``Tensor``: math functions and activations, one line each, calling an op.

Names are PyTorch's; where numpy spells a function differently both work
(``t.arcsin()`` and ``t.asin()``). docs/ops.md lists every op with its
derivative and its convention at kinks.
"""

import math

import numbers

import numpy as np

from .. import ops, tensor
from .arguments import int_argument, number_argument

__all__ = ["ElementwiseMethods"]


class ElementwiseMethods:
    """Elementwise functions of a tensor, each recorded as one op."""

    __slots__ = ()

    # ------------------------------------------------------------ exponentials and logarithms
    def exp(self):
        """Elementwise e**x."""
        return ops.Exp.apply(self)

    def exp2(self):
        """Elementwise 2**x."""
        return ops.Exp2.apply(self)

    def expm1(self):
        """Elementwise e**x - 1, accurate for tiny x."""
        return ops.Expm1.apply(self)

    def log(self):
        """Elementwise natural log (log 0 = -inf without a warning)."""
        return ops.Log.apply(self)

    def log1p(self):
        """Elementwise log(1 + x), accurate for tiny x (log1p(-1) = -inf without a warning)."""
        return ops.Log1p.apply(self)

    def log2(self):
        """Elementwise base-2 log (log2(0) = -inf without a warning)."""
        return ops.Log2.apply(self)

    def log10(self):
        """Elementwise base-10 log (log10(0) = -inf without a warning)."""
        return ops.Log10.apply(self)

    # ------------------------------------------------------------ powers
    def sqrt(self):
        """Elementwise square root (its gradient at 0 is inf, without a warning)."""
        return ops.Sqrt.apply(self)

    def rsqrt(self):
        """Elementwise 1 / sqrt(x) (inf at 0, with gradient -inf, as in PyTorch)."""
        return ops.Rsqrt.apply(self)

    def reciprocal(self):
        """Elementwise 1 / x (inf at 0, with gradient -inf, as in PyTorch)."""
        return ops.Reciprocal.apply(self)

    def square(self):
        """Elementwise x**2 (one op, faster than ``x * x`` or ``x ** 2``)."""
        return ops.Square.apply(self)

    # ------------------------------------------------------------ trigonometric and hyperbolic
    def sin(self):
        """Elementwise sine."""
        return ops.Sin.apply(self)

    def cos(self):
        """Elementwise cosine."""
        return ops.Cos.apply(self)

    def tan(self):
        """Elementwise tangent."""
        return ops.Tan.apply(self)

    def arcsin(self):
        """Elementwise inverse sine on [-1, 1] (PyTorch's ``asin``); its gradient at +-1 is inf."""
        return ops.Arcsin.apply(self)

    def arccos(self):
        """Elementwise inverse cosine on [-1, 1] (PyTorch's ``acos``); its gradient at +-1 is -inf."""
        return ops.Arccos.apply(self)

    def arctan(self):
        """Elementwise inverse tangent (PyTorch's ``atan``)."""
        return ops.Arctan.apply(self)

    def sinh(self):
        """Elementwise hyperbolic sine (overflows to +-inf without a warning)."""
        return ops.Sinh.apply(self)

    def cosh(self):
        """Elementwise hyperbolic cosine (overflows to inf without a warning)."""
        return ops.Cosh.apply(self)

    def tanh(self):
        """Elementwise hyperbolic tangent."""
        return ops.Tanh.apply(self)

    def arcsinh(self):
        """Elementwise inverse hyperbolic sine (PyTorch's ``asinh``)."""
        return ops.Arcsinh.apply(self)

    def arccosh(self):
        """Elementwise inverse hyperbolic cosine for x >= 1; its gradient at 1 is inf (PyTorch's ``acosh``)."""
        return ops.Arccosh.apply(self)

    def arctanh(self):
        """Elementwise inverse hyperbolic tangent on [-1, 1], +-inf at +-1 without a warning (PyTorch's ``atanh``)."""
        return ops.Arctanh.apply(self)

    asin, acos, atan = arcsin, arccos, arctan
    asinh, acosh, atanh = arcsinh, arccosh, arctanh

    # ------------------------------------------------------------ error function
    def erf(self):
        """Elementwise error function, 2/sqrt(pi) * integral from 0 to x of e**(-t**2) (float64-accurate)."""
        return ops.Erf.apply(self)

    def erfc(self):
        """Elementwise 1 - erf(x), accurate also where it is tiny."""
        return ops.Erfc.apply(self)

    # ------------------------------------------------------------ sign, rounding, bounds
    def abs(self):
        """Elementwise |x|; its gradient at 0 is 0."""
        return ops.Abs.apply(self)

    def sign(self):
        """Elementwise sign (-1, 0 or 1); its gradient is 0."""
        return ops.Sign.apply(self)

    def floor(self):
        """Elementwise floor; its gradient is 0 everywhere (also at the jumps)."""
        return ops.Floor.apply(self)

    def ceil(self):
        """Elementwise ceiling; its gradient is 0 everywhere (also at the jumps)."""
        return ops.Ceil.apply(self)

    def trunc(self):
        """Elementwise rounding towards 0; its gradient is 0 everywhere (also at the jumps)."""
        return ops.Trunc.apply(self)

    def round(self, decimals=0):
        """Elementwise rounding to ``decimals`` places, halves to even (round(2.5) = 2); its gradient is 0."""
        decimals = int_argument(decimals, "decimals", "round")
        if abs(decimals) >= 2 ** 31:
            raise ValueError(f"round: decimals must be between -2**31 and 2**31 (numpy's limit), got {decimals}")
        return ops.Round.apply(self, decimals=decimals)

    def frac(self):
        """Elementwise fractional part x - trunc(x), with the sign of x; its gradient is 1."""
        return ops.Frac.apply(self)

    def clamp(self, min=None, max=None):
        """Elementwise clamp to [min, max] (also ``clip``); either bound may be omitted, not both.

        Bounds are numbers, arrays or Tensors. x gets the gradient where
        min <= x <= max (the bounds count as inside); a Tensor bound gets it
        where it is the active one (x < min, or x > max), as in PyTorch.
        """
        if isinstance(min, tensor.Tensor) or isinstance(max, tensor.Tensor):
            return ops.Clamp.apply(self, -math.inf if min is None else min, math.inf if max is None else max)
        return ops.Clip.apply(self, lo=_bound(min, "min"), hi=_bound(max, "max"))

    clip = clamp

    def maximum(self, other):
        """Elementwise maximum with ``other`` (broadcast); ties split the gradient evenly."""
        return ops.Maximum.apply(self, other)

    def minimum(self, other):
        """Elementwise minimum with ``other`` (broadcast); ties split the gradient evenly."""
        return ops.Minimum.apply(self, other)

    # ------------------------------------------------------------ activations (those PyTorch has as methods)
    def sigmoid(self):
        """Elementwise 1 / (1 + e**-x), stable for large |x|."""
        return ops.Sigmoid.apply(self)

    def relu(self):
        """Elementwise max(0, x); its gradient at 0 is 0."""
        return ops.ReLU.apply(self)

    def leaky_relu(self, negative_slope=0.01):
        """Elementwise x if x > 0 else negative_slope * x; its gradient at 0 is negative_slope."""
        return ops.LeakyReLU.apply(self, negative_slope=number_argument(negative_slope, "negative_slope", "leaky_relu"))

    # ------------------------------------------------------------ dtype
    def astype(self, dtype):
        """This tensor in another dtype: a recorded op between floating dtypes, else a plain copy.

        An integer or bool copy carries no gradient, as in PyTorch (``(x * 4).long()``
        of an ``x`` that requires grad gives indices, as ``argmax`` does).
        """
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"astype: expected a dtype (np.float32, \"float64\" ...), got {dtype!r}") from None
        if dtype == self.dtype:
            return self
        if dtype.kind == "f":
            return ops.Cast.apply(self, dtype=dtype)
        return tensor.make_tensor(self._data.astype(dtype))


def _bound(value, name):
    """A bound of ``clamp``/``clip``: None, a number, or an array of numbers."""
    if value is None or isinstance(value, numbers.Real):
        return None if value is None else number_argument(value, name, "clamp")
    return tensor.as_array(value, f"clamp: {name}")

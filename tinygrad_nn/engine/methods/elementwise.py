"""Elementwise methods of ``Tensor``: math functions and activations, one line each, calling an op."""

import numbers

import numpy as np

from .. import ops, tensor
from .arguments import number_argument

__all__ = ["ElementwiseMethods"]


class ElementwiseMethods:
    """Elementwise functions of a tensor, each recorded as one op."""

    __slots__ = ()

    def exp(self):
        """Elementwise e**x."""
        return ops.Exp.apply(self)

    def log(self):
        """Elementwise natural log (log 0 = -inf without a warning)."""
        return ops.Log.apply(self)

    def sqrt(self):
        """Elementwise square root (its gradient at 0 is inf, without a warning)."""
        return ops.Sqrt.apply(self)

    def abs(self):
        """Elementwise |x|; its gradient at 0 is 0."""
        return ops.Abs.apply(self)

    def sign(self):
        """Elementwise sign (-1, 0 or 1); its gradient is 0."""
        return ops.Sign.apply(self)

    def sigmoid(self):
        """Elementwise 1 / (1 + e**-x), stable for large |x|."""
        return ops.Sigmoid.apply(self)

    def tanh(self):
        """Elementwise hyperbolic tangent."""
        return ops.Tanh.apply(self)

    def relu(self):
        """Elementwise max(0, x); its gradient at 0 is 0."""
        return ops.ReLU.apply(self)

    def leaky_relu(self, negative_slope=0.01):
        """Elementwise x if x > 0 else negative_slope * x; its gradient at 0 is negative_slope."""
        return ops.LeakyReLU.apply(self, negative_slope=number_argument(negative_slope, "negative_slope", "leaky_relu"))

    def clip(self, lo=None, hi=None):
        """Elementwise clip to [lo, hi]; the gradient is 1 where lo <= x <= hi, else 0."""
        return ops.Clip.apply(self, lo=_bound(lo, "lo"), hi=_bound(hi, "hi"))

    def astype(self, dtype):
        """This tensor in another dtype (a recorded op between floating dtypes; a plain copy otherwise)."""
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"astype: expected a dtype (np.float32, \"float64\" ...), got {dtype!r}") from None
        if dtype == self.dtype:
            return self
        if dtype.kind == "f" or self.requires_grad:
            return ops.Cast.apply(self, dtype=dtype)
        return tensor.Tensor._make(self._data.astype(dtype))


def _bound(value, name):
    """A bound of ``clip``: None, a number, or an array of numbers (a Tensor gives its array)."""
    if value is None or isinstance(value, numbers.Real):
        return None if value is None else number_argument(value, name, "clip")
    return tensor.as_array(value, f"clip: {name}")

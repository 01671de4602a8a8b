"""Elementwise functions and the (stable) softmax family.

Each backward is written with operators and numpy calls that work on arrays
and, under ``create_graph=True``, on Tensors (see ``function.py``).
"""

import numpy as np

from ..function import Function
from .helpers import floating, masked, reduce_along, scalar_like, sigmoid_values, sum_along


class Exp(Function):
    """e**x;  dx = g * e**x.  Overflows to inf without a warning (as exp2 and expm1)."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(over="ignore"):
            out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Function):
    """log x;  dx = g / x.  log 0 = -inf and its gradient inf, without warnings (exact limits)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore"):
            return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", over="ignore"):  # inf at 0, and where 1 / x is beyond the range
            return grad / x


class Sqrt(Function):
    """sqrt x;  dx = g / (2 sqrt x).  At 0 the gradient is inf, without a warning (exact limit)."""

    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        with np.errstate(divide="ignore"):
            return grad / (2 * out)


class Abs(Function):
    """|x|;  dx = g * sign(x), so abs'(0) = 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.sign(x)


class Sign(Function):
    """sign x (-1, 0 or 1; a bool stays itself, as in PyTorch);  dx = 0 (flat wherever it is differentiable, 0 at the jump)."""

    @staticmethod
    def forward(ctx, x):
        return x.copy() if x.dtype.kind == "b" else np.sign(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


class Sigmoid(Function):
    """s = 1 / (1 + e**-x);  dx = g * s * (1 - s).  Stable at any |x|, no overflow warning."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        out = sigmoid_values(x).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return grad * s * (1 - s)


class Tanh(Function):
    """t = tanh x;  dx = g * (1 - t**2)."""

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        return grad * (1 - t * t)


class ReLU(Function):
    """max(0, x);  dx = g where x > 0, else 0 (so ReLU'(0) = 0, and ReLU'' = 0)."""

    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        if type(grad) is np.ndarray:  # a float mask multiplied in place: (a) -4%; grad * bool mask casts in the loop
            mask = (out > 0).astype(grad.dtype)
            mask *= grad
            return mask
        return grad * (out > 0)


class LeakyReLU(Function):
    """x if x > 0 else a*x;  dx = g where x > 0, else a*g (so LeakyReLU'(0) = a)."""

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        positive = x > 0
        ctx.save_for_backward(positive)
        ctx.negative_slope = negative_slope
        return np.where(positive, x, x * scalar_like(x, negative_slope))

    @staticmethod
    def backward(ctx, grad):
        (positive,) = ctx.saved_tensors
        return np.where(positive, grad, grad * grad.dtype.type(ctx.negative_slope))


class Clip(Function):
    """clip(x, lo, hi);  dx = g where lo <= x <= hi, else 0 (bounds included, as PyTorch's clamp)."""

    @staticmethod
    def forward(ctx, x, lo=None, hi=None):
        if lo is None and hi is None:
            raise ValueError("clip needs at least one of the bounds lo and hi (both are None)")
        if lo is not None and hi is not None and np.any(np.asarray(lo) > np.asarray(hi)):
            raise ValueError(f"clip needs lo <= hi, got lo={lo}, hi={hi}")
        inside = np.ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        ctx.save_for_backward(inside)
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_tensors
        return masked(grad, inside)


class Softmax(Function):
    """s = exp(x) / sum(exp(x)) along axis;  dx = s * (g - sum(g * s))."""

    @staticmethod
    def forward(ctx, x, axis=-1):
        x = floating(x)
        ctx.axis = axis
        if x.size == 0:  # nothing to normalise (numpy's max of no elements has no value)
            ctx.save_for_backward(x)
            return x.copy()
        shifted = x - reduce_along(np.maximum, x, axis)
        e = np.exp(shifted)
        out = e / reduce_along(np.add, e, axis)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return s * (grad - sum_along(grad * s, ctx.axis))


class LogSoftmax(Function):
    """y = x - logsumexp(x) along axis;  dx = g - softmax(x) * sum(g)."""

    @staticmethod
    def forward(ctx, x, axis=-1):
        x = floating(x)
        ctx.axis = axis
        if x.size == 0:
            ctx.save_for_backward(x)
            return x.copy()
        shifted = x - reduce_along(np.maximum, x, axis)
        out = shifted - np.log(reduce_along(np.add, np.exp(shifted), axis))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - np.exp(out) * sum_along(grad, ctx.axis)

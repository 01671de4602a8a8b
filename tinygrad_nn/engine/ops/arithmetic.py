"""Binary arithmetic and matrix products.

Each backward is written with operators and numpy calls that work on arrays
and, under ``create_graph=True``, on Tensors (see ``function.py``).
"""

import math

import numpy as np

from ..errors import ShapeError
from ..function import Function


class Add(Function):
    """a + b;  da = g, db = g."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """a - b;  da = g, db = -g."""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """a * b;  da = g * b, db = g * a."""

    @staticmethod
    def forward(ctx, a, b):
        da, db = ctx.needs_input_grad
        ctx.save_for_backward(a if db else None, b if da else None)  # y * 1.5 need not keep y
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        da, db = ctx.needs_input_grad
        return (grad * b if da else None), (grad * a if db else None)


class Div(Function):
    """a / b;  da = g / b, db = -g a / b**2, computed as -(g / b) (a / b).

    Two quotients rather than b * b: the square overflows beyond |b| ~ 1e154
    (1e19 in float32) and underflows below 1e-154, where the slope itself is
    finite; this way only a slope that is itself out of range overflows.
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)  # y / 2.0 need not keep y
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        da, db = ctx.needs_input_grad
        grad_a = grad / b if da else None
        grad_b = -(grad / b) * (a / b) if db else None
        return grad_a, grad_b


class Pow(Function):
    """a ** b;  da = g * b * a**(b-1), db = g * a**b * log(a).

    At a = 0 the values are PyTorch's limits, without warnings: da is 0
    where b == 0 (a**0 is constant), 1 where b == 1, 0 where b > 1 and inf
    (the limit of the slope) where 0 < b < 1; db is 0 where b >= 0 (0**b does
    not change with b there) and -inf where b < 0. A negative base with a
    non-integer exponent has no real value: NaN, as in numpy.
    """

    @staticmethod
    def forward(ctx, a, b):
        out = _power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        da, db = ctx.needs_input_grad
        grad_a = grad_b = None
        # Where a limit replaces 0 * inf, the masked entries also get a harmless base (1) inside the formula,
        # so that differentiating this backward again (create_graph) meets no inf there either.
        if da:
            powered = _power(a, b - 1)
            if _has_zero(b):  # where b == 0 and a**(b-1) overflows (a = 0 or tiny), b * a**(b-1) is 0 * inf:
                flat = (b == 0) & np.isinf(powered)  # its limit is 0 (a**0 is flat); elsewhere d/db stays exact
                grad_a = np.where(flat, 0, grad * (b * _power(np.where(flat, 1, a), b - 1)))
            else:
                grad_a = grad * (b * powered)  # the slope first: (grad * b) * 0 is inf * 0 for a huge b
        if db:
            if _has_zero(a):  # 0 where b >= 0; out * log 0 = -inf where b < 0
                flat = (a == 0) & (b >= 0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    grad_b = np.where(flat, 0, grad * out * np.log(np.where(flat, 1, a)))
            else:
                grad_b = grad * out * np.log(a)
        return grad_a, grad_b


def _power(a, b):
    """a ** b, with 0 ** (negative) = inf and no warning (errstate only when b has a negative)."""
    if isinstance(b, (np.ndarray, np.generic)) and (b.item() < 0 if b.ndim == 0 else np.count_nonzero(b < 0)):
        with np.errstate(divide="ignore", over="ignore"):  # tiny bases overflow to inf, the right limit
            return a ** b
    return a ** b  # also for Tensors (create_graph): Pow's own forward runs this with arrays


def _has_zero(x):
    """Whether ``x`` (an array, or a Tensor saved for a recorded backward) is 0 anywhere.

    A 0-d array is read with ``item()``: comparing it with a number costs ~15x more.
    """
    if isinstance(x, (np.ndarray, np.generic)) and x.ndim == 0:
        return x.item() == 0
    return np.count_nonzero(x == 0) > 0  # (a mask of a Tensor needs no gradient: reading it cuts nothing)


class Neg(Function):
    """-a;  da = -g."""

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


def _swap_last(x):
    """``x`` with its last two axes swapped (the matrix transpose of a batch)."""
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return x.transpose(axes)


class MatMul(Function):
    """a @ b (numpy's matmul: 1-D, 2-D and batched);  da = g @ b.T, db = a.T @ g."""

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(f"MatMul: cannot multiply shapes {a.shape} and {b.shape}: matmul needs arrays of "
                             "at least 1 dimension, not scalars (use *)")
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
            raise ShapeError(f"MatMul: cannot multiply shapes {a.shape} and {b.shape}: the last axis of the first "
                             f"operand ({a.shape[-1]}) must match the {'second-to-last' if b.ndim > 1 else 'only'} "
                             f"axis of the second ({inner_b})")
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        da, db = ctx.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the common case, no reshaping
            return (grad @ b.T if da else None), (a.T @ grad if db else None)
        # put back the axes numpy's matmul removed for 1-D operands: (k,) acts as (1, k) or (k, 1)
        a2 = a.reshape((1, a.shape[0])) if a.ndim == 1 else a
        b2 = b.reshape((b.shape[0], 1)) if b.ndim == 1 else b
        if b.ndim == 1:
            grad = grad.reshape(grad.shape + (1,))
        if a.ndim == 1:
            grad = grad.reshape(grad.shape[:-1] + (1,) + grad.shape[-1:])
        grad_a = grad_b = None
        if da:
            grad_a = grad @ _swap_last(b2)
            if a.ndim == 1:  # (..., 1, k) -> (k,)
                grad_a = grad_a.sum(axis=tuple(range(grad_a.ndim - 1)))
        if db:
            grad_b = _swap_last(a2) @ grad
            if b.ndim == 1:  # (..., k, 1) -> (k,)
                grad_b = grad_b.sum(axis=tuple(range(grad_b.ndim - 2))).reshape((b.shape[0],))
        return grad_a, grad_b


class Affine(Function):
    """x @ W.T (+ b), a fully connected layer's map;  dx = g @ W, dW = g.T @ x, db = sum of g over rows.

    One primitive instead of Transpose, MatMul and Add, for speed: the weight
    gradient comes out directly in W's (out, in) layout. ``x`` has shape
    ``(..., in)``, ``W`` ``(out, in)``, ``b`` (optional) ``(out,)``.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
            raise ShapeError(f"Affine: expected x of shape (..., in) and weight of shape (out, in) with the same "
                             f"in; got x {x.shape} and weight {weight.shape}: shapes do not fit")
        if bias is not None and bias.shape != (weight.shape[0],):
            raise ShapeError(f"Affine: expected bias of shape ({weight.shape[0]},) for weight {weight.shape}, "
                             f"got shape {bias.shape}")
        ctx.save_for_backward(x, weight)
        out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        rows = math.prod(x.shape[:-1])  # every leading axis of x is a batch axis
        grad_rows = grad.reshape((rows, weight.shape[0]))
        grad_x = grad @ weight if needs[0] else None
        grad_weight = grad_rows.T @ x.reshape((rows, weight.shape[1])) if needs[1] else None
        if len(needs) == 2:
            return grad_x, grad_weight
        return grad_x, grad_weight, (grad_rows.sum(axis=0) if needs[2] else None)

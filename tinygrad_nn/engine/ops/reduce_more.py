"""More reductions: variance and standard deviation, product, log-sum-exp, p-norms, cumulative sum.

Every op takes ``axis`` as a tuple of non-negative axes (``normalized_axes``
makes it from None, an int or a tuple, as the Tensor methods do) and keeps
the input's float dtype. Each backward works on arrays and, under
``create_graph=True``, on Tensors (see ``function.py``), so these ops are
twice differentiable. Conventions where a derivative does not exist:

* ``std`` of a constant group and ``norm`` (p >= 1) of an all-zero group:
  gradient 0 (a subgradient; PyTorch does the same);
* ``prod`` with zeros: the exact product of the other entries (no division);
* ``logsumexp`` of a group whose result is infinite (all -inf, or a +inf
  entry): gradient 0 for that group (a NaN result keeps NaN gradients).
"""

import operator

import numpy as np

from ..function import Function
from .helpers import floating, is_array, kept_shape, reduce_along
from .reduce import _spread

__all__ = ["normalized_axes", "Var", "Std", "Prod", "LogSumExp", "Norm", "CumSum", "CATALOG"]

# Rows of the ops table in docs/ops.md, in the fields of ``tinygrad_nn.catalog.Entry`` (op, api, value,
# derivative, kinks, checks, probe): ``Entry(**fields)`` for each.
CATALOG = [
    dict(op="var", api=("Tensor.var", "tg.var", "np.var"), value="sum((x - mean)**2) / (n - correction) over dim "
         "(correction=1 by default; np.var: ddof=0)", derivative="2 (x - mean) / (n - correction)"),
    dict(op="std", api=("Tensor.std", "tg.std", "np.std"), value="sqrt(var(x))", derivative="(x - mean) / ((n - correction) std)",
         kinks="std = 0 (a constant group): 0", checks=(([2.0, 2.0, 2.0], 0.0),), probe=lambda x: x.std()),
    dict(op="prod", api=("Tensor.prod", "tg.prod", "np.prod"), value="product of x over dim",
         derivative="the product of the other entries of the group",
         kinks="zeros: exact, no division (one zero gets the product of the rest, the others 0)",
         checks=(([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]), ([0.0, 2.0, 0.0], 0.0))),
    dict(op="logsumexp", api=("Tensor.logsumexp", "tg.logsumexp",), value="log(sum(exp(x))) over dim, computed stably",
         derivative="softmax(x) over dim", kinks="an infinite result (all -inf, or a +inf entry): 0",
         checks=(([-np.inf, -np.inf], 0.0),)),
    dict(op="norm", api=("Tensor.norm", "tg.norm", "np.linalg.norm"), value="(sum |x|**p)**(1/p) over dim ('fro': p = 2; "
         "inf: max |x|; -inf: min |x|)", derivative="sign(x) (|x| / norm)**(p - 1)",
         kinks="the zero vector: 0; p = inf: tied maxima of |x| share evenly", checks=(([0.0, 0.0], 0.0),)),
    dict(op="cumsum", api=("Tensor.cumsum", "tg.cumsum", "np.cumsum"), value="running sum along dim",
         derivative="the reverse running sum of g"),
    dict(op="amax", api=("Tensor.amax", "tg.amax",), value="max over dim (PyTorch's name)", derivative="as max",
         kinks="k tied maxima: 1/k each"),
    dict(op="amin", api=("Tensor.amin", "tg.amin",), value="min over dim (PyTorch's name)", derivative="as min",
         kinks="k tied minima: 1/k each"),
    dict(op="argmax", api=("Tensor.argmax", "tg.argmax", "np.argmax"), value="index of the largest entry along dim (int64)",
         derivative="none (an integer result)", kinks="ties: the first index"),
    dict(op="argmin", api=("Tensor.argmin", "tg.argmin", "np.argmin"), value="index of the smallest entry along dim (int64)",
         derivative="none (an integer result)", kinks="ties: the first index"),
    dict(op="all", api=("Tensor.all",), value="True where every entry along dim is nonzero (bool)",
         derivative="none (a bool result)"),
    dict(op="any", api=("Tensor.any",), value="True where some entry along dim is nonzero (bool)",
         derivative="none (a bool result)"),
]


def normalized_axes(axis, ndim, op):
    """``axis`` (None, an int or a sequence of ints) as a sorted tuple of distinct axes in ``[0, ndim)``.

    A 0-d input accepts the axes 0 and -1 (as PyTorch does) and reduces over
    nothing. Out-of-range or repeated axes raise numpy's ``AxisError`` (a
    ValueError and an IndexError) naming the op and the shape.
    """
    if axis is None:
        return tuple(range(ndim))
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    try:
        items = [operator.index(a) for a in items]
    except TypeError:
        raise TypeError(f"{op}: dim/axis must be None, an int or a tuple of ints, got {axis!r}") from None
    bound = max(ndim, 1)
    if any(not -bound <= a < bound for a in items):
        raise np.exceptions.AxisError(f"{op}: dim/axis {axis!r} is out of range for a tensor of "
                                      f"{ndim} dimension(s)")
    axes = sorted({a % bound for a in items}) if ndim else []
    if len(axes) != len(items) and ndim:
        raise np.exceptions.AxisError(f"{op}: dim/axis {axis!r} repeats an axis")
    return tuple(axes)


def _count(shape, axes):
    """How many elements each reduced group holds."""
    count = 1
    for a in axes:
        count *= shape[a]
    return count


def _drop(out, shape, axes, keepdims):
    """``out`` (reduced, axes kept as length 1) without the reduced axes unless ``keepdims``."""
    if keepdims:
        return out
    return out.reshape(tuple(size for i, size in enumerate(shape) if i not in axes))


def _kept(value, shape, axes):
    """A reduced result (array or Tensor) with the reduced axes put back as length 1."""
    return value.reshape(kept_shape(shape, axes))


def _centered(x, axes):
    """x minus its mean over ``axes`` (an array, or a recorded Tensor expression)."""
    return x - x.mean(axis=axes, keepdims=True)


def _one(axes):
    """One axis as an int (``reduce_along``'s fast path for a short axis), several as the tuple."""
    return axes[0] if len(axes) == 1 else axes


def _degrees_of_freedom(x, axes, correction, op):
    """n - correction for groups of n elements; an error when that is not positive (and there is output)."""
    count = _count(x.shape, axes)
    if count - correction <= 0:
        raise ValueError(f"{op}: correction={correction} needs more than {correction} element(s) per group, "
                         f"but the groups of the input of shape {x.shape} reduced over {axes} hold {count}; "
                         f"use correction=0 (the population {op}) or reduce over more elements")
    return count - correction


def _output_is_empty(x, axes):
    return any(size == 0 for i, size in enumerate(x.shape) if i not in axes)


def _moment(ctx, x, axis, correction, keepdims, op, root):
    """Var (``root=False``) or Std (``root=True``) forward: the result, saved with x for backward."""
    ctx.axis, ctx.keepdims = axis, keepdims
    if _output_is_empty(x, axis):
        ctx.dof = 1
        out = np.zeros(kept_shape(x.shape, axis), dtype=x.dtype)
    else:
        ctx.dof = _degrees_of_freedom(x, axis, correction, op)
        centered = _centered(x, axis)
        out = reduce_along(np.add, centered * centered, _one(axis)) / x.dtype.type(ctx.dof)
        if root:
            out = np.sqrt(out)
    out = np.asarray(_drop(out, x.shape, axis, keepdims))
    ctx.save_for_backward(x, out)
    return out


class Var(Function):
    """sum((x - mean)**2) / (n - correction) over axis;  dx = g * 2 (x - mean) / (n - correction)."""

    @staticmethod
    def forward(ctx, x, axis=(), correction=1, keepdims=False):
        x = floating(x)
        return _moment(ctx, x, axis, correction, keepdims, "var", root=False)

    @staticmethod
    def backward(ctx, grad):
        x, _ = ctx.saved_tensors
        spread = _spread(grad, x.shape, ctx.axis, ctx.keepdims)
        if x.size == 0:
            return spread
        return spread * _centered(x, ctx.axis) * grad.dtype.type(2 / ctx.dof)


class Std(Function):
    """sqrt(var(x, axis, correction));  dx = g (x - mean) / ((n - correction) std), 0 where std = 0."""

    @staticmethod
    def forward(ctx, x, axis=(), correction=1, keepdims=False):
        x = floating(x)
        return _moment(ctx, x, axis, correction, keepdims, "std", root=True)

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        out = _kept(out, x.shape, ctx.axis)
        spread = _spread(grad, x.shape, ctx.axis, ctx.keepdims)
        if x.size == 0:
            return spread
        safe = np.where(out == 0, 1, out)  # std = 0 only when every entry equals the mean: gradient 0 there
        slope = spread * _centered(x, ctx.axis) / (safe * grad.dtype.type(ctx.dof))
        # recorded, the 0 is kept explicit, so the second derivative there is 0 too (as PyTorch's)
        return slope if is_array(grad) else np.where(out == 0, grad.dtype.type(0), slope)


def _products_of_others(x, axes):
    """For each entry, the product of the other entries of its group: exact with zeros (an array).

    Exclusive products from the left times exclusive products from the right:
    no division, so a group holding one zero gets the product of the rest at
    the zero and 0 elsewhere, and a group with two zeros gets 0 everywhere.
    """
    ends = tuple(range(-len(axes), 0))
    moved = np.moveaxis(x, axes, ends)
    k = _count(x.shape, axes)
    if k == 0 or x.size == 0:
        return np.zeros_like(x)
    flat = moved.reshape(moved.shape[:moved.ndim - len(axes)] + (k,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
    with np.errstate(over="ignore", invalid="ignore"):  # a product too large for the dtype is inf
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = left * right
    return np.moveaxis(others.reshape(moved.shape), ends, axes)


def _recorded_products_of_others(x, axes):
    """``_products_of_others`` for a Tensor, as recorded ops: each row with its own entry set to 1, multiplied.

    Builds a (..., k, k) tensor per group, so it costs k times the memory of
    the input; it runs only under ``create_graph=True``.
    """
    rest = tuple(i for i in range(x.ndim) if i not in axes)
    moved = x.transpose(rest + axes)
    k = _count(x.shape, axes)
    kept = moved.shape[:len(rest)]
    rows = moved.reshape(kept + (1, k)).broadcast_to(kept + (k, k))
    others = np.where(np.eye(k, dtype=bool), 1, rows).prod(axis=-1)
    inverse = tuple(int(i) for i in np.argsort(rest + axes))
    return others.reshape(moved.shape).transpose(inverse)


class Prod(Function):
    """prod(x, axis);  dx_i = g * (product of the other entries of x_i's group), exact with zeros."""

    @staticmethod
    def forward(ctx, x, axis=(), keepdims=False):
        ctx.save_for_backward(x)
        ctx.axis, ctx.keepdims = axis, keepdims
        with np.errstate(over="ignore"):  # a product too large for the dtype is inf, as in PyTorch
            return np.asarray(np.prod(x, axis=axis, keepdims=keepdims))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        spread = _spread(grad, x.shape, ctx.axis, ctx.keepdims)
        if isinstance(x, np.ndarray):
            return spread * _products_of_others(x, ctx.axis)
        return spread * _recorded_products_of_others(x, ctx.axis)


class LogSumExp(Function):
    """log(sum(exp(x))) over axis, stable;  dx = g * softmax(x) over axis, 0 where out is +-inf (NaN stays NaN).

    Computed as ``m + log(sum(exp(x - m)))`` with ``m`` the group's maximum,
    so no exponential overflows. A group of zero elements gives -inf. The
    gradient is the softmax ``exp(x - m) / sum(exp(x - m))``, not
    ``exp(x - out)``, whose rounding of ``out`` would cost float32 four digits
    at ``|x| = 1e4``; ``m`` is a constant there (the softmax does not depend on it).
    """

    @staticmethod
    def forward(ctx, x, axis=(), keepdims=False):
        x = floating(x)
        ctx.axis, ctx.keepdims = axis, keepdims
        if _count(x.shape, axis) == 0:
            out = np.full(kept_shape(x.shape, axis), -np.inf, dtype=x.dtype)
        else:
            shift = _finite_maximum(x, axis)
            with np.errstate(divide="ignore", over="ignore", invalid="ignore"):  # log 0 = -inf: all -inf
                out = np.log(reduce_along(np.add, np.exp(x - shift), _one(axis))) + shift
        out = np.asarray(_drop(out, x.shape, axis, keepdims))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        spread = _spread(grad, x.shape, ctx.axis, ctx.keepdims)
        if x.size == 0:
            return spread
        infinite = np.isinf(_kept(out, x.shape, ctx.axis))  # a boolean array, also for a Tensor (NaN stays NaN)
        values = x if isinstance(x, np.ndarray) else x.detach().numpy()  # the shift is a constant on purpose
        with np.errstate(over="ignore", invalid="ignore"):  # only groups whose result is infinite overflow
            exp = np.exp(x - _finite_maximum(values, ctx.axis))
            total = exp.sum(axis=ctx.axis, keepdims=True)
            softmax = exp / np.where(infinite, 1, total)
        return spread * np.where(infinite, 0, softmax)


def _finite_maximum(x, axes):
    """The maximum of each group of the array ``x`` (axes kept), with 0 where it is not finite."""
    top = reduce_along(np.maximum, x, _one(axes))
    return np.where(np.isfinite(top), top, 0).astype(x.dtype)


class Norm(Function):
    """(sum |x|**p)**(1/p) over axis, for a finite p >= 1;  dx = g sign(x) (|x| / out)**(p-1), 0 where out = 0.

    Computed as ``m * (sum (|x|/m)**p)**(1/p)`` with ``m = max |x|``, so no
    power overflows (``1e4**p`` in float32 would). For p = 2 the gradient is
    ``g x / out``; at the zero vector it is 0 (a subgradient).
    """

    @staticmethod
    def forward(ctx, x, axis=(), p=2.0, keepdims=False):
        magnitude = np.abs(x)
        if _count(x.shape, axis) == 0:
            out = np.zeros(kept_shape(x.shape, axis), dtype=x.dtype)
        else:
            top = reduce_along(np.maximum, magnitude, _one(axis))
            scale = np.where((top > 0) & np.isfinite(top), top, 1).astype(x.dtype)
            with np.errstate(invalid="ignore"):
                ratio = magnitude / scale
                total = reduce_along(np.add, ratio * ratio if p == 2 else ratio ** x.dtype.type(p), _one(axis))
                root = np.sqrt(total) if p == 2 else total ** x.dtype.type(1 / p)
                out = np.where(np.isinf(top), top, top * root)
        out = np.asarray(_drop(out.astype(x.dtype, copy=False), x.shape, axis, keepdims))
        ctx.save_for_backward(x, out)
        ctx.axis, ctx.keepdims, ctx.p = axis, keepdims, p
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        out = _kept(out, x.shape, ctx.axis)
        safe = np.where(out == 0, 1, out)  # out = 0 only when the whole group is 0: then sign(x) = 0 (NaN stays)
        if ctx.p == 2:
            slope = x / safe
        else:
            if not is_array(grad):  # recorded: a 0 entry divides by 1, not by the norm, so that the 0 * inf of its
                safe = np.where(x == 0, 1, safe)  # second derivative (p < 2) stays there instead of reaching the group
            slope = np.sign(x) * (np.abs(x) / safe) ** grad.dtype.type(ctx.p - 1)
        if not is_array(grad):  # recorded: the 0 at the zero vector is explicit, so its second derivative is 0 too
            slope = np.where(out == 0, grad.dtype.type(0), slope)
        return _spread(grad, x.shape, ctx.axis, ctx.keepdims) * slope


class CumSum(Function):
    """y_i = x_1 + ... + x_i along axis (None: the flattened input);  dx = the reverse cumulative sum of g."""

    @staticmethod
    def forward(ctx, x, axis=None):
        ctx.shape, ctx.axis = x.shape, axis
        if axis is None:
            return np.cumsum(x.reshape(-1))
        return np.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        axis = 0 if ctx.axis is None else ctx.axis
        reverse = (slice(None),) * axis + (slice(None, None, -1),)
        return np.cumsum(grad[reverse], axis=axis)[reverse].reshape(ctx.shape)

"""numpy functions on Tensors: ``np.exp(t)``, ``np.where(c, t, 0)``, ``arr * t`` record the matching op.

numpy hands a call to ``Tensor.__array_ufunc__`` (ufuncs: ``np.exp``,
``np.maximum``, the arithmetic behind ``arr * t`` ...) or
``Tensor.__array_function__`` (``np.where``, ``np.sum``, ``np.reshape`` ...)
whenever a Tensor is among the arguments. A function that matches one of our
ops records that op, so the result is a Tensor with a gradient, as HIPS
autograd users expect. This is also what makes a ``Function.backward``
written with numpy calls work on Tensors under ``create_graph=True``.

* ufuncs without a matching op are refused with a ``TypeError`` naming the
  method to use, except predicates (``np.isfinite``, ``np.isnan`` ...),
  which read the values and return a boolean array;
* other numpy functions (``np.allclose``, ``np.median``, ``np.all`` ...)
  run on the data and return what numpy returns, without a gradient;
* writing a result into a numpy array (``out=``, ``arr += t``) is refused.

``UFUNCS`` and ``FUNCTIONS`` map numpy's callables to ours; ops add to them.
"""

import numpy as np

from . import grad_mode, ops, tensor
from .errors import ShapeError
from .ops import shape_more

__all__ = ["array_ufunc", "array_function", "UFUNCS", "UFUNC_REDUCTIONS", "FUNCTIONS", "PREDICATES"]


def _where(condition, a, b):
    condition = condition._data if isinstance(condition, tensor.Tensor) else condition
    return ops.Where.apply(a, b, condition=condition)


def _compare(ufunc):
    name = f"np.{ufunc.__name__}"

    def compare(a, b):
        values = [x._data if isinstance(x, tensor.Tensor) else tensor.as_array(x, name) for x in (a, b)]
        try:
            return tensor.make_tensor(np.asarray(ufunc(*values)))
        except ValueError as error:
            raise ShapeError(f"{name}: cannot compare shapes {values[0].shape} and {values[1].shape}; they must "
                             "broadcast") from error
    return compare


def _tensor(a, name):
    """``a`` as a Tensor (a constant when it is an array or a number)."""
    return a if isinstance(a, tensor.Tensor) else tensor.make_tensor(tensor.as_array(a, f"np.{name}"))


def _reshape(a, newshape=None, order="C", shape=None):
    _defaults("reshape", order=(order, "C"))
    return _tensor(a, "reshape").reshape(newshape if shape is None else shape)


def _transpose(a, axes=None):
    a = _tensor(a, "transpose")
    return a.transpose() if axes is None else a.transpose(axes)


def _swapaxes(a, axis1, axis2):
    a = _tensor(a, "swapaxes")
    axes = list(range(a.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return a.transpose(axes)


def _moveaxis(a, source, destination):
    a = _tensor(a, "moveaxis")
    return a.transpose([int(axis) for axis in np.moveaxis(np.arange(a.ndim), source, destination)])


def _expand_dims(a, axis):
    a = _tensor(a, "expand_dims")
    return a.reshape(np.expand_dims(np.empty(a.shape, dtype=bool), axis).shape)


def _squeeze(a, axis=None):
    a = _tensor(a, "squeeze")
    try:
        shape = np.squeeze(np.empty(a.shape, dtype=bool), axis).shape
    except ValueError as error:  # numpy's rule: a named axis must have length 1
        raise ShapeError(f"np.squeeze: cannot squeeze axis {axis} of a tensor of shape {a.shape}: {error} "
                         "(Tensor.squeeze(dim) keeps such axes, as PyTorch does)") from None
    return a.reshape(shape)


def _reduction(name):
    def reduce(a, axis=None, dtype=None, out=None, keepdims=False, **rest):
        _defaults(name, dtype=(dtype, None), out=(out, None), **{k: (v, np._NoValue) for k, v in rest.items()})
        return getattr(_tensor(a, name), name)(axis=axis, keepdims=bool(keepdims))
    return reduce


def _concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    _defaults("concatenate", out=(out, None), dtype=(dtype, None))
    return ops.Concatenate.apply(*arrays, axis=axis)


def _stack(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    _defaults("stack", out=(out, None), dtype=(dtype, None))
    return ops.Stack.apply(*arrays, axis=axis)


def _clip(a, a_min=None, a_max=None, out=None, min=None, max=None, **rest):
    _defaults("clip", out=(out, None))
    return _tensor(a, "clip").clip(a_min if min is None else min, a_max if max is None else max)


def _broadcast_to(array, shape, subok=False):
    shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(size) for size in shape)
    return ops.BroadcastTo.apply(array, shape=shape)


def _split(ary, indices_or_sections, axis=0):
    a = _tensor(ary, "split")
    try:
        pieces = np.split(np.empty(a.shape, dtype=bool), indices_or_sections, axis)
    except ValueError as error:
        raise ShapeError(f"np.split: cannot split axis {axis} of a tensor of shape {a.shape} into "
                         f"{indices_or_sections!r}: {error}") from None
    index, start = [slice(None)] * a.ndim, 0
    result = []
    for piece in pieces:
        index[axis] = slice(start, start + piece.shape[axis])
        result.append(a[tuple(index)])
        start += piece.shape[axis]
    return result


def _moment(name):
    """np.var / np.std: numpy's default ``ddof=0`` (the Tensor methods default to PyTorch's correction=1)."""
    def moment(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **rest):
        _defaults(name, dtype=(dtype, None), out=(out, None), **{k: (v, np._NoValue) for k, v in rest.items()})
        return getattr(_tensor(a, name), name)(axis=axis, correction=ddof, keepdims=bool(keepdims))
    return moment


def _cumsum(a, axis=None, dtype=None, out=None):
    _defaults("cumsum", dtype=(dtype, None), out=(out, None))
    return _tensor(a, "cumsum").cumsum(axis=axis)


def _arg_reduction(name):
    def arg_reduction(a, axis=None, out=None, *, keepdims=False):
        _defaults(name, out=(out, None))
        return getattr(_tensor(a, name), name)(axis=axis, keepdims=bool(keepdims))
    return arg_reduction


def _flip(m, axis=None):
    m = _tensor(m, "flip")
    return m.flip() if axis is None else m.flip(axis)


def _pad(array, pad_width, mode="constant", **options):
    """np.pad on a Tensor: ``mode="constant"`` with one ``constant_values`` number (``Pad`` records it)."""
    array = _tensor(array, "pad")
    value = options.pop("constant_values", 0)
    _defaults("pad", mode=(mode, "constant"), **{k: (v, np._NoValue) for k, v in options.items()})
    if np.ndim(value) != 0:
        raise TypeError("np.pad on a Tensor: constant_values must be one number here")
    try:
        widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (array.ndim, 2))
    except (ValueError, TypeError) as error:
        raise ShapeError(f"np.pad: pad_width {pad_width!r} does not fit a tensor of shape {array.shape}: "
                         f"{error}") from None
    if (widths < 0).any():
        raise ValueError(f"np.pad: pad_width must be non-negative, got {pad_width!r}")
    return shape_more.Pad.apply(array, widths=tuple(map(tuple, widths.tolist())), value=float(value))


def _tile(A, reps):
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    return _tensor(A, "tile").tile(reps)


def _repeat(a, repeats, axis=None):
    return _tensor(a, "repeat").repeat_interleave(repeats, dim=axis)


def _norm(x, ord=None, axis=None, keepdims=False):
    """np.linalg.norm on a Tensor, where numpy computes a vector norm (or the Frobenius norm) as ours does."""
    x = _tensor(x, "linalg.norm")
    matrix = (axis is None and x.ndim == 2) or (isinstance(axis, (tuple, list)) and len(axis) == 2)
    if matrix and ord not in (None, "fro"):
        raise TypeError(f"np.linalg.norm on a Tensor: the matrix norm ord={ord!r} has no recorded op; "
                        "only vector norms and the Frobenius norm ('fro') do")
    if matrix or ord is None:
        ord = 2
    return x.norm(p=ord, dim=axis, keepdim=bool(keepdims))


def _defaults(name, **values):
    """Refuse numpy options we do not support (anything but their default) with a clear TypeError."""
    for option, (value, default) in values.items():
        if value is not default and not (default is None and value is None):
            raise TypeError(f"np.{name} on a Tensor: the option {option}= is not supported here "
                            "(use the Tensor method, or apply numpy to t.data for a value without gradient)")


UFUNCS = {
    np.add: ops.Add.apply, np.subtract: ops.Sub.apply, np.multiply: ops.Mul.apply,
    np.true_divide: ops.Div.apply, np.power: ops.Pow.apply, np.negative: ops.Neg.apply,
    np.positive: lambda x: x, np.matmul: ops.MatMul.apply, np.exp: ops.Exp.apply, np.log: ops.Log.apply,
    np.sqrt: ops.Sqrt.apply, np.absolute: ops.Abs.apply, np.tanh: ops.Tanh.apply,
    np.maximum: ops.Maximum.apply, np.sign: ops.Sign.apply,
    np.minimum: ops.Minimum.apply, np.sin: ops.Sin.apply, np.cos: ops.Cos.apply, np.tan: ops.Tan.apply,
    np.arcsin: ops.Arcsin.apply, np.arccos: ops.Arccos.apply, np.arctan: ops.Arctan.apply,
    np.sinh: ops.Sinh.apply, np.cosh: ops.Cosh.apply, np.arcsinh: ops.Arcsinh.apply,
    np.arccosh: ops.Arccosh.apply, np.arctanh: ops.Arctanh.apply, np.log1p: ops.Log1p.apply,
    np.expm1: ops.Expm1.apply, np.log2: ops.Log2.apply, np.log10: ops.Log10.apply, np.exp2: ops.Exp2.apply,
    np.reciprocal: ops.Reciprocal.apply, np.square: ops.Square.apply, np.floor: ops.Floor.apply,
    np.ceil: ops.Ceil.apply, np.trunc: ops.Trunc.apply, np.rint: ops.Round.apply,
    np.less: _compare(np.less), np.less_equal: _compare(np.less_equal), np.greater: _compare(np.greater),
    np.greater_equal: _compare(np.greater_equal), np.equal: _compare(np.equal),
    np.not_equal: _compare(np.not_equal),
}
UFUNC_REDUCTIONS = {np.add: "sum", np.maximum: "max"}  # np.add.reduce(t, axis) is t.sum(axis)
PREDICATES = {np.isfinite, np.isnan, np.isinf, np.signbit, np.logical_not, np.logical_and, np.logical_or}
FUNCTIONS = {
    np.where: _where, np.sum: _reduction("sum"), np.mean: _reduction("mean"), np.max: _reduction("max"),
    np.amax: _reduction("max"), np.min: _reduction("min"), np.amin: _reduction("min"),
    np.reshape: _reshape, np.transpose: _transpose, np.swapaxes: _swapaxes, np.moveaxis: _moveaxis,
    np.expand_dims: _expand_dims, np.squeeze: _squeeze, np.concatenate: _concatenate, np.stack: _stack,
    np.clip: _clip, np.broadcast_to: _broadcast_to, np.split: _split,
    np.var: _moment("var"), np.std: _moment("std"), np.prod: _reduction("prod"), np.cumsum: _cumsum,
    np.argmax: _arg_reduction("argmax"), np.argmin: _arg_reduction("argmin"), np.flip: _flip, np.pad: _pad,
    np.tile: _tile, np.repeat: _repeat, np.linalg.norm: _norm,
}


def array_ufunc(self, ufunc, method, *inputs, out=None, **kwargs):
    """``Tensor.__array_ufunc__``: a ufunc that matches an op records it (see the module docstring)."""
    name = ufunc.__name__
    if out is not None:
        raise TypeError(f"np.{name}: cannot write a Tensor's result into a numpy array in place (out=, or "
                        f"arr {_OPERATOR.get(name, 'op')}= t); write arr = arr {_OPERATOR.get(name, 'op')} t, "
                        "which gives a Tensor, or use t.data for values without gradient")
    if method == "reduce" and ufunc in UFUNC_REDUCTIONS:
        kwargs.pop("dtype", None)
        name = UFUNC_REDUCTIONS[ufunc]
        return getattr(_tensor(inputs[0], name), name)(**kwargs)
    if method != "__call__":
        raise TypeError(f"np.{name}.{method} is not supported on Tensors; apply it to t.data")
    if ufunc in PREDICATES:
        return ufunc(*[x._data if isinstance(x, tensor.Tensor) else x for x in inputs], **kwargs)
    function = UFUNCS.get(ufunc)
    if function is None:
        for x in inputs:
            if isinstance(x, tensor.Tensor):
                grad_mode.check_array_conversion(x, f"called np.{name}, which has no recorded op,")
        raise TypeError(f"np.{name} has no recorded op in tinygrad_nn, so its result would have no gradient; "
                        f"use the Tensor method if there is one (docs/ops.md lists them), or apply np.{name} to "
                        "t.data for a value without gradient")
    if kwargs:
        raise TypeError(f"np.{name} on a Tensor: options {sorted(kwargs)} are not supported")
    return function(*inputs)


def array_function(self, func, types, args, kwargs):
    """``Tensor.__array_function__``: a numpy function that matches an op records it, others read values."""
    function = FUNCTIONS.get(func)
    if function is not None:
        return function(*args, **kwargs)
    return func(*_values(args), **{key: _values(value) for key, value in kwargs.items()})


def _values(value):
    """``value`` with every Tensor in it (also inside lists and tuples) replaced by its array."""
    if isinstance(value, tensor.Tensor):
        grad_mode.check_array_conversion(value)
        return value._data
    if isinstance(value, (list, tuple)):
        return type(value)(_values(item) for item in value)
    return value


_OPERATOR = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "true_divide": "/", "power": "**",
             "matmul": "@"}

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
* other numpy functions (``np.allclose``, ``np.argmax``, ``np.linalg.norm``
  ...) run on the data and return what numpy returns, without a gradient;
* writing a result into a numpy array (``out=``, ``arr += t``) is refused.

``UFUNCS`` and ``FUNCTIONS`` map numpy's callables to ours; ops add to them.
"""

import numpy as np

from . import grad_mode, ops, tensor
from .errors import ShapeError

__all__ = ["array_ufunc", "array_function", "UFUNCS", "UFUNC_REDUCTIONS", "FUNCTIONS", "PREDICATES"]


def _where(condition, a, b):
    condition = condition._data if isinstance(condition, tensor.Tensor) else condition
    return ops.Where.apply(a, b, condition=condition)


def _compare(ufunc):
    name = f"np.{ufunc.__name__}"

    def compare(a, b):
        values = [x._data if isinstance(x, tensor.Tensor) else tensor.as_array(x, name) for x in (a, b)]
        try:
            return tensor.Tensor._make(np.asarray(ufunc(*values)))
        except ValueError as error:
            raise ShapeError(f"{name}: cannot compare shapes {values[0].shape} and {values[1].shape}; they must "
                             "broadcast") from error
    return compare


def _tensor(a, name):
    """``a`` as a Tensor (a constant when it is an array or a number)."""
    return a if isinstance(a, tensor.Tensor) else tensor.Tensor._make(tensor.as_array(a, f"np.{name}"))


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
    return a.reshape(np.squeeze(np.empty(a.shape, dtype=bool), axis).shape)


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
    pieces = np.split(np.empty(a.shape, dtype=bool), indices_or_sections, axis)
    index, start = [slice(None)] * a.ndim, 0
    result = []
    for piece in pieces:
        index[axis] = slice(start, start + piece.shape[axis])
        result.append(a[tuple(index)])
        start += piece.shape[axis]
    return result


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

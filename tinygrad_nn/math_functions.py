"""Tensor methods as functions of the package, PyTorch's way: ``tg.sin(x)`` is ``x.sin()``,
``tg.sum(x, dim=1)`` is ``x.sum(dim=1)``, ``tg.cat([a, b])`` joins tensors.

Each takes a Tensor (or an array or number, made a constant Tensor) and
records the same op as the Tensor method of that name, with the method's
arguments; its docstring is the method's. ``tg.maximum``, ``tg.where``,
``tg.concatenate`` and ``tg.stack`` live in the engine with the other
functions of several tensors.

>>> import tinygrad_nn as tg
>>> tg.sin(tg.Tensor([0.0])).data, tg.minimum(tg.Tensor([1.0, 3.0]), 2.0).data
(array([0.]), array([1., 2.]))
"""

import inspect

import numpy as np

from .engine import Tensor, concatenate, ops
from .engine.errors import ShapeError
from .engine.methods.arguments import device_argument, flag_argument, number_argument

__all__ = ["exp", "exp2", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "reciprocal", "square",
           "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
           "arctanh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "erf", "erfc", "abs", "sign", "floor",
           "ceil", "trunc", "frac", "sigmoid", "relu", "round", "clamp", "clip", "max", "min", "minimum",
           # PyTorch's functions of the package for methods with arguments, and its tensor helpers
           "add", "sub", "mul", "div", "neg", "pow", "matmul", "mm", "dot", "t", "sum", "mean", "prod", "var", "std",
           "norm", "logsumexp", "cumsum", "argmax", "argmin", "amax", "amin", "softmax", "log_softmax", "flatten",
           "reshape", "squeeze", "unsqueeze", "split", "chunk", "numel", "isnan", "isinf", "isfinite", "cat",
           "concat", "tensor", "from_numpy", "is_tensor", "allclose", "isclose"]


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _function(name):
    """``name(x, ...)``: the Tensor method ``name`` as a function, the method's arguments following ``x``."""
    method = getattr(Tensor, name)
    options = len(inspect.signature(method).parameters) > 1

    def function(x, *args, **kwargs):
        bound = getattr(_tensor(x), name)
        try:
            return bound(*args, **kwargs)
        except TypeError as error:  # a wrong call names the method's class (ReductionMethods.sum()): name tg's
            if f"{method.__qualname__}()" not in str(error):
                raise
            raise TypeError(str(error).replace(f"{method.__qualname__}()", f"{name}()")) from None
    function.__name__ = function.__qualname__ = name
    call = "(x, ...)`` is ``x.{0}(...)" if options else "(x)`` is ``x.{0}()"
    function.__doc__ = f"``tg.{name}{call.format(name)}``: {method.__doc__}"
    return function


# the Tensor methods of one tensor and no options, as functions (aliases share a method: asin is arcsin)
exp = _function("exp")
exp2 = _function("exp2")
expm1 = _function("expm1")
log = _function("log")
log1p = _function("log1p")
log2 = _function("log2")
log10 = _function("log10")
sqrt = _function("sqrt")
rsqrt = _function("rsqrt")
reciprocal = _function("reciprocal")
square = _function("square")
sin = _function("sin")
cos = _function("cos")
tan = _function("tan")
arcsin = _function("arcsin")
arccos = _function("arccos")
arctan = _function("arctan")
sinh = _function("sinh")
cosh = _function("cosh")
tanh = _function("tanh")
arcsinh = _function("arcsinh")
arccosh = _function("arccosh")
arctanh = _function("arctanh")
asin = _function("asin")
acos = _function("acos")
atan = _function("atan")
asinh = _function("asinh")
acosh = _function("acosh")
atanh = _function("atanh")
erf = _function("erf")
erfc = _function("erfc")
abs = _function("abs")
sign = _function("sign")
floor = _function("floor")
ceil = _function("ceil")
trunc = _function("trunc")
frac = _function("frac")
sigmoid = _function("sigmoid")
relu = _function("relu")


def round(x, decimals=0):  # noqa: A001 - PyTorch's name (torch.round)
    """``tg.round(x, decimals=0)`` is ``x.round(decimals)``: halves to even; its gradient is 0."""
    return _tensor(x).round(decimals)


def clamp(x, min=None, max=None):  # noqa: A002 - PyTorch's argument names
    """``tg.clamp(x, min, max)`` (also ``tg.clip``) is ``x.clamp(min, max)``; the bounds may be Tensors."""
    return _tensor(x).clamp(min, max)


clip = clamp


def max(input, dim=None, keepdim=False):  # noqa: A001, A002 - PyTorch's names (torch.max)
    """``torch.max``: ``tg.max(x)`` is the largest value, ``tg.max(x, dim)`` the pair ``(values, indices)``
    along ``dim`` (``x.max(dim=dim)``), and ``tg.max(x, y)`` with a Tensor or array ``y`` is ``tg.maximum(x, y)``."""
    return _extreme(input, dim, keepdim, "max", ops.Maximum)


def min(input, dim=None, keepdim=False):  # noqa: A001, A002 - PyTorch's names (torch.min)
    """``torch.min``: ``tg.min(x)``, ``tg.min(x, dim)`` (``(values, indices)``) or ``tg.min(x, y)`` elementwise."""
    return _extreme(input, dim, keepdim, "min", ops.Minimum)


def _extreme(input, dim, keepdim, name, elementwise):  # noqa: A002
    if isinstance(dim, (Tensor, np.ndarray)):  # torch.max(input, other)
        return elementwise.apply(input, dim)
    x = _tensor(input)
    if dim is None:
        if keepdim is not False:
            raise TypeError(f"{name}: keepdim needs a dim (tg.{name}(x, dim, keepdim=True))")
        return getattr(x, name)()
    return getattr(x, name)(dim=dim, keepdim=keepdim)


def minimum(a, b):
    """Elementwise minimum of two tensors (or a tensor and an array/number); ties split the gradient evenly."""
    return ops.Minimum.apply(a, b)


# the Tensor methods with arguments, as PyTorch's functions (the same generator): tg.sum(x, dim=1), tg.pow(x, 2), tg.mm(a, b) ...
add = _function("add")
sub = _function("sub")
mul = _function("mul")
div = _function("div")
neg = _function("neg")
pow = _function("pow")  # noqa: A001 - PyTorch's name (torch.pow)
matmul = _function("matmul")
mm = _function("mm")
dot = _function("dot")
t = _function("t")
sum = _function("sum")  # noqa: A001 - PyTorch's name (torch.sum)
mean = _function("mean")
prod = _function("prod")
var = _function("var")
std = _function("std")
norm = _function("norm")
logsumexp = _function("logsumexp")
cumsum = _function("cumsum")
argmax = _function("argmax")
argmin = _function("argmin")
amax = _function("amax")
amin = _function("amin")
softmax = _function("softmax")
log_softmax = _function("log_softmax")
flatten = _function("flatten")
reshape = _function("reshape")
squeeze = _function("squeeze")
unsqueeze = _function("unsqueeze")
split = _function("split")
chunk = _function("chunk")
numel = _function("numel")
isnan = _function("isnan")
isinf = _function("isinf")
isfinite = _function("isfinite")


def cat(tensors, dim=0, *, axis=None):
    """Join tensors along an existing axis ``dim`` (PyTorch's ``cat``; numpy's ``concatenate``)."""
    return concatenate(tensors, dim if axis is None else axis)


concat = cat


def tensor(data, *, dtype=None, device=None, requires_grad=False):
    """A new Tensor holding a copy of ``data`` (PyTorch's ``torch.tensor``; ``Tensor(array)`` shares the array).

    The dtype rules are the library's: Python numbers, lists and integers
    become float64 unless ``dtype=`` says otherwise. ``device`` may be
    ``"cpu"`` (or None), the one device there is.
    """
    device_argument(device, "tensor")
    if isinstance(data, np.ndarray):
        data = data.copy()
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array):
    """A Tensor sharing ``array`` (its dtype kept, integers too), as ``torch.from_numpy``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy array, got {type(array).__name__}")
    return Tensor(array, dtype=array.dtype)


def is_tensor(obj):
    """True for a Tensor."""
    return isinstance(obj, Tensor)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002 - PyTorch's argument names
    """Whether every element of ``input`` is within ``atol + rtol * |other|`` of ``other``'s (a Python bool)."""
    return bool(np.all(_closeness(input, other, rtol, atol, equal_nan, "allclose")))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002 - PyTorch's argument names
    """Where ``input`` is within ``atol + rtol * |other|`` of ``other``, a bool tensor."""
    return Tensor(_closeness(input, other, rtol, atol, equal_nan, "isclose"), dtype=np.bool_)


def _closeness(input, other, rtol, atol, equal_nan, op):  # noqa: A002
    a, b = _tensor(input).data, _tensor(other).data
    rtol, atol = number_argument(rtol, "rtol", op), number_argument(atol, "atol", op)
    try:
        return np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=flag_argument(equal_nan, "equal_nan", op))
    except ValueError as error:
        raise ShapeError(f"{op}: cannot compare shapes {a.shape} and {b.shape}: they must broadcast") from error

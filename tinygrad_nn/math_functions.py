"""Elementwise math as functions of the package, PyTorch's way: ``tg.sin(x)`` is ``x.sin()``.

Each takes a Tensor (or an array or number, made a constant Tensor) and
records the same op as the Tensor method of that name; its docstring is the
method's. ``tg.maximum`` and ``tg.where`` live in the engine with the other
functions of several tensors.

>>> import tinygrad_nn as tg
>>> tg.sin(tg.Tensor([0.0])).data, tg.minimum(tg.Tensor([1.0, 3.0]), 2.0).data
(array([0.]), array([1., 2.]))
"""

from .engine import Tensor, ops

__all__ = ["exp", "exp2", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "reciprocal", "square",
           "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
           "arctanh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "erf", "erfc", "abs", "sign", "floor",
           "ceil", "trunc", "frac", "sigmoid", "relu", "round", "clamp", "clip", "minimum"]


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _function(name):
    """``name(x)``: the Tensor method ``name`` as a function, with the method's docstring."""
    def function(x):
        return getattr(_tensor(x), name)()
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``tg.{name}(x)`` is ``x.{name}()``: {getattr(Tensor, name).__doc__}"
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


def minimum(a, b):
    """Elementwise minimum of two tensors (or a tensor and an array/number); ties split the gradient evenly."""
    return ops.Minimum.apply(a, b)

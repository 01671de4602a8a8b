"""Tensor factories with PyTorch's names: ``tg.zeros(2, 3)``, ``tg.randn((4, 5), requires_grad=True)`` ...

Sizes are given as PyTorch allows: as separate ints (``tg.zeros(2, 3)``) or
as one tuple or list (``tg.zeros((2, 3))``). Every factory takes ``dtype=``
(a numpy dtype, ``"float32"``, or ``tg.float32`` ...) and
``requires_grad=`` (floating dtypes only).

Default dtypes: float64 for every factory of values (``zeros``, ``ones``,
``full``, ``empty``, ``rand``, ``randn``, ``linspace``, ``eye``), which is
the library's rule for Python numbers (PyTorch's default is float32).
``arange`` follows numpy and PyTorch: all-integer arguments give int64,
any float gives float64. The ``*_like`` factories take the dtype of the
tensor they copy the shape of.

``rand`` and ``randn`` draw from the default generator of
``tinygrad_nn.random`` (seeded by ``tg.manual_seed``), or from ``rng=``
(a ``numpy.random.Generator`` or an int seed), like every random choice in
the library.

>>> import tinygrad_nn as tg
>>> tg.zeros(2, 3).shape, tg.ones((2,), dtype=tg.float32).dtype
((2, 3), dtype('float32'))
>>> tg.arange(3).tolist(), tg.arange(0, 1, 0.5).tolist()
([0, 1, 2], [0.0, 0.5])
"""

import numbers

import numpy as np

from .engine import Tensor
from .random import as_rng

__all__ = ["zeros", "ones", "full", "empty", "zeros_like", "ones_like", "full_like", "rand", "randn",
           "arange", "linspace", "eye", "float16", "float32", "float64", "int32", "int64"]

# PyTorch's dtype names, for code that says dtype=torch.float32: here they are numpy's dtypes
float16, float32, float64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
int32, int64 = np.dtype(np.int32), np.dtype(np.int64)


def _shape(size, op):
    """``size`` (ints, or one tuple/list of ints) as a tuple of non-negative ints."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in size):
        raise TypeError(f"{op}: sizes must be ints (given separately or as one tuple), got {size!r}")
    if any(s < 0 for s in size):
        raise ValueError(f"{op}: sizes must be non-negative, got {tuple(size)}")
    return tuple(int(s) for s in size)


def _dtype(dtype, default=np.float64, op="factory"):
    """``dtype`` as a numpy dtype (``default`` for None); a numpy dtype is falsy, so never ``dtype or ...``."""
    if isinstance(dtype, bool):
        raise TypeError(f"{op}: dtype must be a numpy dtype (np.float32, \"float64\" ...), got {dtype!r}")
    try:
        return np.dtype(default if dtype is None else dtype)
    except TypeError:
        raise TypeError(f"{op}: dtype must be a numpy dtype (np.float32, \"float64\" ...), got {dtype!r:.40}") from None


def _fill(value, op):
    """A fill value: a real number (bools and numpy numbers too)."""
    if isinstance(value, numbers.Real):
        return value
    raise TypeError(f"{op}: fill_value must be a number, got {value!r:.40} ({type(value).__name__})")


def _make(array, requires_grad, op):
    if requires_grad and array.dtype.kind != "f":
        raise TypeError(f"{op}: requires_grad=True needs a floating dtype, got {array.dtype}")
    return Tensor(array, requires_grad=requires_grad, dtype=array.dtype)


def zeros(*size, dtype=None, requires_grad=False):
    """A tensor of zeros of the given size (float64 unless ``dtype=``)."""
    return _make(np.zeros(_shape(size, "zeros"), dtype=_dtype(dtype, op="zeros")), requires_grad, "zeros")


def ones(*size, dtype=None, requires_grad=False):
    """A tensor of ones of the given size (float64 unless ``dtype=``)."""
    return _make(np.ones(_shape(size, "ones"), dtype=_dtype(dtype, op="ones")), requires_grad, "ones")


def full(size, fill_value, *, dtype=None, requires_grad=False):
    """A tensor of ``size`` filled with ``fill_value`` (float64 unless ``dtype=``, also for an int fill value)."""
    if not isinstance(size, (numbers.Integral, tuple, list)) or isinstance(size, bool):
        raise TypeError(f"full: size must be an int or a tuple of ints, got {size!r:.40}")
    size = _shape((size,) if isinstance(size, numbers.Integral) else tuple(size), "full")
    return _make(np.full(size, _fill(fill_value, "full"), dtype=_dtype(dtype, op="full")), requires_grad, "full")


def empty(*size, dtype=None, requires_grad=False):
    """A tensor of the given size whose values are unspecified (here: zeros, so nothing reads stale memory)."""
    return _make(np.zeros(_shape(size, "empty"), dtype=_dtype(dtype, op="empty")), requires_grad, "empty")


def _like(tensor):
    if isinstance(tensor, Tensor):
        return tensor.shape, tensor.dtype
    array = np.asarray(tensor)
    return array.shape, array.dtype if array.dtype.kind == "f" else np.dtype(np.float64)


def zeros_like(input, *, dtype=None, requires_grad=False):
    """Zeros with ``input``'s shape and (unless ``dtype=``) dtype."""
    shape, own = _like(input)
    return _make(np.zeros(shape, dtype=_dtype(dtype, own, "zeros_like")), requires_grad, "zeros_like")


def ones_like(input, *, dtype=None, requires_grad=False):
    """Ones with ``input``'s shape and (unless ``dtype=``) dtype."""
    shape, own = _like(input)
    return _make(np.ones(shape, dtype=_dtype(dtype, own, "ones_like")), requires_grad, "ones_like")


def full_like(input, fill_value, *, dtype=None, requires_grad=False):
    """``fill_value`` everywhere, with ``input``'s shape and (unless ``dtype=``) dtype."""
    shape, own = _like(input)
    return _make(np.full(shape, _fill(fill_value, "full_like"), dtype=_dtype(dtype, own, "full_like")),
                 requires_grad, "full_like")


def _draw(method, size, dtype, requires_grad, rng, op):
    """Values drawn by the Generator's ``method`` (``"random"``, ``"standard_normal"``) in a floating dtype."""
    dtype = _dtype(dtype, op="_draw")
    if dtype.kind != "f":
        raise TypeError(f"{op}: draws floating values, so dtype must be floating, got {dtype}")
    draw = getattr(as_rng(rng), method)
    shape = _shape(size, op)
    if dtype in (np.float32, np.float64):  # numpy draws these directly
        values = draw(shape, dtype=dtype)
    else:
        values = draw(shape).astype(dtype)
    return _make(values, requires_grad, op)


def rand(*size, dtype=None, requires_grad=False, rng=None):
    """Uniform values in [0, 1) from the default generator (``tg.manual_seed``) or ``rng``."""
    return _draw("random", size, dtype, requires_grad, rng, "rand")


def randn(*size, dtype=None, requires_grad=False, rng=None):
    """Standard normal values from the default generator (``tg.manual_seed``) or ``rng``."""
    return _draw("standard_normal", size, dtype, requires_grad, rng, "randn")


def arange(start, end=None, step=1, *, dtype=None, requires_grad=False):
    """``start, start + step, ...`` below ``end`` (``arange(n)``: 0 to n-1); int64 for int arguments."""
    if end is None:
        start, end = 0, start
    numbers_given = (start, end, step)
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in numbers_given):
        raise TypeError(f"arange: start, end and step must be numbers, got {numbers_given}")
    if step == 0:
        raise ValueError("arange: step must not be 0")
    if dtype is None:
        dtype = np.int64 if all(isinstance(v, numbers.Integral) for v in numbers_given) else np.float64
    return _make(np.arange(start, end, step, dtype=dtype), requires_grad, "arange")


def linspace(start, end, steps, *, dtype=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (float64 unless ``dtype=``)."""
    if not isinstance(steps, numbers.Integral) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative int, got {steps!r}")
    return _make(np.linspace(start, end, int(steps), dtype=_dtype(dtype, op="linspace")), requires_grad, "linspace")


def eye(n, m=None, *, dtype=None, requires_grad=False):
    """The identity matrix of shape ``(n, m)`` (``m`` defaults to ``n``)."""
    m = n if m is None else m
    shape = _shape((n, m), "eye")
    return _make(np.eye(*shape, dtype=_dtype(dtype, op="eye")), requires_grad, "eye")

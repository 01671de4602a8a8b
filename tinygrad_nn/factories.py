"""Tensor factories with PyTorch's names: ``tg.zeros(2, 3)``, ``tg.randn((4, 5), requires_grad=True)`` ...

Sizes are given as PyTorch allows: as separate ints (``tg.zeros(2, 3)``) or
as one tuple or list (``tg.zeros((2, 3))``). Every factory takes ``dtype=``
(a numpy dtype, ``"float32"``, or ``tg.float32`` ...),
``requires_grad=`` (floating dtypes only) and PyTorch's ``device=``, which
may be ``"cpu"`` (or None): the one device there is.

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

import math
import numbers

import numpy as np

from .engine import Tensor
from .engine.methods.arguments import (allocation_check, device_argument, flag_argument, number_argument,
                                       shape_argument)
from .engine.tensor import as_array
from .random import as_rng

__all__ = ["zeros", "ones", "full", "empty", "zeros_like", "ones_like", "full_like", "rand", "randn", "rand_like",
           "randn_like",
           "arange", "linspace", "eye", "float16", "float32", "float64", "int32", "int64"]

# PyTorch's dtype names, for code that says dtype=torch.float32: here they are numpy's dtypes
float16, float32, float64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
int32, int64 = np.dtype(np.int32), np.dtype(np.int64)


def _shape(size, op):
    """``size`` (ints, or one tuple/list of ints) as a tuple of non-negative ints."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in size):
        raise TypeError(f"{op}: sizes must be ints (given separately or as one tuple), got {size!r:.60}")
    if any(s < 0 for s in size):
        raise ValueError(f"{op}: sizes must be non-negative, got {tuple(size)!r:.60}")
    return shape_argument(size, op)


def _dtype(dtype, default=np.float64, op="factory"):
    """``dtype`` as a numeric numpy dtype (``default`` for None); a numpy dtype is falsy, so never ``dtype or ...``."""
    expected = f"{op}: dtype must be a numeric numpy dtype (np.float32, \"float64\", np.int64 ...), got {dtype!r:.40}"
    if isinstance(dtype, bool):
        raise TypeError(expected)
    try:
        dtype = np.dtype(default if dtype is None else dtype)
    except (TypeError, ValueError):
        raise TypeError(expected) from None
    if dtype.kind not in "fbiu":
        raise TypeError(expected)
    return dtype


def _sized(size, dtype, op, default=np.float64):
    """The checked shape and dtype of a factory's array, refused when it would not fit in memory."""
    shape, dtype = _shape(size, op), _dtype(dtype, default, op)
    allocation_check(shape, dtype, op)
    return shape, dtype


def _full(shape, value, dtype, op):
    """``np.full`` with a real fill value that fits ``dtype`` (bools and numpy numbers too)."""
    if not isinstance(value, numbers.Real) or isinstance(value, np.ndarray):
        raise TypeError(f"{op}: fill_value must be a number, got {value!r:.40} ({type(value).__name__})")
    try:
        return np.full(shape, value, dtype=dtype)
    except (OverflowError, ValueError):
        raise ValueError(f"{op}: fill_value {value!r:.40} does not fit dtype {dtype}") from None


def _make(array, requires_grad, op):
    if flag_argument(requires_grad, "requires_grad", op) and array.dtype.kind != "f":
        raise TypeError(f"{op}: requires_grad=True needs a floating dtype, got {array.dtype}")
    return Tensor(array, requires_grad=requires_grad, dtype=array.dtype)


def zeros(*size, dtype=None, requires_grad=False, device=None):
    """A tensor of zeros of the given size (float64 unless ``dtype=``)."""
    device_argument(device, "zeros")
    return _make(np.zeros(*_sized(size, dtype, "zeros")), requires_grad, "zeros")


def ones(*size, dtype=None, requires_grad=False, device=None):
    """A tensor of ones of the given size (float64 unless ``dtype=``)."""
    device_argument(device, "ones")
    return _make(np.ones(*_sized(size, dtype, "ones")), requires_grad, "ones")


def full(size, fill_value, *, dtype=None, requires_grad=False, device=None):
    """A tensor of ``size`` filled with ``fill_value`` (float64 unless ``dtype=``, also for an int fill value)."""
    device_argument(device, "full")
    if not isinstance(size, (numbers.Integral, tuple, list)) or isinstance(size, bool):
        raise TypeError(f"full: size must be an int or a tuple of ints, got {size!r:.40}")
    shape, dtype = _sized((size,) if isinstance(size, numbers.Integral) else tuple(size), dtype, "full")
    return _make(_full(shape, fill_value, dtype, "full"), requires_grad, "full")


def empty(*size, dtype=None, requires_grad=False, device=None):
    """A tensor of the given size whose values are unspecified (here: zeros, so nothing reads stale memory)."""
    device_argument(device, "empty")
    return _make(np.zeros(*_sized(size, dtype, "empty")), requires_grad, "empty")


def _like(tensor, dtype, op):
    """The shape and dtype (``dtype``, else the tensor's own if floating, else float64) of a ``*_like`` result."""
    if isinstance(tensor, Tensor):
        shape, own = tensor.shape, tensor.dtype
    else:
        array = as_array(tensor, op, None)
        shape, own = array.shape, array.dtype if array.dtype.kind == "f" else np.dtype(np.float64)
    return _sized((shape,), dtype, op, own)


def zeros_like(input, *, dtype=None, requires_grad=False, device=None):
    """Zeros with ``input``'s shape and (unless ``dtype=``) dtype."""
    device_argument(device, "zeros_like")
    return _make(np.zeros(*_like(input, dtype, "zeros_like")), requires_grad, "zeros_like")


def ones_like(input, *, dtype=None, requires_grad=False, device=None):
    """Ones with ``input``'s shape and (unless ``dtype=``) dtype."""
    device_argument(device, "ones_like")
    return _make(np.ones(*_like(input, dtype, "ones_like")), requires_grad, "ones_like")


def full_like(input, fill_value, *, dtype=None, requires_grad=False, device=None):
    """``fill_value`` everywhere, with ``input``'s shape and (unless ``dtype=``) dtype."""
    device_argument(device, "full_like")
    shape, dtype = _like(input, dtype, "full_like")
    return _make(_full(shape, fill_value, dtype, "full_like"), requires_grad, "full_like")


def _draw(method, size, dtype, requires_grad, rng, op):
    """Values drawn by the Generator's ``method`` (``"random"``, ``"standard_normal"``) in a floating dtype."""
    shape, dtype = _sized(size, dtype, op)
    if dtype.kind != "f":
        raise TypeError(f"{op}: draws floating values, so dtype must be floating, got {dtype}")
    draw = getattr(as_rng(rng, op), method)
    if dtype in (np.float32, np.float64):  # numpy draws these directly
        values = draw(shape, dtype=dtype)
    else:
        values = draw(shape).astype(dtype)
    return _make(values, requires_grad, op)


def rand(*size, dtype=None, requires_grad=False, rng=None, device=None):
    """Uniform values in [0, 1) from the default generator (``tg.manual_seed``) or ``rng``."""
    device_argument(device, "rand")
    return _draw("random", size, dtype, requires_grad, rng, "rand")


def randn(*size, dtype=None, requires_grad=False, rng=None, device=None):
    """Standard normal values from the default generator (``tg.manual_seed``) or ``rng``."""
    device_argument(device, "randn")
    return _draw("standard_normal", size, dtype, requires_grad, rng, "randn")


def rand_like(input, *, dtype=None, requires_grad=False, rng=None, device=None):
    """Uniform values in [0, 1) with ``input``'s shape and (unless ``dtype=``) floating dtype."""
    device_argument(device, "rand_like")
    shape, dtype = _like(input, dtype, "rand_like")
    return _draw("random", (shape,), dtype, requires_grad, rng, "rand_like")


def randn_like(input, *, dtype=None, requires_grad=False, rng=None, device=None):
    """Standard normal values with ``input``'s shape and (unless ``dtype=``) floating dtype."""
    device_argument(device, "randn_like")
    shape, dtype = _like(input, dtype, "randn_like")
    return _draw("standard_normal", (shape,), dtype, requires_grad, rng, "randn_like")


def _finite(values, names, op):
    """Real, finite numbers (bools refused), as given; the error names the op and the argument."""
    for value, name in zip(values, names):
        number_argument(value, name, op, finite=True)
    return values  # as given: ints stay ints (arange's dtype follows them)


def arange(start, end=None, step=1, *, dtype=None, requires_grad=False, device=None):
    """``start, start + step, ...`` below ``end`` (``arange(n)``: 0 to n-1); int64 for int arguments."""
    device_argument(device, "arange")
    if end is None:
        start, end = 0, start
    numbers_given = _finite((start, end, step), ("start", "end", "step"), "arange")
    if step == 0:
        raise ValueError("arange: step must not be 0")
    integral = all(isinstance(v, numbers.Integral) for v in numbers_given)
    dtype = _dtype(dtype, np.int64 if integral else np.float64, "arange")
    allocation_check((_count(start, end, step, integral),), dtype, "arange")
    try:
        values = np.arange(start, end, step, dtype=dtype)
    except (OverflowError, ValueError) as error:  # an int argument beyond int64
        raise ValueError(f"arange: start {start!r:.30}, end {end!r:.30} and step {step!r:.30} do not fit "
                         f"dtype {dtype} ({error})") from None
    return _make(values, requires_grad, "arange")


def _count(start, end, step, integral):
    """How many values ``arange`` gives (2**63 standing for any count numpy could not hold)."""
    if integral:  # as Python ints: numpy's int64 would overflow
        return max(0, -((int(start) - int(end)) // int(step)))
    span = (float(end) - float(start)) / float(step)  # inf when the span overflows
    return max(0, math.ceil(span)) if span < 2 ** 63 else 2 ** 63


def linspace(start, end, steps, *, dtype=None, requires_grad=False, device=None):
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (float64 unless ``dtype=``)."""
    device_argument(device, "linspace")
    if not isinstance(steps, numbers.Integral) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative int, got {steps!r:.40}")
    start, end = _finite((start, end), ("start", "end"), "linspace")
    shape, dtype = _sized((steps,), dtype, "linspace")
    return _make(np.linspace(float(start), float(end), shape[0], dtype=dtype), requires_grad, "linspace")


def eye(n, m=None, *, dtype=None, requires_grad=False, device=None):
    """The identity matrix of shape ``(n, m)`` (``m`` defaults to ``n``)."""
    device_argument(device, "eye")
    m = n if m is None else m
    shape, dtype = _sized((n, m), dtype, "eye")
    return _make(np.eye(*shape, dtype=dtype), requires_grad, "eye")

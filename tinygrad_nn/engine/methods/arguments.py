"""Checks of the non-tensor arguments of Tensor methods and of the library's functions (axes, shapes, flags,
numbers, ints, paths, sizes that must fit in memory), each raising an error that names the method or function,
so that garbage never reaches numpy or Python and comes back as one of their internal messages."""

import math
import numbers
import operator
import os

import numpy as np

from .. import tensor

__all__ = ["axis_argument", "dim_argument", "flag_argument", "shape_argument", "number_argument", "int_argument",
           "allocation_check", "path_argument", "index_argument", "device_argument", "is_device", "short_text"]

LARGEST_INT = 2 ** 63 - 1  # numpy's int64: any size, count or axis beyond it cannot be held


def axis_argument(axis, op, ndim, single=False):
    """``axis`` as None, an int or a tuple of ints (numpy integers and lists accepted); ``ndim`` is the tensor's.

    ``single=True``: one int (or None) only, for ops along one axis (``cumsum``, ``argmax``).
    """
    if axis is None or (type(axis) is int and -2 ** 31 <= axis <= 2 ** 31):  # the usual cases, first
        return axis
    several = isinstance(axis, (list, tuple)) and not single
    try:
        axes = tuple(operator.index(a) for a in axis) if several else operator.index(axis)
    except TypeError:
        what = "None or an int" if single else "None, an int or a tuple of ints"
        raise TypeError(f"{op}: axis must be {what}, got {short_text(axis)}") from None
    for a in axes if isinstance(axes, tuple) else (axes,):
        if abs(a) > 2 ** 31:  # numpy cannot even hold it (smaller ones out of range: numpy's message, op named)
            raise IndexError(f"{op}: axis {short_text(a)} is out of range for a tensor of {ndim} dimension(s)")
    return axes


def dim_argument(dim, ndim, op):
    """One axis ``dim`` of a tensor of ``ndim`` dimensions, as an int in ``[0, ndim)`` (PyTorch's ``dim=``)."""
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r:.40} ({type(dim).__name__})")
    if not -ndim <= dim < ndim:
        raise IndexError(f"{op}: dim {dim} is out of range for a tensor of {ndim} dimension(s)")
    return int(dim) % ndim


def flag_argument(value, name, op, allow_none=False):
    """``value`` as a bool; only True, False (and numpy's bools) are accepted, and None when ``allow_none``."""
    if value is True or value is False:
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if value is None and allow_none:
        return None
    raise TypeError(f"{op}: {name} must be True or False, got {short_text(value)} ({type(value).__name__})")


def shape_argument(shape, op):
    """``shape`` (ints, or one tuple/list of them) as a tuple of ints >= -1 (-1: inferred, where the op allows)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        sizes = tuple(operator.index(size) for size in shape)
    except TypeError:
        raise TypeError(f"{op}: the shape must be ints (or one tuple of ints), got {short_text(shape)}") from None
    negative = [size for size in sizes if size < -1]
    if negative:
        raise ValueError(f"{op}: sizes must be >= 0 (or -1 to infer one), got {short_text(sizes)}")
    if math.prod(size for size in sizes if size > 0) > LARGEST_INT:  # numpy refuses it even with a 0 size
        raise ValueError(f"{op}: the sizes {short_text(sizes)} are too large for an array")
    return sizes


def int_argument(value, name, op, minimum=None):
    """``value`` as an int (a Python or numpy int, or an integer 0-d tensor), at least ``minimum`` if given.

    Floats, strings, None and arrays are refused, as are ints beyond int64, which numpy cannot hold.
    """
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int, got {short_text(value)} ({type(value).__name__})") from None
    if minimum is not None and number < minimum:
        raise ValueError(f"{op}: {name} must be an int >= {minimum}, got {short_text(number)}")
    if abs(number) > LARGEST_INT:
        raise ValueError(f"{op}: {name} {short_text(number)} is too large (beyond int64)")
    return number


def allocation_check(shape, dtype, op):
    """Refuse, naming the op, an array of ``shape`` and ``dtype`` larger than this machine's memory.

    numpy would raise its own ``MemoryError`` (or "array is too big") deep inside; this says which op
    asked for how much. Smaller requests are left to numpy.
    """
    count = math.prod(shape)
    itemsize = np.dtype(dtype).itemsize
    if math.prod(size for size in shape if size > 0) * itemsize > LARGEST_INT:  # numpy refuses it, even empty
        raise ValueError(f"{op}: a tensor of shape {short_text(tuple(shape))} of {np.dtype(dtype)} is too large for "
                         "numpy (its sizes multiply beyond int64 bytes)")
    needed = count * itemsize
    if needed > _memory_bytes():
        raise ValueError(f"{op}: a tensor of shape {short_text(tuple(shape))} ({count} elements of "
                         f"{np.dtype(dtype)}) needs {_bytes(needed)}, more than this machine's memory "
                         f"({_bytes(_memory_bytes())})")


def _memory_bytes():
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not a POSIX system: numpy's own limit applies
        return LARGEST_INT


def _bytes(count):
    """``count`` bytes in the largest binary unit that keeps the number >= 1 (up to PiB)."""
    units = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB")
    if count >= 1024 ** len(units):
        return "over 1024 PiB"  # too many to divide into a float
    power = min(int(math.log(max(count, 1), 1024)), len(units) - 1)
    return f"{count} bytes" if power == 0 else f"{count / 1024 ** power:.1f} {units[power]}"


def number_argument(value, name, op, allow_none=False, finite=False):
    """``value`` as a real Python float (None too when ``allow_none``); bools, arrays and strings are refused.

    ``finite=True`` also refuses NaN, inf and ints beyond float range (a ValueError).
    """
    if value is None and allow_none:
        return None
    if type(value) is float and not finite:  # the usual case first (isinstance of an ABC is slow)
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_, np.ndarray)):
        try:
            number = float(value)
        except OverflowError:  # a Python int beyond float range
            number = math.inf if value > 0 else -math.inf
            if not finite:
                raise TypeError(f"{op}: {name} {short_text(value)} is too large for a float") from None
        if finite and not math.isfinite(number):
            raise ValueError(f"{op}: {name} must be a finite number, got {short_text(value)}")
        return number
    what = "None or a number" if allow_none else "a number"
    raise TypeError(f"{op}: {name} must be {what}, got {short_text(value)} ({type(value).__name__})")


def index_argument(index, op):
    """An index for numpy: Tensors inside it become their arrays (indices never need gradients), a list an array."""
    for item in index if isinstance(index, tuple) else (index,):
        if isinstance(item, int) and item.bit_length() > 31:  # numpy could not even convert it
            raise IndexError(f"{op}: index {item!r:.40} is out of range")
    if isinstance(index, tensor.Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, tensor.Tensor) else i for i in index)
    if isinstance(index, list):
        try:
            return np.asarray(index)
        except ValueError:  # a ragged list
            raise IndexError(f"{op}: a list index must be rectangular (integers or booleans), "
                             f"got {index!r:.40}") from None
    return index


def path_argument(path, op, what="path"):
    """Refuse a ``path`` that is no file name (``open`` would say only "expected str, bytes or os.PathLike")."""
    name = path
    if isinstance(path, os.PathLike):
        try:
            name = os.fspath(path)
        except Exception as error:  # a user's own PathLike whose __fspath__ fails
            raise TypeError(f"{op}: {what} {short_text(path)} gave no file name: {error}") from error
    if not isinstance(name, str):
        shown = short_text(path) + (f", whose __fspath__ gave {type(name).__name__}" if name is not path else "")
        raise TypeError(f"{op}: {what} must be a file name (a str or a pathlib.Path), got {shown} "
                        f"({type(path).__name__})")
    return path


DEVICES = ("cpu", "cuda", "mps", "xla", "meta")  # device names PyTorch programs pass; only the CPU is here


def is_device(value):
    """Whether ``value`` names a device (``"cpu"``, ``"cuda:0"``, a ``torch.device``) rather than, say, a dtype."""
    if isinstance(value, str):
        return value.split(":")[0] in DEVICES
    return type(value).__name__ == "device" and isinstance(getattr(value, "type", None), str)


def device_argument(device, op):
    """Accept PyTorch's ``device=`` when it is None or the CPU (``"cpu"``, ``"cpu:0"``, ``torch.device("cpu")``).

    tinygrad_nn computes with numpy on the CPU only: another device is a
    ValueError that says so, anything that names no device a TypeError.
    """
    if device is None:
        return
    if isinstance(device, str):
        name = device.split(":")[0]
    elif is_device(device):
        name = device.type
    else:
        raise TypeError(f"{op}: device must be 'cpu' (or None), got {short_text(device)} ({type(device).__name__})")
    if name != "cpu":
        known = f"device {str(device)!r} is not available" if name in DEVICES else f"there is no device {device!r:.40}"
        raise ValueError(f"{op}: tinygrad_nn runs on numpy on the CPU only, so {known}; use device='cpu' or leave it "
                         f"out")


def short_text(value):
    """``repr(value)``, cut to about 40 characters for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}...{text[-6:]}"

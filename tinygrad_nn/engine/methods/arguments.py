"""Checks of the non-tensor arguments of Tensor methods (axes, shapes, flags, numbers), each raising an error
that names the method, so that garbage never reaches numpy and comes back as one of its internal messages."""

import numbers
import operator

import numpy as np

__all__ = ["axis_argument", "flag_argument", "shape_argument", "number_argument", "short_text"]


def axis_argument(axis, op, ndim):
    """``axis`` as None, an int or a tuple of ints (numpy integers and lists accepted); ``ndim`` is the tensor's."""
    if axis is None or (type(axis) is int and -2 ** 31 <= axis <= 2 ** 31):  # the usual cases, first
        return axis
    try:
        axes = tuple(operator.index(a) for a in axis) if isinstance(axis, (list, tuple)) else operator.index(axis)
    except TypeError:
        raise TypeError(f"{op}: axis must be None, an int or a tuple of ints, got {short_text(axis)}") from None
    for a in axes if isinstance(axes, tuple) else (axes,):
        if abs(a) > 2 ** 31:  # numpy cannot even hold it (smaller ones out of range: numpy's message, op named)
            raise IndexError(f"{op}: axis {short_text(a)} is out of range for a tensor of {ndim} dimension(s)")
    return axes


def flag_argument(value, name, op):
    """``value`` as a bool; only True, False (and numpy's bools) are accepted."""
    if value is True or value is False:
        return value
    if isinstance(value, np.bool_):
        return bool(value)
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
    return sizes


def number_argument(value, name, op, allow_none=False):
    """``value`` as a real Python number (None too when ``allow_none``); arrays and strings are refused."""
    if value is None and allow_none:
        return None
    if isinstance(value, numbers.Real) and not isinstance(value, np.ndarray):
        try:
            return float(value)
        except OverflowError:  # a Python int beyond float range
            raise TypeError(f"{op}: {name} {short_text(value)} is too large for a float") from None
    what = "None or a number" if allow_none else "a number"
    raise TypeError(f"{op}: {name} must be {what}, got {short_text(value)} ({type(value).__name__})")


def short_text(value):
    """``repr(value)``, cut to about 40 characters for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}...{text[-6:]}"

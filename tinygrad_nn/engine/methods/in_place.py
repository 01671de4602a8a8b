"""In-place changes of a tensor: ``copy_``, ``fill_``, ``zero_``, ``t[index] = value``, ``+=``, ``-=``, ``*=``,
``/=`` and PyTorch's ``add_``, ``sub_``, ``mul_``, ``div_``.

A change in place bumps the tensor's version (see ``versions.py``). While
gradients are recorded, PyTorch's rules apply: a leaf that requires grad is
refused (update it inside ``no_grad()``), and ``x += y`` on a tensor in the
graph records ``x + y`` instead (Python rebinds the name); ``x.add_(y)``,
which cannot rebind, is refused there.
"""

import operator

import numpy as np

from .. import grad_mode, tensor
from ..errors import ShapeError
from .arguments import index_argument, short_text
from .torch_names import scaled

__all__ = ["InPlaceMethods"]


class InPlaceMethods:
    """The methods that change a tensor's array in place."""

    __slots__ = ()

    def _check_in_place(self, op, other=None):
        """Refuse an in-place change that the graph cannot record (PyTorch's rule, in our words)."""
        if not grad_mode.STATE.grad_enabled:
            return
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError(
                f"{op}: this leaf tensor requires grad, so changing it in place would hide the change from "
                f"the graph; update parameters inside `with tg.no_grad():` (as optimizers do), or make a new "
                f"tensor (`w = w + x`, which is no longer a leaf)")

    def _check_unrecorded_write(self, op, source):
        """Refuse a write that is not recorded while gradients are: into a leaf that requires grad or a
        tensor made by a recorded op, or from a source that requires grad."""
        grad_mode.notify_tracer("in-place", self, op, source)  # tg.compile cannot replay such a write
        self._check_in_place(op)
        if not grad_mode.STATE.grad_enabled:
            return
        if self.grad_fn is not None:
            raise RuntimeError(
                f"{op}: this tensor was made by a recorded op, and {op} is not recorded, so the graph would not "
                f"see the new values; make a new tensor instead (tg.where(mask, value, t) or t.masked_fill(mask, "
                f"value)), or write inside `with tg.no_grad():`")
        if isinstance(source, tensor.Tensor) and source._requires_grad:
            raise RuntimeError(
                f"{op}: the source requires grad, but {op} records no gradient to it; use the source itself "
                f"(tg.where(mask, source, t) records one), or write its values only inside `with tg.no_grad():`")

    def __setitem__(self, index, value):
        """``t[index] = value``: write into this tensor's array in place, with numpy's indexing; bumps ``version``.

        As with ``copy_``, nothing is recorded: while gradients are recorded
        it refuses a leaf that requires grad, a tensor made by a recorded op
        and a value that requires grad. For a recorded result use
        ``tg.where(mask, value, t)`` or ``t.masked_fill(mask, value)``.
        """
        op = "t[index] = value"
        self._check_unrecorded_write(op, value)
        key = index_argument(index, op)
        values = tensor.as_array(value, op)
        try:
            self._writable_data(op)[key] = values
        except (IndexError, ValueError, TypeError, OverflowError) as error:
            kind = ShapeError if "shape" in str(error) or "broadcast" in str(error) else type(error)
            kind = kind if kind.__module__ in ("builtins", ShapeError.__module__) else TypeError
            raise kind(f"{op}: cannot write {short_text(value)} (shape {values.shape}) into a tensor of shape "
                       f"{self.shape} at index {short_text(index)}: {error}") from error
        self._bump_version()

    def copy_(self, source):
        """Copy ``source``'s values into this tensor's array, in place (broadcast, cast to this dtype).

        Bumps ``version``. Nothing is recorded, so while gradients are
        recorded it refuses a leaf that requires grad, a tensor made by a
        recorded op and a source that requires grad: run it inside
        ``tg.no_grad()`` to copy values only. Returns this tensor.
        """
        self._check_unrecorded_write("copy_", source)
        values = tensor.as_array(source, "copy_")
        try:
            np.copyto(self._writable_data("copy_"), values, casting="unsafe")
        except ValueError as error:
            raise ShapeError(f"copy_: cannot copy values of shape {values.shape} into a tensor of shape "
                             f"{self.shape} (they must broadcast to it)") from error
        self._bump_version()
        return self

    def fill_(self, value):
        """Set every element to ``value``, in place; bumps ``version``; returns this tensor."""
        return self.copy_(value)

    def zero_(self):
        """Set every element to 0, in place; bumps ``version``; returns this tensor."""
        return self.copy_(0)

    def _writable_data(self, op):
        if not self._data.flags.writeable:
            raise ValueError(f"{op}: this tensor's array is read-only (a cached constant, or a read-only "
                             "numpy array it was made from); copy it first")
        return self._data

    def _in_place(self, ufunc, out_of_place, other, symbol):
        """``self <op>= other``: in place when nothing needs recording, else a new recorded tensor.

        A tensor made by a recorded op (or one combined with a tensor that
        requires grad) gets ``out_of_place(self, other)``, which Python binds
        to the name, as ``x = x + y`` would; other references keep the old
        tensor. A leaf that requires grad is refused outside ``no_grad()``.
        """
        grad_mode.notify_tracer("in-place", self, symbol, None)
        if self._needs_recording(other):
            self._check_in_place(f"{symbol} (in place)")
            return out_of_place(self, other)
        return self._write_in_place(ufunc, other, f"{symbol} (in place)")

    def _method_in_place(self, ufunc, other, op):
        """``self.add_(other)`` and the like: always in place, since a method cannot rebind the caller's name.

        Where ``+=`` would record a new tensor (this one is in the graph, or
        ``other`` requires grad), the method is refused instead: PyTorch
        records such a change in place, which this engine does not.
        """
        grad_mode.notify_tracer("in-place", self, op, None)
        if self._needs_recording(other):
            self._check_in_place(op)
            what = "this tensor was made by a recorded op" if self._requires_grad else "the operand requires grad"
            raise RuntimeError(
                f"{op}: {what}, and {op} changes values in place without recording; write `y = y {_SYMBOLS[op]} x` "
                f"(a new recorded tensor), or change values only inside `with tg.no_grad():`")
        return self._write_in_place(ufunc, other, op)

    def _needs_recording(self, other):
        other_requires_grad = isinstance(other, tensor.Tensor) and other._requires_grad
        return grad_mode.STATE.grad_enabled and (self._requires_grad or other_requires_grad)

    def _write_in_place(self, ufunc, other, op):
        values = other._data if isinstance(other, tensor.Tensor) else other
        try:
            ufunc(self._writable_data(op), values, out=self._data, casting="same_kind")
        except ValueError as error:
            raise ShapeError(f"{op}: cannot combine a tensor of shape {self.shape} with "
                             f"{_shape_of(values)} in place (the result must keep shape {self.shape})") from error
        except (TypeError, OverflowError) as error:  # also a Python int beyond int64 (10**400)
            raise TypeError(f"{op}: cannot write {short_text(values)} ({type(values).__name__}) into a "
                            f"tensor of dtype {self.dtype} in place; make a new tensor instead") from error
        self._bump_version()
        return self

    def __iadd__(self, other): return self._in_place(np.add, operator.add, other, "+=")
    def __isub__(self, other): return self._in_place(np.subtract, operator.sub, other, "-=")
    def __imul__(self, other): return self._in_place(np.multiply, operator.mul, other, "*=")
    def __itruediv__(self, other): return self._in_place(np.true_divide, operator.truediv, other, "/=")

    def add_(self, other, *, alpha=1):
        """``self += alpha * other`` in place (PyTorch's ``add_``), as ``p.add_(p.grad, alpha=-lr)`` in ``no_grad``.

        Always in place: on a tensor in the graph, or with an ``other`` that
        requires grad, it is refused (write ``y = y + x``). Returns this tensor.
        """
        return self._method_in_place(np.add, scaled(other, alpha, "add_"), "add_")

    def sub_(self, other, *, alpha=1):
        """``self -= alpha * other`` in place (PyTorch's ``sub_``); refused where ``add_`` is. Returns this tensor."""
        return self._method_in_place(np.subtract, scaled(other, alpha, "sub_"), "sub_")

    def mul_(self, other):
        """``self *= other`` in place (PyTorch's ``mul_``); refused where ``add_`` is. Returns this tensor."""
        return self._method_in_place(np.multiply, other, "mul_")

    def div_(self, other):
        """``self /= other`` in place (PyTorch's ``div_``); refused where ``add_`` is. Returns this tensor."""
        return self._method_in_place(np.true_divide, other, "div_")


_SYMBOLS = {"add_": "+", "sub_": "-", "mul_": "*", "div_": "/"}


def _shape_of(values):
    """``np.shape(values)``, or a word when it has none (a ragged list)."""
    try:
        return np.shape(values)
    except ValueError:
        return f"a ragged {type(values).__name__}"

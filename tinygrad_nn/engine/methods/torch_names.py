"""PyTorch's method names for what tensors already do: ``x.pow(2)``, ``x.mul(y)``, ``x.mm(w)``, ``x.t()``,
``x.eq(y)``, ``x.masked_fill(mask, 0)``, ``x.new_zeros(3)`` ...

Each is one line on an existing operator or op (nothing new is recorded),
so PyTorch code runs with ``torch`` renamed. Their arguments are PyTorch's.
"""

import numpy as np

from .. import ops, tensor
from ..errors import ShapeError
from .arguments import allocation_check, dim_argument, flag_argument, number_argument, shape_argument
from .reductions import ValuesIndices

__all__ = ["TorchNameMethods"]


class TorchNameMethods:
    """PyTorch's spellings of the operators (``add``, ``mul``, ``pow``, ``matmul``, ``eq`` ...) and a few helpers."""

    __slots__ = ()

    # ----------------------------------------------------------- arithmetic
    def add(self, other, *, alpha=1):
        """``self + alpha * other`` (PyTorch's ``add``)."""
        return ops.Add.apply(self, scaled(other, alpha, "add"))

    def sub(self, other, *, alpha=1):
        """``self - alpha * other`` (PyTorch's ``sub``)."""
        return ops.Sub.apply(self, scaled(other, alpha, "sub"))

    def mul(self, other):
        """``self * other`` (PyTorch's ``mul``)."""
        return ops.Mul.apply(self, other)

    def div(self, other):
        """``self / other``, true division (PyTorch's ``div``)."""
        return ops.Div.apply(self, other)

    def neg(self):
        """``-self`` (PyTorch's ``neg``)."""
        return ops.Neg.apply(self)

    def pow(self, exponent):
        """``self ** exponent`` (PyTorch's ``pow``); the conventions at 0 are those of ``**``."""
        return ops.Pow.apply(self, exponent)

    def matmul(self, other):
        """``self @ other`` (PyTorch's ``matmul``: numpy's rules for 1-D, 2-D and batched operands)."""
        return ops.MatMul.apply(self, other)

    def mm(self, other):
        """The product of two matrices (PyTorch's ``mm``: both must be 2-D)."""
        _need_ndim("mm", 2, self, other)
        return ops.MatMul.apply(self, other)

    def dot(self, other):
        """The dot product of two vectors (PyTorch's ``dot``: both 1-D, of the same length), a 0-d tensor."""
        _need_ndim("dot", 1, self, other)
        return ops.MatMul.apply(self, other)

    def t(self):
        """A 2-D tensor transposed (PyTorch's ``t``); 0-d and 1-D tensors are returned as they are."""
        if self.ndim > 2:
            raise ShapeError(f"t: expects a tensor of at most 2 dimensions, got shape {self.shape}; "
                             f"use swapaxes or permute")
        return self.swapaxes(0, 1) if self.ndim == 2 else self

    # ----------------------------------------------------------- comparisons (bool tensors, no gradient)
    def eq(self, other):
        """``self == other`` elementwise, a bool tensor (PyTorch's ``eq``)."""
        return self == other

    def ne(self, other):
        """``self != other`` elementwise, a bool tensor (PyTorch's ``ne``)."""
        return self != other

    def lt(self, other):
        """``self < other`` elementwise, a bool tensor (PyTorch's ``lt``)."""
        return self < other

    def le(self, other):
        """``self <= other`` elementwise, a bool tensor (PyTorch's ``le``)."""
        return self <= other

    def gt(self, other):
        """``self > other`` elementwise, a bool tensor (PyTorch's ``gt``)."""
        return self > other

    def ge(self, other):
        """``self >= other`` elementwise, a bool tensor (PyTorch's ``ge``)."""
        return self >= other

    def isnan(self):
        """Where the values are NaN, a bool tensor."""
        return tensor.make_tensor(np.isnan(self._data))

    def isinf(self):
        """Where the values are +-inf, a bool tensor."""
        return tensor.make_tensor(np.isinf(self._data))

    def isfinite(self):
        """Where the values are neither NaN nor +-inf, a bool tensor."""
        return tensor.make_tensor(np.isfinite(self._data))

    # ----------------------------------------------------------- selection (indexing: the gradient is scattered back)
    def gather(self, dim, index):
        """``out[i][j] = self[i][index[i][j]]`` along ``dim`` (PyTorch's ``gather``; numpy's take_along_axis).

        ``index`` is an integer array or Tensor with this tensor's number of
        dimensions; the gradient goes back to the gathered places (summed where
        an index repeats).
        """
        axis = dim_argument(dim, self.ndim, "gather")
        index = _index_array(index, "gather")
        if index.ndim != self.ndim:
            raise ShapeError(f"gather: index must have as many dimensions as the tensor ({self.ndim}), "
                             f"got shape {index.shape}")
        grids = list(np.indices(index.shape, sparse=True))
        grids[axis] = index
        return self[tuple(grids)]

    def index_select(self, dim, index):
        """The entries at the 1-D integer ``index`` along ``dim`` (PyTorch's ``index_select``)."""
        axis = dim_argument(dim, self.ndim, "index_select")
        index = _index_array(index, "index_select")
        if index.ndim > 1:
            raise ShapeError(f"index_select: index must be 1-D, got shape {index.shape}")
        index = index.reshape(-1)  # a 0-d index selects one entry and keeps the axis, as in PyTorch
        return self[(slice(None),) * axis + (index,)]

    def argsort(self, dim=-1, descending=False, stable=False):
        """The indices that sort the values along ``dim`` (int64, no gradient); always stable, as ``np.argsort``.

        Ties keep their order (also with ``descending=True``), which is what
        PyTorch's ``stable=True`` asks for; ``stable=False`` allows it. NaN
        counts as the largest value, as in PyTorch: last in an ascending
        sort, first in a descending one.
        """
        axis = dim_argument(dim, max(self.ndim, 1), "argsort")
        descending = flag_argument(descending, "descending", "argsort")
        flag_argument(stable, "stable", "argsort")
        data = self._data if self.ndim else self._data.reshape(1)
        if descending:  # the ascending order of the reversed values, reversed: ties keep their order, NaN first
            length = data.shape[axis]
            order = length - 1 - np.flip(np.argsort(np.flip(data, axis), axis=axis, kind="stable"), axis)
        else:
            order = np.argsort(data, axis=axis, kind="stable")
        return tensor.make_tensor(order.reshape(self.shape).astype(np.int64))

    def sort(self, dim=-1, descending=False, stable=False):
        """``(values, indices)`` sorted along ``dim``, as PyTorch's ``sort``; the gradient goes back to each value.

        The sort is always stable (ties keep their order), so ``stable`` changes nothing.
        """
        indices = self.argsort(dim, descending, stable)
        return ValuesIndices(self.gather(dim, indices) if self.ndim else self, indices)

    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's argument name
        """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) entries along ``dim``."""
        axis = dim_argument(dim, max(self.ndim, 1), "topk")
        largest = flag_argument(largest, "largest", "topk")
        flag_argument(sorted, "sorted", "topk")  # the result is always sorted, which sorted=False allows
        length = self.shape[axis] if self.ndim else 1
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or not 0 <= k <= length:
            raise ValueError(f"topk: k must be an int in [0, {length}] for a tensor of shape {self.shape}, got {k!r}")
        order = self.argsort(dim, descending=largest)
        indices = tensor.make_tensor(np.take(order._data.reshape(self.shape or (1,)), np.arange(int(k)), axis=axis))
        values = self.reshape(self.shape or (1,)).gather(axis, indices)
        if self.ndim == 0 and k:  # the one value of a 0-d tensor stays 0-d, as PyTorch's
            values, indices = values.reshape(()), tensor.make_tensor(indices._data.reshape(()))
        return ValuesIndices(values, indices)

    # ----------------------------------------------------------- helpers of PyTorch code
    def masked_fill(self, mask, value):
        """``value`` where ``mask`` (bool, broadcast to this shape) is true, else this tensor; no gradient there."""
        mask = _plain_array(mask, "masked_fill", "the mask")
        if mask.dtype != np.bool_:
            raise TypeError(f"masked_fill: the mask must be boolean, got dtype {mask.dtype}")
        try:
            mask = np.broadcast_to(mask, self.shape)
        except ValueError:
            raise ShapeError(f"masked_fill: a mask of shape {mask.shape} does not broadcast to the tensor's shape "
                             f"{self.shape}") from None
        return ops.Where.apply(value, self, condition=mask)

    def expand_as(self, other):
        """This tensor expanded (broadcast) to ``other``'s shape."""
        return self.expand(*_tensor_argument(other, "expand_as").shape)

    def type_as(self, other):
        """This tensor in ``other``'s dtype."""
        return self.astype(_tensor_argument(other, "type_as").dtype)

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        """Zeros of ``size`` in ``dtype`` (default: this tensor's dtype), as PyTorch's ``new_zeros``."""
        return _new(np.zeros, self, size, dtype, requires_grad, "new_zeros")

    def new_ones(self, *size, dtype=None, requires_grad=False):
        """Ones of ``size`` in ``dtype`` (default: this tensor's dtype), as PyTorch's ``new_ones``."""
        return _new(np.ones, self, size, dtype, requires_grad, "new_ones")

    def clamp_min(self, min):  # noqa: A002 - PyTorch's argument name
        """``clamp(min=min)`` (PyTorch's ``clamp_min``)."""
        return self.clamp(min=min)

    def clamp_max(self, max):  # noqa: A002 - PyTorch's argument name
        """``clamp(max=max)`` (PyTorch's ``clamp_max``)."""
        return self.clamp(max=max)

    def contiguous(self):
        """This tensor (numpy arrays need no such step here)."""
        return self

    def cpu(self):
        """This tensor (tinygrad_nn computes with numpy on the CPU)."""
        return self


def scaled(other, alpha, op):
    """``alpha * other`` for ``add``/``sub`` (and ``add_``/``sub_``) (``other`` itself when alpha is 1)."""
    if type(alpha) in (int, float) and alpha == 1:
        return other
    alpha = number_argument(alpha, "alpha", op)
    if isinstance(other, (int, float, np.integer, np.floating)) and not isinstance(other, (bool, np.bool_)):
        return float(other) * alpha  # still a Python number: it takes the tensor's dtype, as PyTorch's scalars do
    return ops.Mul.apply(other, alpha)


def _plain_array(value, op, what):
    """A Tensor's array, or ``value`` as a numpy array of its own dtype (a ragged list is a TypeError naming ``op``)."""
    if isinstance(value, tensor.Tensor):
        return value._data
    try:
        return np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{op}: {what} must be an array, got {type(value).__name__}: {error}") from None


def _index_array(index, op):
    """An integer index (array or Tensor) as an int64 array."""
    values = _plain_array(index, op, "index")
    if values.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must hold integers, got dtype {values.dtype}")
    return values.astype(np.int64, copy=False)


def _tensor_argument(other, op):
    if not isinstance(other, tensor.Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(other).__name__}")
    return other


def _need_ndim(op, ndim, *tensors):
    for t in tensors:
        if not isinstance(t, tensor.Tensor) or t.ndim != ndim:
            shapes = " and ".join(str(getattr(x, "shape", type(x).__name__)) for x in tensors)
            what = "matrices" if ndim == 2 else "vectors"
            raise ShapeError(f"{op}: expects two {ndim}-D tensors ({what}), got {shapes}")
    if ndim == 1 and tensors[0].shape != tensors[1].shape:
        raise ShapeError(f"{op}: the vectors must have the same length, got shapes {tensors[0].shape} and "
                         f"{tensors[1].shape}")


def _new(fill, like, size, dtype, requires_grad, op):
    shape = shape_argument(size, op)
    if any(s < 0 for s in shape):
        raise ValueError(f"{op}: sizes must be >= 0, got {shape}")
    dtype = like.dtype if dtype is None else _numeric_dtype(dtype, op)
    allocation_check(shape, dtype, op)
    made = tensor.make_tensor(fill(shape, dtype=dtype))
    made.requires_grad = requires_grad
    return made


def _numeric_dtype(dtype, op):
    """``dtype`` (a numpy dtype or its name) checked to be numeric."""
    expected = f"{op}: dtype must be a numeric numpy dtype (np.float32, \"float64\", np.int64 ...), got {dtype!r:.40}"
    try:
        dtype = np.dtype(dtype) if not isinstance(dtype, bool) else None
    except (TypeError, ValueError):
        dtype = None
    if dtype is None or dtype.kind not in "fbiu":
        raise TypeError(expected)
    return dtype

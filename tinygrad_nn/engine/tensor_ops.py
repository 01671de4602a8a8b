"""``TensorOps``: the operators and methods of ``Tensor`` that compute something.

Each is one line: the op that records it (``engine/ops``). ``Tensor``
inherits them; the data, gradient and graph of a tensor live in
``tensor.py``.
"""

import operator

import numpy as np

from . import ops, tensor

__all__ = ["TensorOps"]


class TensorOps:
    """Arithmetic (numpy broadcasting, both sides), comparisons, and the elementwise, reduction and
    shape methods, each recorded as one op."""

    __slots__ = ()

    # ----------------------------------------------------------- operators
    def __add__(self, other): return ops.Add.apply(self, other)
    def __radd__(self, other): return ops.Add.apply(other, self)
    def __sub__(self, other): return ops.Sub.apply(self, other)
    def __rsub__(self, other): return ops.Sub.apply(other, self)
    def __mul__(self, other): return ops.Mul.apply(self, other)
    def __rmul__(self, other): return ops.Mul.apply(other, self)
    def __truediv__(self, other): return ops.Div.apply(self, other)
    def __rtruediv__(self, other): return ops.Div.apply(other, self)
    def __pow__(self, other): return ops.Pow.apply(self, other)
    def __rpow__(self, other): return ops.Pow.apply(other, self)
    def __matmul__(self, other): return ops.MatMul.apply(self, other)
    def __rmatmul__(self, other): return ops.MatMul.apply(other, self)
    def __neg__(self): return ops.Neg.apply(self)
    def __pos__(self): return self
    def __abs__(self): return ops.Abs.apply(self)
    def __getitem__(self, index): return ops.GetItem.apply(self, index=_index_arrays(index))

    # comparisons and logical operators give bool tensors that never require grad (masks for where)
    def _compare(self, other, ufunc):
        other = other._data if isinstance(other, tensor.Tensor) else other
        return tensor.Tensor._make(ufunc(self._data, other))

    def __lt__(self, other): return self._compare(other, np.less)
    def __le__(self, other): return self._compare(other, np.less_equal)
    def __gt__(self, other): return self._compare(other, np.greater)
    def __ge__(self, other): return self._compare(other, np.greater_equal)
    def __eq__(self, other): return self._compare(other, np.equal)
    def __ne__(self, other): return self._compare(other, np.not_equal)
    def __and__(self, other): return self._compare(other, np.logical_and)
    def __or__(self, other): return self._compare(other, np.logical_or)
    def __xor__(self, other): return self._compare(other, np.logical_xor)
    def __invert__(self): return tensor.Tensor._make(np.logical_not(self._data))

    # ----------------------------------------------------------- elementwise
    def exp(self):
        """Elementwise e**x."""
        return ops.Exp.apply(self)

    def log(self):
        """Elementwise natural log (log 0 = -inf without a warning)."""
        return ops.Log.apply(self)

    def sqrt(self):
        """Elementwise square root (its gradient at 0 is inf, without a warning)."""
        return ops.Sqrt.apply(self)

    def abs(self):
        """Elementwise |x|; its gradient at 0 is 0."""
        return ops.Abs.apply(self)

    def sign(self):
        """Elementwise sign (-1, 0 or 1); its gradient is 0."""
        return ops.Sign.apply(self)

    def sigmoid(self):
        """Elementwise 1 / (1 + e**-x), stable for large |x|."""
        return ops.Sigmoid.apply(self)

    def tanh(self):
        """Elementwise hyperbolic tangent."""
        return ops.Tanh.apply(self)

    def relu(self):
        """Elementwise max(0, x); its gradient at 0 is 0."""
        return ops.ReLU.apply(self)

    def leaky_relu(self, negative_slope=0.01):
        """Elementwise x if x > 0 else negative_slope * x; its gradient at 0 is negative_slope."""
        return ops.LeakyReLU.apply(self, negative_slope=negative_slope)

    def clip(self, lo=None, hi=None):
        """Elementwise clip to [lo, hi]; the gradient is 1 where lo <= x <= hi, else 0."""
        return ops.Clip.apply(self, lo=lo, hi=hi)

    def astype(self, dtype):
        """This tensor in another dtype (a recorded op between floating dtypes; a plain copy otherwise)."""
        dtype = np.dtype(dtype)
        if dtype == self.dtype:
            return self
        if dtype.kind == "f" or self.requires_grad:
            return ops.Cast.apply(self, dtype=dtype)
        return tensor.Tensor._make(self._data.astype(dtype))

    # ----------------------------------------------------------- reductions
    def sum(self, axis=None, keepdims=False):
        """Sum over ``axis`` (None: all axes)."""
        return ops.Sum.apply(self, axis=_axis(axis, "sum"), keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        """Mean over ``axis`` (None: all axes)."""
        return ops.Mean.apply(self, axis=_axis(axis, "mean"), keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        """Maximum over ``axis``; tied maxima share the gradient evenly."""
        return ops.Max.apply(self, axis=_axis(axis, "max"), keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        """Minimum over ``axis``; tied minima share the gradient evenly."""
        return ops.Min.apply(self, axis=_axis(axis, "min"), keepdims=keepdims)

    def softmax(self, axis=-1):
        """exp(x) / sum(exp(x)) along ``axis``, computed stably."""
        return ops.Softmax.apply(self, axis=_axis(axis, "softmax"))

    def log_softmax(self, axis=-1):
        """x - log(sum(exp(x))) along ``axis``, computed stably."""
        return ops.LogSoftmax.apply(self, axis=_axis(axis, "log_softmax"))

    # ----------------------------------------------------------- shape
    def reshape(self, *shape):
        """The same data in a new shape (``-1`` infers one dimension)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ops.Reshape.apply(self, shape=shape)

    def transpose(self, *axes):
        """Permute the axes (reverse them when none are given)."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return ops.Transpose.apply(self, axes=axes or None)

    @property
    def T(self):
        """The transpose (axes reversed), like ``ndarray.T``."""
        return self.transpose()

    def broadcast_to(self, shape):
        """This tensor broadcast to ``shape`` (numpy's rules; a new array); the gradient is summed back."""
        return ops.BroadcastTo.apply(self, shape=tuple(shape))


def _axis(axis, op):
    """``axis`` as None, a Python int or a tuple of ints (numpy integers and lists accepted)."""
    if axis is None:
        return None
    try:
        if isinstance(axis, (list, tuple)):
            return tuple(operator.index(a) for a in axis)
        return operator.index(axis)
    except TypeError:
        raise TypeError(f"{op}: axis must be None, an int or a tuple of ints, got {axis!r}") from None


def _index_arrays(index):
    """Replace Tensors inside an index by their arrays (indices never need gradients)."""
    if isinstance(index, tensor.Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, tensor.Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index

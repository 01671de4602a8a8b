"""``Tensor``: a numpy array that remembers the operation that made it.

Dtype rules
-----------
* float arrays keep their dtype: float32 stays float32 through every op,
  gradients included;
* Python numbers, lists, bool and integer arrays become float64 (unless
  ``dtype=`` says otherwise);
* a Python scalar combined with a tensor takes the tensor's dtype, so
  ``t32 * 2.0`` is float32 (Python scalars never upcast); numpy scalars
  such as ``np.float64(2)`` or ``np.sqrt(d)`` count as numbers too, as in
  PyTorch (numpy arrays, even 0-d ones, follow numpy's promotion);
* strings, objects and complex numbers are refused with ``TypeError``;
  ``requires_grad=True`` needs a floating dtype.
"""

import operator

import numpy as np

from .grad_mode import notify_tracer

__all__ = ["Tensor", "as_array"]

_CONSTANTS = {}  # (type, value, dtype) -> constant Tensor; see Tensor._constant
# Numbers that take the tensor's dtype instead of promoting it: Python's, and
# numpy scalars (np.float64(2), np.sqrt(d)), as PyTorch treats them.
_SCALARS = (int, float, bool, np.integer, np.floating, np.bool_)


def as_array(data, op="Tensor", dtype=None):
    """``data`` as a numpy array of an allowed dtype (see the module docstring)."""
    if isinstance(data, Tensor):
        data = data.data
    try:
        array = np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{op}: cannot make a numeric array from {type(data).__name__}: {error}") from error
    kind = array.dtype.kind
    if kind in "biu" and dtype is None:
        array = array.astype(np.float64)
    elif kind not in "fbiu":
        what = {"c": "complex numbers are not supported",
                "U": "strings are not numbers", "S": "bytes are not numbers",
                "O": "objects (ragged lists or arbitrary objects) are not numbers"}.get(kind, f"dtype {array.dtype} is not supported")
        raise TypeError(f"{op}: {what} (got {type(data).__name__} with dtype {array.dtype})")
    return array


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    ``Tensor(data, requires_grad=False, dtype=None, name=None)``. Operations
    on tensors with ``requires_grad=True`` are recorded; ``backward()`` then
    fills ``.grad`` of the leaves. ``name`` labels the tensor in drawings and
    reports.

    >>> import tinygrad_nn as tg
    >>> x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    array([2., 4., 6.])
    """

    __slots__ = {  # a dict of slots gives each attribute a docstring
        "data": "The values, a numpy array.",
        "grad": "The accumulated gradient (an array of ``shape``), or None before any backward reached it.",
        "_requires_grad": "Storage of ``requires_grad``.",
        "grad_fn": "The graph node (``Context``) of the op that made this tensor; None for leaves.",
        "_name": "Storage of ``name``.",
        "__weakref__": "Weak references (used by ``retain_grad``).",
    }
    __array_ufunc__ = None  # numpy defers to Tensor's reflected operators: arr * t -> t.__rmul__(arr)

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        self.data = as_array(data, "Tensor", dtype)
        self.grad = None
        self.grad_fn = None
        self.name = name
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _make(cls, data, requires_grad, grad_fn):
        """Fast constructor used by ``Function.apply`` (no checks)."""
        t = object.__new__(cls)
        t.data = data
        t.grad = None
        t._requires_grad = requires_grad
        t.grad_fn = grad_fn
        t._name = None
        return t

    @classmethod
    def _constant(cls, value, reference, op="Tensor"):
        """A non-tensor operand as a constant; Python numbers take ``reference``'s dtype.

        Constants made from Python numbers are cached (read-only 0-d arrays),
        since loops like ``y = y * 1.5`` make the same one again and again.
        """
        if reference is not None and isinstance(value, _SCALARS) and reference.data.dtype.kind == "f":
            dtype = reference.data.dtype
            if not value:  # 0.0 == -0.0 as dict keys: zeros are made fresh, keeping their sign
                return cls._make(np.asarray(value, dtype=dtype), False, None)
            key = (type(value), value, dtype)
            constant = _CONSTANTS.get(key)
            if constant is None:
                if len(_CONSTANTS) >= 1024:
                    _CONSTANTS.clear()
                array = np.asarray(value, dtype=dtype)
                array.flags.writeable = False
                constant = _CONSTANTS[key] = cls._make(array, False, None)
            return constant
        return cls._make(as_array(value, op), False, None)

    # ----------------------------------------------------------- properties
    @property
    def name(self):
        """An optional label used in drawings and reports (kept by the graph for a tensor made by an op)."""
        return self._name

    @name.setter
    def name(self, value):
        self._name = value
        if self.grad_fn is not None:  # the graph does not hold this tensor; it holds its node
            self.grad_fn.output_name = value

    @property
    def requires_grad(self):
        """Whether gradients flow to this tensor (only floating tensors may)."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if value and self.data.dtype.kind != "f":
            raise TypeError(f"Tensor: only floating tensors can require gradients, this one has dtype {self.data.dtype}")
        if not value and self.grad_fn is not None:
            raise RuntimeError("Tensor: cannot turn off requires_grad of a non-leaf tensor; use .detach()")
        self._requires_grad = value

    @property
    def shape(self):
        """The shape, a tuple of ints."""
        return self.data.shape

    @property
    def ndim(self):
        """The number of dimensions."""
        return self.data.ndim

    @property
    def size(self):
        """The number of elements."""
        return self.data.size

    @property
    def dtype(self):
        """The numpy dtype of ``data``."""
        return self.data.dtype

    @property
    def is_leaf(self):
        """True for tensors made by the user rather than by a recorded op."""
        return self.grad_fn is None

    @property
    def T(self):
        """The transpose (axes reversed), like ``ndarray.T``."""
        return self.transpose()

    def numpy(self):
        """The data as a numpy array (shared, not copied)."""
        return self.data

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(t)`` gives the data (numpy ufuncs on Tensors are refused: use the methods)."""
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        notify_tracer("item()", self)  # a traced function may not branch on values (tinygrad_nn.compile)
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to a Python number, this one has shape {self.shape}")
        return self.data.item()

    def detach(self):
        """A new leaf tensor sharing this data, cut from the graph."""
        out = Tensor._make(self.data, False, None)
        notify_tracer("detach", out, self)  # so a compiled function recomputes it on each call
        return out

    def retain_grad(self):
        """Keep ``.grad`` of this non-leaf tensor after ``backward`` (leaves always keep it)."""
        if self.grad_fn is not None:
            import weakref
            self.grad_fn.retained = weakref.ref(self)
        elif not self._requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")

    def backward(self, grad=None, retain_graph=False):
        """Compute the gradient of this tensor with respect to every leaf.

        ``grad`` is the gradient of some scalar with respect to this tensor
        (same shape); it may be omitted only when this tensor has one
        element. Gradients are added (``+=``) into ``.grad``. Saved arrays
        are released afterwards unless ``retain_graph=True``.
        """
        run_backward(self, grad, retain_graph)

    def zero_grad(self):
        """Set ``.grad`` to None."""
        self.grad = None

    # ------------------------------------------------------------- display
    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="Tensor(", threshold=20, edgeitems=2)
        extras = [f"shape={self.shape}", f"dtype={self.dtype}"]
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.function.__name__}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return f"Tensor({body}, {', '.join(extras)})"

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __bool__(self):
        notify_tracer("bool()", self)
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() on .data or reduce first")
        return bool(self.data)

    __hash__ = object.__hash__

    # ----------------------------------------------------------- operators
    def __add__(self, other): return Add.apply(self, other)
    def __radd__(self, other): return Add.apply(other, self)
    def __sub__(self, other): return Sub.apply(self, other)
    def __rsub__(self, other): return Sub.apply(other, self)
    def __mul__(self, other): return Mul.apply(self, other)
    def __rmul__(self, other): return Mul.apply(other, self)
    def __truediv__(self, other): return Div.apply(self, other)
    def __rtruediv__(self, other): return Div.apply(other, self)
    def __pow__(self, other): return Pow.apply(self, other)
    def __rpow__(self, other): return Pow.apply(other, self)
    def __matmul__(self, other): return MatMul.apply(self, other)
    def __rmatmul__(self, other): return MatMul.apply(other, self)
    def __neg__(self): return Neg.apply(self)
    def __pos__(self): return self
    def __getitem__(self, index): return GetItem.apply(self, index=_index_arrays(index))

    # comparisons give bool tensors that never require grad (masks for where)
    def _compare(self, other, ufunc):
        out = Tensor._make(ufunc(self.data, other.data if isinstance(other, Tensor) else other), False, None)
        notify_tracer("compare", out, ufunc, self, other)  # so a compiled function recomputes the mask
        return out

    def __lt__(self, other): return self._compare(other, np.less)
    def __le__(self, other): return self._compare(other, np.less_equal)
    def __gt__(self, other): return self._compare(other, np.greater)
    def __ge__(self, other): return self._compare(other, np.greater_equal)
    def __eq__(self, other): return self._compare(other, np.equal)
    def __ne__(self, other): return self._compare(other, np.not_equal)

    # ------------------------------------------------------------- methods
    def exp(self):
        """Elementwise e**x."""
        return Exp.apply(self)

    def log(self):
        """Elementwise natural log (log 0 = -inf without a warning)."""
        return Log.apply(self)

    def sqrt(self):
        """Elementwise square root (its gradient at 0 is inf, without a warning)."""
        return Sqrt.apply(self)

    def abs(self):
        """Elementwise |x|; its gradient at 0 is 0."""
        return Abs.apply(self)

    def sigmoid(self):
        """Elementwise 1 / (1 + e**-x), stable for large |x|."""
        return Sigmoid.apply(self)

    def tanh(self):
        """Elementwise hyperbolic tangent."""
        return Tanh.apply(self)

    def relu(self):
        """Elementwise max(0, x); its gradient at 0 is 0."""
        return ReLU.apply(self)

    def leaky_relu(self, negative_slope=0.01):
        """Elementwise x if x > 0 else negative_slope * x; its gradient at 0 is negative_slope."""
        return LeakyReLU.apply(self, negative_slope=negative_slope)

    def clip(self, lo, hi):
        """Elementwise clip to [lo, hi]; the gradient is 1 where lo <= x <= hi, else 0."""
        return Clip.apply(self, lo=lo, hi=hi)

    def sum(self, axis=None, keepdims=False):
        """Sum over ``axis`` (None: all axes)."""
        return Sum.apply(self, axis=_axis(axis), keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        """Mean over ``axis`` (None: all axes)."""
        return Mean.apply(self, axis=_axis(axis), keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        """Maximum over ``axis``; tied maxima share the gradient evenly."""
        return Max.apply(self, axis=_axis(axis), keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        """Minimum over ``axis``; tied minima share the gradient evenly."""
        return Min.apply(self, axis=_axis(axis), keepdims=keepdims)

    def reshape(self, *shape):
        """The same data in a new shape (``-1`` infers one dimension)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return Reshape.apply(self, shape=shape)

    def transpose(self, *axes):
        """Permute the axes (reverse them when none are given)."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return Transpose.apply(self, axes=axes or None)

    def softmax(self, axis=-1):
        """exp(x) / sum(exp(x)) along ``axis``, computed stably."""
        return Softmax.apply(self, axis=axis)

    def log_softmax(self, axis=-1):
        """x - log(sum(exp(x))) along ``axis``, computed stably."""
        return LogSoftmax.apply(self, axis=axis)


def _axis(axis):
    """``axis`` as None, a Python int or a tuple of ints (numpy integers and lists accepted)."""
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        return tuple(operator.index(a) for a in axis)
    return operator.index(axis)


def _index_arrays(index):
    """Replace Tensors inside an index by their arrays (indices never need gradients)."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


# The ops and the backward walk import Function, which imports this module: bind them last.
from .backward import run_backward  # noqa: E402
from .ops import (Add, Sub, Mul, Div, Pow, Neg, MatMul, Exp, Log, Sqrt, Abs,  # noqa: E402
                  Sigmoid, Tanh, ReLU, LeakyReLU, Clip, Sum, Mean, Max, Min,
                  Reshape, Transpose, GetItem, Softmax, LogSoftmax)

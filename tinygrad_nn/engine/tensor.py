"""``Tensor``: a numpy array that remembers the operation that made it.

Dtype rules
-----------
* float arrays keep their dtype: float32 stays float32 through every op,
  gradients included;
* Python numbers, lists, bool and integer arrays become float64 (unless
  ``dtype=`` says otherwise);
* a Python scalar combined with a tensor takes the tensor's dtype, so
  ``t32 * 2.0`` is float32 (Python scalars never upcast); next to a bool
  tensor ``True`` stays bool and an int is int64, as in PyTorch; numpy scalars
  such as ``np.float64(2)`` or ``np.sqrt(d)`` count as numbers too, as in
  PyTorch (numpy arrays, even 0-d ones, follow numpy's promotion);
* strings, objects and complex numbers are refused with ``TypeError``;
  ``requires_grad=True`` needs a floating dtype.

The operators and methods that compute something (``+``, ``exp``, ``sum``
...) live in ``tensor_ops.TensorOps``, one line each, calling the op that
records it. This file holds what a tensor *is*: its data and version, its
gradient, its place in the graph, and conversions.
"""

import html
import math
import threading
import warnings
import weakref

import numpy as np

from . import grad_mode
from .grad_mode import RECORDING
from .backward import run_backward
from .dispatch import array_function, array_ufunc
from .errors import ShapeError
from .methods.arguments import dim_argument
from .tensor_ops import TensorOps
from .versions import NEVER_CHANGED, VersionCounter

__all__ = ["Tensor", "Size", "as_array", "make_tensor", "constant_tensor"]

_CONSTANTS = {}  # (type, value, dtype) -> constant Tensor; see Tensor._constant
# Numbers that take the tensor's dtype instead of promoting it: Python's, and
# numpy scalars (np.float64(2), np.sqrt(d)), as PyTorch treats them.
_SCALARS = (int, float, bool, np.integer, np.floating, np.bool_)
_INTEGERS = (int, np.integer, np.bool_)  # take an integer tensor's dtype too (bool is an int): arange(3) + 1 is int64
_GRAD_LOCK = threading.Lock()  # leaf gradients are added under it: backward in several threads is safe
_EMPTY = object()  # the default of Tensor(data): no data given


def make_tensor(data, requires_grad=False, grad_fn=None, cls=None):
    """A Tensor (or a ``cls``) around an array: the one place a Tensor's fields are set (no checks, no copy).

    A module function rather than a static method: calls to it are cheaper,
    and it runs once per op (-180 instructions per op on (b)).
    """
    tensor = object.__new__(cls or Tensor)
    tensor._data = data
    tensor._grad = None
    tensor._requires_grad = requires_grad
    tensor.grad_fn = grad_fn
    tensor._name = None
    tensor._versions = NEVER_CHANGED
    return tensor


def constant_tensor(value, reference, op="Tensor"):
    """A non-tensor operand as a constant; Python numbers take ``reference``'s dtype.

    Constants made from Python numbers are cached (read-only 0-d arrays),
    since loops like ``y = y * 1.5`` make the same one again and again.
    """
    if reference is not None and isinstance(value, _SCALARS) and (
            reference._data.dtype.kind == "f" or (reference._data.dtype.kind in "iu" and isinstance(value, _INTEGERS))):
        dtype = reference._data.dtype
        if not value:  # 0.0 == -0.0 as dict keys: zeros are made fresh, keeping their sign
            return make_tensor(np.asarray(value, dtype=dtype))
        key = (type(value), value, dtype)
        constant = _CONSTANTS.get(key)
        if constant is None:
            if len(_CONSTANTS) >= 1024:
                _CONSTANTS.clear()
            try:
                with np.errstate(over="ignore"):  # 1e300 in float32 is inf, as in PyTorch, without a warning
                    array = np.asarray(value, dtype=dtype)
            except OverflowError as error:  # 10**400 has no float value; 300 none in int8, -1 none in uint8
                reason = "is out of the range of" if dtype.kind in "iu" else "is too large for"
                raise TypeError(f"{op}: the number {_short(value)} {reason} {dtype}") from error
            array.flags.writeable = False
            constant = _CONSTANTS[key] = make_tensor(array)
        return constant
    if reference is not None and reference._data.dtype.kind == "b" and isinstance(value, _INTEGERS):
        # next to a bool tensor True stays bool and an int is int64, as in PyTorch (a float gives float64 below)
        if isinstance(value, (bool, np.bool_)):
            return make_tensor(np.asarray(value, dtype=np.bool_))
        try:
            return make_tensor(np.asarray(value, dtype=np.int64))
        except OverflowError as error:
            raise TypeError(f"{op}: the number {_short(value)} is out of the range of int64") from error
    if (type(value) is np.ndarray and value.dtype.kind in "biu" and reference is not None
            and reference._data.dtype.kind == "f"):
        return make_tensor(value)  # numpy's promotion, as documented: float32 * a bool mask stays float32
    return make_tensor(as_array(value, op))


def as_array(data, op="Tensor", dtype=None):
    """``data`` as a numpy array of an allowed dtype (see the module docstring), converted to ``dtype`` if given."""
    if isinstance(data, Tensor):
        data = data._data
    try:
        array = np.asarray(data)  # converted to dtype only once it is known to hold numbers
    except (TypeError, ValueError, OverflowError) as error:
        if "inhomogeneous" in str(error):  # numpy's words for a ragged list
            raise TypeError(f"{op}: cannot make an array from this {type(data).__name__}: its nested lists have "
                            f"different lengths (every row needs as many entries as the others)") from error
        raise TypeError(f"{op}: cannot make a numeric array from {type(data).__name__}: {error}") from error
    kind = array.dtype.kind
    if kind not in "fbiu":
        if kind == "O" and dtype is not None and dtype.kind == "f" and _all_real_numbers(array):
            return _big_integers_as_floats(array, dtype, op)  # [2**70] with dtype=float64, as PyTorch takes it
        what = {"c": "complex numbers are not supported",
                "U": "strings are not numbers", "S": "bytes are not numbers",
                "O": "objects (ragged lists, None, integers beyond int64 without a float dtype=, or arbitrary "
                     "objects) are not numbers"}.get(
                    kind, f"dtype {array.dtype} is not supported")
        raise TypeError(f"{op}: {what} (got {type(data).__name__} with dtype {array.dtype})")
    if dtype is not None:
        if kind == "f" and dtype.kind in "biu" and array.size and not np.isfinite(array).all():
            raise ValueError(f"{op}: cannot convert inf or NaN to {dtype}")
        with np.errstate(over="ignore"):  # float64 beyond float32's range becomes inf, as numpy and PyTorch do
            return array.astype(dtype, copy=False)
    return array.astype(np.float64) if kind in "biu" else array


def _all_real_numbers(array):
    """Whether an object array holds only real numbers (Python ints beyond int64 make numpy choose objects)."""
    return array.size > 0 and all(isinstance(v, (int, float, np.integer, np.floating)) for v in array.flat)


def _big_integers_as_floats(array, dtype, op):
    """An object array of numbers as floats of ``dtype``; an integer beyond the float range is refused."""
    try:
        values = np.array([float(v) for v in array.flat], dtype=np.float64).reshape(array.shape)
    except OverflowError:
        raise ValueError(f"{op}: an integer in the data is too large for {dtype} "
                         f"(beyond {np.finfo(np.float64).max:.3g})") from None
    with np.errstate(over="ignore"):  # beyond float32's range becomes inf, as numpy and PyTorch do
        return values.astype(dtype, copy=False)


class Size(int):
    """``Tensor.size``: the number of elements, as numpy's ``size`` is, and callable as PyTorch's method.

    It is an int (``t.size == 12``, ``np.zeros(t.size)``). Calling it gives
    what ``torch.Tensor.size`` gives: ``t.size()`` the shape (a tuple, as
    ``torch.Size`` is) and ``t.size(d)`` the length of axis ``d``.
    """

    def __new__(cls, shape):
        size = super().__new__(cls, math.prod(shape))
        size.shape = shape
        return size

    def __call__(self, dim=None):
        return self.shape if dim is None else self.shape[dim_argument(dim, len(self.shape), "size")]


class Tensor(TensorOps):
    """An n-dimensional array with reverse-mode automatic differentiation.

    ``Tensor(data, requires_grad=False, dtype=None, name=None)``. Operations
    on tensors with ``requires_grad=True`` are recorded; ``backward()`` then
    fills ``.grad`` of the leaves. ``name`` labels the tensor in drawings and
    reports. A numpy array is used as is, not copied (like
    ``torch.from_numpy``); a Tensor is copied.

    >>> import tinygrad_nn as tg
    >>> x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    array([2., 4., 6.])
    """

    __slots__ = {  # a dict of slots gives each attribute a docstring
        "_data": "Storage of ``data``.",
        "_grad": "Storage of ``grad``.",
        "_requires_grad": "Storage of ``requires_grad``.",
        "grad_fn": "The graph node (``Context``) of the op that made this tensor; None for leaves.",
        "_name": "Storage of ``name``.",
        "_versions": "The ``VersionCounter`` of the data (shared with ``detach()``ed tensors and views).",
        "_was_trainable": "Set when this leaf was made to require grad: a module keeps it as a (frozen) "
                          "parameter after ``requires_grad = False`` (unset, and read with getattr, otherwise).",
        "__weakref__": "Weak references (used by ``retain_grad``).",
    }

    def __new__(cls, data=_EMPTY, requires_grad=False, dtype=None, name=None):
        # Tensor() is an empty float64 tensor (as torch.Tensor()); copy.copy and deepcopy build one this way
        # and then set its fields.
        if dtype is not None:
            try:
                if isinstance(dtype, (Tensor, np.ndarray)):  # np.dtype would take their .dtype
                    raise TypeError
                dtype = np.dtype(dtype)
            except TypeError:
                raise TypeError(f"Tensor: dtype must be a numpy dtype (np.float32, \"float64\" ...), "
                                f"got {dtype!r:.40}") from None
            if dtype.kind not in "fbiu":
                raise TypeError(f"Tensor: dtype must be a boolean, integer or floating dtype, got {dtype}")
        array = as_array(np.empty(0) if data is _EMPTY else data, "Tensor", dtype)
        if isinstance(data, Tensor):
            array = array.copy()
        tensor = make_tensor(array, cls=cls)
        tensor.name = name
        tensor.requires_grad = requires_grad
        return tensor

    # ----------------------------------------------------------- data and versions
    def _set_data(self, value):
        if value is self._data and self._versions is not NEVER_CHANGED:  # `t.data -= x`, the optimizers' update
            self._versions.bump()
            return
        if value is not self._data:
            array = value if type(value) is np.ndarray and value.dtype.kind in "fbiu" else as_array(
                value, "Tensor.data")
            if self._requires_grad and array.dtype.kind != "f":
                raise TypeError(f"Tensor.data: a tensor that requires grad needs floating data, "
                                f"got dtype {array.dtype}")
            old_array, old = self._data, self._versions
            self._data = array
            # a new array gets a counter of its own; the old array keeps its counter and its node, and
            # stays reachable while alive, since a detach()ed tensor or a view may still change it. A view
            # of the old array (`t.data = t.data[1:]`) is the same memory: it keeps the counter, as views do
            if not np.may_share_memory(array, old_array):
                earlier = None if old is NEVER_CHANGED else (weakref.ref(old), weakref.ref(old_array))
                self._versions = VersionCounter(old.count, earlier=earlier)
        self._bump_version()

    def _get_data(self):
        if RECORDING[0]:  # a recorded backward may not read values out of the graph
            grad_mode.check_array_conversion(self, "read .data of a Tensor")
        return self._data

    data = property(_get_data, _set_data,
                    doc="The values, a numpy array. Assigning a new array (or ``t.data -= x``) bumps ``version``.")

    @property
    def version(self):
        """How many times this tensor's data was changed in place (PyTorch's ``_version``)."""
        return self._versions.count

    def _bump_version(self):
        self._shared_versions().bump()

    def _shared_versions(self):
        """This tensor's own version counter (made at first need), e.g. to share with a tensor on the same array."""
        if self._versions is NEVER_CHANGED:
            self._versions = VersionCounter(node=self.grad_fn)
        return self._versions

    # ----------------------------------------------------------- gradient
    def _set_grad(self, value):
        if value is None:
            self._grad = None
            return
        if isinstance(value, Tensor):
            array = value._data
        elif isinstance(value, np.ndarray):
            array = value
        else:
            raise TypeError(f"Tensor.grad: expected a numpy array of shape {self.shape} and dtype {self.dtype} "
                            f"(or None), got {type(value).__name__}")
        if array.shape != self.shape:
            raise ShapeError(f"Tensor.grad: the gradient must have the tensor's shape {self.shape}, "
                             f"got shape {array.shape}")
        if array.dtype != self.dtype:
            raise TypeError(f"Tensor.grad: the gradient must have the tensor's dtype {self.dtype}, "
                            f"got dtype {array.dtype}")
        if isinstance(value, np.ndarray) and not value.flags.writeable:
            value = value.copy()  # gradients accumulate in place
        self._grad = value

    def _get_grad(self):
        if self._grad is None and self.grad_fn is not None and not self.retains_grad:
            warnings.warn("Tensor.grad of a tensor made by an op (not a leaf) is read: backward fills .grad of leaves "
                          "only, so it is None. Call .retain_grad() on this tensor before backward() to keep its "
                          "gradient, or read the gradient of the leaf you want", UserWarning, stacklevel=2)
        return self._grad

    grad = property(_get_grad, _set_grad, doc="""The accumulated gradient: an array of ``shape`` and ``dtype``, or None before any backward.

        After ``backward(create_graph=True)`` it is a Tensor that records how
        it was computed (as in PyTorch), so it can be differentiated again.
        Assigning checks the value at once (an array or Tensor of this shape
        and dtype, or None); a later backward adds to what was assigned.
        Reading it on a tensor made by an op (not a leaf) that did not call
        ``retain_grad()`` warns, as in PyTorch: it stays None.
        """)

    def _accumulate_grad(self, grad):
        """Add ``grad`` (owned by this tensor, nobody else holds it) to ``.grad``: in place, under a lock.

        An array is added in place, so ``g = t.grad`` stays the accumulated
        gradient; a Tensor (``create_graph=True``) is added by a recorded op.
        A plain backward into a ``.grad`` that a ``create_graph`` backward left
        as a Tensor adds the values and leaves an array.
        """
        _GRAD_LOCK.acquire()  # not `with`: half the cost, once per leaf per backward
        try:
            current = self._grad
            if current is None:
                self._grad = grad
            elif type(grad) is np.ndarray:
                if type(current) is np.ndarray:
                    current += grad
                else:
                    self._grad = np.asarray(current._data + grad)  # (0-d arrays add into a scalar)
            else:
                self._grad = grad + current
        finally:
            _GRAD_LOCK.release()

    def backward(self, grad=None, retain_graph=None, create_graph=False, inputs=None, *, gradient=None):
        """Compute the gradient of this tensor with respect to every leaf, and add it to their ``.grad``.

        ``grad`` (or ``gradient=``, PyTorch's name) is the gradient of some
        scalar with respect to this tensor (same shape); it may be omitted
        only when this tensor has one element. Gradients are added in place into ``.grad``. Saved arrays
        are released afterwards unless ``retain_graph=True``
        (``retain_graph`` defaults to ``create_graph``). With
        ``create_graph=True`` the backward pass is itself recorded, so the
        gradients can be differentiated again; ``.grad`` then holds Tensors.
        ``inputs`` (a Tensor or a list) limits which leaves receive ``.grad``.
        """
        if gradient is not None:
            if grad is not None:
                raise TypeError("backward: got both grad and gradient (the same argument); give one")
            grad = gradient
        run_backward((self,), (grad,), create_graph if retain_graph is None else retain_graph, create_graph, inputs)

    def zero_grad(self):
        """Set ``.grad`` to None."""
        self._grad = None

    def retain_grad(self):
        """Keep ``.grad`` of this non-leaf tensor after ``backward`` (leaves always keep it)."""
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)
        elif not self._requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")

    @property
    def retains_grad(self):
        """True for a tensor made by an op that called ``retain_grad()`` (PyTorch's name); False for leaves."""
        node = self.grad_fn
        return node is not None and node.retained is not None and node.retained() is self

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
        if not isinstance(value, (bool, np.bool_, int, np.integer)):
            raise TypeError(f"Tensor: requires_grad must be True or False, got {value!r:.40} ({type(value).__name__})")
        value = bool(value)
        if value and self._data.dtype.kind != "f":
            raise TypeError(f"Tensor: only floating tensors can require gradients, this one has dtype "
                            f"{self._data.dtype}; give float data, or dtype=np.float64 (or float32) when you make it")
        if not value and self.grad_fn is not None:
            raise RuntimeError("Tensor: cannot turn off requires_grad of a non-leaf tensor; use .detach()")
        if value:
            self._was_trainable = True  # a parameter stays one when frozen (nn.Module)
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place (PyTorch's method); returns this tensor."""
        self.requires_grad = requires_grad
        return self

    @property
    def shape(self):
        """The shape, a tuple of ints."""
        return self._data.shape

    @property
    def ndim(self):
        """The number of dimensions."""
        return self._data.ndim

    @property
    def size(self):
        """The number of elements (numpy's ``ndarray.size``), an int that PyTorch code may also call.

        ``t.size`` is numpy's count; ``t.size()`` is the shape and ``t.size(d)``
        the length of axis ``d``, as ``torch.Tensor.size`` gives them.
        """
        return Size(self._data.shape)

    @property
    def dtype(self):
        """The numpy dtype of ``data``."""
        return self._data.dtype

    @property
    def is_leaf(self):
        """True for tensors made by the user rather than by a recorded op."""
        return self.grad_fn is None

    def detach(self):
        """A new leaf tensor sharing this data (and its version counter), cut from the graph."""
        tensor = make_tensor(self._data)
        tensor._versions = self._shared_versions()  # a change through either is seen by both
        grad_mode.notify_tracer("detach", tensor, self)  # so a compiled function recomputes it on each call
        return tensor

    # ----------------------------------------------------------- conversions
    def numpy(self):
        """The data as a numpy array (shared, not copied)."""
        grad_mode.check_array_conversion(self, "called .numpy() on a Tensor")
        return self._data

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(t)`` gives the data (numpy functions that match an op record it instead)."""
        grad_mode.check_array_conversion(self)
        if copy:
            return np.array(self._data, dtype=dtype, copy=True)
        return self._data if dtype is None else self._data.astype(dtype, copy=False)

    __array_ufunc__ = array_ufunc        # np.exp(t), arr * t: the recorded op (see dispatch.py)
    __array_function__ = array_function  # np.where(c, t, 0), np.sum(t): likewise

    def item(self):
        """The value of a one-element tensor as a Python number."""
        return self._one_value("item").item()

    def tolist(self):
        """The values as (nested) Python lists of numbers, like ``ndarray.tolist``."""
        grad_mode.notify_tracer("tolist()", self)  # a traced function may not branch on values
        grad_mode.check_array_conversion(self, "called .tolist() on a Tensor")
        return self._data.tolist()

    def __float__(self):
        return float(self._one_value("float"))

    def __int__(self):
        return int(self._one_value("int"))

    def __index__(self):
        if self._data.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, this one has dtype {self.dtype}")
        return int(self._one_value("index"))

    def __bool__(self):
        return bool(self._one_value("bool"))

    def _one_value(self, how):
        """The one value of this tensor as a 0-d array, for ``item()``, ``float()`` and the like (``how``)."""
        state = grad_mode.STATE
        if state.tracer is not None or state.recording_backward_of is not None:  # the value leaves a graph
            grad_mode.notify_tracer(f"{how}()", self)  # a traced function may not branch on values
            grad_mode.check_array_conversion(self, f"read a Tensor's value with {how}()")
        data = self._data
        if data.size != 1:
            raise ShapeError(f"{how}: only one-element tensors can be converted to a Python number, "
                             f"this one has shape {self.shape}")
        return data if data.ndim == 0 else data.reshape(())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    __hash__ = object.__hash__

    # ----------------------------------------------------------- display
    def __repr__(self):
        body = np.array2string(self._data, separator=", ", prefix="Tensor(", threshold=20, edgeitems=2)
        extras = [f"shape={self.shape}", f"dtype={self.dtype}"]
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.function.__name__}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return f"Tensor({body}, {', '.join(extras)})"

    def _repr_html_(self):
        """Jupyter: the values with shape, dtype and grad_fn in one compact line."""
        body = html.escape(np.array2string(self._data, separator=", ", threshold=20, edgeitems=2))
        facts = [f"shape {self.shape}", f"{self.dtype}"]
        if self.grad_fn is not None:
            facts.append(f"grad_fn {self.grad_fn.function.__name__}")
        elif self._requires_grad:
            facts.append("requires grad")
        if self.name:
            facts.append(f"name {self.name}")
        return (f"<div><b>Tensor</b> <small>{html.escape(' · '.join(facts))}</small>"
                f"<pre style='margin:2px 0'>{body}</pre></div>")


def _short(value):
    text = str(value)
    return text if len(text) <= 20 else f"{text[:8]}...{text[-4:]} ({len(text)} digits)"


"""Shape methods of ``Tensor`` (reshape, permute, flatten, split, ...), and copies and conversions.

Each calls one op (``engine/ops``) or a few: flatten, unflatten, squeeze,
unsqueeze and view are reshapes; permute and swapaxes are transposes;
expand is a broadcast; split and chunk are slices. PyTorch's names and
arguments, numpy's where numpy has the name (``transpose(*axes)`` is
numpy's permutation: PyTorch's ``transpose(dim0, dim1)`` is ``swapaxes``).
"""

import math
import numbers
import operator

import numpy as np

from .. import ops, tensor
from ..errors import ShapeError
from ..ops.reduce_more import normalized_axes
from ..ops.shape_more import Clone, Flip, Tile
from .arguments import allocation_check, device_argument, int_argument, is_device, shape_argument

__all__ = ["ShapeMethods"]

MAX_EMPTY_PIECES = 2 ** 20  # chunk of an empty axis gives one empty Tensor per chunk: a million is plenty


class ShapeMethods:
    """The same values in another shape or order, each recorded as one op; copies and dtype conversions."""

    __slots__ = ()

    # ----------------------------------------------------------- reshapes
    def reshape(self, *shape):
        """The same data in a new shape (``-1`` infers one dimension)."""
        shape = shape_argument(shape, "reshape")
        try:
            return ops.Reshape.apply(self, shape=shape)
        except ShapeError:  # numpy's message writes shapes as (4,2): say it in the library's words
            raise ShapeError(f"Reshape: cannot reshape a tensor of shape {self.shape} ({self.size} elements) "
                             f"into shape {tuple(shape)}") from None

    def view(self, *shape):
        """PyTorch's name for ``reshape`` (``view(-1)`` flattens); the result is recorded like any reshape."""
        if len(shape) == 1 and not isinstance(shape[0], (tuple, list, numbers.Integral)):
            raise TypeError(f"view: expected a shape, got {shape[0]!r} (viewing the bits as another dtype is "
                            "not supported; use .to(dtype) to convert the values)")
        return self.reshape(*shape)

    def flatten(self, start_dim=0, end_dim=-1):
        """The axes ``start_dim`` to ``end_dim`` (inclusive) merged into one; a 0-d tensor becomes shape (1,)."""
        if self.ndim == 0:
            return self.reshape(1)
        start, end = (_axis_index(d, self.ndim, "flatten") for d in (start_dim, end_dim))
        if start > end:
            raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                             f"for a tensor of shape {self.shape}")
        merged = math.prod(self.shape[start:end + 1])
        return self.reshape(self.shape[:start] + (merged,) + self.shape[end + 1:])

    def unflatten(self, dim, sizes):
        """Axis ``dim`` split into axes of ``sizes`` (one entry may be -1); the inverse of ``flatten``."""
        axis = _axis_index(dim, self.ndim, "unflatten")
        if not isinstance(sizes, (tuple, list)):
            raise TypeError(f"unflatten: sizes must be a tuple of ints, got {sizes!r:.40}")
        sizes = tuple(int_argument(s, "each size", "unflatten") for s in sizes)
        known = math.prod(s for s in sizes if s != -1)
        length = self.shape[axis]
        if sizes.count(-1) > 1 or (-1 not in sizes and known != length) or (
                -1 in sizes and (known == 0 or length % known)):
            raise ShapeError(f"unflatten: sizes {sizes} do not fit axis {dim} of length {length} "
                             f"(tensor of shape {self.shape}): their product must be {length}")
        sizes = tuple(length // known if s == -1 else s for s in sizes)  # (reshape cannot infer -1 with 0 elements)
        return self.reshape(self.shape[:axis] + sizes + self.shape[axis + 1:])

    def squeeze(self, dim=None):
        """Size-1 axes removed: all of them, or those among ``dim`` (an int or tuple; others are kept, as PyTorch)."""
        axes = normalized_axes(dim, self.ndim, "squeeze")
        return self.reshape(tuple(size for i, size in enumerate(self.shape) if not (i in axes and size == 1)))

    def unsqueeze(self, dim):
        """A size-1 axis inserted at position ``dim`` (in ``[-ndim - 1, ndim]``)."""
        (axis,) = normalized_axes(int_argument(dim, "dim", "unsqueeze"), self.ndim + 1, "unsqueeze")
        return self.reshape(self.shape[:axis] + (1,) + self.shape[axis:])

    # ----------------------------------------------------------- axis orders
    def transpose(self, *axes):
        """Permute the axes (numpy's ``transpose``: reverse them when none are given, else a full permutation)."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if not axes:
            return ops.Transpose.apply(self, axes=None)
        return ops.Transpose.apply(self, axes=_permutation(axes, self.shape, "transpose"))

    def permute(self, *dims):
        """The axes in the order ``dims`` (a permutation of all of them), PyTorch's ``permute``."""
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        return ops.Transpose.apply(self, axes=_permutation(dims, self.shape, "permute"))

    def swapaxes(self, axis0, axis1):
        """Axes ``axis0`` and ``axis1`` exchanged (numpy's ``swapaxes``, PyTorch's ``transpose(dim0, dim1)``)."""
        order = list(range(self.ndim))
        a, b = (_axis_index(d, self.ndim, "swapaxes", zero_dim=True) for d in (axis0, axis1))
        if order:  # a 0-d tensor accepts the axes 0 and -1 and stays as it is (as PyTorch's transpose)
            order[a], order[b] = order[b], order[a]
        return ops.Transpose.apply(self, axes=tuple(order))

    @property
    def T(self):
        """The transpose (axes reversed), like ``ndarray.T``."""
        return self.transpose()

    def flip(self, *dims, **keyword):
        """The entries in reverse order along ``dims`` (an int, several, or a tuple; none given: every axis).

        PyTorch's keyword works too: ``flip(dims=(0, 1))``. An empty tuple
        (``flip(())``, ``flip(dims=[])``) reverses nothing, as in PyTorch and numpy.
        """
        if keyword:
            if set(keyword) != {"dims"} or dims:
                raise TypeError(f"flip: takes the axes positionally or as dims=, got {sorted(keyword)} "
                                f"and {len(dims)} positional axes")
            dims = (keyword["dims"],)
        every = not dims
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        return Flip.apply(self, axes=normalized_axes(None if every else dims, self.ndim, "flip"))

    # ----------------------------------------------------------- bigger shapes
    def broadcast_to(self, shape):
        """This tensor broadcast to ``shape`` (numpy's rules; a new array); the gradient is summed back."""
        shape = shape_argument((shape,) if isinstance(shape, (tuple, list)) else (shape,), "broadcast_to")
        allocation_check(shape, self.dtype, "broadcast_to")
        return ops.BroadcastTo.apply(self, shape=shape)

    def expand(self, *sizes):
        """Broadcast to ``sizes`` (PyTorch's ``expand``: -1 keeps an axis; new axes go in front; a copy)."""
        sizes = _sizes(sizes, "expand")
        new_axes = len(sizes) - self.ndim
        if new_axes < 0 or any(s == -1 for s in sizes[:new_axes]):
            raise ShapeError(f"expand: sizes {sizes} cannot expand a tensor of shape {self.shape} (give at least "
                             f"{self.ndim} sizes; -1 is allowed only for existing axes)")
        target = sizes[:new_axes] + tuple(old if new == -1 else new
                                          for old, new in zip(self.shape, sizes[new_axes:]))
        for old, new in zip(self.shape, target[new_axes:]):
            if old not in (1, new):
                raise ShapeError(f"expand: cannot expand the tensor of shape {self.shape} to {target}: an axis of "
                                 f"length {old} can only stay {old} (only length-1 axes are expanded)")
        allocation_check(target, self.dtype, "expand")
        return ops.BroadcastTo.apply(self, shape=target)

    def repeat(self, *sizes):
        """Tiled ``sizes[i]`` times along axis i (PyTorch's ``repeat``, numpy's ``tile``); needs ``len(sizes) >= ndim``."""
        sizes = _sizes(sizes, "repeat")
        if len(sizes) < self.ndim:
            raise ShapeError(f"repeat: {len(sizes)} repeat count(s) {sizes} for a tensor of shape {self.shape}; "
                             f"give one per axis (at least {self.ndim}); for numpy's np.repeat use repeat_interleave")
        return self.tile(sizes)

    def tile(self, *reps):
        """Tiled ``reps[i]`` times along axis i (numpy's and PyTorch's ``tile``: fewer reps tile the last axes)."""
        reps = _sizes(reps, "tile")
        if any(r < 0 for r in reps):
            raise ValueError(f"tile: repeat counts must be non-negative, got {reps}")
        reps = (1,) * (self.ndim - len(reps)) + reps
        shape = (1,) * (len(reps) - self.ndim) + self.shape
        allocation_check(tuple(r * size for r, size in zip(reps, shape)), self.dtype, "tile")
        return Tile.apply(self, reps=reps)

    def repeat_interleave(self, repeats, dim=None):
        """Each entry repeated ``repeats`` times along ``dim`` (None: the flattened tensor), numpy's ``np.repeat``.

        ``repeats`` is an int or one int per entry along ``dim``; the
        gradient of each entry is the sum over its copies.
        """
        source = self.reshape(-1) if dim is None else self
        axis = 0 if dim is None else _axis_index(dim, self.ndim, "repeat_interleave")
        counts = _repeat_counts(repeats)
        total = sum(counts.tolist()) if counts.ndim else int(counts) * source.shape[axis]
        allocation_check(source.shape[:axis] + (total,) + source.shape[axis + 1:], self.dtype, "repeat_interleave")
        allocation_check((total,), np.int64, "repeat_interleave")
        try:
            index = np.repeat(np.arange(source.shape[axis]), counts)
        except ValueError as error:
            raise ShapeError(f"repeat_interleave: repeats {repeats!r} do not fit axis {axis} of length "
                             f"{source.shape[axis]}: {error}") from None
        return source[(slice(None),) * axis + (index,)]

    # ----------------------------------------------------------- pieces
    def split(self, split_size_or_sections, dim=0):
        """Consecutive pieces along ``dim``: of ``split_size`` each (the last may be smaller), or of the listed sizes.

        Returns a tuple of tensors (PyTorch's ``split``; numpy's ``np.split``
        on a tensor keeps numpy's meaning).
        """
        axis = _axis_index(dim, self.ndim, "split")
        length = self.shape[axis]
        if not isinstance(split_size_or_sections, (numbers.Integral, tuple, list)):
            raise TypeError(f"split: split_size_or_sections must be an int or a list of ints, got "
                            f"{split_size_or_sections!r:.40} ({type(split_size_or_sections).__name__})")
        if isinstance(split_size_or_sections, numbers.Integral):
            size = int(split_size_or_sections)
            if size <= 0 and length:
                raise ValueError(f"split: split_size must be a positive int, got {size}")
            sizes = [size] * (length // size) + ([length % size] if length % size else []) if length else [0]
        else:
            sizes = [int_argument(s, "each section", "split") for s in split_size_or_sections]
            if sum(sizes) != length or any(s < 0 for s in sizes):
                raise ShapeError(f"split: sections {sizes} must be non-negative and add up to {length}, the length "
                                 f"of axis {dim} of the tensor of shape {self.shape}")
        before, start, pieces = (slice(None),) * axis, 0, []
        for size in sizes:
            pieces.append(self[before + (slice(start, start + size),)])
            start += size
        return tuple(pieces)

    def chunk(self, chunks, dim=0):
        """``chunks`` pieces along ``dim`` of equal length rounded up (PyTorch's ``chunk``: maybe fewer pieces)."""
        if not isinstance(chunks, numbers.Integral) or chunks <= 0:
            raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r:.40}")
        length = self.shape[_axis_index(dim, self.ndim, "chunk")]
        if length == 0 and chunks > MAX_EMPTY_PIECES:
            raise ValueError(f"chunk: chunks={chunks!r:.40} would make that many empty pieces of an empty axis "
                             f"(as PyTorch does); give at most {MAX_EMPTY_PIECES}")
        if length == 0:
            return tuple(self.split([0] * int(chunks), dim))
        return self.split(-(-length // int(chunks)), dim)

    # ----------------------------------------------------------- copies and conversions
    def clone(self):
        """A copy of this tensor that stays in the graph (the gradient flows through it), PyTorch's ``clone``."""
        return Clone.apply(self)

    def numel(self):
        """The number of elements (PyTorch's name; ``size`` is the same number, as in numpy)."""
        return self._data.size

    def dim(self):
        """The number of dimensions (PyTorch's name for ``ndim``)."""
        return self._data.ndim

    def to(self, *args, dtype=None, device=None):
        """This tensor in another dtype: ``to(np.float32)``, ``to(other_tensor)``; ``to("cpu")`` changes nothing.

        tinygrad_nn computes with numpy on the CPU, so the only device is
        ``"cpu"``. Between floating dtypes the conversion is recorded (the
        gradient is cast back), as ``astype``.
        """
        for arg in args:
            if is_device(arg):
                device = arg
            elif dtype is None:
                dtype = arg.dtype if isinstance(arg, ShapeMethods) else arg
            else:
                raise TypeError(f"to: unexpected argument {arg!r} (give a dtype, a tensor or 'cpu')")
        device_argument(device, "to")
        return self if dtype is None else self.astype(dtype)

    def float(self):
        """This tensor as float32 (PyTorch's ``.float()``)."""
        return self.astype(np.float32)

    def double(self):
        """This tensor as float64 (PyTorch's ``.double()``)."""
        return self.astype(np.float64)

    def half(self):
        """This tensor as float16 (PyTorch's ``.half()``)."""
        return self.astype(np.float16)

    def long(self):
        """This tensor as int64 (PyTorch's ``.long()``; integer tensors carry no gradient)."""
        return self.astype(np.int64)

    def int(self):  # noqa: A003 - PyTorch's method name
        """This tensor as int32 (PyTorch's ``.int()``; integer tensors carry no gradient)."""
        return self.astype(np.int32)

    def bool(self):  # noqa: A003 - PyTorch's method name
        """This tensor as bool, nonzero meaning True (PyTorch's ``.bool()``; no gradient)."""
        return self.astype(np.bool_)


def _sizes(sizes, op="sizes"):
    """Sizes given as ints or as one tuple/list, as a tuple of ints."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    return tuple(int_argument(s, "each size", op) for s in sizes)


def _axis_index(dim, ndim, op, zero_dim=False):
    """One axis in ``[-ndim, ndim)`` as a non-negative int; a 0-d tensor has none (``zero_dim``: 0 and -1 give 0)."""
    if ndim == 0 and not zero_dim:
        raise ShapeError(f"{op}: needs a tensor with at least one axis, got a 0-d tensor")
    (axis,) = normalized_axes(int_argument(dim, "the axis", op), ndim, op) or (0,)
    return axis


def _repeat_counts(repeats):
    """``repeats`` of ``repeat_interleave``: an int >= 0, or a 1-d sequence of them, as an int64 array."""
    if isinstance(repeats, (list, tuple, np.ndarray, tensor.Tensor)):
        try:
            counts = np.asarray(repeats.data if isinstance(repeats, tensor.Tensor) else repeats)
        except ValueError:  # a ragged list
            counts = np.asarray(None)
        if counts.size == 0:
            counts = counts.astype(np.int64)
        if counts.dtype.kind not in "iub" or counts.ndim > 1:
            raise TypeError(f"repeat_interleave: repeats must be an int or a 1-d sequence of ints, got "
                            f"{repeats!r:.40}")
    else:
        counts = np.asarray(int_argument(repeats, "repeats", "repeat_interleave"))
    if np.any(counts < 0):
        raise ValueError(f"repeat_interleave: repeats must be non-negative, got {repeats!r:.40}")
    return counts.astype(np.int64)


def _permutation(axes, shape, op):
    """``axes`` checked to be a permutation of the axes of ``shape`` (a ShapeError naming both otherwise)."""
    ndim = len(shape)
    try:
        normalized = tuple(operator.index(a) for a in axes)
    except TypeError:
        raise TypeError(f"{op}: axes must be ints, got {axes!r}") from None
    if sorted(a % ndim if -ndim <= a < ndim else a for a in normalized) != list(range(ndim)):
        hint = (f"; to exchange two axes as torch.transpose(dim0, dim1) does, use swapaxes{normalized}"
                if len(normalized) == 2 and ndim != 2 else "")
        raise ShapeError(f"Transpose ({op}): the axes {normalized} are not a permutation of the {ndim} axes of "
                         f"the tensor of shape {shape}{hint}")
    return tuple(a % ndim for a in normalized) if ndim else ()

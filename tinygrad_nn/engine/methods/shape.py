"""Shape methods of ``Tensor`` (reshape, transpose, ...), one line each, calling an op."""

from .. import ops
from .arguments import axis_argument, shape_argument

__all__ = ["ShapeMethods"]


class ShapeMethods:
    """The same values in another shape or order, each recorded as one op."""

    __slots__ = ()

    def reshape(self, *shape):
        """The same data in a new shape (``-1`` infers one dimension)."""
        return ops.Reshape.apply(self, shape=shape_argument(shape, "reshape"))

    def transpose(self, *axes):
        """Permute the axes (reverse them when none are given)."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return ops.Transpose.apply(self, axes=axis_argument(axes, "transpose", self.ndim) or None)

    @property
    def T(self):
        """The transpose (axes reversed), like ``ndarray.T``."""
        return self.transpose()

    def broadcast_to(self, shape):
        """This tensor broadcast to ``shape`` (numpy's rules; a new array); the gradient is summed back."""
        shape = shape_argument((shape,) if isinstance(shape, (tuple, list)) else (shape,), "broadcast_to")
        return ops.BroadcastTo.apply(self, shape=shape)

"""Shape methods of ``Tensor`` (reshape, transpose, ...), one line each, calling an op."""

from .. import ops

__all__ = ["ShapeMethods"]


class ShapeMethods:
    """The same values in another shape or order, each recorded as one op."""

    __slots__ = ()

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

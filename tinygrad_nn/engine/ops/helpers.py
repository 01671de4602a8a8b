"""numpy helpers the ops share, in one place.

Some take an array or a Tensor: a backward receives arrays, or Tensors under
``create_graph=True`` (see ``function.py``), and these helpers do the same
thing to both (for a Tensor, through recorded ops).
"""

import numpy as np

__all__ = ["floating", "is_array", "reduce_along", "sum_along", "kept_shape", "scalar_like", "sigmoid_values", "masked"]


def floating(x):
    """``x`` itself if it is floating, else as float64: what a real-valued op computes on integer or bool data.

    numpy would keep the integers (``np.reciprocal(2)`` is 0, a sigmoid cast
    back to int64 is 0) or pick float16 for bool (``np.exp(True)``); the
    library's rule for non-float data is float64, as for ``Tensor([1, 2])``.
    """
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def scalar_like(x, value):
    """The option ``value`` (a Python number) in ``x``'s floating dtype, so float32 stays float32.

    For an integer or bool ``x`` it stays a Python float: numpy then computes in float64 (the library's
    rule for integer inputs), where ``x.dtype.type(1.5)`` would silently truncate it to 1.
    """
    return x.dtype.type(value) if x.dtype.kind == "f" else float(value)


def masked(grad, mask):
    """``grad * mask`` for a bool ``mask``, in ``grad``'s dtype (``grad`` an array or a Tensor).

    For an array numpy keeps the dtype; a bool array multiplied into a float32
    Tensor (under create_graph) would be promoted to float64 (the library's rule
    for non-float data), so the mask is cast to the gradient's dtype first.
    """
    return grad * mask if is_array(grad) else grad * mask.astype(grad.dtype)


def is_array(x):
    """True for a numpy array or scalar (a plain backward); False for a Tensor (a backward being recorded)."""
    return isinstance(x, (np.ndarray, np.generic))


def reduce_along(ufunc, x, axis, keepdims=True):
    """``ufunc.reduce(x, axis=axis, keepdims=keepdims)``, fast also when ``axis`` is one short axis.

    numpy reduces many short rows slowly: the max of each row of a (300, 3)
    array takes ~12 us, and ~2.5 us once the axis is moved first so the
    reduction runs over a few long contiguous rows (softmax over 3 or 10
    classes is exactly this case). ``np.maximum`` and ``np.minimum`` give
    identical values either way. ``np.add`` gives identical sums for rows of
    up to 7 elements; from 8 on, numpy sums a contiguous row pairwise (in
    blocks of 8), so the moved-axis sum, which adds the rows one after the
    other, can differ from numpy's in the last bits (always within rounding).

    >>> reduce_along(np.maximum, np.arange(6.0).reshape(3, 2), 1).ravel()
    array([1., 3., 5.])
    """
    if not isinstance(axis, int):  # None or a tuple of axes: numpy as is
        return ufunc.reduce(x, axis=axis, keepdims=keepdims)
    ndim = x.ndim
    position = axis + ndim if -ndim <= axis < 0 else axis
    length = x.shape[position] if 0 <= position < ndim else 0
    if 0 < length <= 16 and x.size >= 128 * length:
        moved = np.ascontiguousarray(x.T if ndim == 2 and position == 1 else np.moveaxis(x, position, 0))
        reduced = ufunc.reduce(moved, axis=0)
        shape = list(x.shape)
        if keepdims:
            shape[position] = 1
        else:
            del shape[position]
        return reduced.reshape(shape)
    return ufunc.reduce(x, axis=axis, keepdims=keepdims)


def sum_along(x, axis):
    """The sum over ``axis``, keeping it (length 1): ``reduce_along`` for an array, ``Sum`` for a Tensor."""
    if is_array(x):
        return reduce_along(np.add, np.asarray(x), axis)
    return x.sum(axis=axis, keepdims=True)


def kept_shape(shape, axis):
    """``shape`` with the reduced axes (``axis``: None, an int or a tuple) kept as length 1."""
    if axis is None:
        return (1,) * len(shape)
    axes = (axis,) if isinstance(axis, int) else axis
    axes = {a % len(shape) for a in axes} if shape else set()
    return tuple(1 if i in axes else size for i, size in enumerate(shape))


def sigmoid_values(x):
    """1 / (1 + e**-x) of an array without overflow, accurate in both tails."""
    z = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1, z) / (1 + z)

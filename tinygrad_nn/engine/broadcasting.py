"""``unbroadcast``: the one place where a broadcast gradient is reduced back to its input's shape."""

import numpy as np

__all__ = ["unbroadcast"]


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes along which an input of ``shape`` was broadcast.

    Returns None when ``shape`` does not broadcast to ``grad.shape`` (the
    caller reports the error with the op's name). ``grad`` is an array, or a
    Tensor under ``create_graph`` (then the sums are recorded ops).

    >>> unbroadcast(np.ones((4, 3)), (3,))
    array([4., 4., 4.])
    >>> unbroadcast(np.ones((4, 3)), (4, 1)).shape
    (4, 1)
    """
    extra = grad.ndim - len(shape)
    if extra < 0:
        return None
    stretched = []  # axes of ``shape`` that are 1 where grad's are longer
    for i, size in enumerate(shape):
        if size != grad.shape[extra + i]:
            if size != 1:
                return None
            stretched.append(i)
    if not isinstance(grad, (np.ndarray, np.generic)):  # a Tensor: the same two sums, recorded
        if extra:
            grad = grad.sum(axis=tuple(range(extra)))
        return grad.sum(axis=tuple(stretched), keepdims=True) if stretched else grad
    # Two reductions rather than sum(keepdims) + reshape: the result is a new
    # array, never a view, so the engine may hand it to a leaf without a copy.
    if extra:
        grad = np.asarray(np.add.reduce(grad, axis=tuple(range(extra))))
    if stretched:
        grad = np.add.reduce(grad, axis=tuple(stretched), keepdims=True)
    return grad

"""``unbroadcast``: the one place where a broadcast gradient is reduced back to its input's shape."""

import numpy as np

__all__ = ["unbroadcast"]


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes along which an input of ``shape`` was broadcast.

    Returns None when ``shape`` does not broadcast to ``grad.shape`` (the
    caller reports the error with the op's name).

    >>> unbroadcast(np.ones((4, 3)), (3,))
    array([4., 4., 4.])
    >>> unbroadcast(np.ones((4, 3)), (4, 1)).shape
    (4, 1)
    """
    extra = grad.ndim - len(shape)
    if extra < 0:
        return None
    axes = list(range(extra))
    for i, size in enumerate(shape):
        grad_size = grad.shape[extra + i]
        if size == grad_size:
            continue
        if size != 1:
            return None
        axes.append(extra + i)
    if axes:
        grad = grad.sum(axis=tuple(axes), keepdims=True)
        grad = grad.reshape(shape)
    return grad

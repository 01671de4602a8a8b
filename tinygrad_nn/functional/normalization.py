"""``layer_norm``: each sample's features scaled to mean 0 and variance 1, then an affine map (PyTorch's ``F.layer_norm``)."""

import numbers

from ..engine import ShapeError, Tensor
from ..engine.methods.arguments import number_argument, short_text

__all__ = ["layer_norm"]


def normalized_shape_argument(normalized_shape, op):
    """``normalized_shape`` (an int, or a non-empty tuple or list of positive ints) as a tuple of ints."""
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else normalized_shape
    if not isinstance(shape, (tuple, list)) or not shape or not all(
            isinstance(size, numbers.Integral) and not isinstance(size, bool) for size in shape):
        raise TypeError(f"{op}: normalized_shape must be an int or a non-empty tuple of ints (the sizes of the last "
                        f"axes to normalize over), got {short_text(normalized_shape)}")
    if any(size < 1 for size in shape):
        raise ValueError(f"{op}: normalized_shape must hold sizes >= 1, got {tuple(shape)}")
    return tuple(int(size) for size in shape)


def eps_argument(eps, op):
    """``eps`` (added to the variance) as a finite float >= 0."""
    eps = number_argument(eps, "eps", op, finite=True)
    if eps < 0:
        raise ValueError(f"{op}: eps must be >= 0 (it is added to the variance), got {eps}")
    return eps


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):  # noqa: A002 - PyTorch's argument name
    """``(x - mean) / sqrt(var + eps) * weight + bias``, mean and (population) variance over the last axes.

    The statistics are taken over the last ``len(normalized_shape)`` axes,
    whose sizes must be ``normalized_shape``, separately for every sample;
    ``weight`` and ``bias`` (optional) have shape ``normalized_shape``. It is
    composed of recorded ops (mean, subtraction, square root, division), so
    its gradient, and its second derivative, are theirs.

    >>> import tinygrad_nn as tg
    >>> from tinygrad_nn import functional as F
    >>> F.layer_norm(tg.Tensor([[1.0, 2.0, 3.0]]), 3).numpy().round(4)
    array([[-1.2247,  0.    ,  1.2247]])
    """
    shape = normalized_shape_argument(normalized_shape, "layer_norm")
    eps = eps_argument(eps, "layer_norm")
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.shape[x.ndim - len(shape):] != shape or x.ndim < len(shape):
        raise ShapeError(f"layer_norm: expected an input whose last axes have the sizes {shape} "
                         f"(normalized_shape), got shape {x.shape}")
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(getattr(value, "shape", ())) != shape:
            raise ShapeError(f"layer_norm: {name} must have shape {shape} (normalized_shape), got "
                             f"{'a ' + type(value).__name__ if not hasattr(value, 'shape') else tuple(value.shape)}")
    axes = tuple(range(-len(shape), 0))
    centered = x - x.mean(axis=axes, keepdims=True)
    variance = (centered * centered).mean(axis=axes, keepdims=True)
    out = centered / (variance + eps).sqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out

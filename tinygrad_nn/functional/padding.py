"""``pad``: constant padding with PyTorch's ``F.pad`` argument order (last axis first)."""

import numbers

from ..engine import ShapeError, Tensor
from ..engine.methods.arguments import allocation_check, number_argument
from ..engine.ops.shape_more import Pad

__all__ = ["pad"]


def pad(input, pad, mode="constant", value=None):
    """``input`` surrounded by ``value`` (default 0), PyTorch's ``F.pad``.

    ``pad`` lists the widths from the last axis backwards:
    ``(left, right)`` pads the last axis, ``(left, right, top, bottom)`` the
    last two, and so on. A negative width crops instead. The gradient is the
    upstream gradient with the padding cut off (zero for cropped entries).
    Only ``mode="constant"`` is provided. For numpy's order (one
    ``(before, after)`` pair per axis, first axis first) use ``np.pad(t, ...)``.

    >>> import tinygrad_nn as tg
    >>> from tinygrad_nn import functional as F
    >>> F.pad(tg.Tensor([[1.0, 2.0]]), (1, 0, 0, 1)).data
    array([[0., 1., 2.],
           [0., 0., 0.]])
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    if not isinstance(mode, str) or mode != "constant":
        raise ValueError(f"pad: only mode='constant' is provided, got mode={mode!r:.40}")
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad: pad must be a tuple of ints (left, right, ...), got {pad!r:.40} "
                        f"({type(pad).__name__})")
    value = number_argument(value, "value", "pad", allow_none=True)
    widths = tuple(pad)
    if len(widths) % 2 or len(widths) // 2 > x.ndim or not all(
            isinstance(w, numbers.Integral) and not isinstance(w, bool) for w in widths):
        raise ShapeError(f"pad: pad={widths} must be pairs of ints, at most one pair per axis of the input of "
                         f"shape {x.shape} (last axis first)")
    pairs = [[0, 0] for _ in range(x.ndim)]
    for i in range(len(widths) // 2):
        pairs[x.ndim - 1 - i] = [int(widths[2 * i]), int(widths[2 * i + 1])]
    if any(size + before + after < 0 for (before, after), size in zip(pairs, x.shape)):
        raise ShapeError(f"pad: pad={widths} crops more than the input of shape {x.shape} holds")
    if any(w < 0 for pair in pairs for w in pair):
        x = x[tuple(slice(max(-before, 0), size - max(-after, 0)) for (before, after), size in zip(pairs, x.shape))]
        pairs = [[max(before, 0), max(after, 0)] for before, after in pairs]
    if not any(w for pair in pairs for w in pair):
        return x
    allocation_check(tuple(size + before + after for (before, after), size in zip(pairs, x.shape)), x.dtype, "pad")
    return Pad.apply(x, widths=tuple(map(tuple, pairs)), value=0.0 if value is None else value)

"""``linear``: the map of a fully connected layer, as a function."""

from ..engine.ops import Affine

__all__ = ["linear"]


def linear(x, weight, bias=None):
    """``x @ weight.T + bias`` (PyTorch's ``F.linear``): one recorded op, ``Affine``.

    ``x`` has shape ``(..., in)``, ``weight`` ``(out, in)`` (one row per
    neuron) and ``bias`` ``(out,)`` or None. The weight's gradient is
    computed directly in its ``(out, in)`` layout.

    >>> import tinygrad_nn as tg
    >>> from tinygrad_nn import functional as F
    >>> F.linear(tg.Tensor([[1.0, 2.0]]), tg.Tensor([[1.0, 1.0], [0.0, 1.0]]), tg.Tensor([0.5, 0.0])).data
    array([[3.5, 2. ]])
    """
    if bias is None:
        return Affine.apply(x, weight)
    return Affine.apply(x, weight, bias)

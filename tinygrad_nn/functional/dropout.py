"""``dropout`` and ``one_hot``: PyTorch's functional forms of a layer and of a label encoding."""

import numbers

import numpy as np

from ..engine import Tensor
from ..engine.methods.arguments import flag_argument, int_argument
from ..engine.ops import Dropout
from ..random import as_rng
from .losses_inputs import as_values, check_label_range

__all__ = ["dropout", "one_hot"]


def dropout(input, p=0.5, training=True, inplace=False, *, rng=None):  # noqa: A002 - PyTorch's argument name
    """Inverted dropout, as ``nn.Dropout`` in training: zero each element with probability ``p``, scale the rest.

    The kept elements are multiplied by ``1 / (1 - p)``, so the expected
    value of every element is unchanged. ``training=False`` (pass the
    module's ``self.training``, as in PyTorch) and ``p=0`` return ``input``
    itself. ``inplace=True`` is accepted for PyTorch's sake and changes
    nothing: the result is always a new tensor. ``rng`` (a Generator or int
    seed) draws the mask from its own stream, else from ``tg.manual_seed``'s.

    >>> import tinygrad_nn as tg
    >>> from tinygrad_nn import functional as F
    >>> F.dropout(tg.ones(4), p=0.5, training=False).data
    array([1., 1., 1., 1.])
    """
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p!r:.60}")
    training = flag_argument(training, "training", "dropout")
    flag_argument(inplace, "inplace", "dropout")
    x = input if isinstance(input, Tensor) else Tensor(input)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    return Dropout.apply(x, p=float(p), rng=None if rng is None else as_rng(rng, "dropout"))


def one_hot(tensor, num_classes=-1):
    """Integer class labels as one-hot rows: shape ``(*labels.shape, num_classes)``, int64, as PyTorch's.

    ``num_classes=-1`` takes the largest label plus one. Labels must be
    integers in ``[0, num_classes)``: a float tensor is a ``TypeError`` (note
    that ``tg.tensor([0, 1])`` is float64; pass the numpy array, or
    ``.long()``), a label out of range a ``ValueError``. The result carries
    no gradient (it is data, like the labels).

    >>> import numpy as np
    >>> import tinygrad_nn as tg
    >>> tg.functional.one_hot(np.array([0, 2]), 3).data
    array([[1, 0, 0],
           [0, 0, 1]])
    """
    labels = as_values(tensor, "one_hot", "labels")
    if labels.dtype.kind not in "iu":
        hint = " (tg.tensor turns a list of ints into float64: pass the numpy array, or .long())" if (
            labels.dtype.kind == "f") else ""
        raise TypeError(f"one_hot: labels must be integer class indices, got dtype {labels.dtype}{hint}")
    num_classes = int_argument(num_classes, "num_classes", "one_hot", minimum=-1)
    if num_classes == -1:
        if not labels.size:
            raise ValueError("one_hot: cannot infer num_classes from empty labels; give num_classes=")
        num_classes = int(labels.max()) + 1
    check_label_range(labels, num_classes, "one_hot")
    encoded = (labels[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor(encoded, dtype=np.int64)

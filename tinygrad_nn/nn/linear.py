"""Fully connected layers: ``Linear`` and ``Maxout``.

Inputs are batches of rows: ``x`` has shape ``(N, in_features)`` (any number
of leading axes works). Weights start He/Kaiming normal and biases at zero;
see ``tinygrad_nn.nn.init`` for why.
"""

import numpy as np

from .. import functional as F
from ..engine import ShapeError, Tensor, current_scope
from ..engine.methods.arguments import device_argument
from ..random import as_rng
from . import init
from .module import Module, scope_path

__all__ = ["Linear", "Maxout"]


def _where(module):
    """``"layers.2 (Linear)"`` while ``module`` runs inside a parent, else ``"Linear"``."""
    scope = current_scope()
    kind = type(module).__name__
    if scope and scope[-1] is module:
        path = scope_path(scope)
        if path:
            return f"{path} ({kind})"
    return kind


def _check_width(module, x):
    if not isinstance(x, Tensor):
        x = Tensor(x)
    if x.ndim == 0 or x.shape[-1] != module.in_features:
        raise ShapeError(f"{_where(module)}: expected input of shape (N, {module.in_features}) "
                         f"(in_features={module.in_features}), got shape {x.shape}")
    return x


def new_parameter(op, shape, dtype, fill=np.empty):
    """A parameter Tensor of ``shape`` and floating ``dtype``; a bad dtype or a size beyond memory names ``op``."""
    try:
        dtype = np.dtype(dtype)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: dtype must be a floating dtype (np.float32, np.float64), got {dtype!r:.40}") from None
    if dtype.kind != "f":
        raise TypeError(f"{op}: dtype must be a floating dtype (np.float32, np.float64), got {dtype}")
    try:
        return Tensor(fill(shape, dtype=dtype), requires_grad=True)
    except (MemoryError, ValueError) as error:  # numpy: "Unable to allocate ..." or "array is too big"
        raise ValueError(f"{op}: a parameter of shape {shape} ({dtype}) does not fit in memory") from error


def _check_size(name, value):
    """A layer width: a wrong type (``3.0``, ``"3"``, ``True``) is a TypeError, a width below 1 a ValueError."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a positive int, got {value!r:.40} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


class Linear(Module):
    """A fully connected layer: ``y = x @ W.T + b``.

    ``weight`` has shape ``(out_features, in_features)`` (one row per
    neuron), ``bias`` shape ``(out_features,)``. ``dtype`` sets the
    parameters' dtype (float32 keeps a whole net in float32); ``rng`` as in
    ``tinygrad_nn.random``; ``device`` may be ``"cpu"`` (or None), the one
    device there is, as in PyTorch's ``nn.Linear(..., device="cpu")``.

    >>> import tinygrad_nn as tg
    >>> layer = tg.nn.Linear(3, 2)
    >>> layer(tg.Tensor([[1.0, 2.0, 3.0]])).shape
    (1, 2)
    """

    def __init__(self, in_features, out_features, bias=True, dtype=np.float64, rng=None, device=None):
        super().__init__()
        device_argument(device, "Linear")
        self.in_features = _check_size("Linear: in_features", in_features)
        self.out_features = _check_size("Linear: out_features", out_features)
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"Linear: bias must be True or False, got {bias!r}")
        rng = as_rng(rng, "Linear")
        self.weight = new_parameter("Linear", (self.out_features, self.in_features), dtype)
        init.kaiming_normal_(self.weight, rng=rng)
        self.bias = new_parameter("Linear", (self.out_features,), dtype, np.zeros) if bias else None

    def forward(self, x):
        return F.linear(_check_width(self, x), self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Maxout(Module):
    """``out_features`` Maxout units: unit ``u`` outputs ``max_k (x @ W[u, k] + b[u, k])``.

    ``weight`` has shape ``(out_features, pieces, in_features)`` and ``bias``
    ``(out_features, pieces)``: ``pieces`` linear neurons per unit, so a
    Maxout layer has ``pieces`` times the parameters of a ``Linear``. When
    pieces tie for the maximum they share the gradient evenly. ``dtype``,
    ``rng`` and ``device`` as ``Linear``'s.

    >>> import tinygrad_nn as tg
    >>> tg.nn.Maxout(3, 2, pieces=2)(tg.Tensor([[1.0, 2.0, 3.0]])).shape
    (1, 2)
    """

    def __init__(self, in_features, out_features, pieces=2, dtype=np.float64, rng=None, device=None):
        super().__init__()
        device_argument(device, "Maxout")
        self.in_features = _check_size("Maxout: in_features", in_features)
        self.out_features = _check_size("Maxout: out_features", out_features)
        self.pieces = _check_size("Maxout: pieces", pieces)
        shape = (self.out_features, self.pieces, self.in_features)
        rng = as_rng(rng, "Maxout")
        self.weight = new_parameter("Maxout", shape, dtype)
        init.kaiming_normal_(self.weight, rng=rng)
        self.bias = new_parameter("Maxout", (self.out_features, self.pieces), dtype, np.zeros)

    def piece_scores(self, x):
        """The pre-max scores, shape ``(..., out_features * pieces)``, unit ``u`` piece ``k`` at ``u * pieces + k``."""
        x = _check_width(self, x)
        rows = self.out_features * self.pieces
        return F.linear(x, self.weight.reshape(rows, self.in_features), self.bias.reshape(rows))

    def forward(self, x):
        return F.maxout(self.piece_scores(x), self.pieces)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, pieces={self.pieces}"

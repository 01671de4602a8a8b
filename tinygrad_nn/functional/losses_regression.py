"""Regression losses: squared error, absolute error, smooth L1 and Huber (PyTorch's names and arguments).

Each compares ``input`` with ``target`` element by element (the shapes must
match exactly) and reduces with ``reduction="mean" | "sum" | "none"``. The
target may be a Tensor that requires grad: both sides then get gradients.
Composed from engine ops, so every one is twice differentiable. Kinks: the
gradient of ``|d|`` at ``d = 0`` is 0 (``l1_loss``, ``smooth_l1_loss`` with
``beta=0``); smooth L1 and Huber have continuous gradients everywhere.
"""


from ..engine import Tensor, where
from ..engine.methods.arguments import number_argument
from .losses_inputs import as_scores, as_values, reduce, same_shape

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"]


def _difference(input, target, loss, reduction):
    """``input - target`` after the checks (a Tensor target keeps its gradient)."""
    input = as_scores(input, loss, "input", reduction)
    if not isinstance(target, Tensor):
        target = as_values(target, loss, "target").astype(input.dtype, copy=False)  # tg.compile follows it
    same_shape(input, target, loss, "target")
    return input - target


def mse_loss(input, target, *, reduction="mean"):
    """Squared error ``(input - target)**2`` per element, reduced (by default the mean)."""
    difference = _difference(input, target, "mse_loss", reduction)
    return reduce(difference * difference, reduction)


def l1_loss(input, target, *, reduction="mean"):
    """Absolute error ``|input - target|`` per element, reduced; its gradient at equality is 0."""
    return reduce(_difference(input, target, "l1_loss", reduction).abs(), reduction)


def _check_positive(value, name, loss, allow_zero):
    value = number_argument(value, name, loss, finite=True)
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{loss}: {name} must be a finite number {'>=' if allow_zero else '>'} 0, got {value!r}")
    return float(value)


def smooth_l1_loss(input, target, *, reduction="mean", beta=1.0):
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``, for ``d = input - target``.

    Quadratic near 0 and linear beyond ``beta`` (>= 0); the two pieces meet
    with the same value and slope. ``beta=0`` is ``l1_loss``.
    """
    beta = _check_positive(beta, "beta", "smooth_l1_loss", allow_zero=True)
    difference = _difference(input, target, "smooth_l1_loss", reduction)
    size = difference.abs()
    if beta == 0:
        return reduce(size, reduction)
    inside = size.data < beta
    near = where(inside, difference, 0.0)  # only the quadratic piece's entries: an infinite d gives no 0 * inf
    return reduce(where(inside, near * near * (0.5 / beta), size - 0.5 * beta), reduction)


def huber_loss(input, target, *, reduction="mean", delta=1.0):
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``: ``delta * smooth_l1_loss(beta=delta)``."""
    delta = _check_positive(delta, "delta", "huber_loss", allow_zero=False)
    difference = _difference(input, target, "huber_loss", reduction)
    size = difference.abs()
    inside = size.data < delta
    near = where(inside, difference, 0.0)  # as smooth_l1_loss: an infinite d keeps its slope delta sign(d)
    return reduce(where(inside, near * near * 0.5, (size - 0.5 * delta) * delta), reduction)

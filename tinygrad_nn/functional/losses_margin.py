"""Margin losses of the CS231n notes (binary and multiclass SVM) and the L2 penalty.

``hinge_loss`` and ``multiclass_hinge_loss`` take ``reduction="mean" |
"sum" | "none"`` like every loss. At a hinge's kink the gradient is split
evenly, as ``tg.maximum`` does for ties. ``l2_penalty`` is a plain sum over
parameters (no reduction to choose).
"""

import numpy as np

from ..engine import Tensor, maximum
from ..engine.methods.arguments import number_argument
from ..engine.ops import SumOfSquares, WrongClasses
from .losses_inputs import as_scores, as_values, class_labels, differentiable_target, reduce, same_shape

__all__ = ["hinge_loss", "multiclass_hinge_loss", "l2_penalty"]


def _two_valued_targets(scores, targets, allowed, loss, hint):
    """Targets with exactly the scores' shape and every value in ``allowed``, in the scores' dtype."""
    targets = as_values(targets, loss, "targets")
    same_shape(scores, targets, loss, "targets")
    valid = np.isin(targets, allowed)
    if not valid.all():
        bad = np.unique(targets[~valid])
        raise ValueError(f"{loss}: targets must be {' or '.join(str(a) for a in allowed)}, "
                         f"got {bad[:5].tolist()}{' ...' if bad.size > 5 else ''}{hint}")
    return targets.astype(scores.dtype, copy=False)  # no copy: tg.compile follows the caller's array


def hinge_loss(scores, targets, *, reduction="mean"):
    """Binary SVM hinge loss: ``max(0, 1 - y*s)`` per element for targets ``y`` in {-1, +1}, reduced.

    ``targets`` must have exactly the scores' shape. At the kink (``y*s = 1``)
    the gradient is split evenly, as ``tg.maximum`` does for ties. Targets
    that are a Tensor requiring grad get ``-s`` where ``y*s < 1`` (0 beyond), as
    PyTorch's ``margin_ranking_loss(s, 0, y, margin=1)``, the same loss, gives.
    """
    scores = as_scores(scores, "hinge_loss", "scores", reduction)
    checked = _two_valued_targets(scores, targets, (-1, 1), "hinge_loss", " (for 0/1 labels y use 2 * y - 1)")
    learned = differentiable_target(targets, scores)
    targets = checked if learned is None else learned
    return reduce(maximum(1.0 - scores * targets, 0.0), reduction)


def multiclass_hinge_loss(scores, labels, delta=1.0, *, reduction="mean"):
    """Multiclass SVM loss: per sample ``sum_{j != y} max(0, s_j - s_y + delta)``, reduced over samples.

    ``scores``: (N, C); ``labels``: (N,) integer class indices. The correct
    class contributes nothing (it is masked out, not counted as ``delta``).
    """
    scores = as_scores(scores, "multiclass_hinge_loss", "scores", reduction)
    labels, _ = class_labels(scores, labels, "multiclass_hinge_loss")
    delta = number_argument(delta, "delta", "multiclass_hinge_loss", finite=True)
    rows = np.arange(len(labels))
    correct = scores[rows, labels].reshape(-1, 1)
    margins = WrongClasses.apply(maximum(scores - correct + delta, 0.0), labels=labels)
    return reduce(margins.sum(axis=1), reduction)


def l2_penalty(params):
    """The plain sum of squares of the given tensors: ``sum_p sum(p**2)``.

    There is no factor 1/2 (the gradient is ``2*p``): write
    ``0.5 * reg * l2_penalty(weights)`` for the CS231n convention whose
    gradient is ``reg * W``. ``params`` is any iterable of Tensors, e.g.
    ``model.parameters()``, or one Tensor. An empty iterable gives 0.
    """
    if isinstance(params, Tensor):
        params = [params]
    try:
        params = list(params)
    except TypeError:
        raise TypeError(f"l2_penalty: expected a Tensor or an iterable of Tensors, "
                        f"got {type(params).__name__}") from None
    for index, param in enumerate(params):
        if not isinstance(param, Tensor):
            raise TypeError(f"l2_penalty: expected Tensors, item {index} is a {type(param).__name__}")
    return SumOfSquares.apply(*params) if params else Tensor(0.0)


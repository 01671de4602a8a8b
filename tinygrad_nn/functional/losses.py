"""Loss functions: each takes a batch of scores and returns the batch mean as a scalar ``Tensor``.

Most losses are composed from engine ops (``maximum``, ``abs``, ``exp``,
``log``...), so their gradients come from the engine. Two are single fused
``Function`` nodes, for speed: ``cross_entropy`` (``SoftmaxCrossEntropy``,
with the classic gradient ``(softmax - onehot) / N``) and ``l2_penalty``
(``SumOfSquares``, gradient ``2 p``); their backwards are checked against
finite differences like every op. ``multiclass_hinge_loss`` masks out the
correct class in an op of its own (``WrongClasses``), so the mask is made
from the labels of each call, also in a compiled function. All of them stay finite
for scores of ``±1e4`` and beyond.

Labels and targets are data, never parameters: they may be numpy arrays,
lists or Tensors, and they are checked before anything is computed. A label
of the wrong dtype, range or shape raises ``TypeError`` or ``ValueError``
naming the loss, the shapes and what was expected; nothing is silently
broadcast (``(N,)`` against ``(N, 1)`` is an error, not an ``(N, N)`` loss).

>>> import numpy as np
>>> import tinygrad_nn as tg
>>> from tinygrad_nn.functional.losses import cross_entropy
>>> logits = tg.Tensor([[2.0, 0.0], [0.0, 2.0]], requires_grad=True)
>>> round(cross_entropy(logits, np.array([0, 1])).item(), 4)
0.1269
"""

import numbers

import numpy as np

from ..engine import Tensor, maximum
from ..engine.ops import SoftmaxCrossEntropy, SumOfSquares, WrongClasses

__all__ = ["cross_entropy", "binary_cross_entropy_with_logits", "hinge_loss",
           "multiclass_hinge_loss", "mse_loss", "l2_penalty"]


# ---------------------------------------------------------------- checks
def _as_scores(scores, loss, what="logits"):
    """``scores`` as a floating Tensor (arrays are wrapped; gradients flow only if it is a Tensor)."""
    if not isinstance(scores, Tensor):
        scores = Tensor(scores)
    if scores.dtype.kind != "f":
        raise TypeError(f"{loss}: {what} must be floating point, got dtype {scores.dtype}")
    if scores.size == 0:
        raise ValueError(f"{loss}: {what} of shape {scores.shape} is an empty batch; the mean over it is undefined")
    return scores


def _as_array(values, loss, what):
    """Labels or targets as a plain numpy array (a Tensor gives its data; no gradient flows to labels)."""
    try:
        array = values.data if isinstance(values, Tensor) else np.asarray(values)
    except (TypeError, ValueError, OverflowError):  # ragged lists, huge ints
        raise TypeError(f"{loss}: {what} must be an array of numbers, got {type(values).__name__}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{loss}: {what} must be numbers, got dtype {array.dtype}")
    return array


def _same_shape(scores, targets, loss, what):
    if targets.shape != scores.shape:
        raise ValueError(
            f"{loss}: {what} have shape {targets.shape} but the scores have shape {scores.shape}; "
            f"they must match exactly (nothing is broadcast: reshape the {what} to {scores.shape})")


def _class_labels(scores, labels, loss):
    """Integer class labels of shape (N,) within [0, C) for scores of shape (N, C), as int64."""
    if scores.ndim != 2:
        raise ValueError(f"{loss}: expected scores of shape (N, C) (one row per sample, one column per class), "
                         f"got shape {scores.shape}")
    labels = _as_array(labels, loss, "labels")
    n, classes = scores.shape
    if labels.dtype.kind not in "iu":
        hint = (" (tg.Tensor turns integer data into float64: pass the numpy array, "
                "or Tensor(labels, dtype=np.int64))" if labels.dtype.kind == "f" else "")
        raise TypeError(f"{loss}: labels must be integer class indices, got dtype {labels.dtype}{hint}")
    if labels.shape != (n,):
        raise ValueError(f"{loss}: scores have shape {scores.shape}, so labels must have shape ({n},), "
                         f"got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        bad = labels[(labels < 0) | (labels >= classes)]
        raise ValueError(f"{loss}: labels must lie in [0, {classes}) for {classes} classes (scores of shape "
                         f"{scores.shape}), got {bad[:5].tolist()}{' ...' if bad.size > 5 else ''}")
    return labels.astype(np.int64, copy=False)


def _two_valued_targets(scores, targets, allowed, loss, hint):
    """Targets with exactly the scores' shape and every value in ``allowed``, in the scores' dtype."""
    targets = _as_array(targets, loss, "targets")
    _same_shape(scores, targets, loss, "targets")
    valid = np.isin(targets, allowed)
    if not valid.all():
        bad = np.unique(targets[~valid])
        raise ValueError(f"{loss}: targets must be {' or '.join(str(a) for a in allowed)}, "
                         f"got {bad[:5].tolist()}{' ...' if bad.size > 5 else ''}{hint}")
    return targets.astype(scores.dtype, copy=False)  # no copy: tg.compile follows the caller's array


# ---------------------------------------------------------------- losses
def cross_entropy(logits, labels):
    """Softmax cross-entropy: ``mean_i( -log softmax(logits_i)[labels_i] )``.

    ``logits``: (N, C) unnormalised class scores; ``labels``: (N,) integer
    class indices in ``[0, C)``. Computed with the stable ``log_softmax``, so
    logits of ±1e4 are fine. Returns a scalar Tensor.
    """
    logits = _as_scores(logits, "cross_entropy")
    labels = _class_labels(logits, labels, "cross_entropy")
    return SoftmaxCrossEntropy.apply(logits, labels=labels)


def binary_cross_entropy_with_logits(logits, targets):
    """Binary logistic loss on raw scores (the binary Softmax classifier / logistic regression).

    ``mean( -t*log(sigmoid(x)) - (1-t)*log(1 - sigmoid(x)) )`` for targets
    ``t`` in {0, 1}, computed as ``max(x, 0) - x*t + log(1 + exp(-|x|))``,
    which never overflows. ``targets`` must have exactly the logits' shape.
    """
    logits = _as_scores(logits, "binary_cross_entropy_with_logits")
    targets = _two_valued_targets(logits, targets, (0, 1), "binary_cross_entropy_with_logits",
                                  " (for -1/+1 labels y use (y + 1) / 2)")
    softplus = maximum(logits, 0.0) + (1.0 + (-logits.abs()).exp()).log()
    return (softplus - logits * targets).mean()


def hinge_loss(scores, targets):
    """Binary SVM hinge loss: ``mean( max(0, 1 - y*s) )`` for targets ``y`` in {-1, +1}.

    ``targets`` must have exactly the scores' shape. At the kink (``y*s = 1``)
    the gradient is split evenly, as ``tg.maximum`` does for ties.
    """
    scores = _as_scores(scores, "hinge_loss", "scores")
    targets = _two_valued_targets(scores, targets, (-1, 1), "hinge_loss",
                                  " (for 0/1 labels y use 2 * y - 1)")
    return maximum(1.0 - scores * targets, 0.0).mean()


def multiclass_hinge_loss(scores, labels, delta=1.0):
    """Multiclass SVM loss: ``mean_i sum_{j != y_i} max(0, s_ij - s_iy_i + delta)``.

    ``scores``: (N, C); ``labels``: (N,) integer class indices. The correct
    class contributes nothing (it is masked out, not counted as ``delta``).
    """
    scores = _as_scores(scores, "multiclass_hinge_loss", "scores")
    labels = _class_labels(scores, labels, "multiclass_hinge_loss")
    if isinstance(delta, (bool, np.bool_)) or not isinstance(delta, numbers.Real):
        raise TypeError(f"multiclass_hinge_loss: delta must be a number, got {type(delta).__name__}")
    if not _finite(delta):
        raise ValueError(f"multiclass_hinge_loss: delta must be a finite number, got {delta}")
    rows = np.arange(len(labels))
    correct = scores[rows, labels].reshape(-1, 1)
    margins = WrongClasses.apply(maximum(scores - correct + float(delta), 0.0), labels=labels)
    return margins.sum(axis=1).mean()


def mse_loss(input, target):
    """Mean squared error ``mean( (input - target)**2 )``; the shapes must match exactly.

    ``target`` may be a Tensor that requires grad (both sides then get gradients).
    """
    input = _as_scores(input, "mse_loss", "input")
    if not isinstance(target, Tensor):
        target = _as_array(target, "mse_loss", "target").astype(input.dtype, copy=False)
    _same_shape(input, target, "mse_loss", "target")
    difference = input - target
    return (difference * difference).mean()


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


def _finite(number):
    """Whether a real number is finite (a Python int beyond float range is not)."""
    try:
        return bool(np.isfinite(float(number)))
    except OverflowError:
        return False

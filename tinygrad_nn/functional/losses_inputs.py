"""What every loss checks before it computes anything, and the one place ``reduction=`` is applied.

Scores are floating Tensors (arrays are wrapped; gradients flow only into a
Tensor). Labels, targets and class weights are data: numpy arrays, lists
or Tensors. A float target that is a Tensor requiring grad gets its gradient,
as in PyTorch (the regression losses, ``cross_entropy``'s class
probabilities, both binary cross-entropies, ``kl_div`` and ``hinge_loss``):
its values are checked like any target's and the Tensor itself goes into the
graph (``differentiable_target``). Integer class labels and class weights
are data: no gradient flows into them, and a weight that requires grad is
refused rather than silently left without one. Wrong shapes raise
``ShapeError`` (a ValueError and a RuntimeError), wrong dtypes
``TypeError``, wrong values ``ValueError``; each message names the loss,
the shapes and what was expected. Nothing is broadcast silently: ``(N,)``
targets against ``(N, 1)`` scores are an error, not an ``(N, N)`` loss.
"""

import numpy as np

from ..engine import ShapeError, Tensor
from ..engine.methods.arguments import int_argument

__all__ = ["REDUCTIONS", "KL_REDUCTIONS", "as_scores", "as_values", "same_shape", "check_classes", "class_labels", "class_weights",
           "probabilities", "broadcast_weight", "reduce", "check_reduction", "check_label_range",
           "differentiable_target"]

REDUCTIONS = ("mean", "sum", "none")
KL_REDUCTIONS = REDUCTIONS + ("batchmean",)  # kl_div also gives the divergence per sample


def check_reduction(reduction, loss, allowed=REDUCTIONS):
    """``reduction`` checked against ``allowed`` ("mean", "sum", "none" by default)."""
    if not isinstance(reduction, str) or reduction not in allowed:
        raise ValueError(f"{loss}: reduction must be one of {', '.join(map(repr, allowed))}, got {reduction!r:.40}")
    return reduction


def reduce(losses, reduction):
    """The per-element losses ``losses`` reduced: their mean, their sum, or as they are (``"none"``)."""
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def as_scores(scores, loss, what="logits", reduction="mean", reductions=REDUCTIONS):
    """``scores`` as a floating Tensor, ``reduction`` one of ``reductions``; an empty batch is refused when its
    mean is asked for. Only ``kl_div`` allows ``"batchmean"`` (every other loss would return it unreduced)."""
    check_reduction(reduction, loss, reductions)
    if not isinstance(scores, Tensor):
        scores = Tensor(scores)
    if scores.dtype.kind != "f":
        raise TypeError(f"{loss}: {what} must be floating point, got dtype {scores.dtype}")
    if 0 in scores.shape and reduction in ("mean", "batchmean"):
        raise ValueError(f"{loss}: {what} of shape {scores.shape} is an empty batch; the mean over it is "
                         f"undefined (reduction='sum' or 'none' accept it)")
    return scores


def as_values(values, loss, what):
    """Labels, targets or weights as a plain numpy array (a Tensor gives its data; no gradient flows)."""
    try:
        array = values.data if isinstance(values, Tensor) else np.asarray(values)
    except (TypeError, ValueError, OverflowError):  # ragged lists, huge ints
        raise TypeError(f"{loss}: {what} must be an array of numbers, got {type(values).__name__}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{loss}: {what} must be numbers, got dtype {array.dtype}")
    return array


def _refuse_gradient(weight, loss, what):
    """A weight is data: one that requires grad would silently get none, so it is refused (as PyTorch does)."""
    if isinstance(weight, Tensor) and weight.requires_grad:
        raise RuntimeError(f"{loss}: {what} requires grad, but the loss computes no gradient for its weights "
                           f"(they are data); pass {what}.detach(), or weight the per-sample losses of "
                           f"reduction='none' yourself to learn them")


def differentiable_target(target, scores):
    """``target`` in the scores' dtype when it is a Tensor that requires grad (its gradient then flows), else None.

    The loss checks the target's values first, as for any target. None keeps the
    common case (a target without gradient) on the loss's plain-array path.
    """
    if isinstance(target, Tensor) and target.requires_grad:
        return target.astype(scores.dtype)
    return None


def same_shape(scores, targets, loss, what):
    """Refuse ``targets`` whose shape is not exactly the scores' (a ShapeError naming both)."""
    if targets.shape != scores.shape:
        verb = "have" if what.endswith("s") else "has"
        raise ShapeError(
            f"{loss}: {what} {verb} shape {targets.shape} but the scores have shape {scores.shape}; "
            f"they must match exactly (nothing is broadcast: reshape the {what} to {scores.shape})")


def check_classes(scores, loss):
    """Scores of shape (N, C): one row per sample, one column per class."""
    if scores.ndim != 2:
        raise ShapeError(f"{loss}: expected scores of shape (N, C) (one row per sample, one column per class), "
                         f"got shape {scores.shape}")


def class_labels(scores, labels, loss, ignore_index=None):
    """Integer class labels of shape (N,) within [0, C) (or equal to ``ignore_index``), as int64.

    Returns ``(labels, ignored)``: ``ignored`` tells whether some label equals ``ignore_index``.
    """
    check_classes(scores, loss)
    if ignore_index is not None:
        ignore_index = int_argument(ignore_index, "ignore_index", loss)
    labels = as_values(labels, loss, "labels")
    n, classes = scores.shape
    if labels.dtype.kind not in "iu":
        hint = (" (tg.Tensor turns integer data into float64: pass the numpy array, "
                "or Tensor(labels, dtype=np.int64))" if labels.dtype.kind == "f" else "")
        raise TypeError(f"{loss}: labels must be integer class indices, got dtype {labels.dtype}{hint}")
    if labels.shape != (n,):
        raise ShapeError(f"{loss}: scores have shape {scores.shape}, so labels must have shape ({n},), "
                         f"got shape {labels.shape}")
    hint = _ONE_COLUMN_HINTS.get(loss, _ONE_COLUMN_HINTS["nll_loss"]) if classes == 1 else ""
    ignored = check_label_range(labels, classes, loss, ignore_index, f" (scores of shape {scores.shape})", hint)
    if not ignored and ignore_index is not None and 0 <= ignore_index < classes:  # ignore_index is a class
        ignored = bool((labels == ignore_index).any())
    return labels.astype(np.int64, copy=False), ignored


# One score column is one class: what to write instead for a binary classifier (the notes' binary softmax / SVM).
_ONE_COLUMN_HINTS = {
    "cross_entropy": "; one score column is one class: for two classes give the last layer 2 outputs, or keep "
                     "one score per sample and use F.binary_cross_entropy_with_logits(scores, "
                     "labels.reshape(-1, 1)) with 0/1 labels",
    "nll_loss": "; one column is one class: for two classes give the last layer 2 outputs",
    "multiclass_hinge_loss": "; one score column is one class: for two classes give the last layer 2 outputs, or "
                             "keep one score per sample and use F.hinge_loss(scores, 2 * labels.reshape(-1, 1) - 1) "
                             "(the binary SVM, labels -1/+1)",
}


def check_label_range(labels, classes, loss, ignore_index=None, where="", hint=""):
    """Raise when a label lies outside ``[0, classes)`` and is not ``ignore_index`` (``hint`` ends the message).

    Returns True when some labels lie outside and all of those are ``ignore_index``.
    """
    if not (labels.size and (labels.min() < 0 or labels.max() >= classes)):  # two reductions: the usual case
        return False
    bad = (labels < 0) | (labels >= classes)
    if ignore_index is not None:
        bad &= labels != ignore_index
    if bad.any():
        skipped = f" or equal ignore_index={ignore_index}" if ignore_index is not None else ""
        noun = "class" if classes == 1 else "classes"
        raise ValueError(f"{loss}: labels must lie in [0, {classes}) for {classes} {noun}{where}{skipped}, "
                         f"got {labels[bad][:5].tolist()}{' ...' if bad.sum() > 5 else ''}{hint}")
    return True


def class_weights(weight, scores, loss):
    """``weight`` (one non-negative number per class, shape (C,)) in the scores' dtype, or None."""
    if weight is None:
        return None
    _refuse_gradient(weight, loss, "weight")
    weight = as_values(weight, loss, "weight")
    classes = scores.shape[1]
    if weight.shape != (classes,):
        raise ShapeError(f"{loss}: weight must have one entry per class, shape ({classes},) for scores of shape "
                         f"{scores.shape}; got shape {weight.shape}")
    if not np.isfinite(weight).all() or (weight < 0).any():
        raise ValueError(f"{loss}: class weights must be finite and non-negative, got {weight.tolist()}")
    return weight.astype(scores.dtype)


def probabilities(scores, targets, loss, what="targets"):
    """Float targets of the scores' shape with every value in [0, 1], in the scores' dtype."""
    targets = as_values(targets, loss, what)
    same_shape(scores, targets, loss, what)
    outside = ~((targets >= 0) & (targets <= 1))  # also catches NaN
    if outside.any():
        bad = np.unique(targets[outside])
        hint = " (for -1/+1 labels y use (y + 1) / 2)" if (bad == -1).any() else ""
        raise ValueError(f"{loss}: {what} must lie in [0, 1] (0 or 1, or a probability), "
                         f"got {bad[:5].tolist()}{' ...' if bad.size > 5 else ''}{hint}")
    return targets.astype(scores.dtype, copy=False)  # no copy: tg.compile follows the caller's array


def broadcast_weight(weight, scores, loss, what="weight"):
    """An optional array that must broadcast to the scores' shape (e.g. per-element or per-class weights)."""
    if weight is None:
        return None
    _refuse_gradient(weight, loss, what)
    weight = as_values(weight, loss, what)
    try:
        shape = np.broadcast_shapes(weight.shape, scores.shape)
    except ValueError:
        shape = None
    if shape != scores.shape:
        raise ShapeError(f"{loss}: {what} of shape {weight.shape} does not broadcast to the scores' shape "
                         f"{scores.shape}")
    return weight.astype(scores.dtype)

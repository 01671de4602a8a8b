"""Classification losses: cross-entropy (with class weights, ignored labels, label smoothing and
class-probability targets), NLL, binary cross-entropy (on probabilities and on logits) and KL divergence.

Names, arguments and defaults are PyTorch's. Every loss takes
``reduction="mean" | "sum" | "none"``: the mean (the default) or sum of the
per-sample losses, or the per-sample losses themselves. The plain
``cross_entropy(logits, labels)`` records one fused node,
``SoftmaxCrossEntropy``, with the classic gradient ``(softmax - onehot) / N``;
the other options are composed from engine ops (so they are twice
differentiable too). All stay finite for logits of ±1e4 and beyond. The
checks on labels and targets are in ``losses_inputs``; the regression losses
are in ``losses_regression`` and the margin losses in ``losses_margin``.
A float target (class probabilities, binary targets, ``kl_div``'s target)
that is a Tensor requiring grad gets its gradient, as in PyTorch; integer
labels and class weights get none.

>>> import numpy as np
>>> import tinygrad_nn as tg
>>> from tinygrad_nn.functional.losses import cross_entropy
>>> logits = tg.Tensor([[2.0, 0.0], [0.0, 2.0]], requires_grad=True)
>>> round(cross_entropy(logits, np.array([0, 1])).item(), 4)
0.1269
"""

import warnings

import numpy as np

from ..engine import Tensor, where
from ..engine.methods.arguments import flag_argument, number_argument
from ..engine.ops import LogSigmoid, SoftmaxCrossEntropy
from ..engine.ops.fused_losses import BinaryCrossEntropy
from .losses_inputs import (KL_REDUCTIONS, as_scores, as_values, broadcast_weight, check_classes, class_labels,
                            class_weights, differentiable_target, probabilities, reduce, same_shape)

__all__ = ["cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]


def cross_entropy(input, target, weight=None, *, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy of ``input`` (N, C) logits against class labels or class probabilities.

    ``target`` is either integer class indices of shape (N,) in ``[0, C)``
    (``ignore_index`` marks samples that count for nothing), or float class
    probabilities of shape (N, C). Per sample, with ``p = log_softmax(input)``:
    ``-weight[y] * p[y]`` for a label, ``-sum_c weight[c] * t[c] * p[c]`` for
    probabilities. ``label_smoothing`` in [0, 1] mixes the target with the
    uniform distribution: ``(1 - eps) * loss + eps / C * sum_c -weight[c] * p[c]``.
    With labels, ``"mean"`` divides by the summed weights of the counted
    samples (their number when ``weight`` is None), as PyTorch does; with
    probabilities it divides by N. Computed with the stable log-softmax.
    Class probabilities that are a Tensor requiring grad get the gradient
    ``-w (1 - eps) log_softmax(input)`` per element (times the reduction's factor).
    """
    logits = as_scores(input, "cross_entropy", reduction=reduction)
    check_classes(logits, "cross_entropy")
    smoothing = _smoothing(label_smoothing)
    weight = class_weights(weight, logits, "cross_entropy")
    values = as_values(target, "cross_entropy", "target")
    if values.dtype.kind == "f" and values.ndim == 2:  # class probabilities (float labels are shape (N,))
        targets = probabilities(logits, values, "cross_entropy", "class probabilities")
        learned = differentiable_target(target, logits)
        return _soft_cross_entropy(logits, targets if learned is None else learned, weight, smoothing, reduction)
    labels, ignored = class_labels(logits, values, "cross_entropy", ignore_index)
    if weight is None and smoothing == 0 and reduction == "mean" and not ignored:
        # The fast path: one node. An ignore_index that is a class goes along, for tg.compile's label check.
        is_class = ignore_index is not None and 0 <= ignore_index < logits.shape[1]
        options = {"ignore_index": int(ignore_index)} if is_class else {}
        return SoftmaxCrossEntropy.apply(logits, labels=labels, **options)
    return _weighted_nll(logits.log_softmax(axis=1), labels, weight, ignore_index, reduction, smoothing,
                         "cross_entropy")


def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of ``input`` (N, C) log-probabilities: per sample ``-weight[y] * input[y]``.

    ``cross_entropy(x, y)`` is ``nll_loss(x.log_softmax(axis=1), y)``.
    ``weight``, ``ignore_index`` and ``"mean"`` (divided by the summed
    weights of the counted samples) as in ``cross_entropy``.
    """
    log_probs = as_scores(input, "nll_loss", "log-probabilities", reduction)
    check_classes(log_probs, "nll_loss")
    weight = class_weights(weight, log_probs, "nll_loss")
    labels, _ = class_labels(log_probs, target, "nll_loss", ignore_index)
    return _weighted_nll(log_probs, labels, weight, ignore_index, reduction, 0.0, "nll_loss")


def _smoothing(label_smoothing):
    smoothing = number_argument(label_smoothing, "label_smoothing", "cross_entropy")
    if not 0.0 <= smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must lie in [0, 1], got {label_smoothing!r}")
    return smoothing


def _weighted_nll(log_probs, labels, weight, ignore_index, reduction, smoothing, loss):
    """Per sample ``-weight[y] * log_probs[y]`` (0 for ignored samples), smoothed, reduced PyTorch's way."""
    n, classes = log_probs.shape
    dtype = log_probs.dtype
    counted = labels != ignore_index
    safe_labels = np.where(counted, labels, 0)
    per_sample_weight = (np.ones(n, dtype=dtype) if weight is None else weight[safe_labels]) * counted
    losses = _counted_only(-log_probs[np.arange(n), safe_labels], counted) * per_sample_weight.astype(dtype)
    if smoothing:
        class_weight = np.ones(classes, dtype=dtype) if weight is None else weight
        uniform = _counted_only(-(log_probs * class_weight).sum(axis=1), counted)
        losses = losses * (1.0 - smoothing) + uniform * (smoothing / classes)
    if reduction != "mean":
        return reduce(losses, reduction)
    total = per_sample_weight.sum()
    if total == 0:
        raise ValueError(f"{loss}: every sample is ignored (label {ignore_index}) or has class weight 0, so the "
                         f"mean over them is undefined; use reduction='sum'")
    return losses.sum() / dtype.type(total)


def _counted_only(losses, counted):
    """``losses`` set to 0 where a sample is ignored: selected, not multiplied by 0, so that the -inf
    log-probability of an ignored sample (a masked logit, a ``log(0)``) costs 0 rather than NaN, as in PyTorch."""
    return losses if counted.all() else where(counted, losses, 0.0)


def _soft_cross_entropy(logits, targets, weight, smoothing, reduction):
    """Cross-entropy against class probabilities: per sample ``-sum_c weight[c] t[c] log_softmax(x)[c]``."""
    classes = logits.shape[1]
    if smoothing:
        targets = targets * (1 - smoothing) + smoothing / classes
    if weight is not None:
        targets = targets * weight
    return reduce(-(logits.log_softmax(axis=1) * targets).sum(axis=1), reduction)


def binary_cross_entropy(input, target, weight=None, *, reduction="mean"):
    """Binary cross-entropy of probabilities ``input`` in [0, 1]: ``-w (t log x + (1 - t) log(1 - x))``.

    Each log is clamped at -100 (PyTorch's rule), so a confident wrong
    probability of exactly 0 or 1 costs 100, not inf. ``target`` (soft
    targets in [0, 1]) has exactly the input's shape; ``weight`` broadcasts
    to it. Prefer ``binary_cross_entropy_with_logits`` on raw scores: it is
    exact where the probabilities round to 0 or 1. A ``target`` Tensor that
    requires grad gets ``w (log(1 - x) - log x)`` (PyTorch's ``-w logit(x)``, but
    with the clamped logs, so +-100 w rather than +-inf where x is 0 or 1).
    """
    probs = as_scores(input, "binary_cross_entropy", "probabilities", reduction)
    values = probs.data
    if not ((values >= 0) & (values <= 1)).all():
        numbers = values[~np.isnan(values)]  # np.nanmin of only NaN would warn
        span = f"values from {numbers.min()} to {numbers.max()}" if numbers.size else "only"
        raise ValueError(f"binary_cross_entropy: the input must be probabilities in [0, 1] (apply sigmoid first, "
                         f"or use binary_cross_entropy_with_logits), got {span}"
                         + (" NaN" if not numbers.size else " and NaN" if numbers.size < values.size else ""))
    targets = probabilities(probs, target, "binary_cross_entropy")
    weight = broadcast_weight(weight, probs, "binary_cross_entropy")
    weight = np.ones((), dtype=probs.dtype) if weight is None else weight
    learned = differentiable_target(target, probs)
    return reduce(BinaryCrossEntropy.apply(probs, Tensor(targets) if learned is None else learned, Tensor(weight)),
                  reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, *, reduction="mean", pos_weight=None):
    """Binary logistic loss on raw scores: ``-w (p t log sigmoid(x) + (1 - t) log(1 - sigmoid(x)))``.

    ``target`` holds probabilities in [0, 1] (hard 0/1 labels or soft
    targets) with exactly the input's shape; ``weight`` broadcasts to it;
    ``pos_weight`` (``p``, e.g. one number per class along the last axis)
    weighs the positive term. Computed as
    ``w (l * softplus(x) - x (t + l - 1))`` with ``l = 1 + (p - 1) t`` and
    ``softplus(x) = -log sigmoid(-x)`` (the stable ``LogSigmoid`` op, which
    never overflows and keeps the curvature ``sigmoid'(0) = 1/4`` at 0).
    A ``target`` Tensor that requires grad gets ``w ((p - 1) softplus(x) - p x)``
    (``-w x`` without ``pos_weight``), as in PyTorch.
    """
    logits = as_scores(input, "binary_cross_entropy_with_logits", reduction=reduction)
    targets = probabilities(logits, target, "binary_cross_entropy_with_logits")
    learned = differentiable_target(target, logits)
    if learned is not None:
        targets = learned
    weight = broadcast_weight(weight, logits, "binary_cross_entropy_with_logits")
    pos_weight = broadcast_weight(pos_weight, logits, "binary_cross_entropy_with_logits", "pos_weight")
    softplus = -LogSigmoid.apply(-logits)
    if pos_weight is None:
        losses = softplus - logits * targets
    else:
        log_weight = targets * (pos_weight - 1) + 1
        losses = softplus * log_weight - logits * (targets + log_weight - 1)
    if weight is not None:
        losses = losses * weight
    return reduce(losses, reduction)


def kl_div(input, target, *, reduction="mean", log_target=False):
    """Kullback-Leibler divergence of ``target`` from the distribution whose log-probabilities are ``input``.

    Per element ``t * (log t - input)`` (0 where ``t`` = 0), or with
    ``log_target=True`` (``target`` given as log-probabilities)
    ``exp(t) * (t - input)``. ``target`` has exactly the input's shape.
    ``reduction="batchmean"`` (sum / batch size) is the divergence of the
    notes; ``"mean"`` (PyTorch's default, kept here) divides by the number of
    elements and warns, as PyTorch does. A ``target`` Tensor that requires
    grad gets ``log t + 1 - input`` per element (log_target: ``e**t (t + 1 - input)``),
    as in PyTorch; where ``t`` = 0 the ``t log t`` term, 0 there, contributes 0, so
    the gradient is ``-input`` (PyTorch gives NaN).
    """
    log_probs = as_scores(input, "kl_div", "log-probabilities", reduction, KL_REDUCTIONS)
    targets = as_values(target, "kl_div", "target").astype(log_probs.dtype)
    same_shape(log_probs, targets, "kl_div", "target")
    log_target = flag_argument(log_target, "log_target", "kl_div")
    if not log_target and not (targets >= 0).all():
        raise ValueError("kl_div: target must hold probabilities (>= 0); for log-probabilities pass "
                         "log_target=True")
    learned = differentiable_target(target, log_probs)
    if learned is not None:  # the same formulas on the Tensor, so that its gradient flows
        targets = learned
    if log_target:
        probs = np.exp(targets)
        entropy_part = probs * targets
    else:
        probs = targets
        positive = targets.data > 0 if learned is not None else targets > 0
        entropy_part = np.where(positive, targets * np.log(np.where(positive, targets, 1)), 0)
    if learned is None:
        entropy_part, probs = entropy_part.astype(log_probs.dtype), probs.astype(log_probs.dtype)
    losses = entropy_part - log_probs * probs
    if reduction == "batchmean":
        return losses.sum() / log_probs.dtype.type(log_probs.shape[0] if log_probs.ndim else 1)
    if reduction == "mean":
        warnings.warn("kl_div: reduction='mean' divides by the number of elements, not by the batch size; "
                      "reduction='batchmean' gives the KL divergence (PyTorch gives the same advice)", UserWarning,
                      stacklevel=2)
    return reduce(losses, reduction)

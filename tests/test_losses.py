"""Losses: values against direct numpy formulas, gradients against central differences,
stability at scores of ±1e4, and clear errors for bad labels."""

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st
from hypothesis.extra.numpy import arrays

import tinygrad_nn as tg
import tinygrad_nn.functional as F

finite = st.floats(-8, 8, allow_nan=False, width=64)


@st.composite
def scores_and_labels(draw):
    n = draw(st.integers(1, 6))
    classes = draw(st.integers(2, 5))
    scores = draw(arrays(np.float64, (n, classes), elements=finite))
    labels = draw(arrays(np.int64, (n,), elements=st.integers(0, classes - 1)))
    return scores, labels


@st.composite
def scores_and_binary(draw, values):
    shape = draw(st.sampled_from([(1,), (5,), (4, 1), (3, 2)]))
    scores = draw(arrays(np.float64, shape, elements=finite))
    targets = draw(arrays(np.int64, shape, elements=st.sampled_from(values)))
    return scores, targets


def numeric_gradient(fn, x, eps=1e-6):
    """Central differences of the scalar ``fn(array)`` with respect to every element of ``x``."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += eps
        minus[index] -= eps
        grad[index] = (fn(plus) - fn(minus)) / (2 * eps)
    return grad


def analytic_gradient(loss_fn, x, *args):
    t = tg.Tensor(x.copy(), requires_grad=True)
    loss_fn(t, *args).backward()
    return t.grad


def assert_gradient_matches(loss_fn, x, *args):
    numeric = numeric_gradient(lambda a: loss_fn(tg.Tensor(a), *args).item(), x)
    np.testing.assert_allclose(analytic_gradient(loss_fn, x, *args), numeric, rtol=1e-5, atol=1e-7)


def numpy_log_softmax(s):
    shifted = s - s.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


# ------------------------------------------------------------ cross-entropy
@given(scores_and_labels())
def test_cross_entropy_matches_numpy(case):
    scores, labels = case
    expected = -numpy_log_softmax(scores)[np.arange(len(labels)), labels].mean()
    assert F.cross_entropy(tg.Tensor(scores), labels).item() == pytest.approx(expected, rel=1e-12, abs=1e-12)


@given(scores_and_labels())
def test_cross_entropy_gradient_is_softmax_minus_onehot(case):
    scores, labels = case
    probs = np.exp(numpy_log_softmax(scores))
    onehot = np.eye(scores.shape[1])[labels]
    expected = (probs - onehot) / len(labels)
    np.testing.assert_allclose(analytic_gradient(F.cross_entropy, scores, labels), expected, atol=1e-12)
    assert_gradient_matches(F.cross_entropy, scores, labels)


def test_cross_entropy_is_stable_at_huge_logits():
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]])
    right = F.cross_entropy(tg.Tensor(logits), [0, 1]).item()
    wrong = F.cross_entropy(tg.Tensor(logits), np.array([1, 0])).item()
    assert right == 0.0
    assert wrong == pytest.approx(2e4)
    grad = analytic_gradient(F.cross_entropy, logits, np.array([1, 0]))
    np.testing.assert_allclose(grad, [[0.5, -0.5, 0.0], [-0.5, 0.5, 0.0]])


def test_cross_entropy_keeps_float32():
    logits = tg.Tensor(np.zeros((2, 3), dtype=np.float32), requires_grad=True)
    loss = F.cross_entropy(logits, [0, 2])
    loss.backward()
    assert loss.dtype == np.float32 and logits.grad.dtype == np.float32
    assert loss.item() == pytest.approx(np.log(3), rel=1e-6)


@pytest.mark.parametrize("labels, error, words", [
    (np.array([0.0, 1.0]), TypeError, ["cross_entropy", "integer", "float64"]),
    (tg.Tensor([0, 1]), TypeError, ["cross_entropy", "dtype=np.int64"]),
    (np.array([0, 3]), ValueError, ["cross_entropy", "[0, 3)", "(2, 3)", "[3]"]),
    (np.array([-1, 0]), ValueError, ["cross_entropy", "[0, 3)", "[-1]"]),
    (np.array([[0], [1]]), ValueError, ["cross_entropy", "(2,)", "(2, 1)"]),
    (np.array([0, 1, 2]), ValueError, ["cross_entropy", "(2,)", "(3,)"]),
])
def test_cross_entropy_rejects_bad_labels(labels, error, words):
    with pytest.raises(error) as info:
        F.cross_entropy(tg.Tensor(np.zeros((2, 3))), labels)
    for word in words:
        assert word in str(info.value)


def test_cross_entropy_accepts_integer_label_tensor_and_rejects_1d_logits():
    labels = tg.Tensor([2, 0], dtype=np.int64)
    assert F.cross_entropy(tg.Tensor(np.zeros((2, 3))), labels).item() == pytest.approx(np.log(3))
    with pytest.raises(ValueError, match=r"cross_entropy.*\(N, C\).*\(3,\)"):
        F.cross_entropy(tg.Tensor(np.zeros(3)), np.array([0]))


# ------------------------------------------------------------- binary losses
def numpy_bce(x, t):
    return np.mean(np.logaddexp(0, x) - x * t)


@given(scores_and_binary((0, 1)))
def test_binary_cross_entropy_matches_numpy_and_differences(case):
    scores, targets = case
    loss = F.binary_cross_entropy_with_logits(tg.Tensor(scores), targets)
    assert loss.item() == pytest.approx(numpy_bce(scores, targets), rel=1e-12, abs=1e-12)
    sigmoid = 1 / (1 + np.exp(-scores))
    expected = (sigmoid - targets) / scores.size
    np.testing.assert_allclose(analytic_gradient(F.binary_cross_entropy_with_logits, scores, targets),
                               expected, atol=1e-12)
    assert_gradient_matches(F.binary_cross_entropy_with_logits, scores, targets)


def test_binary_cross_entropy_is_stable_at_huge_logits_and_correct_at_zero():
    logits = np.array([1e4, -1e4, 1e4, -1e4, 0.0])
    targets = np.array([1, 0, 0, 1, 1])
    loss = F.binary_cross_entropy_with_logits(tg.Tensor(logits), targets).item()
    assert loss == pytest.approx((2e4 + np.log(2)) / 5)
    grad = analytic_gradient(F.binary_cross_entropy_with_logits, logits, targets)
    np.testing.assert_allclose(grad, np.array([0, 0, 1, -1, -0.5]) / 5)


@given(scores_and_binary((-1, 1)))
def test_hinge_loss_matches_numpy_and_differences(case):
    scores, targets = case
    assume(np.all(np.abs(1 - targets * scores) > 1e-3))  # away from the kink
    expected = np.mean(np.maximum(0, 1 - targets * scores))
    assert F.hinge_loss(tg.Tensor(scores), targets).item() == pytest.approx(expected, abs=1e-12)
    assert_gradient_matches(F.hinge_loss, scores, targets)


def test_hinge_loss_is_zero_beyond_the_margin_and_splits_the_kink():
    scores = np.array([2.0, -1e4, 1.0, 1e4])
    targets = np.array([1, -1, 1, -1])
    assert F.hinge_loss(tg.Tensor(scores), targets).item() == pytest.approx((1 + 1e4) / 4)
    grad = analytic_gradient(F.hinge_loss, scores, targets)
    np.testing.assert_allclose(grad, np.array([0, 0, -0.5, 1]) / 4)


@pytest.mark.parametrize("loss, targets, hint", [
    (F.binary_cross_entropy_with_logits, [0, 2, 1], "0 or 1"),
    (F.binary_cross_entropy_with_logits, [0, -1, 1], "(y + 1) / 2"),
    (F.hinge_loss, [0, 1, 1], "2 * y - 1"),
    (F.hinge_loss, [0.5, 1, -1], "-1 or 1"),
])
def test_binary_losses_reject_values_outside_their_label_set(loss, targets, hint):
    with pytest.raises(ValueError) as info:
        loss(tg.Tensor(np.zeros(3)), targets)
    assert loss.__name__ in str(info.value) and hint in str(info.value)


@pytest.mark.parametrize("loss", [F.binary_cross_entropy_with_logits, F.hinge_loss, F.mse_loss])
def test_losses_never_broadcast_n_against_n_by_1(loss):
    with pytest.raises(ValueError) as info:
        loss(tg.Tensor(np.zeros((4, 1))), np.ones(4))
    message = str(info.value)
    assert loss.__name__ in message and "(4,)" in message and "(4, 1)" in message


# --------------------------------------------------------- multiclass hinge
def numpy_multiclass_hinge(s, y, delta):
    correct = s[np.arange(len(y)), y][:, None]
    margins = np.maximum(0, s - correct + delta)
    margins[np.arange(len(y)), y] = 0
    return margins.sum(axis=1).mean()


@given(scores_and_labels(), st.sampled_from([0.5, 1.0, 2.0]))
def test_multiclass_hinge_matches_numpy_and_differences(case, delta):
    scores, labels = case
    correct = scores[np.arange(len(labels)), labels][:, None]
    assume(np.all(np.abs(scores - correct + delta) > 1e-3))  # away from the kinks
    expected = numpy_multiclass_hinge(scores, labels, delta)
    loss = F.multiclass_hinge_loss(tg.Tensor(scores), labels, delta=delta)
    assert loss.item() == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert_gradient_matches(lambda t, y: F.multiclass_hinge_loss(t, y, delta=delta), scores, labels)


def test_multiclass_hinge_skips_the_correct_class():
    # equal scores: every wrong class sits exactly delta inside the margin
    loss = F.multiclass_hinge_loss(tg.Tensor(np.zeros((2, 4))), [1, 3], delta=1.0)
    assert loss.item() == pytest.approx(3.0)
    scores = np.array([[1e4, -1e4, 0.0]])
    assert F.multiclass_hinge_loss(tg.Tensor(scores), [0]).item() == 0.0
    assert F.multiclass_hinge_loss(tg.Tensor(scores), [1]).item() == pytest.approx(3e4 + 2)


def test_multiclass_hinge_rejects_bad_labels():
    with pytest.raises(ValueError, match=r"multiclass_hinge_loss.*\[0, 2\)"):
        F.multiclass_hinge_loss(tg.Tensor(np.zeros((1, 2))), [2])
    with pytest.raises(TypeError, match="multiclass_hinge_loss.*integer"):
        F.multiclass_hinge_loss(tg.Tensor(np.zeros((1, 2))), [1.0])


# ------------------------------------------------------------- mse and l2
@given(arrays(np.float64, st.sampled_from([(3,), (2, 2)]), elements=finite), st.data())
def test_mse_matches_numpy_and_differences(prediction, data):
    target = data.draw(arrays(np.float64, prediction.shape, elements=finite))
    expected = np.mean((prediction - target) ** 2)
    assert F.mse_loss(tg.Tensor(prediction), target).item() == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert_gradient_matches(F.mse_loss, prediction, target)


def test_mse_gives_gradients_to_both_tensors():
    a = tg.Tensor([1.0, 2.0], requires_grad=True)
    b = tg.Tensor([3.0, 2.0], requires_grad=True)
    F.mse_loss(a, b).backward()
    np.testing.assert_allclose(a.grad, [-2.0, 0.0])
    np.testing.assert_allclose(b.grad, [2.0, 0.0])


@given(arrays(np.float64, (2, 3), elements=finite), arrays(np.float64, (3,), elements=finite))
def test_l2_penalty_is_the_plain_sum_of_squares(w, b):
    tw, tb = tg.Tensor(w, requires_grad=True), tg.Tensor(b, requires_grad=True)
    penalty = F.l2_penalty([tw, tb])
    assert penalty.item() == pytest.approx(np.sum(w ** 2) + np.sum(b ** 2), rel=1e-12, abs=1e-12)
    penalty.backward()
    np.testing.assert_allclose(tw.grad, 2 * w)   # no 1/2 in front
    np.testing.assert_allclose(tb.grad, 2 * b)


def test_l2_penalty_takes_generators_single_tensors_and_nothing():
    w = tg.Tensor([3.0, 4.0], requires_grad=True)
    assert F.l2_penalty(p for p in [w]).item() == 25.0
    assert F.l2_penalty(w).item() == 25.0
    assert F.l2_penalty([]).item() == 0.0
    with pytest.raises(TypeError, match="l2_penalty.*item 1"):
        F.l2_penalty([w, np.ones(2)])


def test_losses_reject_empty_batches():
    with pytest.raises(ValueError, match="cross_entropy.*empty"):
        F.cross_entropy(tg.Tensor(np.zeros((0, 3))), np.zeros(0, dtype=np.int64))


huge = st.one_of(st.sampled_from([-1e4, 1e4, -1e5, 1e5, 0.0]), st.floats(-1e4, 1e4, allow_nan=False))


@given(st.data())
def test_every_loss_is_finite_with_finite_gradients_at_huge_scores(data):
    n, classes = data.draw(st.integers(1, 5)), data.draw(st.integers(2, 4))
    matrix = data.draw(arrays(np.float64, (n, classes), elements=huge))
    vector = data.draw(arrays(np.float64, (n,), elements=huge))
    labels = data.draw(arrays(np.int64, (n,), elements=st.integers(0, classes - 1)))
    zero_one = data.draw(arrays(np.int64, (n,), elements=st.sampled_from([0, 1])))
    cases = [(F.cross_entropy, matrix, labels), (F.multiclass_hinge_loss, matrix, labels),
             (F.binary_cross_entropy_with_logits, vector, zero_one), (F.hinge_loss, vector, 2 * zero_one - 1)]
    for loss_fn, scores, targets in cases:
        t = tg.Tensor(scores, requires_grad=True)
        loss = loss_fn(t, targets)
        loss.backward()
        assert np.isfinite(loss.item()) and loss.item() >= 0, loss_fn.__name__
        assert np.all(np.isfinite(t.grad)), loss_fn.__name__


@given(st.data())
def test_fused_cross_entropy_equals_the_composed_log_softmax_form(data):
    n, classes = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 4))
    scores = data.draw(arrays(np.float64, (n, classes), elements=st.floats(-50, 50)))
    labels = data.draw(arrays(np.int64, (n,), elements=st.integers(0, classes - 1)))
    fused_leaf, composed_leaf = tg.Tensor(scores, requires_grad=True), tg.Tensor(scores, requires_grad=True)
    fused = F.cross_entropy(fused_leaf, labels)
    composed = -composed_leaf.log_softmax(axis=1)[np.arange(n), labels].mean()
    fused.backward()
    composed.backward()
    assert fused.grad_fn.name == "SoftmaxCrossEntropy"
    np.testing.assert_allclose(fused.data, composed.data, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fused_leaf.grad, composed_leaf.grad, rtol=1e-10, atol=1e-14)


def test_l2_penalty_is_one_node_keeps_float32_and_skips_frozen_tensors():
    w = tg.Tensor(np.float32([[1.0, -2.0]]), requires_grad=True)
    frozen = tg.Tensor(np.float32([3.0]))
    penalty = F.l2_penalty([w, frozen, w])  # w twice: counted twice, as written
    assert penalty.grad_fn.name == "SumOfSquares" and penalty.dtype == np.float32
    assert penalty.item() == 2 * 5.0 + 9.0
    penalty.backward()
    assert w.grad.dtype == np.float32 and frozen.grad is None
    np.testing.assert_array_equal(w.grad, np.float32([[4.0, -8.0]]))

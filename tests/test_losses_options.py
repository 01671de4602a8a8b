"""Every loss option against a hand computation (numpy formulas written out here), gradients against
central differences, second derivatives, float32, extreme scores, and the loss modules of ``nn``."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import functional as F, nn
from second_order import assert_second_derivative

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((5, 4))
LABELS = np.array([0, 3, 1, -100, 2])
WEIGHT = np.array([0.5, 2.0, 1.0, 1.5])
PROBS = RNG.dirichlet(np.ones(4), 5)
SOFT = RNG.uniform(0, 1, (5, 4))
PREDICTION = RNG.uniform(0.05, 0.95, (5, 4))
TARGET = RNG.standard_normal((5, 4))


def log_softmax(x):
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def value(loss):
    return loss.data if loss.ndim else loss.item()


# ------------------------------------------------------------ cross-entropy
def test_cross_entropy_with_class_weights_and_ignored_labels():
    logp = log_softmax(LOGITS)
    counted = LABELS != -100
    rows, labels = np.arange(5)[counted], LABELS[counted]
    per_sample = -WEIGHT[labels] * logp[rows, labels]
    loss = F.cross_entropy(tg.Tensor(LOGITS), LABELS, WEIGHT)
    assert loss.item() == pytest.approx(per_sample.sum() / WEIGHT[labels].sum(), rel=1e-12)
    assert F.cross_entropy(tg.Tensor(LOGITS), LABELS, WEIGHT, reduction="sum").item() == pytest.approx(
        per_sample.sum(), rel=1e-12)
    none = F.cross_entropy(tg.Tensor(LOGITS), LABELS, WEIGHT, reduction="none").data
    np.testing.assert_allclose(none[counted], per_sample, rtol=1e-12)
    assert none[3] == 0.0  # an ignored sample costs nothing


def test_cross_entropy_ignore_index_gives_ignored_rows_no_gradient_and_any_value_may_mark_them():
    x = tg.Tensor(LOGITS, requires_grad=True)
    F.cross_entropy(x, np.array([0, 3, 1, 7, 2]), ignore_index=7).backward()
    np.testing.assert_array_equal(x.grad[3], np.zeros(4))
    probs = np.exp(log_softmax(LOGITS))
    np.testing.assert_allclose(x.grad[0], (probs[0] - np.eye(4)[0]) / 4, rtol=1e-12)  # divided by the 4 counted


def test_cross_entropy_label_smoothing_mixes_in_the_uniform_target():
    eps, logp = 0.2, log_softmax(LOGITS[:3])
    labels = LABELS[:3]
    nll = -logp[np.arange(3), labels]
    uniform = -logp.sum(axis=1) / 4
    expected = ((1 - eps) * nll + eps * uniform).mean()
    assert F.cross_entropy(tg.Tensor(LOGITS[:3]), labels, label_smoothing=eps).item() == pytest.approx(expected)
    weighted = ((1 - eps) * WEIGHT[labels] * nll + eps * -(logp * WEIGHT).sum(axis=1) / 4).sum() / WEIGHT[labels].sum()
    assert F.cross_entropy(tg.Tensor(LOGITS[:3]), labels, WEIGHT, label_smoothing=eps).item() == pytest.approx(
        weighted, rel=1e-12)


def test_cross_entropy_with_class_probability_targets():
    logp = log_softmax(LOGITS)
    assert F.cross_entropy(tg.Tensor(LOGITS), PROBS).item() == pytest.approx(-(PROBS * logp).sum() / 5, rel=1e-12)
    weighted = -(PROBS * WEIGHT * logp).sum(axis=1)
    np.testing.assert_allclose(F.cross_entropy(tg.Tensor(LOGITS), PROBS, WEIGHT, reduction="none").data, weighted)
    smoothed = PROBS * 0.9 + 0.1 / 4
    assert F.cross_entropy(tg.Tensor(LOGITS), PROBS, label_smoothing=0.1).item() == pytest.approx(
        -(smoothed * logp).sum() / 5, rel=1e-12)
    onehot = np.eye(4)[[0, 3, 1, 1, 2]]  # one-hot probabilities give what the labels give
    assert F.cross_entropy(tg.Tensor(LOGITS), onehot).item() == pytest.approx(
        F.cross_entropy(tg.Tensor(LOGITS), np.array([0, 3, 1, 1, 2])).item(), rel=1e-12)


def test_class_probabilities_of_the_wrong_shape_are_a_shape_error():
    with pytest.raises(tg.ShapeError, match=r"cross_entropy: class probabilities have shape \(5, 3\) .* \(5, 4\)"):
        F.cross_entropy(tg.Tensor(LOGITS), PROBS[:, :3])


def test_nll_loss_on_log_softmax_is_cross_entropy():
    logp = tg.Tensor(LOGITS).log_softmax(axis=1)
    for options in ({}, {"weight": WEIGHT}, {"reduction": "sum"}, {"reduction": "none"}):
        np.testing.assert_allclose(value(F.nll_loss(logp, LABELS, **options)),
                                   value(F.cross_entropy(tg.Tensor(LOGITS), LABELS, **options)), rtol=1e-12)
    assert F.nll_loss(tg.Tensor([[-1.0, -2.0]]), [1]).item() == 2.0


def test_the_plain_cross_entropy_stays_one_fused_node():
    plain = F.cross_entropy(tg.Tensor(LOGITS, requires_grad=True), np.array([0, 3, 1, 1, 2]))
    assert plain.grad_fn.name == "SoftmaxCrossEntropy"
    assert F.cross_entropy(tg.Tensor(LOGITS, requires_grad=True), LABELS).grad_fn.name != "SoftmaxCrossEntropy"


def test_a_mean_over_no_counted_sample_is_an_error_and_a_sum_is_zero():
    everything_ignored = np.array([-100, -100])
    with pytest.raises(ValueError, match="cross_entropy: every sample is ignored .* reduction='sum'"):
        F.cross_entropy(tg.Tensor(np.zeros((2, 3))), everything_ignored)
    assert F.cross_entropy(tg.Tensor(np.zeros((2, 3))), everything_ignored, reduction="sum").item() == 0.0
    assert F.cross_entropy(tg.Tensor(np.zeros((0, 3))), np.zeros(0, np.int64), reduction="sum").item() == 0.0
    assert F.mse_loss(tg.Tensor(np.zeros(0)), np.zeros(0), reduction="none").shape == (0,)


# ------------------------------------------------------------ binary
def test_binary_cross_entropy_on_probabilities_with_weights():
    per_element = -(SOFT * np.log(PREDICTION) + (1 - SOFT) * np.log(1 - PREDICTION)) * WEIGHT
    loss = F.binary_cross_entropy(tg.Tensor(PREDICTION), SOFT, WEIGHT, reduction="none")
    np.testing.assert_allclose(loss.data, per_element, rtol=1e-12)
    x = tg.Tensor(PREDICTION, requires_grad=True)
    F.binary_cross_entropy(x, SOFT, WEIGHT).backward()
    np.testing.assert_allclose(x.grad, WEIGHT * (PREDICTION - SOFT) / (PREDICTION * (1 - PREDICTION)) / 20)


def test_binary_cross_entropy_clamps_its_logs_at_minus_100():
    x = tg.Tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    loss = F.binary_cross_entropy(x, [1.0, 0.0, 0.0, 1.0], reduction="none")
    loss.sum().backward()
    np.testing.assert_array_equal(loss.data, [100.0, 100.0, 0.0, 0.0])
    np.testing.assert_array_equal(x.grad, [-1e12, 1e12, 0.0, 0.0])  # (x - t) / max(x (1 - x), 1e-12)


def test_binary_cross_entropy_refuses_values_that_are_not_probabilities():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: the input must be probabilities in \[0, 1\]"):
        F.binary_cross_entropy(tg.Tensor([0.5, 1.5]), [0.0, 1.0])
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\]"):
        F.binary_cross_entropy(tg.Tensor([0.5, 0.5]), [0.0, 2.0])


def test_binary_cross_entropy_with_logits_takes_soft_targets_and_pos_weight():
    sigmoid = 1 / (1 + np.exp(-LOGITS))
    pos_weight = np.array([1.0, 3.0, 0.5, 2.0])
    expected = -(pos_weight * SOFT * np.log(sigmoid) + (1 - SOFT) * np.log(1 - sigmoid)) * WEIGHT
    loss = F.binary_cross_entropy_with_logits(tg.Tensor(LOGITS), SOFT, WEIGHT, reduction="none",
                                              pos_weight=pos_weight)
    np.testing.assert_allclose(loss.data, expected, rtol=1e-12)
    plain = F.binary_cross_entropy_with_logits(tg.Tensor(LOGITS), SOFT).item()
    assert plain == pytest.approx(np.mean(-(SOFT * np.log(sigmoid) + (1 - SOFT) * np.log(1 - sigmoid))), rel=1e-12)
    x = tg.Tensor(LOGITS, requires_grad=True)
    F.binary_cross_entropy_with_logits(x, SOFT, reduction="sum").backward()
    np.testing.assert_allclose(x.grad, sigmoid - SOFT, rtol=1e-12)


def test_binary_cross_entropy_with_logits_is_exact_at_huge_logits_with_pos_weight():
    logits = tg.Tensor([1e4, -1e4, 1e4, -1e4], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(logits, [1.0, 0.0, 0.3, 0.7], pos_weight=np.array(2.0),
                                              reduction="none")
    loss.sum().backward()
    np.testing.assert_allclose(loss.data, [0.0, 0.0, 0.7e4, 2 * 0.7e4])
    np.testing.assert_allclose(logits.grad, [0.0, 0.0, 0.7, -1.4])


# ------------------------------------------------------------ regression
def test_l1_smooth_l1_and_huber_by_hand():
    d = LOGITS - TARGET
    a = np.abs(d)
    np.testing.assert_allclose(value(F.l1_loss(tg.Tensor(LOGITS), TARGET, reduction="none")), a)
    for beta in (0.5, 2.0):
        expected = np.where(a < beta, 0.5 * d ** 2 / beta, a - 0.5 * beta)
        np.testing.assert_allclose(value(F.smooth_l1_loss(tg.Tensor(LOGITS), TARGET, reduction="none", beta=beta)),
                                   expected, rtol=1e-12)
    assert F.smooth_l1_loss(tg.Tensor(LOGITS), TARGET, beta=0.0).item() == pytest.approx(a.mean(), rel=1e-12)
    huber = np.where(a < 0.7, 0.5 * d ** 2, 0.7 * (a - 0.35))
    assert F.huber_loss(tg.Tensor(LOGITS), TARGET, delta=0.7, reduction="sum").item() == pytest.approx(huber.sum())
    assert F.mse_loss(tg.Tensor(LOGITS), TARGET, reduction="sum").item() == pytest.approx((d ** 2).sum())


def test_regression_kinks_l1_is_zero_at_equality_and_smooth_l1_is_continuous_at_beta():
    x = tg.Tensor([1.0, 2.5, 0.5], requires_grad=True)
    F.l1_loss(x, [1.0, 2.0, 1.0], reduction="sum").backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, -1.0])
    x = tg.Tensor([1.5, -1.5], requires_grad=True)  # |d| = beta exactly: both pieces have slope sign(d)
    F.smooth_l1_loss(x, [0.0, 0.0], reduction="sum", beta=1.5).backward()
    np.testing.assert_array_equal(x.grad, [1.0, -1.0])
    with pytest.raises(ValueError, match="huber_loss: delta must be a finite number > 0"):
        F.huber_loss(x, [0.0, 0.0], delta=0.0)


def test_regression_targets_may_require_grad():
    x, t = tg.Tensor([3.0], requires_grad=True), tg.Tensor([1.0], requires_grad=True)
    F.huber_loss(x, t).backward()
    assert x.grad.tolist() == [1.0] and t.grad.tolist() == [-1.0]


# ------------------------------------------------------------ kl_div
def test_kl_div_by_hand_with_zero_targets_log_targets_and_batchmean():
    log_q = log_softmax(LOGITS)
    p = PROBS.copy()
    p[0] = [0.0, 0.5, 0.5, 0.0]
    pointwise = np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0) - p * log_q
    np.testing.assert_allclose(F.kl_div(tg.Tensor(log_q), p, reduction="none").data, pointwise, rtol=1e-12)
    assert F.kl_div(tg.Tensor(log_q), p, reduction="batchmean").item() == pytest.approx(pointwise.sum() / 5)
    with pytest.warns(UserWarning, match="batchmean"):
        assert F.kl_div(tg.Tensor(log_q), p).item() == pytest.approx(pointwise.mean())
    log_p = np.log(PROBS)
    assert F.kl_div(tg.Tensor(log_q), log_p, reduction="sum", log_target=True).item() == pytest.approx(
        (PROBS * (log_p - log_q)).sum(), rel=1e-12)


# ------------------------------------------------------------ gradients
CASES = {
    "ce weight ignore": lambda t: F.cross_entropy(t, LABELS, WEIGHT),
    "ce smoothing none": lambda t: F.cross_entropy(t, LABELS, label_smoothing=0.3, reduction="none"),
    "ce probabilities": lambda t: F.cross_entropy(t, PROBS, WEIGHT, label_smoothing=0.1),
    "ce plain": lambda t: F.cross_entropy(t, np.array([0, 3, 1, 1, 2])),
    "nll": lambda t: F.nll_loss(t.log_softmax(axis=1), LABELS, WEIGHT, reduction="sum"),
    "bce": lambda t: F.binary_cross_entropy(t.sigmoid(), SOFT, WEIGHT),
    "bce logits": lambda t: F.binary_cross_entropy_with_logits(t, SOFT, WEIGHT, pos_weight=WEIGHT),
    "kl batchmean": lambda t: F.kl_div(t.log_softmax(axis=1), PROBS, reduction="batchmean"),
    "kl log target": lambda t: F.kl_div(t, np.log(PROBS), reduction="sum", log_target=True),
    "mse sum": lambda t: F.mse_loss(t, TARGET, reduction="sum"),
    "l1": lambda t: F.l1_loss(t, TARGET),
    "smooth l1": lambda t: F.smooth_l1_loss(t, TARGET, beta=0.8),
    "huber none": lambda t: F.huber_loss(t, TARGET, delta=0.8, reduction="none"),
    "hinge none": lambda t: F.hinge_loss(t, np.where(SOFT > 0.5, 1, -1), reduction="none"),
    "multiclass hinge sum": lambda t: F.multiclass_hinge_loss(t, np.array([0, 3, 1, 1, 2]), reduction="sum"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_of_every_option_pass_gradcheck(name):
    assert tg.gradcheck(CASES[name], (LOGITS,))


@settings(max_examples=3)
@given(st.sampled_from(sorted(set(CASES) - {"l1", "hinge none", "multiclass hinge sum"})),
       st.integers(0, 2 ** 16))
def test_second_derivatives_of_the_losses(name, seed):
    x = np.random.default_rng(seed).standard_normal((5, 4))
    assert_second_derivative(CASES[name], [x])


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_float32_is_kept_and_huge_scores_stay_finite_without_warnings(name, scale):
    x = tg.Tensor((LOGITS * scale).astype(np.float32), requires_grad=True)
    loss = CASES[name](x)
    loss.sum().backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    if not (name.startswith("kl log") and scale > 1):  # exp(t) (t - x) is linear in x: large, but finite
        assert np.all(np.isfinite(loss.data)) and np.all(np.isfinite(x.grad))


def test_bad_options_are_refused_by_name():
    with pytest.raises(ValueError, match="cross_entropy: reduction must be one of 'mean', 'sum', 'none'"):
        F.cross_entropy(tg.Tensor(LOGITS), LABELS, reduction="avg")
    with pytest.raises(ValueError, match=r"label_smoothing must lie in \[0, 1\]"):
        F.cross_entropy(tg.Tensor(LOGITS), LABELS, label_smoothing=1.5)
    with pytest.raises(ValueError, match="labels must lie in .* or equal ignore_index=-100, got \\[7\\]"):
        F.cross_entropy(tg.Tensor(LOGITS), np.array([0, 1, 2, 3, 7]))
    with pytest.raises(ValueError, match="class weights must be finite and non-negative"):
        F.nll_loss(tg.Tensor(LOGITS), LABELS, -WEIGHT)
    with pytest.raises(tg.ShapeError, match=r"pos_weight of shape \(3,\) does not broadcast"):
        F.binary_cross_entropy_with_logits(tg.Tensor(LOGITS), SOFT, pos_weight=np.ones(3))


# ------------------------------------------------------------ nn modules
MODULES = [
    (nn.CrossEntropyLoss(WEIGHT, ignore_index=1, reduction="sum", label_smoothing=0.1),
     lambda x: F.cross_entropy(x, LABELS.clip(0), WEIGHT, ignore_index=1, reduction="sum", label_smoothing=0.1),
     LABELS.clip(0)),
    (nn.NLLLoss(reduction="none"), lambda x: F.nll_loss(x, LABELS, reduction="none"), LABELS),
    (nn.BCELoss(WEIGHT), lambda x: F.binary_cross_entropy(x, SOFT, WEIGHT), SOFT),
    (nn.BCEWithLogitsLoss(pos_weight=WEIGHT), lambda x: F.binary_cross_entropy_with_logits(x, SOFT,
                                                                                            pos_weight=WEIGHT), SOFT),
    (nn.MSELoss("sum"), lambda x: F.mse_loss(x, TARGET, reduction="sum"), TARGET),
    (nn.L1Loss(), lambda x: F.l1_loss(x, TARGET), TARGET),
    (nn.SmoothL1Loss(beta=0.3), lambda x: F.smooth_l1_loss(x, TARGET, beta=0.3), TARGET),
    (nn.HuberLoss(delta=0.3), lambda x: F.huber_loss(x, TARGET, delta=0.3), TARGET),
    (nn.KLDivLoss(reduction="batchmean", log_target=True),
     lambda x: F.kl_div(x, np.log(PROBS), reduction="batchmean", log_target=True), np.log(PROBS)),
]


@pytest.mark.parametrize("module, function, target", MODULES, ids=lambda m: type(m).__name__)
def test_loss_modules_take_pytorchs_arguments_and_call_their_function(module, function, target):
    x = tg.Tensor(PREDICTION)
    np.testing.assert_array_equal(value(module(x, target)), value(function(x)))
    assert module.num_parameters() == 0 and type(module).__name__ in repr(module)


def test_loss_module_repr_lists_its_options():
    assert repr(nn.SmoothL1Loss(beta=0.5)) == "SmoothL1Loss(reduction='mean', beta=0.5)"

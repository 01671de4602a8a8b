"""tg.gradcheck's modes and inputs: what each mode costs (flat in the input's size), how elementwise
functions are told apart, which arguments are checked, float32 inputs, elements that cannot be checked,
and functions that return several Tensors."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import functional as F
from tinygrad_nn.checks import GradcheckPrecisionWarning
from faulty_functions import MissingTermSwish


def test_float32_inputs_warn_and_get_the_right_verdict():
    x32 = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    with pytest.warns(GradcheckPrecisionWarning, match="input 0 is float32"):
        good = tg.gradcheck(lambda t: t * t.sigmoid(), (x32,))
    assert good and good.inputs[0].dtype == np.float32
    with pytest.warns(GradcheckPrecisionWarning):
        bad = tg.gradcheck(MissingTermSwish, (x32,), raise_exception=False)
    assert not bad


def test_float32_differences_would_have_given_a_false_alarm():
    # what the float64 promotion protects from: a float32 central difference of a correct swish
    x = np.float32(0.7)
    eps = np.float32(1e-6)
    swish = lambda v: v / (np.float32(1) + np.exp(-v))
    numerical = (swish(x + eps) - swish(x - eps)) / (2 * eps)
    s = 1 / (1 + np.exp(-0.7))
    assert abs(numerical - (s + 0.7 * s * (1 - s))) > 1e-2


@pytest.mark.parametrize("side", [4, 64])
def test_elementwise_check_costs_the_same_whatever_the_size(side):
    x = np.random.default_rng(0).normal(size=(side, side))
    result = tg.gradcheck(lambda t: t * t.sigmoid(), (x,))
    assert result.inputs[0].method == "elementwise"
    # 1 for the backward, 1 to see that forward is repeatable, 2 for the check, 2 to verify elementwise
    assert result.forward_calls == 6


def test_projection_costs_the_same_whatever_the_size():
    for side in (40, 80):
        x = np.random.default_rng(1).normal(size=(side, side))
        result = tg.gradcheck(lambda t: t.softmax(axis=-1), (x,), mode="fast")
        assert result.inputs[0].method == "projection" and result.forward_calls == 6


DENSE = {
    "gram": lambda t: t @ t.T,
    "softmax": lambda t: t.softmax(axis=-1),
    "log_softmax_of_affine": lambda t: (t @ tg.Tensor(np.eye(48)[::-1] * 0.5)).log_softmax(axis=0),
    "cross_entropy": lambda t: F.cross_entropy(t, np.arange(48) % 5),
    "max": lambda t: t.max(axis=1),
    "maxout": lambda t: F.maxout(t, 3),
    "relu_of_matmul": lambda t: (t @ t.T).relu().sum(axis=0),
    "multiclass_hinge": lambda t: F.multiclass_hinge_loss(t, np.arange(48) % 7),
    "l2_penalty": lambda t: F.l2_penalty([t]),
}


@pytest.mark.parametrize("name", sorted(DENSE))
@pytest.mark.parametrize("scale", [0.01, 1.0, 100.0])
def test_projections_agree_on_correct_ops_without_falling_back(name, scale):
    # the projection's tolerance is tight, but a correct gradient agrees to rounding: no needless fallback
    x = np.random.default_rng(11).normal(size=(48, 48)) * scale
    result = tg.gradcheck(DENSE[name], (x,))
    assert result.inputs[0].method == "projection" and result.forward_calls <= 14


def test_elements_where_the_function_is_not_finite_are_not_checkable_rather_than_wrong():
    result = tg.gradcheck(lambda t: t.log(), (np.array([0.0, 4.0]),))       # log(0) = -inf
    report = result.inputs[0]
    assert result and report.not_checkable_count == 1 and report.not_checkable_indices == [(0,)]
    assert report.index == (1,) and "not checkable: 1 element(s)" in str(result)
    # a NaN sum: nothing can be checked, and a check that compared nothing does not pass
    result = tg.gradcheck(lambda t: t.sqrt().sum(), (np.array([-1.0, 4.0]),), raise_exception=False)
    assert not result and result.not_checkable_count == 2 and "could be checked" in result.message()


def test_non_elementwise_functions_are_not_taken_for_elementwise():
    x = np.random.default_rng(2).normal(size=(3, 4))
    for fn in (lambda t: t.softmax(axis=-1), lambda t: t[::-1] * 1.0, lambda t: t * t.sum()):
        result = tg.gradcheck(fn, (x,))
        assert result and result.inputs[0].method == "per-element"


def test_a_wrong_elementwise_claim_is_caught_and_reported():
    x = np.random.default_rng(3).normal(size=(3, 4))
    result = tg.gradcheck(lambda t: t.softmax(axis=-1), (x,), elementwise=True)
    report = result.inputs[0]
    assert result and report.method == "per-element"
    assert any("declared elementwise, but it is not" in note for note in report.notes)


def test_broadcast_inputs_of_elementwise_functions_are_checked_exactly():
    a, b = np.random.default_rng(4).normal(size=(5, 3)), np.array([0.3, -0.2, 1.0])
    result = tg.gradcheck(lambda a, b: (a * b).tanh(), (a, b))
    assert [r.method for r in result.inputs] == ["elementwise", "elementwise"]


def test_inputs_are_picked_by_dtype_or_by_wrt():
    labels = np.array([0, 2, 1])
    logits = np.random.default_rng(5).normal(size=(3, 3))
    result = tg.gradcheck(F.cross_entropy, (logits, labels))
    assert [r.input_index for r in result.inputs] == [0]
    result = tg.gradcheck(lambda a, b: a * b, (np.ones(3), np.arange(3.0)), wrt=1)
    assert [r.input_index for r in result.inputs] == [1]
    with pytest.raises(ValueError, match="no gradient to check"):
        tg.gradcheck(lambda i: tg.Tensor(i) * 2.0, (np.arange(3),))


def test_python_ints_and_other_arguments_are_passed_unchanged():
    x = np.random.default_rng(6).normal(size=(3, 4))
    result = tg.gradcheck(F.maxout, (x, 2))                     # pieces must stay a Python int
    assert result and [r.input_index for r in result.inputs] == [0]
    seen = []
    assert tg.gradcheck(lambda t, flag, name: seen.append((flag, name)) or t * 2.0, (x, True, "label"))
    assert set(seen) == {(True, "label")}
    result = tg.gradcheck(lambda t, s: t * s, (x, 2.5))           # a Python float is checked
    assert [r.input_index for r in result.inputs] == [0, 1]
    with pytest.raises(TypeError, match="input 1 is the int 2"):
        tg.gradcheck(lambda t, k: t * k, (x, 2), wrt=1)


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(TypeError, match="must return a Tensor"):
        tg.gradcheck(lambda t: t.data * 2, (np.ones(2),))
    with pytest.raises(ValueError, match="gradcheck: mode must be one of"):
        tg.gradcheck(lambda t: t, (np.ones(2),), mode="slow")
    with pytest.raises(ValueError, match="gradcheck: eps must be a positive number .* got 0"):
        tg.gradcheck(lambda t: t, (np.ones(2),), eps=0)
    with pytest.raises(ValueError, match="gradcheck: atol must be a number >= 0, got -1"):
        tg.gradcheck(lambda t: t, (np.ones(2),), atol=-1)


def test_a_function_returning_several_tensors_is_checked_on_all_of_them():
    # the gradient of sum_i sum(u_i * out_i): what a check of a function returning gradients needs
    a, b = np.array([1.0, 2.0, -0.5]), np.array([0.5, -1.0, 2.0])
    result = tg.gradcheck(lambda a, b: (a * b, (a + b).tanh(), a.sum()), (a, b))
    assert result and [r.input_index for r in result.inputs] == [0, 1]
    assert result.upstream.shape == (3 + 3 + 1,)


def test_a_wrong_gradient_in_one_of_several_outputs_is_caught():
    class DoubleWithoutChainRule(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad):
            return grad                                   # should be 2 * grad

    x = np.array([1.0, -2.0, 3.0])
    result = tg.gradcheck(lambda t: (t * 1.0, DoubleWithoutChainRule.apply(t)), (x,), raise_exception=False)
    report = result.inputs[0]
    assert not result and report.mismatches == 3
    u_first, u_second = result.upstream[:3], result.upstream[3:]
    np.testing.assert_allclose(report.numerical_grad, u_first + 2 * u_second, rtol=1e-6)
    np.testing.assert_allclose(report.analytic_grad, u_first + u_second, rtol=1e-12)


def test_several_outputs_must_all_be_tensors():
    with pytest.raises(TypeError, match=r"output 1 of \S*<lambda> returned ndarray"):
        tg.gradcheck(lambda t: (t * 2.0, t.data), (np.ones(2),))


def test_a_tensor_without_requires_grad_is_a_constant_once_another_requires_grad_as_in_pytorch():
    bce = lambda s, t: F.binary_cross_entropy(s.sigmoid(), t)  # noqa: E731
    scores, targets = np.array([0.3, -0.5, 1.2]), np.array([0.9, 0.2, 0.6])  # soft targets: differentiable
    only_scores = tg.gradcheck(bce, (tg.Tensor(scores, requires_grad=True), tg.Tensor(targets)))
    assert only_scores and "input 1" not in str(only_scores)
    assert tg.gradgradcheck(bce, (tg.Tensor(scores, requires_grad=True), tg.Tensor(targets)))
    both = tg.gradcheck(bce, (scores, targets))  # arrays (or Tensors none of which requires grad): all checked
    assert both and "input 1" in str(both)
    assert "input 1" in str(tg.gradcheck(bce, (tg.Tensor(scores), tg.Tensor(targets))))

"""tg.gradcheck catches a gallery of wrong backwards, at the right input and element, with both values."""

import numpy as np
import pytest
from hypothesis import given

import tinygrad_nn as tg
from tinygrad_nn import testing
from faulty_functions import (Float32Gradient, GramWithOneWrongElement, MissingTermSwish, NanAtLastElement,
                              SquareIgnoringGrad)


def test_missing_term_is_caught_where_it_matters():
    # the forgotten term x*s*(1-s) is below atol at 0, -25 and 30: only element 3 is wrong
    x = np.array([0.0, -25.0, 30.0, 3.0])
    result = tg.gradcheck(MissingTermSwish, (x,), raise_exception=False)
    assert not result
    (report,) = result.inputs
    assert report.index == (3,) and report.mismatches == 1
    s = 1 / (1 + np.exp(-3.0))
    assert report.analytic / report.numerical == pytest.approx(s / (s + 3 * s * (1 - s)), rel=1e-6)
    assert report.band == "wrong"


class WrongSignAbs(tg.Function):
    """|x| whose backward has the wrong sign on the negative branch."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.where(x > 0, 1.0, 1.0)


def test_wrong_sign_is_caught_at_the_one_negative_element():
    x = np.array([[0.5, 2.0], [-1.5, 3.0]])
    with pytest.raises(tg.GradcheckError) as caught:
        tg.gradcheck(WrongSignAbs, (x,))
    report = caught.value.result.inputs[0]
    assert report.index == (1, 0) and report.mismatches == 1
    assert report.analytic == pytest.approx(-report.numerical)
    assert "(1, 0)" in str(caught.value) and "input 0" in str(caught.value)


class BiasAddFirstRow(tg.Function):
    """x + b for a batch of rows whose backward forgot to sum the bias gradient over the batch."""

    @staticmethod
    def forward(ctx, x, b):
        return x + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad[0]


def test_missing_broadcast_reduction_is_caught_on_the_bias():
    weights = np.array([[1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    x, b = np.zeros((4, 3)), np.zeros(3)
    result = tg.gradcheck(lambda x, b: (BiasAddFirstRow.apply(x, b) * weights).sum(), (x, b),
                          raise_exception=False)
    x_report, b_report = result.inputs
    assert x_report.passed and not b_report.passed
    # true bias gradient: column sums 1, 2, 4; the bug gives row 0: 1, 1, 1 -> column 2 is worst
    assert b_report.index == (2,)
    assert (b_report.analytic, b_report.numerical) == (pytest.approx(1.0), pytest.approx(4.0))
    assert b_report.mismatches == 2


class TransposedMatMul(tg.Function):
    """a @ b whose gradient for a uses b instead of b.T."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad @ b, a.T @ grad


def test_transposed_matmul_gradient_is_caught_at_the_asymmetric_element():
    b = np.eye(3)
    b[0, 2] = 5.0                      # b is symmetric except at (0, 2)
    upstream = np.zeros((3, 3))
    upstream[1, 0] = 1.0               # only row 1 of the output matters
    result = tg.gradcheck(lambda a, b: (TransposedMatMul.apply(a, b) * upstream).sum(),
                          (np.ones((3, 3)), b), raise_exception=False)
    a_report, b_report = result.inputs
    assert not a_report.passed and b_report.passed
    assert a_report.index == (1, 2) and a_report.mismatches == 1
    assert (a_report.analytic, a_report.numerical) == (pytest.approx(5.0), pytest.approx(0.0, abs=1e-8))


def test_backward_ignoring_grad_is_caught_by_the_random_upstream_gradient():
    x = np.zeros((3, 4))
    x[2, 1] = 1.5                      # 2x = grad*2x = 0 elsewhere
    result = tg.gradcheck(lambda t: SquareIgnoringGrad.apply(t), (x,), raise_exception=False)
    assert not result and result.inputs[0].index == (2, 1) and result.inputs[0].mismatches == 1
    assert result.inputs[0].analytic == pytest.approx(3.0)


def test_wrong_gradient_dtype_is_caught_on_its_input():
    result = tg.gradcheck(Float32Gradient, (np.ones((2, 2)),), raise_exception=False)
    assert not result
    (report,) = result.inputs
    assert report.input_index == 0
    assert any("float32 gradient for input 0 of dtype float64" in problem for problem in report.problems)
    assert "float32" in result.message()


def test_backward_returning_none_or_a_bad_shape_fails_with_a_note():
    class NoGradient(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, grad):
            return None

    class BadShape(NoGradient):
        @staticmethod
        def backward(ctx, grad):
            return grad[:1]

    for function, words in ((NoGradient, "returned None"), (BadShape, "of shape (1, 2)")):
        result = tg.gradcheck(function, (np.ones((3, 2)),), raise_exception=False)
        assert not result and words in result.message()


def test_fast_mode_falls_back_to_locate_the_wrong_element():
    x = np.zeros((50, 50))
    x[17, 33] = 1.5
    result = tg.gradcheck(lambda t: SquareIgnoringGrad.apply(t).sum(axis=1), (x,), mode="fast",
                          raise_exception=False)
    report = result.inputs[0]
    assert not result and report.method == "per-element" and report.index == (17, 33)
    assert any("projection" in note for note in report.notes)


@pytest.mark.parametrize("seed", range(4))
def test_auto_mode_catches_one_element_one_percent_off_in_a_dense_input(seed):
    # 1600 elements: auto mode checks by projections; a tolerance summed over the elements let this pass
    x = np.random.default_rng(seed).normal(size=(40, 40))
    result = tg.gradcheck(GramWithOneWrongElement, (x,), raise_exception=False, seed=seed)
    report = result.inputs[0]
    assert not result and report.method == "per-element" and report.index == (7, 23)
    assert report.mismatches == 1 and any("random projection disagreed" in note for note in report.notes)


def test_a_nan_gradient_where_the_function_is_finite_still_fails():
    result = tg.gradcheck(NanAtLastElement, (np.array([0.5, 1.5, 2.5]),), raise_exception=False)
    report = result.inputs[0]
    assert not result and report.index == (2,) and report.not_checkable_count == 0
    assert "rel error inf" in result.message()


class DiagonalSoftmax(tg.Function):
    """softmax whose backward keeps only the diagonal of the Jacobian: g * s * (1 - s)."""

    @staticmethod
    def forward(ctx, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        s = e / e.sum(axis=-1, keepdims=True)
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return grad * s * (1 - s)


@given(x=testing.arrays(shape=(2, 3), max_magnitude=10.0))
def test_a_backward_that_forgot_off_diagonal_terms_is_not_excused_as_elementwise(x):
    # the all-at-once check would agree with this bug; verifying elementwise-ness must refuse it
    result = tg.gradcheck(DiagonalSoftmax, (x,), raise_exception=False)
    u = result.upstream
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    s = e / e.sum(axis=-1, keepdims=True)
    true_gradient = s * (u - (u * s).sum(axis=-1, keepdims=True))
    bug = np.abs(true_gradient - u * s * (1 - s))
    if (bug > 1e-5 + 1e-3 * np.abs(true_gradient)).any():       # the bug shows at this input
        assert not result and result.inputs[0].method == "per-element"
    assert np.allclose(result.inputs[0].numerical_grad, true_gradient, rtol=1e-4, atol=1e-7)


def test_a_random_forward_is_refused_rather_than_judged():
    rng = np.random.default_rng(0)
    noisy = lambda t: t * rng.uniform(0.9, 1.1)
    result = tg.gradcheck(noisy, (np.ones(3),), raise_exception=False)
    assert not result and "different output when called again" in result.message()

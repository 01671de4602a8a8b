"""tg.gradgradcheck: second derivatives of correct functions pass over drawn inputs; a wrong double backward
fails with the input (or grad_output) and element named; the report has one section per input and per
grad_output, kinks of the gradient named and skipped; grad_outputs given or drawn; Function subclasses,
several outputs and unused inputs; a recorded backward that differs from the plain one is caught."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn.checks import GradcheckPrecisionWarning
from tinygrad_nn.engine import ops
from tinygrad_nn.testing import arrays, broadcastable_arrays
from faulty_functions import (WRONG_SECOND_DERIVATIVES, FirstOrderSwish, SwishMissingCurvatureTerm,
                              SwishWithRightSecondDerivative, SwishWrongGradOutputFactor,
                              TanhWithWrongRecordedBackward)
from parsed_html import ParsedHTML


def swish(x):
    return x * x.sigmoid()


moderate = arrays(max_dims=2, max_side=4, min_magnitude=1e-3, max_magnitude=5.0)


# ------------------------------------------------------------------ correct functions pass
@settings(max_examples=15)
@given(x=moderate)
def test_smooth_activations_pass_and_report_the_input_and_the_grad_output(x):
    for fn in (swish, lambda t: t.tanh(), lambda t: t.sigmoid(), lambda t: (t * t).exp() * 0.1):
        result = tg.gradgradcheck(fn, (x,))
        assert result and [r.name for r in result.inputs] == ["input 0", "grad_output 0"]
        assert all(r.band == "excellent" for r in result.inputs)


@settings(max_examples=15)
@given(pair=broadcastable_arrays(2, max_dims=2, max_side=3, min_magnitude=0.5, max_magnitude=3.0))
def test_binary_ops_with_broadcasting_pass(pair):
    a, b = pair
    for fn in (lambda x, y: x * y, lambda x, y: x / (y * y + 1.0), lambda x, y: tg.maximum(x, y) * y):
        result = tg.gradgradcheck(fn, (a, b))
        assert result, str(result)
        assert [r.name for r in result.inputs] == ["input 0", "input 1", "grad_output 0"]
        assert result.inputs[2].shape == np.broadcast_shapes(a.shape, b.shape)


def test_matmul_and_softmax_pass_element_by_element():
    rng = np.random.default_rng(0)
    result = tg.gradgradcheck(lambda a, b: (a @ b).softmax(axis=1), (rng.normal(size=(3, 4)), rng.normal(size=(4, 2))))
    assert result and {r.method for r in result.inputs} == {"per-element"}


# ------------------------------------------------------------------ failures name input and element
@pytest.mark.parametrize("function", WRONG_SECOND_DERIVATIVES, ids=lambda f: f.__name__)
def test_every_wrong_double_backward_is_caught_although_its_gradient_is_right(function):
    x = (np.linspace(-2.5, 2.0, 6),)
    assert tg.gradcheck(function, x)                          # the first derivative is right...
    with pytest.raises(tg.GradcheckError) as caught:          # ...its derivative is not
        tg.gradgradcheck(function, x)
    message = str(caught.value)
    assert function.__name__ in message and "(6,) is wrong" in message
    assert not caught.value.result.passed


def test_the_message_names_the_element_and_both_values_of_the_true_and_the_wrong_curvature():
    x = np.array([-1.5, 0.5, 2.0])
    with pytest.raises(tg.GradcheckError) as caught:
        tg.gradgradcheck(SwishMissingCurvatureTerm, (x,), grad_outputs=(np.ones(3),))
    report = caught.value.result.failures[0]
    assert report.name == "input 0" and report.index is not None
    s = 1 / (1 + np.exp(-x[report.index]))
    w = caught.value.result.upstream[report.index]            # the direction the gradient was differenced along
    assert report.numerical == pytest.approx(w * s * (1 - s) * (2 + x[report.index] * (1 - 2 * s)), rel=1e-6)
    assert report.analytic == pytest.approx(w * s * (1 - s) * 2, rel=1e-6)
    assert f"analytic {report.analytic:.6g}" in str(caught.value)


def test_a_wrong_derivative_along_the_grad_output_blames_the_grad_output():
    result = tg.gradgradcheck(SwishWrongGradOutputFactor, (np.linspace(-1, 1, 4),), raise_exception=False)
    assert [r.name for r in result.failures] == ["grad_output 0"]
    assert "gradient of grad_output 0 (4,) is wrong" in result.message()
    assert result.failures[0].analytic == pytest.approx(2 * result.failures[0].numerical, rel=1e-6)


def test_a_backward_that_records_something_else_than_it_computes_is_caught():
    result = tg.gradgradcheck(TanhWithWrongRecordedBackward, (np.linspace(-2, 2, 5),), raise_exception=False)
    assert not result
    (problem,) = result.inputs[0].problems
    assert "under create_graph=True the gradient of input 0" in problem and "plain backward" in problem


# ------------------------------------------------------------------ kinks of the gradient
def test_relu_at_zero_is_a_kink_of_its_gradient_named_and_skipped():
    x = np.array([-1.0, 0.0, 2.0, 0.0])
    result = tg.gradgradcheck(lambda t: t.relu() * t, (x,))  # the gradient of x relu(x) jumps at 0
    assert result
    assert result.inputs[0].kink_indices == [(1,), (3,)]
    assert "not differentiable here: 2 element(s), skipped: (1,)" in str(result)


def test_tied_maximum_is_a_kink_of_its_gradient():
    result = tg.gradgradcheck(lambda a, b: tg.maximum(a, b) * a, (np.array([1.0, 2.0]), np.array([1.0, 0.0])))
    assert result and result.inputs[0].kink_indices == [(0,)] and result.inputs[1].kink_indices == [(0,)]


def test_a_jump_valued_at_its_midpoint_is_a_kink_at_first_order_too():
    # sign(0) = 0 lies halfway up the jump, so both one-sided differences are the same huge slope
    result = tg.gradcheck(lambda t: np.sign(t) + t, (np.array([0.0, 1.0]),))
    assert result and result.inputs[0].kink_indices == [(0,)] and result.inputs[0].kinks_outside == 0


def test_a_wrong_gradient_is_not_excused_as_a_jump():
    result = tg.gradgradcheck(SwishMissingCurvatureTerm, (np.array([0.0, 1.0]),), raise_exception=False)
    assert not result and result.kink_count == 0


def test_nudge_rechecks_kinks_off_the_kink():
    result = tg.gradgradcheck(lambda t: t.relu() * t, (np.array([0.0, 1.0]),), nudge=True)
    assert result and result.nudged is not None and result.nudged.kink_count == 0


# ------------------------------------------------------------------ grad_outputs, fn forms
def test_given_grad_outputs_are_used_and_checked():
    v = np.array([[1.0, -2.0]])
    result = tg.gradgradcheck(lambda t: t * t * t, (np.array([[0.5, 1.5]]),), grad_outputs=v)
    assert result and np.array_equal(result.grad_outputs[0], v)
    with pytest.raises(ValueError, match=r"grad_output 0 has shape \(2,\) but output 0 has shape \(1, 2\)"):
        tg.gradgradcheck(lambda t: t * t, (np.ones((1, 2)),), grad_outputs=np.ones(2))
    with pytest.raises(ValueError, match="got 2 grad_outputs for 1 output"):
        tg.gradgradcheck(lambda t: t * t, (np.ones(2),), grad_outputs=(np.ones(2), np.ones(2)))
    with pytest.raises(TypeError, match="grad_output 0 must be floating point"):
        tg.gradgradcheck(lambda t: t * t, (np.ones(2),), grad_outputs=np.ones(2, dtype=int))


def test_drawn_grad_outputs_depend_on_the_seed_only():
    first = tg.gradgradcheck(swish, (np.ones(3),), seed=3).grad_outputs[0]
    assert np.array_equal(first, tg.gradgradcheck(swish, (np.ones(3),), seed=3).grad_outputs[0])
    assert not np.array_equal(first, tg.gradgradcheck(swish, (np.ones(3),), seed=4).grad_outputs[0])


def test_a_function_subclass_is_called_through_apply_with_its_options():
    x = (np.array([-1.0, 0.5, 2.0]),)
    assert tg.gradgradcheck(SwishWithRightSecondDerivative, x)
    assert tg.gradgradcheck(ops.LeakyReLU, x, kwargs={"negative_slope": 0.2})
    with pytest.raises(TypeError, match="kwargs= is only for Function subclasses"):
        tg.gradgradcheck(swish, x, kwargs={"a": 1})


def test_several_outputs_get_one_grad_output_each():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)) + 3.0
    result = tg.gradgradcheck(lambda x, y: (x * y, (x / y).sum()), (a, b))
    assert result and [r.name for r in result.inputs] == ["input 0", "input 1", "grad_output 0", "grad_output 1"]
    assert [v.shape for v in result.grad_outputs] == [(2, 3), ()]
    wrong = tg.gradgradcheck(lambda x, y: (SwishMissingCurvatureTerm.apply(x), x * y), (a, b), raise_exception=False)
    assert [r.name for r in wrong.failures] == ["input 0"]


def test_an_unused_input_and_a_linear_function_have_zero_second_derivatives():
    result = tg.gradgradcheck(lambda x, y: x * 3.0, (np.ones(2), np.ones(2)))
    assert result and result.inputs[0].analytic == 0 and result.inputs[1].analytic == 0


def test_wrt_and_non_float_arguments_are_respected():
    result = tg.gradgradcheck(lambda x, y, k: (x * y) ** k, (np.array([1.5, 2.0]), np.array([0.5, 1.0]), 3), wrt=0)
    assert result and [r.name for r in result.inputs] == ["input 0", "grad_output 0"]


def test_fast_mode_checks_large_inputs_by_projections():
    rng = np.random.default_rng(2)
    result = tg.gradgradcheck(lambda w: (w @ w.T).tanh(), (rng.normal(size=(40, 30)) * 0.1,), mode="fast")
    assert result and result.inputs[0].method == "projection"


# ------------------------------------------------------------------ bad input and reports
def test_float32_inputs_warn_and_run_in_float64():
    with pytest.warns(GradcheckPrecisionWarning, match="gradgradcheck: input 0 is float32"):
        assert tg.gradgradcheck(swish, (np.ones(3, dtype=np.float32),))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="gradgradcheck: eps must be a positive number"):
        tg.gradgradcheck(swish, (np.ones(2),), eps=0)
    with pytest.raises(TypeError, match="gradgradcheck: .*<lambda> returned int"):
        tg.gradgradcheck(lambda x: 3, (np.ones(2),))
    with pytest.raises(ValueError, match="gradgradcheck: none of the 1 input"):
        tg.gradgradcheck(swish, (np.ones(2, dtype=int),))


def test_the_report_prints_each_input_and_grad_output_and_shows_in_jupyter():
    result = tg.gradgradcheck(lambda a, b: a * b.tanh(), (np.ones(2), np.array([0.5, -1.0])))
    text = str(result)
    assert text.startswith("gradcheck of the gradient of ") and text.splitlines()[0].count("passed") == 1
    for head in ("input 0 (2,) float64: ok", "input 1 (2,) float64: ok", "grad_output 0 (2,) float64: ok"):
        assert head in text
    parsed = ParsedHTML(result._repr_html_())
    assert "grad_output 0" in parsed.texts and "0" in parsed.texts and "1" in parsed.texts  # the input column
    assert "gradcheck of the gradient of " in parsed.text


def test_a_numpy_only_backward_raises_naming_the_function():
    assert tg.gradcheck(FirstOrderSwish, (np.ones(3),))
    with pytest.raises(tg.NotDifferentiableError, match="FirstOrderSwish.backward used ctx.saved_tensors"):
        tg.gradgradcheck(FirstOrderSwish, (np.ones(3),))


def test_it_is_exported_and_warns_nothing_for_float64():
    assert tg.gradgradcheck is tg.checks.gradgradcheck and "gradgradcheck" in tg.__all__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.gradgradcheck(swish, (np.linspace(-1, 1, 3),))


@settings(max_examples=10)
@given(st.integers(0, 2**16))
def test_seed_changes_nothing_about_the_verdict_on_a_correct_function(seed):
    assert tg.gradgradcheck(lambda x: (x * x).sum() * x, (np.array([0.3, -1.2]),), seed=seed)

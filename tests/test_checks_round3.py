"""Gradient checks against a gallery of user Functions: what a user checking their own op must be told.

A wrong backward is caught and named; a correct one passes; a check that could verify nothing does
not pass; a check that is right in float64 is not called wrong in float32 because float32 rounds the
op's own intermediate values; bad declarations are refused when the test is built.
"""

import hypothesis
import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.testing import activation_failures, check_activation

from activation_gallery import CORRECT, WRONG, elementwise

QUIET = pytest.mark.filterwarnings("ignore::tinygrad_nn.checks.GradcheckPrecisionWarning")
FEW = hypothesis.settings(max_examples=30, derandomize=True, database=None, deadline=None)


Square = elementwise("Square", lambda x: x * x, lambda x, y, g: g * 2 * x)
SquareWrongAtLargeX = elementwise("SquareWrongAtLargeX", lambda x: x * x,
                                  lambda x, y, g: g * 2 * np.where(np.abs(x) > 100, 0.5 * x, x))


# ---- inputs so large that eps is lost in their rounding ----

def test_inputs_where_eps_is_lost_raise_no_numpy_error_in_any_checker():
    x = np.array([1e12, -3e15, 2.0])                 # the suite turns numpy warnings into errors
    assert tg.gradcheck(Square, (x,), mode="exact")
    graph = tg.check_graph((Square.apply(tg.Tensor(x, requires_grad=True)) * 1.5).sum())
    assert graph, str(graph)


def test_the_report_says_eps_is_lost_in_the_rounding_of_large_inputs_not_that_they_are_not_finite():
    report = tg.gradcheck(Square, (np.array([1e12, -3e15, 2.0]),)).inputs[0]
    text = "\n".join(report.lines())
    assert report.not_checkable_count == 2
    assert "eps=1e-06 is lost in the rounding of 2 element(s)" in text and "|x| up to 3e+15" in text
    assert "not finite" not in text
    assert "rounding noise" not in text                 # the skipped elements' noise is not shown


@pytest.mark.parametrize("x, eps", [(np.array([1e12, -3e15]), 1e-6), (np.linspace(-2.0, 2.0, 4), 1e-300)],
                         ids=["huge inputs", "tiny eps"])
def test_a_check_that_could_check_no_element_does_not_pass(x, eps):
    result = tg.gradcheck(SquareWrongAtLargeX, (x,), eps=eps, raise_exception=False)
    assert not result.passed and result.inputs[0].nothing_checked
    assert not result
    message = result.message()
    assert "none of its" in message and "could be checked" in message and "larger eps" in message


def test_a_function_not_finite_at_every_element_is_not_a_pass():
    result = tg.gradcheck(lambda t: t.log(), (np.array([-1.0, -2.0]),), raise_exception=False)
    assert not result
    assert "none of its 2 element(s) could be checked" in result.message()
    assert "not finite" in result.message()
    assert tg.gradcheck(lambda t: t.log(), (np.array([-1.0, 2.0]),))      # one element checked: it passes


def test_check_graph_still_blames_no_op_for_values_that_are_not_finite_everywhere():
    x = tg.Tensor(np.array([np.inf, np.inf]), requires_grad=True)
    assert tg.check_graph((x * 2.0).sum())


def test_check_activation_with_finite_false_accepts_a_drawn_input_outside_the_domain():
    assert activation_failures(lambda t: t.log(), np.array([-1.0, -3.0]), finite=False) == []


# ---- a backward the engine refuses in float32 ----

LeakyReturningFloat64 = elementwise("LeakyReturningFloat64", lambda x: np.where(x > 0, x, 0.01 * x),
                                    lambda x, y, g: g * np.where(x > 0, 1.0, 0.01))     # float64 for float32 x


@QUIET
def test_a_problem_only_report_shows_the_worst_element_not_a_wrong_one():
    report = tg.gradcheck(LeakyReturningFloat64, (np.linspace(-1, 1, 4).astype(np.float32),),
                          raise_exception=False).inputs[0]
    assert not report.passed and report.mismatches == 0
    text = "\n".join(report.lines())
    assert "worst element" in text and "wrong element" not in text
    assert "returned a float64 gradient for input 0 of dtype float32" in text


def test_check_activation_reports_the_engine_refusing_a_float32_backward_with_the_report():
    with pytest.raises(AssertionError) as caught:
        check_activation(LeakyReturningFloat64, dtype=np.float32, settings=FEW)()
    message = str(caught.value)
    assert "the gradient does not match" in message                      # the gradcheck report is kept
    assert "run through the engine, raised TypeError" in message and "expected float32" in message


# ---- bad declarations and options: refused when the test is built, naming the option ----

@pytest.mark.parametrize("options, error, words", [
    (dict(monotone="up"), ValueError, "monotone must be None, 'increasing' or 'decreasing'"),
    (dict(bounded=1), ValueError, "bounded must be a pair"),
    (dict(bounded=(1,)), ValueError, "bounded must be a pair"),
    (dict(bounded=("a", None)), ValueError, "bounded must be a pair"),
    (dict(bounded=(1, -1)), ValueError, "needs low <= high"),
    (dict(finite="no"), TypeError, "finite must be True or False"),
    (dict(odd="yes"), TypeError, "odd must be True or False"),
    (dict(zero_at_zero=2), TypeError, "zero_at_zero must be True or False"),
    (dict(eps=0), ValueError, "check_activation: eps must be a positive number"),
    (dict(rtol=-1), ValueError, "check_activation: rtol must be a number >= 0"),
    (dict(order=True), ValueError, "order must be 1"),
    (dict(settings=3), TypeError, "settings must be a hypothesis.settings"),
    (dict(shape="a"), ValueError, "shape must be None"),
])
def test_check_activation_refuses_a_bad_declaration_at_once(options, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        check_activation(lambda t: t.tanh(), **options)


def test_activation_failures_refuses_a_negative_tolerance():
    with pytest.raises(ValueError, match="tolerance must be a finite number >= 0"):
        activation_failures(lambda t: t.tanh(), np.ones(2), tolerance=-1)


def test_the_checks_refuse_bools_where_they_take_numbers():
    x = np.linspace(-1.0, 1.0, 3)
    with pytest.raises(TypeError, match="wrt must be input positions"):
        tg.gradcheck(lambda t: t.tanh(), (x,), wrt=True)
    with pytest.raises(TypeError, match="gradgradcheck: raise_exception must be True or False"):
        tg.gradgradcheck(lambda t: t.tanh(), (x,), raise_exception=2)
    with pytest.raises(ValueError, match="check_graph: order must be 1"):
        tg.check_graph(tg.Tensor(x, requires_grad=True).tanh().sum(), order=True)


# ---- float32: what the dtype's rounding of the op's own values explains is not a bug ----

Sin100 = elementwise("Sin100", lambda x: np.sin(100 * x), lambda x, y, g: g * 100 * np.cos(100 * x))
Sin100WrongInFloat32 = elementwise(
    "Sin100WrongInFloat32", lambda x: np.sin(100 * x),
    lambda x, y, g: g * (100 if x.dtype == np.float64 else 97) * np.cos(100 * x))


@QUIET
def test_a_correct_op_whose_float32_values_round_coarsely_passes_in_float32():
    for x in (831.9432373046875, -307.5780029296875, 940.63916015625):    # 100 x rounds by up to 0.004
        assert tg.gradcheck(Sin100, (np.array([x], dtype=np.float32),))
    check_activation(Sin100, dtype=np.float32, settings=FEW)()


@QUIET
def test_an_op_wrong_by_three_percent_only_in_float32_still_fails_in_float32():
    x = np.array([831.9432373046875, -307.5780029296875, 0.5], dtype=np.float32)
    message = tg.gradcheck(Sin100WrongInFloat32, (x,), raise_exception=False).message()
    assert "run in float32 (the input's dtype) the backward gives" in message


class ScaleShift(tg.Function):
    """x * w + b for a batch of rows x; the backward of w is wrong by 10% in float32 only."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        return x * w + b

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        grad_w = (grad * x).sum(axis=0)
        if grad.dtype == np.float32:
            grad_w = grad_w * np.float32(1.1)
        return grad * w, grad_w, grad.sum(axis=0)


class ScaleShiftLayer(tg.nn.Module):
    def __init__(self, dtype):
        super().__init__()
        self.weight = tg.Tensor(np.linspace(0.5, 1.5, 4).astype(dtype), requires_grad=True)
        self.bias = tg.Tensor(np.zeros(4, dtype=dtype), requires_grad=True)

    def forward(self, x):
        return ScaleShift.apply(x, self.weight, self.bias)


@QUIET
def test_check_graph_finds_a_parameter_gradient_wrong_only_in_float32():
    x = tg.Tensor(np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32))
    model = tg.nn.Sequential(ScaleShiftLayer(np.float32), tg.nn.Tanh())
    assert tg.gradcheck(model, (x,))                 # the parameters are held constant there: not seen
    result = tg.check_graph((model(x) * model(x)).mean())
    assert not result
    failure = result.failures[0]
    assert failure.function_name == "ScaleShift" and failure.input_index == 1 and failure.module_path == "0"
    assert "run in float32 (the input's dtype) the backward gives" in failure.message
    model64, x64 = tg.nn.Sequential(ScaleShiftLayer(np.float64), tg.nn.Tanh()), tg.Tensor(x.data.astype(np.float64))
    assert tg.check_graph((model64(x64) * model64(x64)).mean())                            # right in float64


@QUIET
def test_check_graph_passes_a_correct_float32_model():
    rng = np.random.default_rng(1)
    x = tg.Tensor(rng.normal(size=(6, 3)).astype(np.float32))
    net = tg.nn.MLP([3, 8, 8, 2], rng=rng)
    net.load_state_dict({k: v.astype(np.float32) for k, v in net.state_dict().items()})
    result = tg.check_graph(tg.functional.cross_entropy(net(x), np.array([0, 1, 1, 0, 1, 0])))
    assert result, str(result)


# ---- the gallery: every checker on every wrong and every correct activation ----


GALLERY_INPUTS = (np.linspace(-3.0, 3.0, 7), np.array([-200.0, -30.0, -1.5, 0.3, 25.0, 150.0]),
                  np.random.default_rng(5).normal(size=(3, 4)) * 3)


@QUIET
@pytest.mark.parametrize("function, dtype", WRONG, ids=[f.__name__ for f, _ in WRONG])
def test_every_checker_catches_every_wrong_backward_of_the_gallery(function, dtype):
    inputs = [x.astype(dtype) for x in GALLERY_INPUTS]
    with np.errstate(all="ignore"):                                 # log|x| at 0 in the forward itself
        assert not all(tg.gradcheck(function, (x,), raise_exception=False) for x in inputs)
        assert not all(tg.gradcheck(lambda t: function.apply(t), (x,), raise_exception=False) for x in inputs)
        assert not all(tg.check_graph((function.apply(tg.Tensor(x, requires_grad=True)) * 1.5).sum())
                       for x in inputs)
    with pytest.raises(AssertionError, match="does not match"):
        check_activation(function, dtype=dtype, settings=FEW)()


@QUIET
@pytest.mark.parametrize("function", CORRECT, ids=[f.__name__ for f in CORRECT])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_checker_passes_every_correct_backward_of_the_gallery(function, dtype):
    if dtype == np.float32 and function.__name__ == "Leaky":      # its backward returns float64: a real problem
        pytest.skip("returns a float64 gradient for float32 inputs")
    for x in GALLERY_INPUTS:
        x = x.astype(dtype)
        assert tg.gradcheck(function, (x,)) and tg.gradcheck(lambda t: function.apply(t), (x,))
        assert tg.check_graph((function.apply(tg.Tensor(x, requires_grad=True)) * 1.5).sum())
    check_activation(function, dtype=dtype, settings=FEW)()

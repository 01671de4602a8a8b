"""Second-order checks of whole graphs and of activations: check_graph(order=2) names the node whose backward
is not correctly differentiable (op, module path, input, element), and check_activation(order=2) fails on
every wrong double backward over drawn inputs; correct models and activations pass both."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import functional as F
from tinygrad_nn.testing import activation_failures, check_activation
from faulty_functions import WRONG_SECOND_DERIVATIVES, FirstOrderSwish, SwishWithRightSecondDerivative
from parsed_html import ParsedHTML


class Activation(tg.nn.Module):
    """A module around a custom Function, so check_graph can name its module path."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def forward(self, x):
        return self.function.apply(x)


def model_loss(function):
    rng = np.random.default_rng(0)
    net = tg.nn.Sequential(tg.nn.Linear(3, 4, rng=rng), tg.nn.Tanh(), tg.nn.Linear(4, 4, rng=rng),
                           Activation(function), tg.nn.Linear(4, 2, rng=rng))
    x = tg.Tensor(rng.normal(size=(5, 3)))
    return F.cross_entropy(net(x), np.array([0, 1, 1, 0, 1])) + 0.01 * F.l2_penalty(net.parameters())


# ------------------------------------------------------------------ check_graph(order=2)
def test_a_correct_model_passes_to_second_order_with_a_line_per_node():
    result = tg.check_graph(model_loss(SwishWithRightSecondDerivative), order=2)
    assert result, str(result)
    lines = str(result).splitlines()[1:]
    assert len(lines) == len(result.checks)
    checked = [c for c in result.checks if c.result is not None]
    assert all(c.second is not None and c.second.passed for c in checked)
    assert all("second derivative: worst rel error" in line for line in lines if line.lstrip().startswith("ok"))


@pytest.mark.parametrize("function", WRONG_SECOND_DERIVATIVES, ids=lambda f: f.__name__)
def test_the_node_whose_backward_is_not_correctly_differentiable_is_named(function):
    loss = model_loss(function)
    assert tg.check_graph(loss)                    # every backward is right to first order...
    result = tg.check_graph(loss, order=2)         # ...one of them differentiates wrongly
    assert not result
    assert {f.function_name for f in result.failures} == {function.__name__}
    failure = result.failures[0]
    assert failure.order == 2 and failure.module_path == "3"
    assert f"{function.__name__} (node " in failure.message and "second derivative" in failure.message
    with pytest.raises(tg.GradcheckError, match=function.__name__):
        tg.check_graph(loss, order=2, raise_exception=True)


def test_a_backward_that_cannot_be_recorded_is_blamed_with_its_error():
    result = tg.check_graph(model_loss(FirstOrderSwish), order=2)
    (failure,) = result.failures
    assert failure.function_name == "FirstOrderSwish" and failure.order == 2
    assert "NotDifferentiableError" in failure.message
    assert "save only the inputs and the output" in failure.message.lower()
    assert "differentiating its backward raised NotDifferentiableError" in str(result)


def test_order_two_shows_in_jupyter_and_order_must_be_one_or_two():
    result = tg.check_graph(model_loss(WRONG_SECOND_DERIVATIVES[0]), order=2)
    text = ParsedHTML(result._repr_html_()).text
    assert "second derivative, input 0" in text and text.count("second derivative, ") == len(result.checks)
    with pytest.raises(ValueError, match="check_graph: order must be 1"):
        tg.check_graph(model_loss(SwishWithRightSecondDerivative), order=3)


def test_order_one_is_the_default_and_runs_no_second_order_check():
    result = tg.check_graph(model_loss(WRONG_SECOND_DERIVATIVES[0]))
    assert result and all(c.second is None for c in result.checks)


# ------------------------------------------------------------------ check_activation(order=2)
def swish(x):
    return x * x.sigmoid()


test_swish_to_second_order = check_activation(swish, order=2, max_examples=20)
test_tanh_to_second_order = check_activation(lambda x: x.tanh(), order=2, max_examples=20, odd=True)
test_relu_to_second_order = check_activation(lambda x: x.relu(), order=2, max_examples=20)  # kink at 0 skipped
test_right_double_backward = check_activation(SwishWithRightSecondDerivative, order=2, max_examples=20)


@pytest.mark.parametrize("function", WRONG_SECOND_DERIVATIVES, ids=lambda f: f.__name__)
def test_check_activation_of_order_two_catches_every_wrong_double_backward(function):
    assert not activation_failures(function, np.linspace(-2, 2, 5))           # order 1 sees nothing wrong
    with pytest.raises(AssertionError, match="the second derivative does not match"):
        check_activation(function, order=2, max_examples=20)()


def test_check_activation_reports_a_backward_that_cannot_be_differentiated():
    problems = activation_failures(FirstOrderSwish, np.linspace(-2, 2, 5), order=2)
    assert len(problems) == 1 and "NotDifferentiableError: FirstOrderSwish.backward" in problems[0]
    with pytest.raises(ValueError, match="order must be 1"):
        check_activation(swish, order=0)


"""Wrong backwards that used to pass gradcheck, and the reports that now name them.

Each Function below is wrong in a way a right answer in one check hides: a loss whose backward
ignores ``grad`` (right while it is the last op), a backward wrong only in float32, arrays changed
in place (inputs, ``grad``, the saved output, a reused buffer). Each is checked both as a
``Function`` class and through the engine, and the report must name the input and what is wrong.
"""

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.checks import GradcheckPrecisionWarning
from tinygrad_nn.testing import check_activation


def as_callable(function):
    return lambda *tensors: function.apply(*tensors)


BOTH_WAYS = pytest.mark.parametrize("way", ["class", "callable"])


def checked(function, inputs, way, **options):
    fn = function if way == "class" else as_callable(function)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GradcheckPrecisionWarning)
        return tg.gradcheck(fn, inputs, raise_exception=False, **options)


class SumOfSquaresIgnoringGrad(tg.Function):
    """sum(x**2) whose backward returns 2x, not grad * 2x: right only as the last op."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x * x).sum()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x


class SumOfSquares(SumOfSquaresIgnoringGrad):
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x


@BOTH_WAYS
@pytest.mark.parametrize("x", [np.linspace(-1.0, 1.0, 5), np.array(0.7)], ids=["vector", "0-d"])
def test_a_loss_whose_backward_ignores_grad_fails(way, x):
    result = checked(SumOfSquaresIgnoringGrad, (x,), way)
    assert not result
    assert "does not scale with the upstream gradient" in result.message()
    assert "input 0" in result.message()
    assert checked(SumOfSquares, (x,), way)                # the same loss, right, passes


class CubeSlopeIgnoringUpstream(tg.Function):
    """(x, g) -> 3 g x**2, whose backward ignores its own upstream gradient."""

    @staticmethod
    def forward(ctx, x, g):
        ctx.save_for_backward(x, g)
        return 3 * g * x * x

    @staticmethod
    def backward(ctx, upstream):
        x, g = ctx.saved_tensors
        return 6 * g * x, 3 * x * x


class CubeViaSlope(tg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return CubeSlopeIgnoringUpstream.apply(x, grad)


def test_a_double_backward_ignoring_its_upstream_fails_at_a_0d_input():
    x = np.array(0.8)
    assert tg.gradcheck(CubeViaSlope, (x,))
    result = tg.gradgradcheck(CubeViaSlope, (x,), raise_exception=False)
    assert not result and "does not scale with the upstream gradient" in result.message()


def square_backward(name, body):
    """x**2 with the backward ``body(ctx, grad)``: grad * 2x, or almost."""
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x
    return type(name, (tg.Function,), {"forward": staticmethod(forward), "backward": staticmethod(body)})


def forgets_2_in_float32(ctx, grad):
    (x,) = ctx.saved_tensors
    return grad * x if x.dtype == np.float32 else grad * 2 * x


SquareWrongInFloat32 = square_backward("SquareWrongInFloat32", forgets_2_in_float32)


@BOTH_WAYS
def test_a_backward_wrong_only_in_float32_fails_on_float32_inputs(way):
    x = np.linspace(-2.0, 2.0, 6)
    assert checked(SquareWrongInFloat32, (x,), way)        # float64: right
    result = checked(SquareWrongInFloat32, (x.astype(np.float32),), way)
    assert not result
    message = result.message()
    assert "run in float32" in message and "input 0" in message and "at element (" in message


def test_check_activation_in_float32_finds_a_float32_only_bug():
    with pytest.raises(AssertionError, match="run in float32"):
        check_activation(SquareWrongInFloat32, dtype=np.float32, max_examples=5)()


@pytest.mark.parametrize("fn", [lambda t: t * t.sigmoid(), lambda t: t.exp(), lambda t: t.relu(),
                                lambda t: tg.functional.log_softmax(t, axis=-1)],
                         ids=["swish", "exp (overflows in float32)", "relu (kink)", "log_softmax"])
def test_correct_functions_in_float32_pass(fn):
    x = np.array([-100.0, -3.0, 0.0, 0.5, 95.0], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GradcheckPrecisionWarning)
        assert tg.gradcheck(fn, (x,))


def writes_into_grad(ctx, grad):
    (x,) = ctx.saved_tensors
    return np.multiply(grad, 2 * x, out=grad)            # the right value, in grad's memory


def writes_into_saved_input(ctx, grad):
    (x,) = ctx.saved_tensors
    x *= 2 * grad
    return x


class ReluInPlace(tg.Function):
    """relu that overwrites its input (the caller's tensor would change)."""

    @staticmethod
    def forward(ctx, x):
        mask = x > 0
        ctx.save_for_backward(mask)
        return np.maximum(x, 0.0, out=x)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return grad * mask


class ExpScalingItsOutput(tg.Function):
    """exp whose backward multiplies the saved output by grad in place."""

    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        out *= grad
        return out


class SquareWithWorkspace(tg.Function):
    """x**2 that keeps 2x in a buffer reused between calls and returns that buffer as the gradient."""

    buffers = {}

    @staticmethod
    def forward(ctx, x):
        buffer = SquareWithWorkspace.buffers.setdefault(x.shape, np.empty_like(x))
        np.multiply(x, 2.0, out=buffer)
        ctx.buffer = buffer
        return x * x

    @staticmethod
    def backward(ctx, grad):
        return np.multiply(grad, ctx.buffer, out=ctx.buffer)


WRITES_INTO_GRAD = square_backward("WritesIntoGrad", writes_into_grad)
WRITES_INTO_SAVED_INPUT = square_backward("WritesIntoSavedInput", writes_into_saved_input)


@BOTH_WAYS
@pytest.mark.parametrize("function, expected", [
    (WRITES_INTO_GRAD, "changed its grad argument in place"),
    (WRITES_INTO_SAVED_INPUT, "changed input 0 in place"),
    (ReluInPlace, "changed input 0 in place"),
    (ExpScalingItsOutput, "changed the output"),
    (SquareWithWorkspace, "changed the gradient it returned for input 0 in place"),
], ids=["grad", "saved input", "forward's input", "saved output", "reused buffer"])
def test_an_array_changed_in_place_is_named(way, function, expected):
    if function in (WRITES_INTO_GRAD, WRITES_INTO_SAVED_INPUT, ReluInPlace):
        # a Function defined outside the library gets read-only arrays: the write itself is refused
        # (see test_custom_function.py); the check names the rest
        with pytest.raises(ValueError, match=rf"{function.__name__}\.(forward|backward) wrote into"):
            checked(function, (np.array([-1.5, -0.5, 0.25, 2.0]),), way)
        return
    result = checked(function, (np.array([-1.5, -0.5, 0.25, 2.0]),), way)
    assert not result
    message = result.message()
    assert expected in message and "element (0,)" in message, message


def test_the_callers_input_tensor_and_constants_are_left_alone():
    x = tg.Tensor(np.array([-1.0, 0.5, 2.0]), requires_grad=True)
    b = tg.Tensor(np.array([2.0, 3.0, 4.0]), requires_grad=True)
    assert tg.gradcheck(lambda x, b: x * b, (x, b), wrt=0)
    assert x.grad is None and b.grad is None


class MatmulDoublingWeightGrad(tg.Function):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x @ w

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        return grad @ w.T, 2 * (x.T @ grad)


class Layer(tg.nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = tg.Tensor(np.random.default_rng(0).normal(size=(3, 2)), requires_grad=True)

    def forward(self, x):
        return MatmulDoublingWeightGrad.apply(x, self.weight)


def test_a_module_check_says_its_parameters_were_held_constant_and_check_graph_finds_them():
    layer = Layer()
    x = np.random.default_rng(1).normal(size=(4, 3))
    result = tg.gradcheck(layer, (x,))                       # the input's gradient is right
    assert "weight (3, 2)" in str(result) and "check_graph" in str(result)
    assert layer.weight.grad is None
    graph = tg.check_graph(layer(tg.Tensor(x)))
    assert not graph and graph.failures[0].input_index == 1


def test_integer_inputs_are_refused_naming_their_dtype():
    with pytest.raises(ValueError, match=r"input 0 is of dtype int64.*x.astype\(float\)"):
        tg.gradcheck(lambda a: a * 2, (np.arange(4, dtype=np.int64),))


def returns_float64(ctx, grad):
    (x,) = ctx.saved_tensors
    return (2.0 * grad * x).astype(np.float64)  # whatever the input's dtype


SquareReturningFloat64 = square_backward("SquareReturningFloat64", returns_float64)


def test_a_backward_the_engine_refuses_in_float32_is_a_reported_problem_not_a_traceback():
    result = checked(lambda t: SquareReturningFloat64.apply(t), (np.array([1.0, 2.0], dtype=np.float32),),
                     "class")
    assert not result
    assert "run in float32 (the input's dtype) the backward failed" in result.message()
    assert "returned a gradient of dtype float64" in result.message()

"""Custom Functions and create_graph: a backward written with operators and dispatching numpy functions,
saving only inputs and output, is twice (and three times) differentiable; a backward that works on raw
numpy arrays never gives a silently wrong or zero second derivative: NotDifferentiableError names the
Function and the fix, whichever way the backward left the graph."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import autograd
from second_order import assert_second_derivative, assert_third_derivative


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def swish_slope(x):
    s = sigmoid(x)
    return s + x * s * (1.0 - s)


class Swish(tg.Function):
    """The documented twice-differentiable form: save the input, recompute s in backward."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * sigmoid(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * swish_slope(x)


class Scale(tg.Function):
    """a * x with a scale option stored on ctx (an option, not an array: fine)."""

    @staticmethod
    def forward(ctx, x, w, scale=1.0):
        ctx.save_for_backward(x, w)
        ctx.scale = scale
        return scale * x * w

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        return ctx.scale * grad * w, ctx.scale * grad * x


def test_a_backward_of_operators_and_dispatching_numpy_functions_differentiates_twice_and_three_times():
    x = np.linspace(-2.0, 2.0, 5)
    assert_second_derivative(Swish.apply, [x])
    assert_third_derivative(Swish.apply, [x])
    assert tg.gradgradcheck(Swish, (x,))


def test_options_on_ctx_and_two_inputs_are_fine_with_either_input_constant():
    x, w = np.array([0.5, -1.0]), np.array([2.0, 3.0])
    for wrt in ([0, 1], [0], [1]):
        assert_second_derivative(lambda a, b: Scale.apply(a, b, scale=1.5) ** 2, [x, w], wrt=wrt)


# ------------------------------------------------------------------ numpy-only backwards are refused
def second_derivative(function, x=np.array([0.3, -1.2, 2.0])):
    """d/dx of the gradient of sum(f(x)**2): the upstream gradient of f depends on x too."""
    t = tg.Tensor(x.copy(), requires_grad=True)
    (g,) = autograd.grad((function.apply(t) ** 2).sum(), t, create_graph=True)
    (h,) = autograd.grad(g.sum(), t)
    return h


def make(name, backward, forward=None):
    def save_input(ctx, x):
        ctx.save_for_backward(x)
        return x * sigmoid(x)

    return type(name, (tg.Function,), {"forward": staticmethod(forward or save_input),
                                       "backward": staticmethod(backward)})


def save_sigmoid(ctx, x):
    s = sigmoid(x)
    ctx.save_for_backward(x, s)
    return x * s


def keep_sigmoid_on_ctx(ctx, x):
    ctx.save_for_backward(x)
    ctx.s = sigmoid(x)
    return x * ctx.s


def saved_sigmoid_backward(ctx, grad):
    x, s = ctx.saved_tensors
    return grad * (s + x * s * (1.0 - s))


def ctx_sigmoid_backward(ctx, grad):
    (x,) = ctx.saved_tensors
    return grad * (ctx.s + x * ctx.s * (1.0 - ctx.s))


NUMPY_ONLY = [
    # (Function, what the message says)
    (make("ReturnsArray", lambda ctx, grad: np.array(grad, copy=True) * 2.0, lambda ctx, x: 2.0 * x),
     "turned a Tensor into a numpy array"),
    (make("ArrayOfGrad", lambda ctx, grad: np.asarray(grad) * swish_slope(ctx.saved_tensors[0])),
     "turned a Tensor into a numpy array"),
    (make("ArrayOfInput", lambda ctx, grad: grad * swish_slope(np.asarray(ctx.saved_tensors[0]))),
     "turned a Tensor into a numpy array"),
    (make("SavedIntermediate", saved_sigmoid_backward, save_sigmoid), "used ctx.saved_tensors[1]"),
    (make("IntermediateOnCtx", ctx_sigmoid_backward, keep_sigmoid_on_ctx), "used ctx.s"),
    (make("CopyOfInput", lambda ctx, grad: grad * swish_slope(np.array(ctx.saved_tensors[0], copy=True))),
     "turned a Tensor into a numpy array"),
]


@pytest.mark.parametrize("function, says", NUMPY_ONLY, ids=[f.__name__ for f, _ in NUMPY_ONLY])
def test_a_numpy_only_backward_is_right_to_first_order(function, says):
    assert tg.gradcheck(function, (np.linspace(-2.0, 2.0, 4),))


@pytest.mark.parametrize("function, says", NUMPY_ONLY, ids=[f.__name__ for f, _ in NUMPY_ONLY])
def test_a_numpy_only_backward_under_create_graph_raises_naming_the_function_and_the_fix(function, says):
    with pytest.raises(tg.NotDifferentiableError) as caught:
        second_derivative(function)
    message = str(caught.value)
    assert message.startswith(f"{function.__name__}.backward") and says in message
    assert "docs/higher_order.md" in message


@pytest.mark.parametrize("function, says", NUMPY_ONLY, ids=[f.__name__ for f, _ in NUMPY_ONLY])
def test_hessians_and_hvps_through_a_numpy_only_backward_raise_instead_of_giving_zeros(function, says):
    x = tg.Tensor(np.array([0.3, -1.2]))
    with pytest.raises(tg.NotDifferentiableError, match=function.__name__):
        autograd.hessian(lambda t: (function.apply(t) ** 2).sum(), x)
    with pytest.raises(tg.NotDifferentiableError, match=function.__name__):
        autograd.hvp(lambda t: (function.apply(t) ** 2).sum(), x, tg.Tensor(np.ones(2)))


def test_an_array_returned_under_create_graph_is_refused_even_where_it_holds_the_right_values():
    returns_array = NUMPY_ONLY[0][0]                 # at the root its grad is a constant: no conversion refused
    t = tg.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(tg.NotDifferentiableError, match="ReturnsArray.backward returned a ndarray for input 0"):
        autograd.grad(returns_array.apply(t).sum(), t, create_graph=True)


def test_backward_with_create_graph_false_is_unaffected():
    for function, _ in NUMPY_ONLY:
        t = tg.Tensor(np.array([0.5, -0.5]), requires_grad=True)
        (function.apply(t) ** 2).sum().backward()
        assert t.grad is not None and np.isfinite(t.grad).all()


# ------------------------------------------------------------------ subtler ways to cut the graph: refused too


def cache_in_tuple(ctx, x):
    ctx.save_for_backward(x)
    ctx.cache = (sigmoid(x),)
    return x * ctx.cache[0]


def tuple_backward(ctx, grad):
    (x,) = ctx.saved_tensors
    (s,) = ctx.cache
    return grad * (s + x * s * (1.0 - s))


def save_list(ctx, x):
    ctx.save_for_backward(x, [sigmoid(x)])
    return x * sigmoid(x)


def list_backward(ctx, grad):
    x, (s,) = ctx.saved_tensors
    return grad * (s + x * s * (1.0 - s))


def norm_on_ctx(ctx, x):
    ctx.save_for_backward(x)
    ctx.norm = np.sqrt(np.sum(x * x))               # a numpy float64 scalar, not an array
    return x * sigmoid(x) / ctx.norm


def norm_backward(ctx, grad):
    (x,) = ctx.saved_tensors
    return grad * swish_slope(x) / ctx.norm - x / ctx.norm ** 3 * np.sum(grad * x * sigmoid(x))


def normalize(ctx, x):
    ctx.save_for_backward(x)
    return x / np.sqrt(np.sum(x * x))


def float_of_input(ctx, grad):
    (x,) = ctx.saved_tensors
    norm = float(np.sqrt(np.sum(x * x)))             # a Python number read from the input
    return grad / norm - x * np.sum(grad * x) / norm ** 3


def data_of_input(ctx, grad):
    (x,) = ctx.saved_tensors
    values = x.data if isinstance(x, tg.Tensor) else x
    return grad * swish_slope(values)


def undispatched(ctx, grad):
    (x,) = ctx.saved_tensors
    s = np.exp(-np.logaddexp(0.0, -x))              # np.logaddexp has no op
    return grad * (s + x * s * (1.0 - s))


HOLES = [
    (make("CacheInTupleOnCtx", tuple_backward, cache_in_tuple), "a float array inside a tuple stored on ctx"),
    (make("SavedList", list_backward, save_list), "a float array inside a list given to save_for_backward"),
    (make("NumpyScalarOnCtx", norm_backward, norm_on_ctx), "a numpy float64 computed in forward, on ctx"),
    (make("FloatOfInput", float_of_input, normalize), "float() of an input Tensor inside a recorded backward"),
    (make("DataOfInput", data_of_input), "x.data of an input Tensor inside a recorded backward"),
]


@pytest.mark.parametrize("function, how", HOLES, ids=[f.__name__ for f, _ in HOLES])
def test_the_hole_functions_are_right_to_first_order(function, how):
    assert tg.gradcheck(function, (np.linspace(-2.0, 2.0, 4),))


@pytest.mark.parametrize("function, how", HOLES, ids=[f.__name__ for f, _ in HOLES])
def test_a_backward_that_cuts_the_graph_in_these_ways_raises_too(function, how):
    with pytest.raises(tg.NotDifferentiableError, match=function.__name__):
        second_derivative(function)


def test_a_numpy_function_without_an_op_in_a_recorded_backward_names_the_function():
    function = make("UsesLogaddexp", undispatched)
    assert tg.gradcheck(function, (np.linspace(-2.0, 2.0, 4),))
    with pytest.raises(tg.NotDifferentiableError, match="UsesLogaddexp.backward"):
        second_derivative(function)

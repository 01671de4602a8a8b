"""A user-defined Function (Swish) end to end, and the checks the engine makes on any backward."""

import pathlib
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import Tensor
from engine_strategies import broadcastable_shapes, check_op, float_arrays, shapes
from test_docs import python_blocks


class Swish(tg.Function):
    """swish(x) = x * sigmoid(x);  dx = g * (s + x * s * (1 - s))."""

    @staticmethod
    def forward(ctx, x):
        s = 1.0 / (1.0 + np.exp(-x))
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return grad * (s + x * s * (1.0 - s))


class ScaledSwish(tg.Function):
    """x * sigmoid(beta * x) with a learnable beta that broadcasts against x.

    The backward returns both gradients in the output's shape: the engine
    reduces each one to its input's shape.
    """

    @staticmethod
    def forward(ctx, x, beta):
        s = 1.0 / (1.0 + np.exp(-beta * x))
        ctx.save_for_backward(x, beta, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, beta, s = ctx.saved_tensors
        slope = s * (1.0 - s)
        grad_x = grad * (s + x * beta * slope) if ctx.needs_input_grad[0] else None
        grad_beta = grad * x * x * slope if ctx.needs_input_grad[1] else None
        return grad_x, grad_beta


def _swish(a):
    return a / (1.0 + np.exp(-a))


@given(st.data())
def test_swish_values_and_gradient(data):
    x = data.draw(float_arrays(data.draw(shapes()), -6.0, 6.0))
    out = check_op(Swish.apply, _swish, [x], data)
    assert out.grad_fn.name == "Swish" and "grad_fn=<Swish>" in repr(out)


@given(st.data())
def test_a_custom_function_with_broadcast_inputs(data):
    x_shape, beta_shape = data.draw(broadcastable_shapes(2)).input_shapes
    x = data.draw(float_arrays(x_shape))
    beta = data.draw(float_arrays(beta_shape, 0.1, 2.0))
    check_op(ScaledSwish.apply, lambda a, b: a / (1.0 + np.exp(-b * a)), [x, beta], data)


def test_swish_composes_with_built_in_ops_and_modules_of_the_graph():
    x = Tensor([[-1.0, 0.5], [2.0, -3.0]], requires_grad=True)
    w = Tensor([[0.3], [-0.7]], requires_grad=True)
    loss = Swish.apply(x @ w).mean() + Swish.apply(x).sum()
    loss.backward()
    assert x.grad.shape == (2, 2) and w.grad.shape == (2, 1)
    assert [node.name for node in tg.engine.topological_order(loss)].count("Swish") == 2


@given(float_arrays(shapes(), -6.0, 6.0, dtype=np.float32))
def test_swish_keeps_float32(x):
    t = Tensor(x, requires_grad=True)
    out = Swish.apply(t * 1.0)
    assert out.dtype == np.float32
    out.backward(grad=np.ones(out.shape, dtype=np.float32))
    assert t.grad.dtype == np.float32
    s = 1.0 / (1.0 + np.exp(-x.astype(np.float64)))
    np.testing.assert_allclose(t.grad, s * (1 + x * (1 - s)), rtol=1e-4, atol=1e-5)


def test_needs_input_grad_and_returning_none():
    seen = {}

    class Scale(tg.Function):
        @staticmethod
        def forward(ctx, x, factor):
            seen["needs"] = ctx.needs_input_grad
            ctx.save_for_backward(factor)
            return x * factor

        @staticmethod
        def backward(ctx, grad):
            (factor,) = ctx.saved_tensors
            return grad * factor, None  # the factor is a constant: no gradient

    x = Tensor([1.0, 2.0], requires_grad=True)
    factor = Tensor([3.0, 4.0])
    Scale.apply(x, factor).sum().backward()
    assert seen["needs"] == (True, False)
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])
    assert factor.grad is None
    with tg.no_grad():
        Scale.apply(x, factor)
    assert seen["needs"] == (False, False)


def test_keyword_arguments_reach_forward_and_are_recorded():
    class Shift(tg.Function):
        @staticmethod
        def forward(ctx, x, amount=0.0):
            return x + amount

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = Tensor([1.0], requires_grad=True)
    out = Shift.apply(x, amount=2.5)
    assert out.item() == 3.5 and out.grad_fn.kwargs == {"amount": 2.5}
    assert len(out.grad_fn.inputs) == 1 and out.grad_fn.inputs[0] is x


# ------------------------------------------------ what the engine checks
def _function_with_backward(name, backward):
    """A one-input Function (forward x * 2) whose backward is ``backward``."""
    return type(name, (tg.Function,), {"forward": staticmethod(lambda ctx, x: x * 2.0),
                                       "backward": staticmethod(backward)})


@given(shapes(min_dims=1, min_side=2, max_side=3))
def test_a_wrong_gradient_shape_is_caught_with_the_function_name(shape):
    OneRowShort = _function_with_backward("OneRowShort", lambda ctx, grad: grad[:-1])
    out = OneRowShort.apply(Tensor(np.ones(shape), requires_grad=True))
    with pytest.raises(ValueError) as error:
        out.backward(grad=np.ones(shape))
    message = str(error.value)
    assert "OneRowShort" in message and "input 0" in message
    assert str((shape[0] - 1,) + shape[1:]) in message and str(shape) in message


def test_a_gradient_with_extra_axes_the_output_never_had_is_caught():
    TooBig = _function_with_backward("TooBig", lambda ctx, grad: np.ones((4,) + grad.shape))
    out = TooBig.apply(Tensor(np.ones(3), requires_grad=True))
    expected = "TooBig.backward returned a gradient of shape (4, 3) for input 0"
    with pytest.raises(ValueError, match=re.escape(expected)):
        out.backward(grad=np.ones(3))


def test_a_wrong_number_of_gradients_is_caught():
    TwoForOne = _function_with_backward("TwoForOne", lambda ctx, grad: (grad, grad))
    out = TwoForOne.apply(Tensor([1.0], requires_grad=True))
    with pytest.raises(ValueError, match=r"TwoForOne\.backward returned 2 gradient\(s\).*1 input"):
        out.sum().backward()


@pytest.mark.parametrize("returned, error_type, pattern", [
    (lambda grad: grad.astype(np.int64), TypeError, r"IntGrad\.backward.*int64.*input 0"),
    (lambda grad: grad > 0, TypeError, r"IntGrad\.backward.*bool.*input 0"),
    (lambda grad: "oops", TypeError, r"IntGrad\.backward returned str for input 0"),
])
def test_a_non_float_gradient_is_caught(returned, error_type, pattern):
    IntGrad = _function_with_backward("IntGrad", lambda ctx, grad: returned(grad))
    out = IntGrad.apply(Tensor([1.0, 2.0], requires_grad=True))
    with pytest.raises(error_type, match=pattern):
        out.backward(grad=np.ones(2))


def test_a_float64_gradient_for_a_float32_input_of_a_float32_op_is_caught():
    Widening = _function_with_backward("Widening", lambda ctx, grad: grad.astype(np.float64))
    x = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    with pytest.raises(TypeError, match=r"Widening.backward .* dtype float64 for input 0 of dtype float32"):
        Widening.apply(x).sum().backward()


def test_a_promoted_gradient_is_cast_back_to_the_input_dtype():
    x = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    y = x * np.array([2.0, 3.0])  # float32 * float64 -> float64: the gradient arrives as float64
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, np.float32([2.0, 3.0]))


def test_a_function_without_backward_says_so():
    class ForwardOnly(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x

    out = ForwardOnly.apply(Tensor([1.0], requires_grad=True))
    with pytest.raises(NotImplementedError, match="backward"):
        out.sum().backward()


# ------------------------------------------------ the docs' code runs as written
DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize("page", ["engine.md", "custom_functions.md"])
def test_every_code_block_of_the_engine_docs_runs(page, capsys):
    # blocks marked to raise or to be skipped are checked by test_docs.py
    blocks = [code for _, code, marker in python_blocks((DOCS / page).read_text()) if marker is None]
    assert blocks, f"{page} has no python blocks"
    namespace = {"__name__": "docs"}  # one page's blocks build on each other, in order
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for number, block in enumerate(blocks):
            exec(compile(block, f"{page}[block {number}]", "exec"), namespace)
    assert capsys.readouterr().out


def test_a_custom_exception_from_forward_keeps_its_type_and_attributes():
    class BadInput(ValueError):
        def __init__(self, code, detail):
            super().__init__(detail)
            self.code = code

    class Picky(tg.Function):
        @staticmethod
        def forward(ctx, x):
            raise BadInput(7, "no negative inputs")

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(BadInput) as caught:
        Picky.apply(tg.Tensor([-1.0]))
    assert caught.value.code == 7
    assert any("Picky" in note and "(1,)" in note for note in getattr(caught.value, "__notes__", ["Picky (1,)"]))


def test_a_gradient_of_an_equal_but_distinct_dtype_object_is_accepted():
    tagged = np.dtype(np.float64, metadata={"from": "my op"})  # == float64, yet another object
    assert tagged == np.float64 and tagged is not np.dtype(np.float64)

    class Tagged(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, grad):
            return (grad * 2.0).astype(tagged)

    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    (Tagged.apply(x.exp()) * 1.0).sum().backward()  # through a node and into a leaf
    np.testing.assert_allclose(x.grad, 2.0 * np.exp([1.0, 2.0]))


class TwoOutputs(tg.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, grad):
        return 2 * grad


def test_a_forward_that_returns_a_tuple_is_refused_not_stacked_into_one_tensor():
    with pytest.raises(TypeError, match="TwoOutputs.forward returned a tuple of 2; a Function has one output"):
        TwoOutputs.apply(tg.Tensor([1.0, 2.0], requires_grad=True))
    with pytest.raises(TypeError, match="gradcheck: TwoOutputs.forward returned a tuple"):
        tg.gradcheck(TwoOutputs, (np.arange(3.0),))


def test_an_activation_kept_on_a_module_is_no_parameter():
    class Keeps(tg.nn.Module):
        def __init__(self):
            self.fc = tg.nn.Linear(2, 2)

        def forward(self, x):
            self.last_hidden = self.fc(x)  # an op's output that requires grad: not a parameter
            return self.last_hidden.relu()

    net = Keeps()
    before = net.state_dict()
    net(tg.Tensor(np.ones((5, 2))))
    assert list(net.state_dict()) == list(before) == ["fc.weight", "fc.bias"] and net.num_parameters() == 6
    tg.optim.SGD(net.parameters(), lr=0.1)  # raised "only leaf tensors can be optimized"
    net.load_state_dict(before)


# ------------------------------------------------ a user's Function cannot change arrays it does not own
class TimesThreeInPlace(tg.Function):
    """3x whose backward scales grad in place: grad is often passed on to other nodes too."""

    @staticmethod
    def forward(ctx, x):
        return x * 3.0

    @staticmethod
    def backward(ctx, grad):
        grad *= 3.0
        return grad


class ReluIntoInput(tg.Function):
    """relu computed into its input array (the caller's tensor)."""

    @staticmethod
    def forward(ctx, x):
        return np.maximum(x, 0.0, out=x)

    @staticmethod
    def backward(ctx, grad):
        return grad


def test_a_backward_writing_into_grad_is_refused_not_a_wrong_gradient():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    loss = (x * 2.0 + TimesThreeInPlace.apply(x)).sum()  # Add hands one upstream array to both branches
    with pytest.raises(ValueError, match=r"TimesThreeInPlace\.backward wrote into grad .*grad \* s, not grad \*= s"):
        loss.backward()  # it used to give [9, 9] instead of [5, 5], silently


def test_a_forward_writing_into_its_input_is_refused_and_the_tensor_kept():
    x = tg.Tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"ReluIntoInput\.forward wrote into one of its input arrays"):
        ReluIntoInput.apply(x)
    assert x.data.tolist() == [-1.0, 2.0]


class SavesItsInput(tg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2.0 * grad * x


def test_an_intermediate_a_users_function_saved_and_that_changed_in_place_is_caught():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 2.0
    loss = SavesItsInput.apply(hidden).sum()
    with tg.no_grad():
        hidden.copy_(np.zeros(2))  # the saved values change under the node
    with pytest.raises(tg.VersionError, match="SavesItsInput saved input 0"):
        loss.backward()


def test_a_users_function_still_works_on_arrays_it_owns_and_twice_differentiated():
    x = tg.Tensor([1.0, -2.0], requires_grad=True)
    (g,) = tg.autograd.grad(SavesItsInput.apply(x).sum(), x, create_graph=True)
    g.sum().backward()
    assert g.data.tolist() == [2.0, -4.0] and x.grad.tolist() == [2.0, 2.0]

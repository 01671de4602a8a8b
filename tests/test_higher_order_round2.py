"""Higher-order gradients from a PyTorch user's side, second round: what ``autograd.grad`` says about the
output it cannot start from, ``check_graph`` on a model with dropout (to both orders), a Tensor given to a
Function as an option, and the figures docs/higher_order.md states about the spiral net. The tests of the
first four sections fail without their fixes; the last section keeps an agreement checked against
PyTorch."""

import pathlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import autograd, nn
from tinygrad_nn.engine import ops
from tinygrad_nn.engine.graph import recompute

DOCS = pathlib.Path(__file__).parent.parent / "docs"


# ------------------------------------------------------------------ autograd.grad names the output and grad_outputs
def test_a_non_scalar_output_without_grad_output_is_refused_in_grads_own_words():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad: output 1 has shape \(2,\).*its grad_outputs entry") as error:
        autograd.grad([(x ** 2).sum(), x ** 3], x, [None, None])
    assert "grad=" not in str(error.value)  # that is Tensor.backward's argument, not grad's
    with pytest.raises(RuntimeError, match=r"grad: the output has shape \(2,\).*grad_outputs"):
        autograd.grad(x ** 3, x)


def test_an_output_that_does_not_require_grad_is_named_among_several():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    constant = tg.Tensor([1.0, 2.0]).sum()
    with pytest.raises(RuntimeError, match="grad: output 1 does not require grad"):
        autograd.grad([(x ** 2).sum(), constant], x)


def test_the_outputs_grad_accepts_are_unchanged():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    (g,) = autograd.grad([(x ** 2).sum(), x ** 3], x, [None, tg.Tensor([1.0, 1.0])])
    assert g.data.tolist() == [5.0, 16.0]  # 2x + 3x**2
    (leaf,) = autograd.grad(x, x, tg.Tensor([1.0, 3.0]))  # an output that is the input itself
    assert leaf.data.tolist() == [1.0, 3.0]


# ------------------------------------------------------------------ check_graph of a model with dropout
def dropout_model(p=0.5):
    rng = np.random.default_rng(0)
    x = tg.Tensor(rng.standard_normal((4, 3)))
    net = nn.Sequential(nn.Linear(3, 5, rng=rng), nn.Tanh(), nn.Dropout(p, rng=1), nn.Linear(5, 2, rng=rng))
    return net, tg.functional.cross_entropy(net(x), np.array([0, 1, 1, 0]))


@pytest.mark.parametrize("order", [1, 2])
def test_check_graph_passes_a_correct_model_with_dropout_to_both_orders(order):
    _, loss = dropout_model()
    result = tg.check_graph(loss, order=order)
    assert result, str(result)
    (check,) = [c for c in result.checks if c.node.function is ops.Dropout]
    assert check.result is not None and check.result.passed  # checked, not skipped
    if order == 2:
        assert check.second is not None and check.second.passed


def test_check_graph_still_finds_a_wrong_dropout_backward(monkeypatch):
    def unscaled(ctx, grad):  # forgets the 1 / (1 - p) of inverted dropout
        (keep,) = ctx.saved_tensors
        return grad * keep.astype(grad.dtype)

    _, loss = dropout_model()
    monkeypatch.setattr(ops.Dropout, "backward", staticmethod(unscaled))
    result = tg.check_graph(loss)
    (failure,) = result.failures
    assert failure.function_name == "Dropout" and "different output" not in failure.message  # a wrong gradient


def test_recomputed_values_after_dropout_are_the_ones_the_forward_saw():
    generator = np.random.default_rng(3)
    x = tg.Tensor(np.ones((2, 8)), requires_grad=True)
    y = ops.Dropout.apply(x, p=0.5, rng=generator)
    state = generator.bit_generator.state
    assert np.array_equal(recompute(y * 2)[y.grad_fn], y.data)
    assert generator.bit_generator.state == state


# ------------------------------------------------------------------ a Tensor given to a Function as an option
class ScaledBy(tg.Function):
    """x * w with w given as an option (the mistake: options are constants, Tensors go positionally)."""

    @staticmethod
    def forward(ctx, x, w=None):
        ctx.save_for_backward(x)
        ctx.w = w
        return x * w

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.w


def test_a_tensor_given_positionally_gets_its_gradient():
    class Product(tg.Function):
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x, w)
            return x * w

        @staticmethod
        def backward(ctx, grad):
            x, w = ctx.saved_tensors
            return grad * w, grad * x

    x, w = tg.Tensor([1.0, 1.0], requires_grad=True), tg.Tensor([2.0, 3.0], requires_grad=True)
    Product.apply(x, w).sum().backward()
    assert w.grad.tolist() == [1.0, 1.0]


def test_a_tensor_that_requires_grad_given_as_an_option_is_refused_naming_the_function():
    x, w = tg.Tensor([1.0, 1.0], requires_grad=True), tg.Tensor([2.0, 3.0], requires_grad=True)
    with pytest.raises(TypeError, match="ScaledBy.apply: option w is a Tensor that requires grad"):
        ScaledBy.apply(x, w=w).sum().backward()


# ------------------------------------------------------------------ the docs' figures
def test_the_spiral_nets_hessian_has_the_size_the_docs_state():
    net = nn.MLP([2, 100, 3])
    count = sum(p.size for p in net.parameters())
    assert count == 603
    assert f"{count} x {count}" in (DOCS / "higher_order.md").read_text()
    performance = (DOCS / "performance.md").read_text()
    assert f"({count} numbers)" in performance and f"{count} x {count} Hessian" in performance


# ------------------------------------------------------------------ agreements with PyTorch, kept
@settings(max_examples=20, deadline=None)
@given(x=st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=4).map(np.array),
       create_graph=st.booleans())
def test_jvp_is_the_hessian_column_product_and_vjp_its_row_product(x, create_graph):
    """jvp(grad f, v) = H v = vjp(grad f, v) for a symmetric H, with and without create_graph."""
    f = lambda t: (t.sin() * t.sum()).sum()  # noqa: E731  (a dense, non-diagonal Hessian)
    gradient = lambda t: autograd.grad(f(t), t, create_graph=True)[0]  # noqa: E731
    v = tg.Tensor(np.linspace(-1.0, 1.0, x.size))
    hessian = autograd.hessian(f, tg.Tensor(x)).data
    _, column = autograd.jvp(gradient, tg.Tensor(x), v, create_graph=create_graph)
    _, row = autograd.vjp(gradient, tg.Tensor(x), v, create_graph=create_graph)
    _, product = autograd.hvp(f, tg.Tensor(x), v, create_graph=create_graph)
    for result in (column, row, product):
        np.testing.assert_allclose(result.data, hessian @ v.data, rtol=1e-10, atol=1e-12)

"""Higher-order edge cases that once gave a silently wrong derivative or a misleading error: two inputs on
one array, the same tensor given twice to the functional API, powers at base 0, constant array options,
arrays hidden in an object on ctx, compiled functions under create_graph, and PyTorch's spellings."""

import types
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import autograd


def nth_derivative(f, x0, order):
    """d^order f / dx^order at the scalar x0, by differentiating the recorded gradient again and again."""
    x = tg.Tensor(float(x0), requires_grad=True)
    y = f(x)
    for _ in range(order):
        (y,) = autograd.grad(y, x, create_graph=True)
    return float(y.item())


# ------------------------------------------------------------------ two inputs on one array
def test_a_tensor_times_its_own_detached_copy_has_no_second_derivative_through_the_copy():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    (g,) = autograd.grad((x * x.detach()).sum(), x, create_graph=True)
    assert g.data.tolist() == [1.0, 2.0] and not g.requires_grad  # d/dx of x * c is c, a constant


def test_two_leaves_on_one_array_keep_their_own_partial_derivatives():
    a = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = a.detach().requires_grad_()
    ga, gb = autograd.grad((a * b * b).sum(), [a, b], create_graph=True)
    daa, dab = autograd.grad(ga.sum(), [a, b], allow_unused=True)
    assert daa is None and dab.data.tolist() == [2.0, 4.0]  # ga = b*b: d/da 0, d/db 2b


def test_two_tensors_made_from_one_numpy_array_are_two_inputs():
    init = np.array([[1.0, 2.0], [3.0, 4.0]])
    A, B = tg.Tensor(init, requires_grad=True), tg.Tensor(init, requires_grad=True)
    (gA,) = autograd.grad(((A @ B) ** 2).sum(), A, create_graph=True)
    (hA,) = autograd.grad(gA.sum(), A)
    a, b = tg.Tensor(init.copy(), requires_grad=True), tg.Tensor(init.copy(), requires_grad=True)
    (ga,) = autograd.grad(((a @ b) ** 2).sum(), a, create_graph=True)
    (ha,) = autograd.grad(ga.sum(), a)
    np.testing.assert_allclose(hA.data, ha.data)  # shared memory changes nothing
    np.testing.assert_allclose(ha.data.ravel(), [32, 72, 32, 72])


# ------------------------------------------------------------------ the same tensor twice in the functional API
def test_hessian_of_two_slots_given_the_same_tensor_is_the_matrix_of_partials():
    t = tg.Tensor([1.0, 2.0])
    (haa, hab), (hba, hbb) = autograd.hessian(lambda a, b: (a * b * b).sum(), (t, t))
    np.testing.assert_allclose(haa.data, 0)
    np.testing.assert_allclose(hab.data, np.diag([2.0, 4.0]))  # 2b
    np.testing.assert_allclose(hbb.data, np.diag([2.0, 4.0]))  # 2a


@pytest.mark.parametrize("create_graph", [False, True])
def test_jacobian_and_vjp_of_the_same_tensor_twice_are_partials(create_graph):
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    ja, jb = autograd.jacobian(lambda a, b: a * b * b, (x, x), create_graph=create_graph)
    np.testing.assert_allclose(ja.data, np.diag([1.0, 4.0]))   # b*b
    np.testing.assert_allclose(jb.data, np.diag([2.0, 8.0]))   # 2ab
    _, (va, vb) = autograd.vjp(lambda a, b: a * b * b, (x, x), tg.Tensor([1.0, 1.0]), create_graph=create_graph)
    assert va.data.tolist() == [1.0, 4.0] and vb.data.tolist() == [2.0, 8.0]


def test_a_jacobian_with_create_graph_stays_connected_to_the_callers_tensor():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    (j,) = (autograd.jacobian(lambda a: a ** 3, (x,), create_graph=True))
    (d,) = autograd.grad(j.sum(), x)  # d/dx of sum(diag(3x^2)) = 6x
    assert d.data.tolist() == [6.0, 12.0]


# ------------------------------------------------------------------ powers at base 0, any order
@settings(max_examples=30, deadline=None)
@given(k=st.integers(0, 4), order=st.integers(1, 4))
def test_every_derivative_of_an_integer_power_at_zero_is_its_limit_without_warnings(k, order):
    expected = float(np.prod(np.arange(k, k - order, -1))) if order == k else 0.0  # k!/(k-n)! 0^(k-n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nth_derivative(lambda t: t ** k, 0.0, order) == expected


def test_the_hessian_of_a_polynomial_at_zero_is_finite():
    poly = lambda t: sum(t ** k for k in range(4))  # noqa: E731
    assert autograd.hessian(poly, tg.Tensor(0.0)).item() == 2.0
    assert nth_derivative(lambda t: t ** 1.0 * t, 0.0, 3) == 0.0


def test_zero_to_a_tensor_power_differentiated_twice_gives_no_warning():
    x = tg.Tensor([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (g,) = autograd.grad((0.0 ** x).sum(), x, create_graph=True)
        assert g.data.tolist() == [-np.inf, -np.inf, 0, 0, 0, 0]
        g.sum().backward()
    assert np.all(x.grad[2:] == 0)


# ------------------------------------------------------------------ custom Functions
class Scaled(tg.Function):
    """w * x * x with ``w`` an array option stored on ctx: a constant, so twice differentiable."""

    @staticmethod
    def forward(ctx, x, w=None):
        ctx.save_for_backward(x)
        ctx.w = w
        return w * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * ctx.w * x * grad


def test_an_array_option_stored_on_ctx_is_a_constant_under_create_graph():
    w = np.array([1.0, 2.0, 3.0])
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = autograd.grad(Scaled.apply(x, w=w).sum(), x, create_graph=True)
    (h,) = autograd.grad(g.sum(), x)
    assert h.data.tolist() == [2.0, 4.0, 6.0]
    assert tg.gradgradcheck(lambda t: Scaled.apply(t, w=w), (np.array([0.5, -1.0, 2.0]),))


class CachedSwish(tg.Function):
    """A first-order-only swish that hides its sigmoid in an object on ctx."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        s = 1 / (1 + np.exp(-x))
        ctx.cache = types.SimpleNamespace(s=s, note="kept")
        return x * s

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = ctx.cache.s
        return grad * (s + x * s * (1 - s))


def test_an_array_hidden_in_an_object_on_ctx_is_refused_under_create_graph():
    assert tg.gradcheck(CachedSwish, (np.linspace(-2, 2, 5),))  # first order is right
    x = tg.Tensor([-1.0, 0.5, 2.0], requires_grad=True)
    with pytest.raises(tg.NotDifferentiableError, match="CachedSwish.backward used ctx.cache.s under create_graph"):
        autograd.grad(CachedSwish.apply(x).sum(), x, create_graph=True)


def test_a_compiled_function_under_create_graph_says_it_is_differentiable_once():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    step = tg.compile(lambda t: (t.tanh() * t).sum())
    step(x).backward()  # first order works
    with pytest.raises(tg.NotDifferentiableError, match="a compiled function is differentiable once.*not compiled"):
        autograd.grad(step(x), x, create_graph=True)


# ------------------------------------------------------------------ PyTorch's spellings
def test_backward_takes_pytorchs_gradient_keyword():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(gradient=np.array([1.0, 0.5]))
    assert x.grad.tolist() == [2.0, 2.0]
    with pytest.raises(TypeError, match="both grad and gradient"):
        (x * x).backward(np.ones(2), gradient=np.ones(2))


def test_autograd_backward_sums_the_gradients_of_several_tensors():
    w = tg.Tensor([3.0, 4.0], requires_grad=True)
    autograd.backward([(w * w).sum(), w * 2], [None, np.array([1.0, 1.0])])
    assert w.grad.tolist() == [8.0, 10.0]
    with pytest.raises(ValueError, match="got 1 grad_tensors for 2 tensors"):
        autograd.backward([w.sum(), w.sum()], [None])
    with pytest.raises(TypeError, match="item 0 is a list"):
        autograd.backward([[1.0]])


def test_materialized_zeros_under_create_graph_can_be_differentiated_as_pytorchs():
    x, unused = tg.Tensor([1.0, 2.0], requires_grad=True), tg.Tensor([1.0, 2.0], requires_grad=True)
    _, zeros = autograd.grad((x * x).sum(), [x, unused], materialize_grads=True, create_graph=True)
    assert zeros.requires_grad and zeros.data.tolist() == [0.0, 0.0]
    _, plain = autograd.grad((x * x).sum(), [x, unused], materialize_grads=True)
    assert not plain.requires_grad


def test_the_gradient_of_a_0d_intermediate_is_a_writable_0d_array():
    x = tg.Tensor(2.0, requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y * y).backward()  # two gradients of y added: numpy would make a float64 scalar of them
    assert type(y.grad) is np.ndarray and y.grad.shape == () and y.grad.flags.writeable
    (r,) = autograd.grad((x * 3) * (x * 3), x)
    assert type(r.data) is np.ndarray and r.data.shape == ()
    (q,) = autograd.grad(y * y, y)
    q += 1
    assert q.item() == 13.0

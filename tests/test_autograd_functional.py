"""``autograd.vjp``, ``jvp``, ``jacobian``, ``hessian``, ``hvp`` and ``vhp``: values against central
differences over hypothesis-drawn inputs, the shapes and nesting of their results (PyTorch's), ``strict``,
``create_graph``, and agreement with ``torch.autograd.functional`` where PyTorch is importable."""

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_nn as tg
from tinygrad_nn import autograd


def smooth(x, y):
    """Two outputs of two inputs, each depending on both: x * sum(y) + tanh(x) and sin(x) * y[0] + sum(y**2)."""
    return x * y.sum() + x.tanh(), x.sin() * y[0] + (y * y).sum()


def scalar(x, y):
    """A scalar function of two inputs with a dense Hessian."""
    return (x.tanh() * y.sum()).sum() + ((x ** 3).sum() * y[0].exp())


def numerical_jacobian(f, arrays, index, eps=1e-6):
    """d f(arrays) / d arrays[index] by central differences, shape f's output shape + the input's shape."""
    base = arrays[index]
    columns = []
    for flat in range(base.size):
        shifted = []
        for sign in (1, -1):
            moved = [a.copy() for a in arrays]
            moved[index].reshape(-1)[flat] += sign * eps
            shifted.append(np.asarray(f(*moved), dtype=np.float64))
        columns.append((shifted[0] - shifted[1]) / (2 * eps))
    out_shape = columns[0].shape
    return np.stack(columns, axis=-1).reshape(out_shape + base.shape)


def values(f, which=None):
    """``f`` on numpy arrays (through Tensors), returning output ``which`` (or the only one) as an array."""
    def run(*arrays):
        result = f(*[tg.Tensor(a) for a in arrays])
        if which is not None:
            result = result[which]
        return result.data
    return run


pairs = st.integers(1, 3).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float64, (n,), elements=st.floats(-1.5, 1.5)),
    hnp.arrays(np.float64, (2,), elements=st.floats(-1.0, 1.0)),
    hnp.arrays(np.float64, (n,), elements=st.floats(-1.0, 1.0)),
    hnp.arrays(np.float64, (2,), elements=st.floats(-1.0, 1.0))))


# ------------------------------------------------------------------ values
@given(pairs)
def test_jacobian_is_the_matrix_of_central_differences(drawn):
    x, y = drawn[0], drawn[1]
    blocks = autograd.jacobian(smooth, (tg.Tensor(x), tg.Tensor(y)))
    assert isinstance(blocks, tuple) and all(isinstance(row, tuple) and len(row) == 2 for row in blocks)
    for out in range(2):
        for inp in range(2):
            expected = numerical_jacobian(values(smooth, out), [x, y], inp)
            assert blocks[out][inp].shape == expected.shape
            assert np.allclose(blocks[out][inp].data, expected, rtol=1e-6, atol=1e-7)


@given(pairs)
def test_vjp_and_jvp_are_products_with_the_jacobian(drawn):
    x, y, vx, vy = drawn
    jac = autograd.jacobian(smooth, (tg.Tensor(x), tg.Tensor(y)))
    u = (tg.Tensor(np.cos(np.arange(x.size))), tg.Tensor(np.linspace(-2.0, 0.5, x.size)))  # one per output
    outputs, vjps = autograd.vjp(smooth, (tg.Tensor(x), tg.Tensor(y)), u)
    assert np.allclose(outputs[0].data, smooth(tg.Tensor(x), tg.Tensor(y))[0].data)
    for inp in range(2):
        expected = sum(np.tensordot(u[out].data, jac[out][inp].data, axes=1) for out in range(2))
        assert np.allclose(vjps[inp].data, expected, rtol=1e-12, atol=1e-12)
    _, jvps = autograd.jvp(smooth, (tg.Tensor(x), tg.Tensor(y)), (tg.Tensor(vx), tg.Tensor(vy)))
    for out in range(2):
        expected = jac[out][0].data @ vx + jac[out][1].data @ vy
        assert np.allclose(jvps[out].data, expected, rtol=1e-12, atol=1e-12)


@given(pairs)
def test_hessian_is_the_jacobian_of_the_gradient_and_hvp_its_product(drawn):
    x, y, vx, vy = drawn
    blocks = autograd.hessian(scalar, (tg.Tensor(x), tg.Tensor(y)))
    for row in range(2):
        def gradient_of_row(*arrays, row=row):  # d scalar / d input[row], by the engine's first derivative
            ts = [tg.Tensor(a, requires_grad=True) for a in arrays]
            return autograd.grad(scalar(*ts), ts[row])[0].data
        for col in range(2):
            expected = numerical_jacobian(gradient_of_row, [x, y], col)
            assert blocks[row][col].shape == (x, y)[row].shape + (x, y)[col].shape
            assert np.allclose(blocks[row][col].data, expected, rtol=1e-5, atol=1e-6)
    value, hv = autograd.hvp(scalar, (tg.Tensor(x), tg.Tensor(y)), (tg.Tensor(vx), tg.Tensor(vy)))
    assert value.shape == ()
    for row in range(2):
        expected = blocks[row][0].data @ vx + blocks[row][1].data @ vy
        assert np.allclose(hv[row].data, expected, rtol=1e-10, atol=1e-10)
    _, vh = autograd.vhp(scalar, (tg.Tensor(x), tg.Tensor(y)), (tg.Tensor(vx), tg.Tensor(vy)))
    assert all(np.allclose(a.data, b.data, rtol=1e-12, atol=1e-12) for a, b in zip(hv, vh))


def test_one_input_and_one_output_give_tensors_not_tuples():
    x = tg.Tensor([1.0, 2.0, 3.0])
    jac = autograd.jacobian(lambda t: t ** 2, x)
    assert isinstance(jac, tg.Tensor) and np.array_equal(jac.data, np.diag([2.0, 4.0, 6.0]))
    hess = autograd.hessian(lambda t: (t ** 3).sum(), x)
    assert isinstance(hess, tg.Tensor) and np.array_equal(hess.data, np.diag([6.0, 12.0, 18.0]))
    out, grad = autograd.vjp(lambda t: t ** 2, x, tg.Tensor(np.ones(3)))
    assert isinstance(out, tg.Tensor) and isinstance(grad, tg.Tensor) and np.array_equal(grad.data, [2.0, 4.0, 6.0])
    out, product = autograd.jvp(lambda t: (t ** 2).sum(), x, tg.Tensor([1.0, 0.0, 0.0]))
    assert out.item() == 14.0 and product.item() == 2.0
    value, hv = autograd.hvp(lambda t: (t ** 3).sum(), x, tg.Tensor([0.0, 1.0, 0.0]))
    assert value.item() == 36.0 and np.array_equal(hv.data, [0.0, 12.0, 0.0])


def test_the_callers_tensors_are_left_alone_and_results_carry_no_graph():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    _, grad = autograd.vjp(lambda t: (t ** 2).sum(), x)
    assert x.grad is None and grad.grad_fn is None and not grad.requires_grad


def test_create_graph_gives_results_that_can_be_differentiated_again():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    _, grad = autograd.vjp(lambda t: (t ** 3).sum(), x, create_graph=True)  # 3 x**2
    (second,) = autograd.grad(grad.sum(), x)                                # 6 x
    assert np.array_equal(second.data, [6.0, 12.0])
    _, hv = autograd.hvp(lambda t: (t ** 4).sum(), x, tg.Tensor([1.0, 1.0]), create_graph=True)  # 12 x**2
    (third,) = autograd.grad(hv.sum(), x)                                                          # 24 x
    assert np.array_equal(third.data, [24.0, 48.0])


# ------------------------------------------------------------------ strict, unused inputs, constant outputs
def uses_only_x(x, y):
    return (x * x).sum()


VECTORS = (tg.Tensor([1.0, 1.0]), tg.Tensor([1.0]))


@pytest.mark.parametrize("fn_name, extra", [("vjp", ()), ("jvp", (VECTORS,)), ("jacobian", ()), ("hessian", ()),
                                            ("hvp", (VECTORS,)), ("vhp", (VECTORS,))])
def test_an_unused_input_gets_zeros_or_with_strict_an_error_naming_it(fn_name, extra):
    fn = getattr(autograd, fn_name)
    xs = (tg.Tensor([1.0, 2.0]), tg.Tensor([3.0]))
    result = fn(uses_only_x, xs, *extra)
    if fn_name == "jvp":  # J v: the unused input adds nothing to the product (2 x . v for x)
        assert result[1].item() == 6.0
    else:
        unused = {"jacobian": lambda: result[1], "hessian": lambda: result[0][1]}.get(fn_name, lambda: result[1][1])()
        assert isinstance(unused, tg.Tensor) and unused.shape[-1:] == (1,) and not unused.data.any()
    with pytest.raises(RuntimeError, match=r"not depend on input 1 \(strict=True\)"):
        fn(uses_only_x, xs, *extra, strict=True)


def test_a_constant_output_gets_zeros_or_with_strict_an_error_naming_it():
    x = tg.Tensor([1.0, 2.0])

    def square_and_constant(t):
        return t * t, tg.Tensor([5.0, 5.0])
    outputs, (g,) = autograd.vjp(square_and_constant, (x,), (tg.Tensor([1.0, 1.0]), tg.Tensor([1.0, 1.0])))
    assert np.array_equal(g.data, [2.0, 4.0]) and np.array_equal(outputs[1].data, [5.0, 5.0])
    _, products = autograd.jvp(square_and_constant, (x,), (tg.Tensor([1.0, 1.0]),))
    assert np.array_equal(products[0].data, [2.0, 4.0]) and np.array_equal(products[1].data, [0.0, 0.0])
    jac = autograd.jacobian(square_and_constant, x)
    assert np.array_equal(jac[1].data, np.zeros((2, 2)))
    for fn, extra in [(autograd.vjp, ((tg.Tensor([1.0, 1.0]), tg.Tensor([1.0, 1.0])),)),
                      (autograd.jvp, ((tg.Tensor([1.0, 1.0]),),))]:
        with pytest.raises(RuntimeError, match=r"output 1 does not depend on the inputs \(strict=True\)"):
            fn(square_and_constant, (x,), *extra, strict=True)
    with pytest.raises(RuntimeError, match=r"element 0 of output 1 does not depend on the inputs \(strict=True\)"):
        autograd.jacobian(square_and_constant, x, strict=True)


def test_a_function_linear_in_its_inputs_has_zero_hessian_or_with_strict_an_error():
    x = tg.Tensor([1.0, 2.0])
    assert not autograd.hvp(lambda t: (3 * t).sum(), x, tg.Tensor([1.0, 1.0]))[1].data.any()
    with pytest.raises(RuntimeError, match=r"hvp: the gradient does not depend on the inputs \(strict=True\)"):
        autograd.hvp(lambda t: (3 * t).sum(), x, tg.Tensor([1.0, 1.0]), strict=True)
    with pytest.raises(RuntimeError, match=r"hessian: element 0 of the gradient with respect to input 0 does not "
                                           r"depend on the inputs"):
        autograd.hessian(lambda t: (3 * t).sum(), x, strict=True)


@pytest.mark.parametrize("call, message", [
    (lambda: autograd.jacobian(lambda t: t, tg.Tensor([1.0]), strategy="forward-mode"), "strategy='reverse-mode'"),
    (lambda: autograd.hessian(lambda t: t.sum(), tg.Tensor([1.0]), outer_jacobian_strategy="forward-mode"),
     "outer_jacobian_strategy='reverse-mode'"),
    (lambda: autograd.hvp(lambda t: t * 2, tg.Tensor([1.0, 2.0]), tg.Tensor([1.0, 1.0])), "a single Tensor"),
    (lambda: autograd.vjp(lambda t: t * 2, tg.Tensor([1.0, 2.0])), "v may be omitted only"),
    (lambda: autograd.jvp(lambda t: t * 2, tg.Tensor([1.0, 2.0]), tg.Tensor([1.0])), r"v 0 has shape \(1,\)"),
    (lambda: autograd.vjp(lambda t: 2.0, tg.Tensor([1.0])), "must return a Tensor"),
    (lambda: autograd.vjp(lambda t: t, tg.Tensor([1.0]), strict="yes"), "strict"),
])
def test_bad_arguments_get_errors_naming_the_function(call, message):
    with pytest.raises((RuntimeError, ValueError, TypeError), match=message):
        call()


# ------------------------------------------------------------------ PyTorch
def test_the_results_equal_torch_autograd_functional():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, y, vx, vy = rng.standard_normal(3), rng.standard_normal(2), rng.standard_normal(3), rng.standard_normal(2)
    ours = lambda *arrays: tuple(tg.Tensor(a) for a in arrays)  # noqa: E731
    theirs = lambda *arrays: tuple(torch.tensor(a) for a in arrays)  # noqa: E731

    def torch_smooth(a, b):
        return a * b.sum() + a.tanh(), a.sin() * b[0] + (b * b).sum()

    def torch_scalar(a, b):
        return (a.tanh() * b.sum()).sum() + ((a ** 3).sum() * b[0].exp())

    functional = torch.autograd.functional
    cases = [
        (autograd.jacobian(smooth, ours(x, y)), functional.jacobian(torch_smooth, theirs(x, y))),
        (autograd.hessian(scalar, ours(x, y)), functional.hessian(torch_scalar, theirs(x, y))),
        (autograd.vjp(smooth, ours(x, y), ours(vx, 2 * vx)),
         functional.vjp(torch_smooth, theirs(x, y), theirs(vx, 2 * vx))),
        (autograd.jvp(smooth, ours(x, y), ours(vx, vy)), functional.jvp(torch_smooth, theirs(x, y), theirs(vx, vy))),
        (autograd.hvp(scalar, ours(x, y), ours(vx, vy)), functional.hvp(torch_scalar, theirs(x, y), theirs(vx, vy))),
    ]

    def flat(result):
        if isinstance(result, (tuple, list)):
            return [leaf for item in result for leaf in flat(item)]
        return [result]
    for mine, reference in cases:
        mine, reference = flat(mine), flat(reference)
        assert len(mine) == len(reference)
        for a, b in zip(mine, reference):
            assert a.shape == tuple(b.shape)
            assert np.allclose(a.data, b.detach().numpy(), rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ autograd.grad's other PyTorch arguments
def test_materialize_grads_gives_zeros_for_unused_inputs_and_allow_unused_defaults_to_it():
    x, y = tg.Tensor([1.0, 2.0], requires_grad=True), tg.Tensor([[3.0]], requires_grad=True)
    gx, gy = autograd.grad((x * x).sum(), [x, y], materialize_grads=True)
    assert np.array_equal(gx.data, [2.0, 4.0]) and gy.shape == (1, 1) and not gy.data.any()
    with pytest.raises(ValueError, match="allow_unused must be True or left out"):
        autograd.grad((x * x).sum(), [x, y], materialize_grads=True, allow_unused=False)
    with pytest.raises(RuntimeError, match="was not used"):
        autograd.grad((x * x).sum(), [x, y])
    assert autograd.grad((x * x).sum(), [x, y], allow_unused=True)[1] is None


def test_is_grads_batched_gives_one_vector_jacobian_product_per_row():
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (rows,) = autograd.grad(x ** 2, x, tg.Tensor(np.eye(3)), is_grads_batched=True)  # the Jacobian, row by row
    assert np.array_equal(rows.data, np.diag([2.0, 4.0, 6.0]))
    with pytest.raises(ValueError, match="same first"):
        autograd.grad([x ** 2, x * 3], x, [tg.Tensor(np.eye(3)), tg.Tensor(np.ones((2, 3)))], is_grads_batched=True)


def test_inputs_may_be_a_dict_or_a_generator_and_only_inputs_is_ignored():
    net = tg.nn.Linear(2, 1, rng=0)
    loss = net(tg.Tensor(np.ones((3, 2)))).sum()
    named = autograd.grad(loss, dict(net.named_parameters()), retain_graph=True, only_inputs=True)
    assert list(named) == ["weight", "bias"] and np.array_equal(named["bias"].data, [3.0])
    from_generator = autograd.grad(loss, (p for p in net.parameters()), retain_graph=True)
    assert np.array_equal(from_generator[0].data, named["weight"].data)
    with pytest.warns(FutureWarning, match="only_inputs is ignored"):
        autograd.grad(loss, net.bias, only_inputs=False)
    with pytest.raises(RuntimeError, match="inputs is empty"):
        autograd.grad(loss, [])


def test_a_pytorch_gradient_penalty_runs_with_torch_renamed():
    # WGAN-GP's penalty as PyTorch code writes it, with `import torch` replaced
    import tinygrad_nn as torch
    from tinygrad_nn import nn as tnn
    torch.manual_seed(0)
    D = tnn.Sequential(tnn.Linear(4, 8), tnn.LeakyReLU(0.2), tnn.Linear(8, 1))
    real, fake = torch.randn(5, 4), torch.randn(5, 4)
    alpha = torch.rand(real.size(0), 1)
    interpolates = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    d_interpolates = D(interpolates)
    gradients = torch.autograd.grad(outputs=d_interpolates, inputs=interpolates,
                                    grad_outputs=torch.ones(d_interpolates.size()),
                                    create_graph=True, retain_graph=True, only_inputs=True)[0]
    penalty = ((gradients.norm(2, dim=1) - 1) ** 2).mean()
    penalty.backward()
    assert D[0].weight.grad.shape == (8, 4) and np.isfinite(D[0].weight.grad).all()
    # the penalty's gradient, by central differences on one weight
    w = D[0].weight
    def penalty_at(value):
        saved = w.data[0, 0]
        w.data[0, 0] = value
        x = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        (g,) = torch.autograd.grad(D(x).sum(), x)
        w.data[0, 0] = saved
        return float((((g * g).sum(axis=1).sqrt() - 1) ** 2).mean().item())
    eps = 1e-6
    numeric = (penalty_at(w.data[0, 0] + eps) - penalty_at(w.data[0, 0] - eps)) / (2 * eps)
    assert w.grad[0, 0] == pytest.approx(numeric, rel=1e-5, abs=1e-8)


def test_grads_options_agree_with_torch():
    torch = pytest.importorskip("torch")
    x = np.array([1.0, -2.0, 0.5])
    ours = tg.Tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    unused_ours, unused_theirs = tg.Tensor([1.0], requires_grad=True), torch.tensor([1.0], requires_grad=True)
    batch = np.arange(6.0).reshape(2, 3)
    mine = autograd.grad(ours.tanh() * ours, [ours, unused_ours], tg.Tensor(batch), is_grads_batched=True,
                         materialize_grads=True)
    reference = torch.autograd.grad(theirs.tanh() * theirs, [theirs, unused_theirs], torch.tensor(batch),
                                    is_grads_batched=True, materialize_grads=True)
    assert mine[0].shape == tuple(reference[0].shape) == (2, 3)
    assert np.allclose(mine[0].data, reference[0].numpy(), rtol=1e-12, atol=1e-12)
    # the unused input's zeros: one row per vector here; PyTorch's have the input's shape, without the batch axis
    assert mine[1].shape == (2, 1) and tuple(reference[1].shape) == (1,) and not mine[1].data.any()


def test_the_functions_are_also_where_pytorch_keeps_them():
    import tinygrad_nn
    from tinygrad_nn.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp
    assert (vjp, jvp, jacobian, hessian, hvp, vhp) == (autograd.vjp, autograd.jvp, autograd.jacobian,
                                                       autograd.hessian, autograd.hvp, autograd.vhp)
    assert tinygrad_nn.autograd.functional.hvp is autograd.hvp

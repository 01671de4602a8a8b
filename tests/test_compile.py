"""``tg.compile``: a compiled function computes what the eager one computes, bit for bit, and behaves like it
in the graph (backward, accumulation, no_grad, retain_graph, an eager graph around it)."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import functional as F, nn
from tinygrad_nn.compiler import CompileWarning

from compile_cases import assert_same, leaves, spiral_arrays, spiral_loss


# ---------------------------------------------------------------- same values
def test_spiral_step_matches_eager_bitwise_on_two_calls_with_new_data():
    step = tg.compile(spiral_loss)
    for seed in (0, 5):
        X, y, initial = spiral_arrays(seed)
        compiled_params, eager_params = leaves(initial), leaves(initial)
        loss = step(tg.Tensor(X), y, *compiled_params)
        expected = spiral_loss(tg.Tensor(X), y, *eager_params)
        assert_same(loss.data, expected.data)
        loss.backward()
        expected.backward()
        for mine, theirs in zip(compiled_params, eager_params):
            assert_same(mine.grad, theirs.grad)
    assert step.traces == 1


def test_the_compiled_region_is_one_node_and_backward_fills_every_leaf():
    X, y, initial = spiral_arrays()
    params = leaves(initial)
    loss = tg.compile(spiral_loss)(tg.Tensor(X), y, *params)
    assert loss.grad_fn.name == "compile(spiral_loss)"
    assert all(isinstance(source, tg.Tensor) for source in loss.grad_fn.sources)  # no graph inside
    loss.backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in params)


def test_gradients_accumulate_across_calls_as_in_eager_mode():
    X, y, initial = spiral_arrays()
    compiled_params, eager_params = leaves(initial), leaves(initial)
    step = tg.compile(spiral_loss)
    for _ in range(3):
        step(tg.Tensor(X), y, *compiled_params).backward()
        spiral_loss(tg.Tensor(X), y, *eager_params).backward()
    for mine, theirs in zip(compiled_params, eager_params):
        # b1, b2 are used once in the graph: the same additions in the same order
        # W1, W2 twice (matmul and L2): eager adds each use into .grad, the compiled node their sum
        np.testing.assert_allclose(mine.grad, theirs.grad, rtol=1e-12, atol=1e-300)
    assert_same(compiled_params[1].grad, eager_params[1].grad)


def test_no_grad_records_nothing_and_retain_graph_allows_a_second_backward():
    X, y, initial = spiral_arrays()
    params = leaves(initial)
    step = tg.compile(spiral_loss)
    with tg.no_grad():
        quiet = step(tg.Tensor(X), y, *params)
    assert quiet.grad_fn is None and not quiet.requires_grad
    loss = step(tg.Tensor(X), y, *params)
    assert_same(quiet.data, loss.data)
    loss.backward(retain_graph=True)
    first = [p.grad.copy() for p in params]
    loss.backward()
    for p, g in zip(params, first):
        np.testing.assert_allclose(p.grad, 2 * g, rtol=1e-15)
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_a_compiled_module_inside_an_eager_graph():
    tg.manual_seed(0)
    net = nn.MLP([3, 8, 2])
    compiled = tg.compile(net)
    x_compiled = tg.Tensor(np.random.default_rng(0).standard_normal((5, 3)), requires_grad=True)
    x_eager = tg.Tensor(x_compiled.data.copy(), requires_grad=True)
    scale = tg.Tensor([2.0, -1.0], requires_grad=True)

    def surrounding(model, x):
        return F.cross_entropy(model((x * 1.5).tanh()) * scale, np.array([0, 1, 1, 0, 1]))

    loss = surrounding(compiled, x_compiled)
    loss.backward()
    mine = [x_compiled.grad.copy(), scale.grad.copy()] + [p.grad.copy() for p in net.parameters()]
    net.zero_grad()
    scale.grad = None
    expected = surrounding(net, x_eager)
    expected.backward()
    assert_same(loss.data, expected.data)
    for a, b in zip(mine, [x_eager.grad, scale.grad] + [p.grad for p in net.parameters()]):
        assert_same(a, b)


def test_gradcheck_of_a_compiled_function_passes():
    swish = tg.compile(lambda x, w: (x * (x * w).sigmoid()).sum(axis=1))
    rng = np.random.default_rng(0)
    assert tg.gradcheck(swish, (rng.standard_normal((3, 4)), rng.standard_normal(4)))


def test_a_module_follows_in_place_parameter_updates():
    tg.manual_seed(1)
    net = nn.MLP([2, 6, 3])
    X, y = tg.data.spiral(n_per_class=10)
    step = tg.compile(lambda X, y: F.cross_entropy(net(X), y))
    optimizer = tg.optim.SGD(net.parameters(), lr=0.5)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = step(tg.Tensor(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert_same(step(tg.Tensor(X), y).data, F.cross_entropy(net(tg.Tensor(X)), y).data)


# -------------------------------------------------------------------- retracing
def test_a_new_shape_dtype_requires_grad_or_number_retraces():
    step = tg.compile(lambda x, scale: (x * scale).tanh().sum())
    x = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    step(x, 2.0)
    step(tg.Tensor(np.ones((2, 3)), requires_grad=True), 2.0)
    assert step.traces == 1
    step(tg.Tensor(np.ones((4, 3)), requires_grad=True), 2.0)
    step(tg.Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True), 2.0)
    step(tg.Tensor(np.ones((2, 3))), 2.0)
    out = step(x, 3.0)
    assert step.traces == 5
    assert_same(out.data, (x * 3.0).tanh().sum().data)


def test_train_and_eval_modes_are_traced_separately():
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    compiled = tg.compile(net)
    x = tg.Tensor(np.ones((3, 4)))
    compiled(x)
    net.eval()
    assert_same(compiled(x).data, net(x).data)  # no dropout: the Linear alone
    assert compiled.traces == 2
    net.train()
    compiled(x)
    assert compiled.traces == 2


def test_with_retracing_off_a_different_call_names_the_argument_and_what_was_traced():
    step = tg.compile(lambda features, labels: F.cross_entropy(features, labels), retrace=False)
    step(tg.Tensor(np.ones((4, 3))), np.array([0, 1, 2, 0]))
    with pytest.raises(tg.TraceError, match=r"argument 'features' is Tensor \(5, 3\) float64, but the trace "
                                            r"was made for Tensor \(4, 3\) float64"):
        step(tg.Tensor(np.ones((5, 3))), np.array([0, 1, 2, 0, 1]))
    with pytest.raises(tg.TraceError, match=r"argument 'labels' is array \(4,\) int32, but .* array \(4,\) int64"):
        step(tg.Tensor(np.ones((4, 3))), np.array([0, 1, 2, 0], dtype=np.int32))
    with pytest.raises(tg.TraceError, match=r"argument 'features' is a list of 1, which does not fit"):
        step([1.0], np.array([0, 1, 2, 0]))


def test_many_traces_warn():
    step = tg.compile(lambda x, scale: x * scale)
    with pytest.warns(CompileWarning, match="traced 8 times"):
        for scale in range(8):
            step(tg.Tensor([1.0]), float(scale))

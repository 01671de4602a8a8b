"""Graph properties of backward: accumulation, shared subexpressions, depth, retain_graph,
freed graphs, retain_grad, memory release and unaliased leaf gradients."""

import gc
import tracemalloc
import weakref

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import Tensor
from tinygrad_nn.engine import topological_order
from engine_strategies import central_difference_gradients, float_arrays, shapes


@given(float_arrays(shapes()))
def test_diamond_adds_both_paths(x):
    t = Tensor(x, requires_grad=True)
    left, right = t * 2.0, t * 3.0  # y = (2t)(3t) = 6 t**2
    (left * right).sum().backward()
    np.testing.assert_allclose(t.grad, 12.0 * x, rtol=1e-12)


@given(float_arrays(shapes()))
def test_x_times_x(x):
    t = Tensor(x, requires_grad=True)
    (t * t).sum().backward()
    np.testing.assert_allclose(t.grad, 2.0 * x, rtol=1e-12)


@given(st.data())
def test_a_non_leaf_used_twice(data):
    x = data.draw(float_arrays(data.draw(shapes()), -2.0, 2.0))
    upstream = data.draw(float_arrays(x.shape))
    t = Tensor(x, requires_grad=True)
    hidden = t.exp()
    out = hidden * hidden + hidden  # d/dx = (2 e**x + 1) e**x
    out.backward(grad=upstream)
    np.testing.assert_allclose(t.grad, upstream * (2 * np.exp(x) + 1) * np.exp(x), rtol=1e-12)


@given(st.integers(1, 4))
def test_gradients_accumulate_across_backward_calls(calls):
    w = Tensor([1.0, -2.0], requires_grad=True)
    for _ in range(calls):
        (w * 3.0).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0 * calls] * 2)
    w.zero_grad()
    assert w.grad is None


def test_a_100000_deep_chain_runs_forward_and_backward():
    x = Tensor(0.5, requires_grad=True)
    y = x
    for _ in range(50_000):
        y = (y + 1.0) * 1.0
    y.backward()
    assert x.grad == 1.0 and y.item() == 50_000.5
    assert len(topological_order(y)) == 100_000
    del y  # freeing a deep chain must not overflow the C stack either
    gc.collect()


def test_topological_order_is_deterministic_inputs_first_root_last():
    x = Tensor([1.0, 2.0], requires_grad=True)
    a, b = x.exp(), x.tanh()
    y = (a * b + a).sum()
    order = topological_order(y)
    assert order == topological_order(y.grad_fn) == topological_order(y)
    assert [node.name for node in order] == ["Exp", "Tanh", "Mul", "Add", "Sum"]
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for tensor in node.inputs:
            if tensor.grad_fn is not None:
                assert position[id(tensor.grad_fn)] < position[id(node)]


def test_retain_graph_allows_a_second_backward():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])


def test_a_second_backward_through_a_freed_graph_raises():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True") as error:
        y.backward()
    assert "second time" in str(error.value)
    shared = x.exp()  # a graph freed through one root is freed for every root that shares it
    shared.sum().backward()
    with pytest.raises(RuntimeError, match="Exp"):
        (shared * 2.0).sum().backward()


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 3.0
    hidden.retain_grad()
    other = x * 2.0
    (hidden * hidden + other).sum().backward()
    np.testing.assert_allclose(hidden.grad, 2.0 * hidden.data)
    with pytest.warns(UserWarning, match=r"not a leaf.*retain_grad"):  # as PyTorch warns
        assert other.grad is None  # not retained
    assert hidden.retains_grad and not other.retains_grad and not x.retains_grad
    assert not np.shares_memory(hidden.grad, x.grad)


def _saved_masks_of(tensor):
    return [node.saved_tensors[0] for node in topological_order(tensor) if node.name == "LeakyReLU"]


@pytest.mark.parametrize("retain_graph", [False, True])
def test_saved_arrays_are_released_after_backward(retain_graph):
    x = Tensor(np.linspace(-1, 1, 10), requires_grad=True)
    loss = (x.leaky_relu() * x).sum()
    mask_ref = weakref.ref(_saved_masks_of(loss)[0])
    loss.backward(retain_graph=retain_graph)
    gc.collect()
    assert (mask_ref() is not None) == retain_graph
    saved = [node.saved_tensors for node in topological_order(loss)]
    assert all(s is None for s in saved) != retain_graph


def test_memory_of_a_kept_graph_drops_after_backward():
    x = Tensor(np.linspace(-1, 1, 200_000), requires_grad=True)
    tracemalloc.start()
    try:
        hidden = x
        for _ in range(10):  # each LeakyReLU saves a 200 kB mask that nothing else holds
            hidden = hidden.leaky_relu()
        loss = hidden.sum()
        before, _ = tracemalloc.get_traced_memory()
        loss.backward()
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    released = before - (after - x.grad.nbytes)  # backward also allocated x.grad
    assert released > 10 * 200_000 * 0.9, (before, after)


EXPRESSIONS = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "reshape": lambda a, b: a.reshape(-1) + b.reshape(-1),
    "stack": lambda a, b: tg.stack([a, b]), "concatenate": lambda a, b: tg.concatenate([a, b], axis=-1),
    "where": lambda a, b: tg.where(a.data > 0, a, b), "sum": lambda a, b: (a + b).sum() * np.ones(3),
    "transpose": lambda a, b: a.T + b.T, "getitem": lambda a, b: a[...] + b[:],
}


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
@settings(max_examples=20)  # x 9 expressions
@given(a=float_arrays((2, 3)), b=float_arrays((2, 3)))
def test_leaf_gradients_are_never_aliased(name, a, b):
    left, right = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = EXPRESSIONS[name](left, right)
    upstream = np.ones(out.shape)
    out.backward(grad=upstream)
    assert not np.shares_memory(left.grad, right.grad)
    assert not np.shares_memory(left.grad, upstream) and not np.shares_memory(right.grad, upstream)
    left.grad += 1.0  # gradients are writable, and writing one leaves the other alone
    assert left.grad.flags.writeable and right.grad.flags.writeable
    assert not np.shares_memory(left.grad, right.grad)


def test_backward_from_a_leaf_copies_the_given_gradient():
    w = Tensor([1.0, 2.0], requires_grad=True)
    upstream = np.array([5.0, 6.0])
    w.backward(grad=upstream)
    upstream[0] = 0.0
    np.testing.assert_array_equal(w.grad, [5.0, 6.0])


def test_a_training_loop_keeps_memory_flat():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((64, 32)))
    w = Tensor(rng.standard_normal((32, 16)) * 0.1, requires_grad=True)
    history = []

    def step():
        loss = ((x @ w).tanh() ** 2).mean()
        loss.backward()
        with tg.no_grad():
            w.data -= 0.1 * w.grad
        w.zero_grad()
        history.append(loss.item())

    for _ in range(5):  # warm-up: first-call allocations and caches
        step()
    tracemalloc.start()
    try:
        for _ in range(5):
            step()
        start, _ = tracemalloc.get_traced_memory()
        for _ in range(50):
            step()
        end, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert end - start < 20_000, f"memory grew by {end - start} bytes over 50 steps"
    assert history[-1] < history[0]


# -------------------------------------------- random programs with shared values
UNARY = {"tanh": (lambda t: t.tanh(), np.tanh),
         "sigmoid": (lambda t: t.sigmoid(), lambda a: 1.0 / (1.0 + np.exp(-a))),
         "exp_tanh": (lambda t: t.tanh().exp(), lambda a: np.exp(np.tanh(a))),
         "row_sum": (lambda t: t.sum(axis=1, keepdims=True), lambda a: a.sum(axis=1, keepdims=True)),
         "col_mean": (lambda t: t.mean(axis=0, keepdims=True), lambda a: a.mean(axis=0, keepdims=True)),
         "softmax": (lambda t: t.softmax(axis=-1), lambda a: np.exp(a - np.log(np.exp(a).sum(-1, keepdims=True))))}
BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply}


@st.composite
def programs(draw):
    """A list of steps; each applies an op to earlier values (by index), so values get reused."""
    steps = []
    for position in range(draw(st.integers(1, 8))):
        available = position + 2  # two inputs, then one value per step
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(sorted(UNARY))), draw(st.integers(0, available - 1))))
        else:
            steps.append((draw(st.sampled_from(sorted(BINARY))), draw(st.integers(0, available - 1)),
                          draw(st.integers(0, available - 1))))
    return steps


def _run(program, a, b, engine):
    values = [a, b]
    for name, *operands in program:
        args = [values[i] for i in operands]
        if name in UNARY:
            values.append(UNARY[name][0 if engine else 1](*args))
        else:
            values.append(getattr(args[0], f"__{name}__")(args[1]) if engine else BINARY[name](*args))
    return values[-1]


@given(st.data(), programs())
def test_random_programs_with_reuse_match_central_differences(data, program):
    a = data.draw(float_arrays((3, 2), -1.0, 1.0))
    b = data.draw(float_arrays((3, 2), -1.0, 1.0))
    left, right = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = _run(program, left, right, engine=True)
    upstream = data.draw(float_arrays(out.shape, -1.0, 1.0))
    out.backward(grad=upstream)

    def reference(x, y):
        return _run(program, x, y, engine=False)

    np.testing.assert_allclose(out.data, reference(a, b), rtol=1e-10)
    expected = central_difference_gradients(reference, [a, b], upstream)
    for leaf, grad in zip((left, right), expected):
        actual = np.zeros_like(grad) if leaf.grad is None else leaf.grad
        np.testing.assert_allclose(actual, grad, rtol=1e-5, atol=1e-6)

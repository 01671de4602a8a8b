"""The graph keeps nodes, not intermediate values: what is freed, what is kept,
and how ``ctx.inputs``, drawings and ``check_graph`` get intermediate values back
(``engine.graph.outputs`` / ``recompute``)."""

import gc
import tracemalloc
import weakref

import numpy as np
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import Tensor
from tinygrad_nn.engine import topological_order
from tinygrad_nn.engine.graph import outputs, recompute


def test_an_intermediate_nothing_needs_is_freed_during_the_forward_pass():
    x = Tensor(np.linspace(-1, 1, 5), requires_grad=True)
    y = x * 1.5  # Mul keeps only the operand the other gradient needs: not y's input, not y
    kept = weakref.ref(y.data)
    z = (y + 0.1).sum()
    del y
    gc.collect()
    assert kept() is None
    z.backward()
    np.testing.assert_allclose(x.grad, np.full(5, 1.5))


def test_a_saved_intermediate_lives_until_backward_releases_it():
    x = Tensor(np.linspace(-1, 1, 5), requires_grad=True)
    y = x.tanh()  # Tanh saves its output
    kept = weakref.ref(y.data)
    z = (y * 2.0).sum()
    del y
    gc.collect()
    assert kept() is not None
    z.backward()
    gc.collect()
    assert kept() is None
    np.testing.assert_allclose(x.grad, 2.0 * (1.0 - np.tanh(x.data) ** 2))


def test_a_kept_loss_keeps_no_activations():
    """Appending each step's loss to a list keeps node skeletons, not arrays."""
    rng = np.random.default_rng(0)
    w = Tensor(rng.standard_normal(20_000), requires_grad=True)
    losses = []
    tracemalloc.start()
    try:
        for step in range(5):
            x = Tensor(rng.standard_normal(20_000))  # a 160 kB leaf, replaced each step
            losses.append(((x * w).tanh() * 2.0 + 1.0).sum())
            losses[-1].backward()
            w.grad = None
            if step == 0:
                gc.collect()
                first, _ = tracemalloc.get_traced_memory()
        gc.collect()
        last, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # each kept graph holds its leaf x (160 kB): 4 more steps, 0.64 MB; before nodes stopped holding
    # their input tensors, it was 5 arrays a step (3.2 MB)
    assert last - first < 4 * 160_000 * 1.5, (first, last)


def test_inputs_give_the_tensors_given_and_recomputed_intermediates():
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True, name="x")
    y = x * 1.5
    y.name = "scaled"
    node = (y + 0.1).grad_fn
    (given_y, constant) = node.inputs
    assert given_y is not y  # the graph does not hold y: its value is recomputed
    np.testing.assert_array_equal(given_y.data, y.data)
    assert given_y.grad_fn is y.grad_fn and given_y.name == "scaled" and given_y.requires_grad
    assert constant.item() == 0.1 and not constant.requires_grad
    assert y.grad_fn.inputs[0] is x  # leaves are the very tensors


def test_a_retained_intermediate_is_given_as_itself():
    x = Tensor([1.0, 2.0], requires_grad=True)
    hidden = x.exp()
    hidden.retain_grad()
    out = (hidden * 3.0).sum()
    assert out.grad_fn.inputs[0].grad_fn.inputs[0] is hidden
    out.backward()
    drawn = tg.viz.draw_graph(out, grads=True, values=True).source
    assert "grad" in drawn and hidden.grad is not None


def test_check_graph_and_drawings_work_after_intermediates_are_gone():
    x = Tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    h = (x @ w).tanh()
    h.name = "hidden"
    loss = (h * 2.0).sum()
    del h
    gc.collect()
    assert tg.check_graph(loss).passed
    source = tg.viz.draw_graph(loss, values=True).source
    assert "hidden" in source and "mean" in source  # the recomputed value is summarised


UNARY = {"exp": lambda t: t.exp(), "tanh": lambda t: t.tanh(), "relu": lambda t: t.relu(),
         "sum": lambda t: t.sum(axis=0, keepdims=True), "neg": lambda t: -t, "scale": lambda t: t * 0.5}
BINARY = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "sub": lambda a, b: a - b,
          "max": lambda a, b: tg.maximum(a, b)}
programs = st.lists(st.tuples(st.sampled_from(sorted(UNARY) + sorted(BINARY)), st.integers(0, 50),
                              st.integers(0, 50)), min_size=1, max_size=10)


@settings(max_examples=40)
@given(programs)
def test_recompute_gives_every_value_the_forward_pass_gave(program):
    rng = np.random.default_rng(1)
    pool = [Tensor(rng.standard_normal((2, 3)), requires_grad=True) for _ in range(2)]
    for kind, i, j in program:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        pool.append(UNARY[kind](a) if kind in UNARY else BINARY[kind](a, b))
    root = pool[-1]
    made = {t.grad_fn: t for t in pool if t.grad_fn is not None}  # every tensor is still alive here
    values = recompute(root)
    assert set(values) == set(topological_order(root))
    for node, value in values.items():
        np.testing.assert_array_equal(value, made[node].data)
        assert value.dtype == made[node].dtype and value.shape == node.output_shape
    produced = outputs(root)
    assert produced[root.grad_fn] is root
    for node, tensor in produced.items():
        np.testing.assert_array_equal(tensor.data, made[node].data)

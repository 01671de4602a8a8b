"""viz.draw_graph, the structure: one full node per recorded tensor and one per op, edges that match the
graph, deterministic text, 10,000-deep chains, readable names for intermediates, bad arguments."""

import os
import re
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import viz
from viz_dot import NODE, of_kind, parse_dot

# ----------------------------------------------------------------- random graphs
BINARY = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "sub": lambda a, b: a - b,
          "max": lambda a, b: tg.maximum(a, b)}
UNARY = {"tanh": lambda a: a.tanh(), "sigmoid": lambda a: a.sigmoid(), "neg": lambda a: -a,
         "relu": lambda a: a.relu()}
FUNCTION_NAME = {"add": "Add", "mul": "Mul", "sub": "Sub", "max": "Maximum", "tanh": "Tanh",
                 "sigmoid": "Sigmoid", "neg": "Neg", "relu": "ReLU"}

steps = st.lists(st.tuples(st.sampled_from(sorted(BINARY) + sorted(UNARY)),
                           st.integers(0, 100), st.integers(0, 100)), min_size=1, max_size=12)


def build(program):
    """Run ``program`` on three named leaves; returns (root, applications) where each application is
    (Function name, input names in order, output name), counted independently of the drawing code."""
    rng = np.random.default_rng(0)
    pool = [tg.Tensor(rng.standard_normal(3), requires_grad=True, name=f"leaf{i}") for i in range(3)]
    applications = []

    def apply(kind, name, *inputs):
        out = (BINARY.get(kind) or UNARY[kind])(*inputs)
        out.name = f"n{len(applications)}"
        applications.append((name, tuple(t.name for t in inputs), out.name))
        return out

    results = []
    for kind, i, j in program:
        inputs = (pool[i % len(pool)], pool[j % len(pool)]) if kind in BINARY else (pool[i % len(pool)],)
        out = apply(kind, FUNCTION_NAME[kind], *inputs)
        pool.append(out)
        results.append(out)
    total = results[0]
    for out in results[1:]:
        total = apply("add", "Add", total, out)
    root = total.sum()
    root.name = "root"
    applications.append(("Sum", (total.name,), "root"))
    return root, applications


def drawn_applications(nodes, edges):
    """(op label, names of its inputs in edge order, name of its output) for every drawn op."""
    inputs, output = {}, {}
    for tail, head, _ in edges:
        if nodes[head].kind == "op":
            inputs.setdefault(head, []).append(nodes[tail].title)
        else:
            output[tail] = nodes[head].title
    return [(node.title, tuple(inputs[key]), output[key]) for key, node in of_kind(nodes, "op").items()]


@given(steps)
def test_one_full_node_per_tensor_and_op_and_edges_match_the_graph(program):
    root, applications = build(program)
    nodes, edges, _ = parse_dot(viz.draw_graph(root, max_nodes=None).source)
    uses = Counter(name for _, inputs, _ in applications for name in inputs if name.startswith("leaf"))
    tensors = of_kind(nodes, "tensor")
    assert sorted(node.title for node in tensors.values()) == sorted(set(uses) | {out for *_, out in applications})
    assert len(of_kind(nodes, "op")) == len(applications)
    assert len(edges) == sum(len(inputs) + 1 for _, inputs, _ in applications)
    assert Counter(drawn_applications(nodes, edges)) == Counter(applications)
    for ghost in of_kind(nodes, "ghost").values():       # a leaf drawn again beside a far use says how often
        name = ghost.title
        assert ghost.label == [name, f"used {uses[name]} times"]
        full = next(node for node in tensors.values() if node.title == name)
        assert full.label[-1] == f"used {uses[name]} times"


@given(steps)
def test_drawing_is_deterministic(program):
    first, _ = build(program)
    second, _ = build(program)
    assert viz.draw_graph(first).source == viz.draw_graph(first).source
    assert viz.draw_graph(first).source == viz.draw_graph(second).source


DRAW_THE_DEMO_GRAPH = """
import sys
sys.path.insert(0, sys.argv[1])
import tinygrad_nn as tg
from viz_dot import demo_loss
net, loss = demo_loss()
loss.backward()
print(tg.viz.draw_graph(loss, model=net, values=True, grads=True).source)
"""


def test_the_demo_graph_is_drawn_the_same_in_every_process():
    sources = set()
    for seed in ("0", "1", "random"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-c", DRAW_THE_DEMO_GRAPH, os.path.dirname(__file__)], env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        sources.add(done.stdout)
    assert len(sources) == 1
    source = sources.pop()
    assert "layers.0.weight" in source and "SumOfSquares" in source


def test_keys_follow_the_walk_order_not_object_ids():
    x = tg.Tensor(np.ones(2), requires_grad=True)
    source = viz.draw_graph(((x * 2.0).tanh() + x).sum()).source
    keys = [m.group(1) for m in map(NODE.match, source.splitlines()) if m]
    assert [k for k in keys if re.fullmatch(r"op\d+", k)] == ["op0", "op1", "op2", "op3"]
    assert not re.search(r"\d{7,}", source)


def test_a_10000_deep_chain_draws_without_recursion():
    depth = 10_000
    assert depth > sys.getrecursionlimit()
    y = tg.Tensor(np.array([0.5]), requires_grad=True, name="x")
    for _ in range(depth):
        y = y.tanh()
    nodes, edges, _ = parse_dot(viz.draw_graph(y, max_nodes=None).source)
    assert len(of_kind(nodes, "op")) == depth
    assert len(of_kind(nodes, "tensor")) == depth + 1
    assert len(edges) == 2 * depth
    with pytest.warns(viz.GraphTooLargeWarning, match=f"folded a chain of ×{depth - 4:,} Tanh"):
        folded = viz.draw_graph(y).source
    nodes, folded_edges, _ = parse_dot(folded)
    assert len(nodes) <= 300
    assert [node.label for node in of_kind(nodes, "group").values()] == [
        [f"×{depth - 4:,} Tanh", f"{depth - 4:,} ops folded"]]
    assert "x" in [node.title for node in nodes.values()]
    assert len(folded_edges) == len(set(folded_edges)) == len(nodes) - 1


# ----------------------------------------------------------------- names and labels
class Scaled(tg.nn.Module):
    """Two ops inside one module: the first result stays inside, the second leaves it."""

    def forward(self, x):
        return (x * 3.0).exp()


def test_intermediate_tensors_are_named_by_the_module_and_op_that_made_them():
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(2, 3), Scaled())
    x = tg.Tensor(np.ones((4, 2)), name="x")
    out = model(x).sum()
    titles = [node.title for node in of_kind(parse_dot(viz.draw_graph(out).source)[0], "tensor").values()]
    assert sorted(titles) == sorted(["x", "0.weight", "0.bias", "0 (Linear) out", "1 → Mul", "1 (Scaled) out",
                                     "Sum out"])
    leaf = tg.Tensor(np.ones(2), requires_grad=True)
    other = tg.Tensor(np.ones(2), requires_grad=True)
    titles = [node.title for node in of_kind(parse_dot(viz.draw_graph((leaf * other).sum()).source)[0],
                                             "tensor").values()]
    assert titles == ["leaf 1", "leaf 2", "Mul out", "Sum out"]   # unnamed leaves numbered without gaps


def test_a_constant_is_written_into_the_op_that_uses_it_in_its_place():
    x = tg.Tensor(np.ones(3, dtype=np.float32), requires_grad=True, name="x")
    nodes, edges, _ = parse_dot(viz.draw_graph(((1.0 - x) * 1.0001).sum()).source)
    assert [node.title for node in of_kind(nodes, "op").values()] == ["Sub(1, ·)", "Mul(·, 1.0001)", "Sum"]
    assert ["x", "(3,) float32"] in [node.label for node in nodes.values()]
    assert len(nodes) == 7 and len(edges) == 6   # no node for either constant


def test_the_labels_of_a_loss_are_drawn_as_its_input():
    labels = np.array([0, 2, 1, 1])
    scores = tg.Tensor(np.zeros((4, 3)), requires_grad=True, name="scores")
    loss = tg.functional.cross_entropy(scores, labels)
    nodes, edges, _ = parse_dot(viz.draw_graph(loss).source)
    options = of_kind(nodes, "option")
    assert [node.label for node in options.values()] == [["labels", "(4,) int64"]]
    op = next(key for key, node in nodes.items() if node.title == "SoftmaxCrossEntropy")
    assert (next(iter(options)), op, "") in edges


def test_params_name_raw_tensors_and_a_title_is_shown():
    w = tg.Tensor(np.ones((2, 2)), requires_grad=True)
    b = tg.Tensor(np.zeros(2), requires_grad=True)
    x = tg.Tensor(np.ones((3, 2)), name="batch")
    dot = viz.draw_graph((x @ w + b).relu().mean(), params={"W1": w, "b1": b}, title="one layer")
    nodes, _, frame_of = parse_dot(dot.source)
    assert [node.title for node in of_kind(nodes, "tensor").values()][:4] == ["batch", "W1", "MatMul out", "b1"]
    assert all(frame_of[key] is None for key in nodes)
    assert 'label="one layer"' in dot.source
    pairs, _, _ = parse_dot(viz.draw_graph((x @ w).sum(), params=[("W1", w)]).source)
    assert "W1" in [node.title for node in pairs.values()]


def test_a_leaf_draws_as_one_node():
    nodes, edges, _ = parse_dot(viz.draw_graph(tg.Tensor([1.0, 2.0], name="alone")).source)
    assert [node.title for node in nodes.values()] == ["alone"] and edges == []


def test_bad_arguments_name_the_problem():
    x = tg.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="expected a Tensor"):
        viz.draw_graph(np.ones(2))
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(x * 2, rankdir="up")
    with pytest.raises(ValueError, match="depth"):
        viz.draw_graph(x * 2, depth=-1)
    with pytest.raises(ValueError, match="max_nodes"):
        viz.draw_graph(x * 2, max_nodes=True)


def test_a_drawing_says_what_it_is_as_text():
    x = tg.Tensor([1.0, 2.0], requires_grad=True, name="x")
    drawing = viz.draw_graph((x * x).sum())
    assert repr(drawing) == "Drawing: computation graph, 5 nodes"   # x, Mul, its result, Sum, its result
    assert repr(viz.draw_module(tg.nn.MLP([2, 3, 1]))) == "Drawing: module tree, 5 nodes"
    assert repr(viz.draw_network(tg.nn.MLP([2, 3, 1]))) == "Drawing: network, 6 nodes"

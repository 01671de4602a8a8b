"""viz.draw_graph: one DOT node per recorded tensor and op, edges that match the graph,
deterministic text, 10,000-deep chains, module clusters, folding, statistics and health marks."""

import os
import re
import subprocess
import sys
import warnings
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_nn as tg
import tinygrad_nn.functional as F
from tinygrad_nn import viz
from tinygrad_nn.engine import topological_order

NODE = re.compile(r'^\s*(\w+) \[label=("(?:[^"\\]|\\.)*"|[^ \]]+)(.*)\]$')
EDGE = re.compile(r'^\s*(\w+) -> (\w+)')


def parse_dot(source):
    """``(nodes, edges, cluster_of)``: key -> (label lines, attrs text); list of (tail, head);
    key -> innermost cluster label (None at top level)."""
    nodes, edges, cluster_of, stack = {}, [], {}, []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("subgraph cluster_"):
            stack.append(None)
            continue
        if stripped == "}" and stack:
            stack.pop()
            continue
        if stack and stack[-1] is None and "label=" in stripped and not NODE.match(line):
            stack[-1] = re.search(r'label=("(?:[^"\\]|\\.)*"|\S+)', stripped).group(1).strip('"')
            continue
        edge = EDGE.match(line)
        if edge:
            edges.append((edge.group(1), edge.group(2)))
            continue
        node = NODE.match(line)
        if node:
            label = node.group(2).strip('"').split("\\n")
            nodes[node.group(1)] = (label, node.group(3))
            cluster_of[node.group(1)] = stack[-1] if stack else None
    return nodes, edges, cluster_of


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


def drawn_applications(source):
    nodes, edges, _ = parse_dot(source)
    inputs, output = {}, {}
    for tail, head in edges:
        if head.startswith("op"):
            inputs.setdefault(head, []).append(nodes[tail][0][0])
        else:
            output[tail] = nodes[head][0][0]
    return [(nodes[key][0][0], tuple(inputs[key]), output[key]) for key in nodes if key.startswith("op")]


@given(steps)
def test_one_node_per_tensor_and_op_and_edges_match_the_graph(program):
    root, applications = build(program)
    source = viz.draw_graph(root, max_nodes=None).source
    nodes, edges, _ = parse_dot(source)
    used_leaves = {name for _, inputs, _ in applications for name in inputs if name.startswith("leaf")}
    tensor_keys = [key for key in nodes if key.startswith("t")]
    assert sorted(nodes[key][0][0] for key in tensor_keys) == sorted(
        used_leaves | {out for _, _, out in applications})
    assert sum(key.startswith("op") for key in nodes) == len(applications)
    assert len(nodes) == len(tensor_keys) + len(applications)
    assert len(edges) == sum(len(inputs) + 1 for _, inputs, _ in applications)
    assert Counter(drawn_applications(source)) == Counter(applications)


@given(steps)
def test_drawing_is_deterministic(program):
    first, _ = build(program)
    second, _ = build(program)
    assert viz.draw_graph(first).source == viz.draw_graph(first).source
    assert viz.draw_graph(first).source == viz.draw_graph(second).source


DRAW_IN_A_NEW_PROCESS = """
import numpy as np, tinygrad_nn as tg
tg.manual_seed(0)
model = tg.nn.MLP([3, 5, 2])
x = tg.Tensor(np.arange(12.0).reshape(4, 3), name="x")
loss = tg.functional.cross_entropy(model(x), np.array([0, 1, 1, 0]))
loss.backward()
print(tg.viz.draw_graph(loss, values=True, grads=True).source)
"""


def test_drawing_is_the_same_in_every_process():
    sources = set()
    for seed in ("0", "1", "random"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-c", DRAW_IN_A_NEW_PROCESS], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        sources.add(done.stdout)
    assert len(sources) == 1 and "layers.0.weight" in sources.pop()


def test_keys_follow_the_walk_order_not_object_ids():
    x = tg.Tensor(np.ones(2), requires_grad=True)
    source = viz.draw_graph(((x * 2.0).tanh() + x).sum()).source
    keys = [m.group(1) for m in map(NODE.match, source.splitlines()) if m]
    assert [k for k in keys if k.startswith("op")] == ["op0", "op1", "op2", "op3"]
    assert not re.search(r"\d{7,}", source)


def test_a_10000_deep_chain_draws_without_recursion():
    depth = 10_000
    assert depth > sys.getrecursionlimit()
    y = x = tg.Tensor(np.array([0.5]), requires_grad=True, name="x")
    for _ in range(depth):
        y = y.tanh()
    nodes, edges, _ = parse_dot(viz.draw_graph(y, max_nodes=None).source)
    assert sum(k.startswith("op") for k in nodes) == depth
    assert sum(k.startswith("t") for k in nodes) == depth + 1
    assert len(edges) == 2 * depth
    folded, folded_edges, _ = parse_dot(viz.draw_graph(y).source)
    assert len(folded) <= 300
    chain = [label for key, (label, _) in folded.items() if key.startswith("g")]
    assert chain and chain[0] == [f"... {depth - 4:,} ops in a chain ...", f"Tanh x{depth - 4:,}"]
    assert "x" in [label[0] for label, _ in folded.values()]
    assert len(folded_edges) == len(set(folded_edges)) == len(folded) - 1


# ----------------------------------------------------------------- modules
def mlp_and_loss(sizes=(3, 5, 4, 2), batch=6, seed=0):
    tg.manual_seed(seed)
    model = tg.nn.MLP(list(sizes))
    rng = np.random.default_rng(seed)
    x = tg.Tensor(rng.standard_normal((batch, sizes[0])), name="x")
    labels = rng.integers(0, sizes[-1], batch)
    return model, x, labels


class TwoHeads(tg.nn.Module):
    """One Linear body reached through two Sequential heads, and an Add recorded in the root itself."""

    def __init__(self):
        body = tg.nn.Linear(3, 4)
        self.left = tg.nn.Sequential(body, tg.nn.ReLU())
        self.right = tg.nn.Sequential(body, tg.nn.Tanh())

    def forward(self, x):
        return self.left(x) + self.right(x)


def two_heads_loss():
    tg.manual_seed(0)
    model = TwoHeads()
    x = tg.Tensor(np.random.default_rng(0).standard_normal((5, 3)), name="x")
    return model, (model(x) ** 2).mean()


def mlp_cross_entropy():
    model, x, labels = mlp_and_loss()
    return model, F.cross_entropy(model(x), labels)


@pytest.mark.parametrize("make", [mlp_cross_entropy, two_heads_loss])
def test_clusters_match_module_paths(make):
    model, loss = make()
    order = topological_order(loss)
    nodes, _, cluster_of = parse_dot(viz.draw_graph(loss).source)
    for index, node in enumerate(order):
        expected = tg.nn.scope_path(node.scope) if node.scope else None
        cluster = cluster_of[f"op{index}"]
        if expected is None:
            assert cluster is None
        elif expected == "":
            assert cluster == type(node.scope[0]).__name__
        else:
            assert cluster == f"{expected} ({type(node.scope[-1]).__name__})"
    named = dict(model.named_parameters())
    for key, (label, _) in nodes.items():
        if label[0] in named:
            owner = label[0].rsplit(".", 1)[0]
            assert cluster_of[key].startswith(owner + " ")


def test_cluster_paths_come_from_nn_scope_path_only(monkeypatch):
    from tinygrad_nn.viz import recorded
    assert not hasattr(recorded, "_fallback_scope_path")
    asked = []
    monkeypatch.setattr(recorded, "scope_path", lambda scope: asked.append(scope) or tg.nn.scope_path(scope))
    model, loss = two_heads_loss()
    viz.draw_graph(loss)
    assert (model, model.left, model.left[0]) in asked and all(scope[0] is model for scope in asked)


def test_a_shared_module_called_from_two_places_gets_a_cluster_per_path():
    _, loss = two_heads_loss()
    nodes, _, cluster_of = parse_dot(viz.draw_graph(loss).source)
    affines = sorted(cluster_of[key] for key, (label, _) in nodes.items() if label[0] == "Affine")
    assert affines == ["left.0 (Linear)", "right.0 (Linear)"]
    assert [cluster_of[k] for k, (label, _) in nodes.items() if label[0] == "Add" and
            cluster_of[k] == "TwoHeads"] == ["TwoHeads"]


def test_parameters_are_named_by_their_dotted_path():
    model, x, labels = mlp_and_loss()
    loss = F.cross_entropy(model(x), labels)
    nodes, _, _ = parse_dot(viz.draw_graph(loss, model=model).source)
    names = {label[0] for label, _ in nodes.values()}
    assert {name for name, _ in model.named_parameters()} <= names
    weight = model.layers[0].weight
    assert ["layers.0.weight", f"{weight.shape} float64"] in [label[:2] for label, _ in nodes.values()]


def test_depth_folds_each_module_into_one_node():
    model, x, labels = mlp_and_loss()
    loss = F.cross_entropy(model(x), labels)
    nodes, edges, _ = parse_dot(viz.draw_graph(loss, depth=2).source)
    boxes = [label[0] for key, (label, _) in nodes.items() if key.startswith("g")]
    assert boxes == ["layers.0: Linear(in_features=3, out_features=5, bias=True)", "layers.1: ReLU",
                     "layers.2: Linear(in_features=5, out_features=4, bias=True)", "layers.3: ReLU",
                     "layers.4: Linear(in_features=4, out_features=2, bias=True)"]
    labels_seen = [label[0] for label, _ in nodes.values()]
    assert "Affine" not in labels_seen and "layers.0.weight" not in labels_seen
    assert len(edges) == len(set(edges))
    whole, _, _ = parse_dot(viz.draw_graph(loss, depth=0).source)
    assert [label[0] for key, (label, _) in whole.items() if key.startswith("g")] == ["MLP(sizes=[3, 5, 4, 2])"]


def test_a_size_cap_folds_modules_before_dropping_detail():
    model, x, labels = mlp_and_loss(sizes=(3,) + (4,) * 30 + (2,))
    loss = F.cross_entropy(model(x), labels)
    full, _, _ = parse_dot(viz.draw_graph(loss, max_nodes=None).source)
    capped = viz.draw_graph(loss, max_nodes=150)
    nodes, _, _ = parse_dot(capped.source)
    assert len(full) > 150 >= len(nodes)
    assert "folded" in capped.source


def test_a_size_cap_folds_repeated_layers_into_one_chain_box():
    model = tg.nn.MLP([4] + [16] * 50 + [2])
    out = model(tg.Tensor(np.ones((2, 4)), name="x")).sum()
    nodes, edges, _ = parse_dot(viz.draw_graph(out, max_nodes=50).source)
    boxes = [label for key, (label, _) in nodes.items() if key.startswith("g")]
    assert [box[0] for box in boxes] == [
        "layers.0: Linear(in_features=4, out_features=16, bias=True)", "layers.1: ReLU",
        "... 97 modules in a chain ...", "layers.99: ReLU",
        "layers.100: Linear(in_features=16, out_features=2, bias=True)"]
    assert boxes[2][1:] == ["Linear x49, ReLU x48", "97 ops: Affine x49, ReLU x48"]
    assert len(nodes) <= 50 and len(edges) == len(set(edges)) == len(nodes) - 1


def test_bad_arguments_name_the_problem():
    x = tg.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="expected a Tensor"):
        viz.draw_graph(np.ones(2))
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(x * 2, rankdir="up")
    with pytest.raises(ValueError, match="depth"):
        viz.draw_graph(x * 2, depth=-1)


def test_a_leaf_draws_as_one_node():
    nodes, edges, _ = parse_dot(viz.draw_graph(tg.Tensor([1.0, 2.0], name="alone")).source)
    assert [label[0] for label, _ in nodes.values()] == ["alone"] and edges == []


# ----------------------------------------------------------------- statistics and health
def test_gradient_statistics_before_backward_warn():
    model, x, labels = mlp_and_loss()
    loss = F.cross_entropy(model(x), labels)
    with pytest.warns(viz.GradientsNotComputedWarning, match="backward"):
        viz.draw_graph(loss, grads=True)
    loss.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        viz.draw_graph(loss, grads=True)


def test_value_and_gradient_statistics_are_the_tensors_numbers():
    model, x, labels = mlp_and_loss()
    loss = F.cross_entropy(model(x), labels)
    loss.backward()
    nodes, _, _ = parse_dot(viz.draw_graph(loss, values=True, grads=True).source)
    weight = model.layers[2].weight
    label, attrs = next(v for v in nodes.values() if v[0][0] == "layers.2.weight")
    assert f"data norm {np.linalg.norm(weight.data):.3g}" in label
    assert f"grad norm {np.linalg.norm(weight.grad):.3g}" in label
    assert (f"grad min {weight.grad.min():.3g} mean {weight.grad.mean():.3g} "
            f"max {weight.grad.max():.3g}") in label
    assert "#b2f2bb" in attrs  # healthy


def test_fill_colour_tells_the_gradient_norm():
    w = tg.Tensor(np.ones(3), requires_grad=True, name="w")
    tiny = tg.Tensor(np.full(3, 1e-9), requires_grad=True, name="tiny")
    huge = tg.Tensor(np.full(3, 1e4), requires_grad=True, name="huge")
    dead = tg.Tensor(-np.ones(3), requires_grad=True, name="dead")
    loss = (w * tiny).sum() + (huge * huge).sum() + dead.relu().sum()
    loss.backward()
    nodes, _, _ = parse_dot(viz.draw_graph(loss, grads=True).source)
    fill = {label[0]: re.search(r'fillcolor="([^"]+)"', attrs).group(1) for label, attrs in nodes.values()}
    assert fill["w"] == "#a5d8ff"        # grad 1e-9: vanishing
    assert fill["huge"] == "#ffc078"     # grad 2e4: exploding
    assert fill["dead"] == "#dee2e6"     # grad exactly 0
    assert fill["tiny"] == "#b2f2bb"     # grad 1: healthy


def test_activations_show_their_dead_fraction_from_the_unit_watcher():
    model, x, labels = mlp_and_loss()
    model.layers[0].bias.data[:] = -100.0     # every unit of layers.1 dead
    watcher = tg.nn.watch_units(model)
    loss = F.cross_entropy(model(x), labels)
    stats = watcher.stats()
    assert stats["layers.1"].dead_fraction == 1.0
    source = viz.draw_graph(loss, units=watcher).source
    nodes, _, cluster_of = parse_dot(source)
    relu = {cluster_of[k]: v for k, v in nodes.items() if v[0][0] == "ReLU"}
    assert "dead 100% of units" in relu["layers.1 (ReLU)"][0]
    assert "#ffe066" in relu["layers.1 (ReLU)"][1]
    assert f"dead {stats['layers.3'].dead_fraction:.0%} of units" in relu["layers.3 (ReLU)"][0]


class BrokenSquare(tg.Function):
    """x**2 with a wrong backward (2x + 1): the graph check must blame it."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (2 * x + 1)


def test_the_node_blamed_by_the_graph_check_is_red_with_its_worst_element():
    check_graph = getattr(tg, "check_graph", None)
    if check_graph is None:
        from tinygrad_nn.checks import check_graph
    x = tg.Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True, name="x")
    loss = BrokenSquare.apply(x.tanh()).sum()
    result = check_graph(loss)
    assert result.failures
    failure = result.failures[0]
    nodes, edges, _ = parse_dot(viz.draw_graph(loss, blame=result).source)
    label, attrs = next(v for v in nodes.values() if v[0][0] == "BrokenSquare")
    assert "#e03131" in attrs
    assert any("gradcheck FAILED: input 0" in line and f"analytic {failure.analytic:.3g}" in line
               for line in label)
    assert not any("#e03131" in a for l, a in nodes.values() if l[0] != "BrokenSquare")
    source = viz.draw_graph(loss, blame=result).source
    assert re.search(r"t\d+ -> op1 \[color=\"#e03131\"", source)


def test_params_name_raw_tensors_and_a_title_is_shown():
    w = tg.Tensor(np.ones((2, 2)), requires_grad=True)
    b = tg.Tensor(np.zeros(2), requires_grad=True)
    x = tg.Tensor(np.ones((3, 2)), name="batch")
    dot = viz.draw_graph((x @ w + b).relu().mean(), params={"W1": w, "b1": b}, title="one layer")
    nodes, _, cluster_of = parse_dot(dot.source)
    names = [label[0] for key, (label, _) in nodes.items() if key.startswith("t")]
    assert names[:4] == ["batch", "W1", "t2", "b1"]
    assert all(cluster_of[key] is None for key in nodes)
    assert 'label="one layer"' in dot.source
    pairs, _, _ = parse_dot(viz.draw_graph((x @ w).sum(), params=[("W1", w)]).source)
    assert "W1" in [label[0] for label, _ in pairs.values()]


def test_float32_graphs_say_so():
    x = tg.Tensor(np.ones(3, dtype=np.float32), requires_grad=True, name="x")
    nodes, _, _ = parse_dot(viz.draw_graph((x * 2.0).sum()).source)
    assert ["x", "(3,) float32"] in [label for label, _ in nodes.values()]
    assert ["2"] in [label for label, _ in nodes.values()]

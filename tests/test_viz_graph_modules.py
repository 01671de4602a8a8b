"""viz.draw_graph with modules: one frame per module path, parameters named and framed by their owner,
``depth=`` folding, the ``max_nodes`` cap folding modules and chains of layers."""

import numpy as np
import pytest

import tinygrad_nn as tg
import tinygrad_nn.functional as F
from tinygrad_nn import viz
from tinygrad_nn.engine import topological_order
from viz_dot import mlp_and_loss, mlp_cross_entropy, of_kind, parse_dot, two_heads_loss


def op_keys_in_walk_order(nodes):
    return sorted(of_kind(nodes, "op"), key=lambda key: int(key[2:]))


@pytest.mark.parametrize("make", [mlp_cross_entropy, two_heads_loss])
def test_frames_match_module_paths(make):
    model, loss = make()
    order = topological_order(loss)
    nodes, _, frame_of = parse_dot(viz.draw_graph(loss).source)
    assert len(op_keys_in_walk_order(nodes)) == len(order)
    for node, key in zip(order, op_keys_in_walk_order(nodes)):
        expected = tg.nn.scope_path(node.scope) if node.scope else None
        if expected is None:
            assert frame_of[key] is None
        elif expected == "":
            assert frame_of[key] == type(node.scope[0]).__name__
        else:
            assert frame_of[key] == f"{expected} ({type(node.scope[-1]).__name__})"
    named = dict(model.named_parameters())
    for key, node in of_kind(nodes, "tensor").items():
        if node.title in named:
            owner = node.title.rsplit(".", 1)[0]
            assert frame_of[key].startswith(owner + " ")


def test_frame_paths_come_from_nn_scope_path_only(monkeypatch):
    from tinygrad_nn.viz import recorded
    asked = []
    monkeypatch.setattr(recorded, "scope_path", lambda scope: asked.append(scope) or tg.nn.scope_path(scope))
    model, loss = two_heads_loss()
    viz.draw_graph(loss)
    assert (model, model.left, model.left[0]) in asked and all(scope[0] is model for scope in asked)


def test_a_shared_module_gets_a_frame_per_path_and_its_weight_a_ghost_in_the_second():
    model, loss = two_heads_loss()
    nodes, _, frame_of = parse_dot(viz.draw_graph(loss).source)
    affines = sorted(frame_of[key] for key, node in nodes.items() if node.title == "Affine")
    assert affines == ["left.0 (Linear)", "right.0 (Linear)"]
    assert [frame_of[k] for k, node in nodes.items() if node.title == "Add"] == ["TwoHeads"]
    weight = [(node.kind, frame_of[key]) for key, node in nodes.items() if node.title == "left.0.weight"]
    assert sorted(weight) == [("ghost", "right.0 (Linear)"), ("tensor", "left.0 (Linear)")]


def test_parameters_are_named_by_their_dotted_path():
    model, x, labels = mlp_and_loss()
    loss = F.cross_entropy(model(x), labels)
    nodes, _, _ = parse_dot(viz.draw_graph(loss, model=model).source)
    names = {node.title for node in nodes.values()}
    assert {name for name, _ in model.named_parameters()} <= names
    weight = model.layers[0].weight
    assert ["layers.0.weight", f"{weight.shape} float64"] in [node.label[:2] for node in nodes.values()]


def test_a_regulariser_gets_ghosts_of_the_weights_beside_it():
    model, x, labels = mlp_and_loss()
    weights = [model.layers[0].weight, model.layers[2].weight]
    loss = F.cross_entropy(model(x), labels) + 0.5 * F.l2_penalty(weights)
    nodes, edges, frame_of = parse_dot(viz.draw_graph(loss).source)
    penalty = next(key for key, node in nodes.items() if node.title == "SumOfSquares")
    feeding = [nodes[tail] for tail, head, _ in edges if head == penalty]
    assert [(node.kind, node.label) for node in feeding] == [
        ("ghost", ["layers.0.weight", "used 2 times"]), ("ghost", ["layers.2.weight", "used 2 times"])]
    for name in ("layers.0.weight", "layers.2.weight"):
        full = [key for key, node in of_kind(nodes, "tensor").items() if node.title == name]
        assert len(full) == 1 and frame_of[full[0]] == f"{name[:8]} (Linear)"
        assert nodes[full[0]].label[-1] == "used 2 times"


def test_depth_folds_each_module_into_one_node():
    model, x, labels = mlp_and_loss()
    loss = F.cross_entropy(model(x), labels)
    nodes, edges, _ = parse_dot(viz.draw_graph(loss, depth=2).source)
    boxes = [node.title for node in of_kind(nodes, "group").values()]
    assert boxes == ["layers.0: Linear(in_features=3, out_features=5, bias=True)", "layers.1: ReLU",
                     "layers.2: Linear(in_features=5, out_features=4, bias=True)", "layers.3: ReLU",
                     "layers.4: Linear(in_features=4, out_features=2, bias=True)"]
    titles = [node.title for node in nodes.values()]
    assert "Affine" not in titles and "layers.0.weight" not in titles
    assert "layers.0 (Linear) out" in titles
    assert len(edges) == len(set(edges))
    whole, _, _ = parse_dot(viz.draw_graph(loss, depth=0).source)
    assert [node.title for node in of_kind(whole, "group").values()] == ["MLP(sizes=[3, 5, 4, 2])"]


def test_a_size_cap_folds_modules_before_dropping_detail_and_says_so():
    model, x, labels = mlp_and_loss(sizes=(3,) + (4,) * 30 + (2,))
    loss = F.cross_entropy(model(x), labels)
    full, _, _ = parse_dot(viz.draw_graph(loss, max_nodes=None).source)
    with pytest.warns(viz.GraphTooLargeWarning, match=r"more than max_nodes=150; folded .*max_nodes=None"):
        capped = viz.draw_graph(loss, max_nodes=150)
    nodes, _, _ = parse_dot(capped.source)
    assert len(full) > 150 >= len(nodes)
    assert "folded" in capped.source


def test_a_size_cap_folds_repeated_layers_into_one_chain_box_that_names_the_repetition():
    model = tg.nn.MLP([4] + [16] * 50 + [2])
    out = model(tg.Tensor(np.ones((2, 4)), name="x")).sum()
    with pytest.warns(viz.GraphTooLargeWarning, match="a chain of ×48 Linear → ReLU"):
        drawing = viz.draw_graph(out, max_nodes=50)
    nodes, edges, _ = parse_dot(drawing.source)
    boxes = [node.label for node in of_kind(nodes, "group").values()]
    assert [box[0] for box in boxes] == [
        "layers.0: Linear(in_features=4, out_features=16, bias=True)", "layers.1: ReLU",
        "×48 Linear → ReLU", "layers.98: Linear(in_features=16, out_features=16, bias=True)",
        "layers.99: ReLU", "layers.100: Linear(in_features=16, out_features=2, bias=True)"]
    assert boxes[2][1:] == ["96 ops: Affine x48, ReLU x48"]
    assert len(nodes) <= 50 and len(edges) == len(set(edges)) == len(nodes) - 1

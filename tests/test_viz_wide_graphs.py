"""Wide graphs stay a readable width: a node with more than ``max_inputs`` inputs side by side keeps its first and
last two, the rest fold into boxes that name and count them; a sum ``a1 + a2 + ...`` and a layer reused at every
step of a loop fold like any chain of repeated steps."""

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import tinygrad_nn as tg
import tinygrad_nn.functional as F
from tinygrad_nn import nn, viz
from viz_dot import of_kind, parse_dot, pure_renderer  # noqa: F401


def leaves(count, size=3, seed=0):
    rng = np.random.default_rng(seed)
    return [tg.Tensor(rng.standard_normal(size), requires_grad=True) for _ in range(count)]


def inputs_of(nodes, edges, title):
    """The titles of the nodes with an edge into the one node titled ``title``, in edge order."""
    (key,) = [key for key, node in nodes.items() if node.title == title]
    return [nodes[tail].title for tail, head, _ in edges if head == key]


def test_a_stack_of_400_leaves_keeps_the_first_and_last_two_and_folds_the_rest_into_one_box():
    with pytest.warns(viz.GraphTooLargeWarning) as caught:
        drawing = viz.draw_graph(tg.stack(leaves(400)).sum())
    assert [str(w.message) for w in caught] == [
        "draw_graph: Stack has 400 inputs side by side, more than max_inputs=12; folded 396 of them into "
        "×396 leaves (3,) float64 (max_inputs=None draws every input)"]
    nodes, edges, _ = parse_dot(drawing.source)
    assert inputs_of(nodes, edges, "Stack(axis=0)") == ["leaf 1", "leaf 2", "×396 leaves (3,) float64",
                                                        "leaf 3", "leaf 4"]
    (box,) = of_kind(nodes, "group").values()
    assert box.label == ["×396 leaves (3,) float64", "396 of the 400 inputs of Stack"]
    assert len(nodes) == 9


def test_max_inputs_none_draws_every_input_and_a_node_within_max_inputs_is_never_folded(recwarn):
    assert len(of_kind(parse_dot(viz.draw_graph(tg.stack(leaves(400)).sum(), max_inputs=None, max_nodes=None)
                              .source)[0],
                       "tensor")) == 402
    nodes = parse_dot(viz.draw_graph(tg.concatenate(leaves(12)).sum()).source)[0]
    assert not of_kind(nodes, "group") and len(of_kind(nodes, "tensor")) == 14
    assert not [w for w in recwarn if issubclass(w.category, viz.GraphTooLargeWarning)]


def test_max_inputs_is_checked():
    with pytest.raises(ValueError, match=r"draw_graph: max_inputs must be None or an int >= 5, got 4"):
        viz.draw_graph(tg.stack(leaves(3)).sum(), max_inputs=4)


def test_identical_branches_fold_into_one_box_with_one_edge_from_the_tensor_they_all_read():
    x = tg.Tensor([0.5, -1.0, 2.0], requires_grad=True, name="x")
    w = leaves(200)
    with pytest.warns(viz.GraphTooLargeWarning, match=r"folded 196 of them into ×196 Mul → Tanh "):
        nodes, edges, _ = parse_dot(viz.draw_graph(tg.stack([(x * wi).tanh() for wi in w]).sum()).source)
    (key, box), = of_kind(nodes, "group").items()
    assert box.label == ["×196 Mul → Tanh", "from 196 leaves (3,) float64", "196 of the 200 inputs of Stack",
                         "392 ops folded"]
    assert [nodes[tail].title for tail, head, _ in edges if head == key] == ["x"]
    assert len(of_kind(nodes, "op")) == 4 * 2 + 2          # the four branches kept, Stack and Sum


def test_branches_of_several_kinds_get_one_box_each_and_a_middle_of_all_different_inputs_one_box():
    x = tg.Tensor([0.5, -1.0, 2.0], requires_grad=True, name="x")
    steps = [lambda t: t.tanh(), lambda t: t.exp(), lambda t: t.sigmoid()]
    with pytest.warns(viz.GraphTooLargeWarning):
        nodes = parse_dot(viz.draw_graph(tg.stack([steps[i % 3](x).sum() for i in range(60)]).sum()).source)[0]
    assert sorted(box.title for box in of_kind(nodes, "group").values()) == [
        "×18 Exp → Sum", "×19 Sigmoid → Sum", "×19 Tanh → Sum"]
    with pytest.warns(viz.GraphTooLargeWarning, match=r"folded 36 of them into 36 inputs "):
        nodes = parse_dot(viz.draw_graph(tg.concatenate([leaves(1, size)[0] for size in range(1, 41)]).sum())
                          .source)[0]
    (box,) = of_kind(nodes, "group").values()
    assert box.label[:2] == ["36 inputs", "36 leaves (36 different kinds)"]


def test_a_folded_box_of_parameters_names_the_first_and_last_and_shows_their_gradient_norm():
    params = leaves(200)
    loss = F.l2_penalty(params)
    loss.backward()
    names = {f"w{i}": p for i, p in enumerate(params)}
    with pytest.warns(viz.GraphTooLargeWarning, match="SumOfSquares has 200 inputs"):
        nodes = parse_dot(viz.draw_graph(loss, params=names, grads=True).source)[0]
    (box,) = of_kind(nodes, "group").values()
    expected = np.sqrt(sum(float(np.sum((2 * p.data) ** 2)) for p in params[2:198]))
    assert box.label[:3] == ["×196 parameters (3,) float64", "w2 … w197", "196 of the 200 inputs of SumOfSquares"]
    assert box.label[3] == f"grad norm {viz.annotations.format_number(expected)} (over 196 tensors)"


def test_a_sum_of_200_leaves_folds_as_a_chain_that_counts_the_leaves_it_holds():
    total = leaves(1)[0]
    for leaf in leaves(199, seed=1):
        total = total + leaf
    with pytest.warns(viz.GraphTooLargeWarning, match=r"folded a chain of ×196 Add to draw 13"):
        nodes = parse_dot(viz.draw_graph(total.sum()).source)[0]
    (box,) = of_kind(nodes, "group").values()
    assert box.label == ["×196 Add", "196 ops folded", "with 196 leaves (3,) float64"]


def acyclic(edges):
    following = {}
    for tail, head, _ in edges:
        following.setdefault(tail, []).append(head)
    state = {}

    def visit(key):                      # graphs here are small: recursion is fine
        state[key] = "open"
        for head in following.get(key, ()):
            if state.get(head) == "open" or (head not in state and not visit(head)):
                return False
        state[key] = "done"
        return True
    return all(visit(key) for key in list(following) if key not in state)


def test_a_layer_reused_at_every_step_folds_one_box_per_call_never_one_box_feeding_itself():
    tg.manual_seed(0)
    layer = nn.Linear(4, 4)
    h = tg.Tensor(np.ones((2, 4)), name="x")
    for _ in range(30):
        h = layer(h).tanh()
    with pytest.warns(viz.GraphTooLargeWarning):
        nodes, edges, _ = parse_dot(viz.draw_graph(h.sum()).source)
    assert acyclic(edges)
    groups = [node.label[0] for node in of_kind(nodes, "group").values()]
    assert groups.count("×28 Linear → Tanh") == 1
    assert groups.count("Linear(in_features=4, out_features=4, bias=True)") == 2   # the first and last call
    assert [node.title for node in of_kind(nodes, "tensor").values()].count("weight") == 1


def test_the_picture_of_a_stack_of_400_tensors_is_a_few_hundred_points_wide(tmp_path, pure_renderer):
    loss = tg.stack(leaves(400)).sum()
    loss.backward()
    with pytest.warns(viz.GraphTooLargeWarning):
        drawing = viz.draw_graph(loss, grads=True)
    width = ET.parse(viz.render(drawing, tmp_path / "stack.svg")).getroot().get("width")
    assert float(re.match(r"[\d.]+", width).group()) < 1000

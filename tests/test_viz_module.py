"""viz.draw_module (the module tree) and viz.draw_network (layers of circles)."""

import re

import pytest
from hypothesis import given, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import viz
from viz_dot import TwoHeads

NODE = re.compile(r'^\s*(\w+) \[(?:label=("(?:[^"\\]|\\.)*"|[^ \]]+))?')
EDGE = re.compile(r'^\s*(\w+) -> (\w+)')


def parse(source):
    nodes, edges = {}, []
    for line in source.splitlines():
        edge = EDGE.match(line)
        if edge:
            edges.append(edge.groups())
            continue
        node = NODE.match(line)
        if node and node.group(1) not in ("graph", "node", "edge"):
            nodes[node.group(1)] = (node.group(2) or "").strip('"').split("\\n")
    return nodes, edges


sizes_lists = st.lists(st.integers(1, 6), min_size=2, max_size=5)


@given(sizes_lists)
def test_module_tree_has_one_box_per_module_with_type_config_and_count(sizes):
    model = tg.nn.MLP(sizes)
    nodes, edges = parse(viz.draw_module(model).source)
    modules = list(model.named_modules())
    assert len(nodes) == len(modules)
    assert len(edges) == len(modules) - 1
    labels = {lines[0]: lines for lines in nodes.values()}
    for path, module in modules:
        head = f"{path}: {type(module).__name__}" if path else type(module).__name__
        lines = labels[head]
        if module.extra_repr():
            assert lines[1] == module.extra_repr()
        if path:
            count = module.num_parameters()
            assert (f"{count:,} parameters" if count != 1 else "1 parameter") in lines or (
                count == 0 and "no parameters" in lines)
    root = labels["MLP"]
    total = model.num_parameters()
    assert f"total: {total:,} parameters in {len(list(model.parameters()))} tensors ({total:,} trainable)" in root


def test_module_tree_lists_own_parameters_with_shapes():
    nodes, _ = parse(viz.draw_module(tg.nn.MLP([3, 4, 2])).source)
    linear = next(lines for lines in nodes.values() if lines[0] == "layers.0: Linear")
    assert linear[-2:] == ["weight (4, 3)", "bias (4,)"]
    bare, _ = parse(viz.draw_module(tg.nn.MLP([3, 4, 2]), parameters=False).source)
    assert not any("weight" in line for lines in bare.values() for line in lines)


def test_a_shared_module_is_drawn_once_with_an_edge_from_each_parent():
    nodes, edges = parse(viz.draw_module(TwoHeads()).source)
    linear = [key for key, lines in nodes.items() if "Linear" in lines[0]]
    assert len(linear) == 1
    assert len([edge for edge in edges if edge[1] == linear[0]]) == 2
    root = next(lines for lines in nodes.values() if lines[0] == "TwoHeads")
    assert "total: 16 parameters in 2 tensors (16 trainable)" in root


def test_max_depth_stops_the_tree():
    nodes, _ = parse(viz.draw_module(tg.nn.MLP([3, 4, 2]), max_depth=1).source)
    assert [lines[0] for lines in nodes.values()] == ["MLP", "layers: Sequential"]


def test_draw_module_refuses_what_is_not_a_module():
    with pytest.raises(TypeError, match="draw_module: expected a tg.nn.Module"):
        viz.draw_module(tg.Tensor([1.0]))


# ----------------------------------------------------------------- network pictures
@given(st.lists(st.integers(1, 6), min_size=2, max_size=5))
def test_network_has_a_circle_per_unit_and_full_connections(sizes):
    nodes, edges = parse(viz.draw_network(tg.nn.MLP(sizes)).source)
    assert len(nodes) == sum(sizes)
    assert len(edges) == sum(a * b for a, b in zip(sizes, sizes[1:]))
    for layer, (a, b) in enumerate(zip(sizes, sizes[1:])):
        between = {(t, h) for t, h in edges if t.startswith(f"l{layer}u") and h.startswith(f"l{layer + 1}u")}
        assert between == {(f"l{layer}u{i}", f"l{layer + 1}u{j}") for i in range(a) for j in range(b)}


@pytest.mark.parametrize("sizes, caption", [
    ([3, 4, 2], "2-layer neural network: 4 + 2 = 6 neurons (inputs not counted), "
                "20 weights + 6 biases = 26 parameters"),
    ([3, 4, 4, 1], "3-layer neural network: 4 + 4 + 1 = 9 neurons (inputs not counted), "
                   "32 weights + 9 biases = 41 parameters"),
])
def test_network_caption_counts_like_the_notes(sizes, caption):
    source = viz.draw_network(tg.nn.MLP(sizes)).source
    assert caption in source


def test_network_layers_are_named_with_their_activation():
    source = viz.draw_network(tg.nn.MLP([3, 4, 4, 1], activation=tg.nn.Tanh)).source
    assert "hidden layer 1\\n4 units\\nlayers.0: Linear + Tanh" in source
    assert "output layer\\n1 unit\\nlayers.4: Linear\"" in source
    assert "input layer\\n3 inputs" in source


def test_a_large_network_is_refused_with_what_to_draw_instead():
    with pytest.raises(viz.NetworkTooLargeError, match=r"layers.0 has 64 units.*draw_module.*draw_graph"):
        viz.draw_network(tg.nn.MLP([3, 64, 2]))
    with pytest.raises(viz.NetworkTooLargeError, match="layers"):
        viz.draw_network(tg.nn.MLP([2] * 12))
    assert viz.draw_network(tg.nn.MLP([3, 64, 2]), max_units=64)


def test_a_network_that_is_not_a_chain_of_dense_layers_is_refused():
    with pytest.raises(ValueError, match="takes 5 features but 0 gives 4"):
        viz.draw_network(tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Linear(5, 2)))
    with pytest.raises(ValueError, match="no fully connected layer"):
        viz.draw_network(tg.nn.Sequential(tg.nn.ReLU()))


def test_maxout_layers_are_drawn_with_their_units():
    net = tg.nn.Sequential(tg.nn.Maxout(3, 4, pieces=2), tg.nn.Linear(4, 2))
    nodes, edges = parse(viz.draw_network(net).source)
    assert len(nodes) == 3 + 4 + 2 and len(edges) == 3 * 4 + 4 * 2
    assert "hidden layer 1\\n4 units\\n0: Maxout (2 pieces)" in viz.draw_network(net).source
    weights = 3 * 4 * 2 + 4 * 2
    biases = 4 * 2 + 2
    assert f"{weights} weights + {biases} biases = {weights + biases} parameters" in viz.draw_network(net).source


class ListsAndDicts(tg.nn.Module):
    """Parameters held in a list and a dict attribute, in itself and in a child."""

    def __init__(self):
        self.scales = [tg.Tensor([1.0, 1.0, 1.0], requires_grad=True), tg.Tensor([1.0, 1.0], requires_grad=True)]
        self.gains = {"a": tg.Tensor(1.0, requires_grad=True)}
        self.frozen = [tg.Tensor([1.0, 1.0])]   # no gradient: not a parameter
        self.head = tg.nn.Sequential(tg.nn.Linear(3, 2))
        self.head.offsets = [tg.Tensor([0.0, 0.0], requires_grad=True)]


def test_module_tree_lists_parameters_held_in_lists_and_dicts():
    nodes, _ = parse(viz.draw_module(ListsAndDicts()).source)
    labels = {lines[0]: lines for lines in nodes.values()}
    assert labels["ListsAndDicts"][1:4] == ["scales.0 (3,)", "scales.1 (2,)", "gains.a ()"]
    assert labels["head: Sequential"][-1] == "offsets.0 (2,)"
    assert labels["head.0: Linear"][-2:] == ["weight (2, 3)", "bias (2,)"]
    assert not any("frozen" in line for lines in nodes.values() for line in lines)


# ----------------------------------------------------------------- wide module trees
def children_of(nodes, edges, head):
    """The labels of the boxes under the box whose first line is ``head``, left to right."""
    key = next(key for key, lines in nodes.items() if lines[0] == head)
    return [nodes[child] for parent, child in edges if parent == key]


def test_a_deep_mlp_folds_the_repeated_middle_layers_into_one_box_that_names_and_counts_them():
    model = tg.nn.MLP([8] + [16] * 49 + [3])          # 99 children under layers
    nodes, edges = parse(viz.draw_module(model).source)
    children = children_of(nodes, edges, "layers: Sequential")
    assert [lines[0] for lines in children] == [
        "layers.0: Linear", "layers.1: ReLU", "layers.2 … layers.95: ×47 Linear → ReLU",
        "layers.96: Linear", "layers.97: ReLU", "layers.98: Linear"]
    folded = sum(model.layers[i].num_parameters() for i in range(2, 96))
    assert children[2][1:] == ["94 modules folded", f"{folded:,} parameters"]
    assert "max_children=12; None draws every child" in viz.draw_module(model).source


@given(st.integers(1, 40), st.integers(5, 14))
def test_the_drawn_children_and_the_folded_box_account_for_every_child_once(hidden_layers, max_children):
    model = tg.nn.MLP([2] + [3] * hidden_layers + [1], activation=tg.nn.Tanh)
    nodes, edges = parse(viz.draw_module(model, max_children=max_children).source)
    children = children_of(nodes, edges, "layers: Sequential")
    count = len(model.layers.named_children())
    folds = [lines for lines in children if len(lines) > 1 and lines[1].endswith("modules folded")]
    drawn = [lines for lines in children if lines not in folds]
    if count <= max_children:
        assert len(drawn) == count and not folds
        return
    assert len(folds) == 1 and len(children) <= 2 * 2 + 1 + 1   # a left-over sibling of a pattern of two
    assert len(drawn) + int(folds[0][1].split()[0]) == count
    counted = sum(int(lines[-3 if lines[0].endswith("Linear") else -1].split()[0].replace(",", ""))
                  for lines in drawn if lines[0].endswith("Linear"))
    assert counted + int(folds[0][2].split()[0].replace(",", "")) == model.num_parameters()


def test_max_children_none_draws_every_child_and_bad_values_are_refused():
    model = tg.nn.MLP([2] + [3] * 20 + [1])
    nodes, edges = parse(viz.draw_module(model, max_children=None, max_nodes=None).source)
    assert len(children_of(nodes, edges, "layers: Sequential")) == 41
    with pytest.raises(ValueError, match="draw_module: max_children must be None or an int >= 5, got 4"):
        viz.draw_module(model, max_children=4)


def test_a_long_configuration_is_shortened_in_its_middle():
    nodes, _ = parse(viz.draw_module(tg.nn.MLP([8] + [16] * 60 + [3])).source)
    config = nodes["m0"][1]
    assert config.startswith("sizes=[8, 16, ") and config.endswith(", 16, 3]") and ", …, " in config
    assert len(config) <= 80


class Block(tg.nn.Module):
    def __init__(self):
        self.a, self.b = tg.nn.Linear(2, 2), tg.nn.ReLU()


def test_a_tree_with_more_than_max_nodes_boxes_stops_one_level_higher_at_a_time_and_says_so():
    model = tg.nn.Sequential(*[tg.nn.Sequential(*[Block() for _ in range(6)]) for _ in range(6)])  # 79 modules
    drawing = viz.draw_module(model)
    nodes, _ = parse(drawing.source)
    assert sorted(lines[0] for lines in nodes.values()) == [f"{i}: Sequential" for i in range(6)] + ["Sequential"]
    assert "the tree stops 1 level down to draw at most max_nodes=40 boxes" in drawing.source
    nodes, _ = parse(viz.draw_module(model, max_nodes=50).source)
    assert len(nodes) == 1 + 6 + 36                 # two levels fit in 50 boxes
    nodes, _ = parse(viz.draw_module(model, max_nodes=None).source)
    assert len(nodes) == len(list(model.named_modules()))

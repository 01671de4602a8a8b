"""Drawings of reused modules, and what ``render`` and ``tinygrad-nn draw`` say when they cannot do what is asked:
a layer a ``Sequential`` holds twice is in the module tree and in the network picture at both places, big counts
are written with thousands separators, ``.pdf`` and a file name passed as DOT text are refused in words, a path
that cannot be written is named as given, and folding in the command line is one ``note:`` line."""

import re
import textwrap

import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn, viz
from tinygrad_nn.cli import main
from viz_dot import TwoHeads, parse_dot, pure_renderer  # noqa: F401


EDGE = re.compile(r'^\s*(\w+) -> (\w+)(?: \[(.*)\])?$')
NODE = re.compile(r'^\s*(\w+) \[')


def edges_of(drawing):
    """``(tail, head, attribute text)`` of every edge, in order."""
    return [match.groups("") for match in map(EDGE.match, drawing.source.splitlines()) if match]


def node_count(drawing):
    return len({match.group(1) for match in map(NODE.match, drawing.source.splitlines())
                if match and match.group(1) not in ("graph", "node", "edge")})


def reused_layer_net():
    lin = nn.Linear(4, 4)
    return nn.Sequential(lin, nn.ReLU(), lin, nn.Sigmoid())


# ----------------------------------------------------------------- module tree
def test_a_module_held_twice_by_one_parent_keeps_an_edge_for_each_place():
    drawing = viz.draw_module(reused_layer_net())
    nodes, _, _ = parse_dot(drawing.source)
    assert sorted(node.title for node in nodes.values()) == ["0: Linear", "1: ReLU", "3: Sigmoid", "Sequential"]
    (linear,) = [key for key, node in nodes.items() if node.title == "0: Linear"]
    into_linear = [attrs for _, head, attrs in edges_of(drawing) if head == linear]
    assert len(into_linear) == 2 and into_linear[0] == ""
    assert 'label="also 2"' in into_linear[1] and "style=dashed" in into_linear[1]


def test_a_module_shared_by_two_parents_says_where_else_it_sits():
    drawing = viz.draw_module(TwoHeads())
    nodes, _, _ = parse_dot(drawing.source)
    (linear,) = [key for key, node in nodes.items() if "Linear" in node.title]
    labels = [attrs for _, head, attrs in edges_of(drawing) if head == linear]
    assert len(labels) == 2 and 'label="also right.0"' in labels[1]


# ----------------------------------------------------------------- network picture
def test_a_layer_a_sequential_applies_twice_is_drawn_as_two_layers_counted_once():
    drawing = viz.draw_network(reused_layer_net())
    source = drawing.source
    assert node_count(drawing) == 4 + 4 + 4 and len(edges_of(drawing)) == 16 + 16
    assert ("2-layer neural network: 4 + 4 = 8 neurons (inputs not counted), 16 weights + 4 biases = "
            "20 parameters; 2 applies 0 again (shared weights counted once)") in source
    assert "hidden layer 1\\n4 units\\n0: Linear + ReLU" in source
    assert "output layer\\n4 units\\n2: Linear + Sigmoid" in source


class Aliased(nn.Module):
    """A custom module keeping a second name for its last layer: the layer still runs once."""

    def __init__(self):
        self.layers = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        self.head = self.layers[2]

    def forward(self, x):
        return self.layers(x)


def test_an_alias_attribute_is_no_second_layer():
    source = viz.draw_network(Aliased()).source
    assert "2-layer neural network: 3 + 1 = 4 neurons (inputs not counted), 9 weights + 4 biases = 13 parameters\"" \
        in source


def test_network_counts_have_thousands_separators():
    source = viz.draw_network(nn.MLP([12] * 9)).source
    assert "12 + 12 + 12 + 12 + 12 + 12 + 12 + 12 = 96 neurons" in source
    assert "1,152 weights + 96 biases = 1,248 parameters" in source
    with pytest.raises(viz.NetworkTooLargeError, match="894 circles and 79,400 lines"):
        viz.draw_network(nn.MLP([784, 100, 10]))


# ----------------------------------------------------------------- render
def test_a_pdf_is_refused_saying_which_formats_render_writes(tmp_path):
    drawing = viz.draw_graph(tg.Tensor([1.0]))
    with pytest.raises(ValueError, match=r"\.pdf is not one of the formats render writes \(\.dot, \.gv, \.png, "
                                         r"\.svg\); write \.svg"):
        viz.render(drawing, tmp_path / "graph.pdf")
    with pytest.raises(ValueError, match="it has no suffix"):
        viz.render(drawing, tmp_path / "graph")
    assert list(tmp_path.iterdir()) == []


def test_a_file_name_given_as_dot_text_is_refused_in_words(tmp_path):
    with pytest.raises(TypeError, match=r"the string 'graph\.dot', which is no DOT text.*read_text"):
        viz.render("graph.dot", tmp_path / "graph.svg")


def test_a_picture_that_cannot_be_written_names_the_path_given(tmp_path, pure_renderer):
    (tmp_path / "afile").write_text("not a folder")
    target = tmp_path / "afile" / "graph.svg"
    with pytest.raises(OSError) as caught:
        viz.render(viz.draw_graph(tg.Tensor([1.0])), target)
    assert caught.value.filename == str(target) and ".tmp" not in str(caught.value)


# ----------------------------------------------------------------- command line
def test_draw_prints_what_was_folded_as_one_note_line(tmp_path, capsys):
    model_file = tmp_path / "deep.py"
    model_file.write_text(textwrap.dedent("""
        from tinygrad_nn import nn
        net = nn.MLP([3] + [4] * 60 + [2])
    """))
    out = tmp_path / "graph.dot"
    assert main(["draw", f"{model_file}:net", "--input-shape", "2,3", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("note: draw_graph: the graph has ")
    assert "Warning" not in err and "viz.draw_graph(" not in err
    assert "×" in out.read_text()

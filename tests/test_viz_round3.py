"""Drawings of unusual graphs: names shown exactly as written and wrapped when long, statistics of huge, tiny,
NaN and infinite values that are the true ones, one frame per call of a module whose calls feed each other (so
every edge of a top-to-bottom picture runs down), and ``Drawing.render`` with an upper-case suffix."""

import math
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import nn, viz
from tinygrad_nn.viz.annotations import array_stats, COLOURS
from tinygrad_nn.viz.drawing import NAME_LINES, NAME_WIDTH, name_lines
from viz_dot import parse_dot, pure_renderer  # noqa: F401

SVG = "{http://www.w3.org/2000/svg}"


def svg_root(drawing, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # graphviz's DotSyntaxWarning: a label DOT cannot read
        return ET.parse(viz.render(drawing, tmp_path / "picture.svg")).getroot()


def svg_texts(root):
    return [text.text for text in root.iter(f"{SVG}text")]


def centres(root):
    """``{node key: (x, y)}``: the middle of each node's text lines."""
    found = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            texts = list(group.iter(f"{SVG}text"))
            found[group.find(f"{SVG}title").text] = (
                np.mean([float(t.get("x")) for t in texts]), np.mean([float(t.get("y")) for t in texts]))
    return found


def edges_running_up(root):
    """Edges whose head sits above their tail (SVG y grows downwards)."""
    where = centres(root)
    pairs = [group.find(f"{SVG}title").text.split("->") for group in root.iter(f"{SVG}g")
             if group.get("class") == "edge"]
    assert pairs
    return [(tail, head) for tail, head in pairs if where[head][1] <= where[tail][1]]


class Labelled(nn.Module):
    """A layer whose configuration text is whatever it is given."""

    def __init__(self, config):
        self.config = config
        self.lin = nn.Linear(2, 2)

    def extra_repr(self):
        return self.config

    def forward(self, x):
        return self.lin(x)


NAMES = ["C:\\new\\tmp", "ends with a backslash\\", 'say "hi"', "<b>bold</b>", "λ → ∑ 日本", "two\nlines"]


@pytest.mark.parametrize("name", NAMES, ids=["backslashes", "final backslash", "quotes", "html", "unicode",
                                             "newline"])
def test_names_titles_and_configurations_show_exactly_as_written(name, tmp_path, pure_renderer):
    x = tg.Tensor([1.0, 2.0], requires_grad=True, name=name)
    texts = svg_texts(svg_root(viz.draw_graph((x * x).sum(), title=name), tmp_path))
    tree = svg_texts(svg_root(viz.draw_module(Labelled(name)), tmp_path))
    folded = svg_texts(svg_root(viz.draw_graph(Labelled(name)(tg.Tensor(np.ones((1, 2)))).sum(), depth=0),
                                tmp_path))
    for line in name.split("\n"):
        assert texts.count(line) == 2                          # the tensor's box and the caption
        assert line in tree
    assert f"Labelled({name})" in folded or name.split("\n")[0] in " ".join(folded)


def test_a_long_name_wraps_into_a_box_of_readable_width_keeping_its_start_and_end(tmp_path, pure_renderer):
    name = "".join(f"{i:03d}" for i in range(100))             # 300 characters, no spaces
    x = tg.Tensor([1.0, 2.0], requires_grad=True, name=name)
    drawing = viz.draw_graph((x * 2).sum(), title=name)
    box = parse_dot(drawing.source)[0]["t0"]
    assert box.label[:NAME_LINES - 1] == [name[i:i + NAME_WIDTH] for i in range(0, 180, NAME_WIDTH)]
    assert box.label[NAME_LINES - 1] == "… " + name[-(NAME_WIDTH - 2):]
    root = svg_root(drawing, tmp_path)
    assert float(root.get("width").rstrip("pt")) < 12 * 100     # the caption wraps at 100 characters too


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Z", "C")), max_size=400), st.integers(10, 80),
       st.integers(2, 6))
def test_name_lines_keep_every_character_of_a_name_that_fits_and_the_ends_of_one_that_does_not(
        text, width, max_lines):
    lines = name_lines(text, width, max_lines)
    assert len(lines) <= max_lines and all(len(line) <= width for line in lines)
    if len(text) <= width * max_lines:
        assert "".join(lines) == text
    else:
        assert "".join(lines[:-1]) == text[:width * (max_lines - 1)]
        assert lines[-1] == "… " + text[-(width - 2):]



@settings(max_examples=60, deadline=None)
@given(st.lists(st.text("abc", min_size=5, max_size=12), min_size=50, max_size=80))
def test_a_shortened_name_of_words_ends_with_the_names_own_last_characters(words):
    text = " ".join(words)
    lines = name_lines(text)
    assert len(lines) == NAME_LINES and lines[-1] == "… " + text[-(NAME_WIDTH - 2):]  # its spaces kept


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=80, deadline=None)
@given(st.lists(finite, min_size=1, max_size=20))
def test_mean_and_norm_are_the_true_ones_for_values_near_overflow_or_underflow(values):
    lo, mean, hi, norm = array_stats(np.array(values))
    assert (lo, hi) == (min(values), max(values))
    expected_norm = math.hypot(*values)                      # exact to an ulp, never overflows on the way
    if math.isfinite(expected_norm):
        assert norm == pytest.approx(expected_norm, rel=1e-12, abs=0)
    assert mean == pytest.approx(math.fsum(v / len(values) for v in values), rel=1e-9, abs=1e-300)


def test_a_tiny_gradient_is_shown_and_coloured_as_vanishing_not_as_zero():
    x = tg.Tensor(np.ones(3), requires_grad=True, name="x")
    loss = (x * 1e-200).sum()
    loss.backward()
    box = parse_dot(viz.draw_graph(loss, grads=True).source)[0]["t0"]
    assert "grad norm 1.73e-200" in box.label
    assert f'fillcolor="{COLOURS["vanishing"]}"' in box.attrs


def test_huge_values_have_their_true_mean_and_norm():
    x = tg.Tensor(np.full(4, 1e200), requires_grad=True, name="x")
    box = parse_dot(viz.draw_graph(x * 1.0, values=True).source)[0]["t0"]
    assert box.label[2:] == ["data min 1e+200 mean 1e+200 max 1e+200", "data norm 2e+200"]


def test_nan_and_inf_are_counted_and_min_max_skip_nan():
    x = tg.Tensor([np.nan, np.inf, -np.inf, 1.0], requires_grad=True, name="x")
    box = parse_dot(viz.draw_graph(x * 2.0, values=True).source)[0]["t0"]
    assert box.label[2:] == ["data min -inf mean nan max inf", "data norm nan", "data 1 nan, 2 inf of 4"]


class Unrolled(nn.Module):
    """One cell applied at every step, the way an RNN is unrolled."""

    def __init__(self, steps):
        self.steps = steps
        self.cell = nn.Linear(3, 3)
        self.out = nn.Linear(3, 1)

    def forward(self, x):
        for _ in range(self.steps):
            x = self.cell(x).tanh()
        return self.out(x)


class Twice(nn.Module):
    """The same layer before and after an activation: ``lin(act(lin(x)))``."""

    def __init__(self):
        self.lin = nn.Linear(3, 3)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.lin(self.act(self.lin(x)))


def test_each_call_of_an_unrolled_cell_gets_its_own_frame_in_order(tmp_path, pure_renderer):
    tg.manual_seed(0)
    loss = Unrolled(3)(tg.Tensor(np.ones((2, 3)), name="x")).sum()
    drawing = viz.draw_graph(loss)
    assert drawing.source.count('label="cell (Linear)"') == 3
    root = svg_root(drawing, tmp_path)
    assert edges_running_up(root) == []
    where, nodes = centres(root), parse_dot(drawing.source)[0]
    affines = [key for key, node in nodes.items() if node.title == "Affine"]
    assert [where[key][1] for key in affines] == sorted(where[key][1] for key in affines)


def test_a_layer_used_before_and_after_an_activation_reads_top_to_bottom(tmp_path, pure_renderer):
    tg.manual_seed(0)
    loss = Twice()(tg.Tensor(np.ones((2, 3)), name="x")).sum()
    drawing = viz.draw_graph(loss)
    titles = [node.title for node in parse_dot(drawing.source)[0].values()]
    assert titles.count("lin (Linear) out") == 2             # the first call's result leaves its frame too
    assert drawing.source.count('label="lin (Linear)"') == 2
    assert edges_running_up(svg_root(drawing, tmp_path)) == []


def test_calls_that_do_not_feed_each_other_share_one_frame():
    tg.manual_seed(0)
    shared = nn.Linear(3, 3)
    siamese = nn.Sequential(shared)
    a, b = tg.Tensor(np.ones((2, 3))), tg.Tensor(np.zeros((2, 3)))
    drawing = viz.draw_graph((siamese(a) - siamese(b)).sum())
    assert drawing.source.count('label="0 (Linear)"') == 1


def test_render_with_an_upper_case_suffix_writes_that_one_file(tmp_path, pure_renderer):
    x = tg.Tensor([1.0], requires_grad=True, name="x")
    written = viz.draw_graph(x * 2).render(outfile=tmp_path / "graph.PNG")
    assert written == str(tmp_path / "graph.PNG")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["graph.PNG"]


def test_an_empty_tensor_says_it_has_no_values_rather_than_statistics_of_zeros():
    empty = tg.Tensor(np.zeros((0, 3)), requires_grad=True, name="empty")
    loss = empty.sum()
    loss.backward()
    box = parse_dot(viz.draw_graph(loss, values=True, grads=True).source)[0]["t0"]
    assert box.label[1:] == ["(0, 3) float64", "data empty (0 values)", "grad empty (0 values)"]


def test_one_tensor_fed_many_times_into_one_op_is_one_edge_that_counts(tmp_path, pure_renderer):
    x = tg.Tensor(np.ones(3), requires_grad=True, name="x")
    drawing = viz.draw_graph(tg.stack([x] * 1000).sum())
    _, edges, _ = parse_dot(drawing.source)
    from_x = [attrs for tail, _, attrs in edges if tail == "t0"]
    assert len(from_x) == 1 and 'label="×1,000"' in from_x[0]
    assert float(svg_root(drawing, tmp_path).get("width").rstrip("pt")) < 300   # was 13,000 pt wide
    square = parse_dot(viz.draw_graph((x * x).sum()).source)[1]
    assert [(tail, head) for tail, head, _ in square][:2] == [("t0", "op0"), ("t0", "op0")]   # x * x: two inputs


class ManyTensors(nn.Module):
    """A module holding its parameters in a list, as a hand-written mixture of experts might."""

    def __init__(self, count):
        self.ws = [tg.Tensor(np.ones(3), requires_grad=True) for _ in range(count)]

    def forward(self, x):
        return x


def test_a_module_with_hundreds_of_own_tensors_lists_the_first_and_last_and_counts_the_rest():
    lines = parse_dot(viz.draw_module(ManyTensors(300)).source)[0]["m0"].label
    assert lines[1:7] == ["ws.0 (3,)", "ws.1 (3,)", "ws.2 (3,)", "… 295 more tensors, each (3,)", "ws.298 (3,)",
                          "ws.299 (3,)"]
    assert lines[-1] == "total: 900 parameters in 300 tensors (900 trainable)"
    assert parse_dot(viz.draw_module(ManyTensors(8)).source)[0]["m0"].label[1:9] == [
        f"ws.{i} (3,)" for i in range(8)]

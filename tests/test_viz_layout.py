"""The laid-out pictures read at a glance: no edge runs through a frame's title or any other text, and in a
left-to-right drawing the input sits before the first layer, not above it. Checked on the SVG that
graphviz-pure writes, by geometry."""

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import viz
from viz_dot import demo_loss, mlp_cross_entropy, pure_renderer, two_heads_loss  # noqa: F401

SVG = "{http://www.w3.org/2000/svg}"
NUMBER = r"-?\d+(?:\.\d+)?"


def svg_of(drawing, tmp_path):
    return ET.parse(viz.render(drawing, tmp_path / "picture.svg")).getroot()


def text_boxes(root):
    """``(owner, text, left, right, top, bottom)`` of every text of a node or a frame (``owner``: the node's
    key), from its anchor and font size (an average glyph is taken as half the font size wide: a box a little
    smaller than the ink)."""
    boxes = []
    for group in root.iter(f"{SVG}g"):
        if group.get("class") not in ("node", "cluster"):
            continue
        owner = group.find(f"{SVG}title").text
        for text in group.iter(f"{SVG}text"):
            size, x, y = float(text.get("font-size")), float(text.get("x")), float(text.get("y"))
            width = 0.5 * size * len(text.text or "")
            left = {"middle": x - width / 2, "start": x, "end": x - width}[text.get("text-anchor", "start")]
            boxes.append((owner, text.text, left, left + width, y - 0.7 * size, y))
    return boxes


def cubic_points(d, samples=24):
    """Points along an SVG path made of ``M`` and cubic ``C`` segments (what Graphviz writes for edges)."""
    values = [float(v) for v in re.findall(NUMBER, d)]
    points = list(zip(values[0::2], values[1::2]))
    out = [points[0]]
    for start in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[start:start + 4]
        for step in range(1, samples + 1):
            t = step / samples
            out.append(tuple((1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t ** 2 * c + t ** 3 * e
                             for a, b, c, e in zip(p0, p1, p2, p3)))
    return out


def edge_paths(root):
    return [(group.find(f"{SVG}title").text, path.get("d")) for group in root.iter(f"{SVG}g")
            if group.get("class") == "edge" for path in group.iter(f"{SVG}path")]


def crossings(root):
    """``(edge, text)`` for every edge that runs through a text other than its own two nodes'."""
    found = []
    for edge, d in edge_paths(root):
        ends = set(edge.split("->"))
        for owner, text, left, right, top, bottom in text_boxes(root):
            if owner not in ends and any(left < x < right and top < y < bottom for x, y in cubic_points(d)):
                found.append((edge, text))
    return found


def mlp_drawn(rankdir):
    model, loss = mlp_cross_entropy()
    return viz.draw_graph(loss, model=model, rankdir=rankdir)


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
@pytest.mark.parametrize("draw", [
    lambda rankdir: mlp_drawn(rankdir), lambda rankdir: viz.draw_graph(two_heads_loss()[1], rankdir=rankdir),
    lambda rankdir: viz.draw_graph(demo_loss()[1], rankdir=rankdir),
    lambda rankdir: viz.draw_graph(mlp_cross_entropy()[1], depth=2, rankdir=rankdir),
], ids=["mlp", "shared module", "demo loss", "folded layers"])
def test_no_edge_runs_through_a_frame_title_or_a_label(draw, rankdir, tmp_path, pure_renderer):
    root = svg_of(draw(rankdir), tmp_path)
    assert any(text == "layers.0 (Linear)" or text.startswith("left.0") or "layers.0:" in text
               for _, text, *_ in text_boxes(root))
    assert crossings(root) == []


def test_the_crossing_check_sees_an_edge_through_a_frame_label(tmp_path, pure_renderer):
    drawing = viz.Drawing("probe")            # a frame labelled the ordinary DOT way, entered from above
    drawing.node("a", "a")
    with drawing.subgraph(name="cluster_0") as frame:
        frame.attr(label="layers.1 (ReLU)", labeljust="l")
        frame.node("b", "ReLU")
    drawing.edge("a", "b")
    assert crossings(svg_of(drawing, tmp_path)) == [("a->b", "layers.1 (ReLU)")]


def node_box(root, title):
    """``(left, right, top, bottom)`` of the node whose first text line is ``title``."""
    for group in root.iter(f"{SVG}g"):
        texts = [text.text for text in group.iter(f"{SVG}text")]
        if group.get("class") == "node" and texts and texts[0] == title:
            xs = [float(v) for v in re.findall(NUMBER, " ".join(
                element.get("d") or element.get("points") or "" for element in group.iter()
                if element.tag in (f"{SVG}path", f"{SVG}polygon")))]
            return min(xs[0::2]), max(xs[0::2]), min(xs[1::2]), max(xs[1::2])
    raise AssertionError(f"no node titled {title!r}")


def test_left_to_right_the_input_sits_before_the_first_layer_beside_it(tmp_path, pure_renderer):
    tg.manual_seed(0)
    model = tg.nn.MLP([3, 4, 4, 1])
    out = model(tg.Tensor(np.ones((4, 3)), name="input"))
    root = svg_of(viz.draw_graph(out, model=model, rankdir="LR"), tmp_path)
    source, first = node_box(root, "input"), node_box(root, "layers.0.weight")
    assert source[1] < first[0]                               # left of the first layer
    assert source[2] < first[3] + 60 and first[2] < source[3] + 60  # and at its height, not above it

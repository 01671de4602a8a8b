"""Reading the DOT text of a drawing back, and the graphs the drawing tests draw.

``parse_dot`` knows DOT, not the drawing code: a node's kind is read from
what it looks like (an ellipse is an op, a 3-D box a folded group, a dashed
filled box a ghost copy of a shared tensor, a dashed empty box an array
option such as a loss's labels, any other box a tensor), never from its key.
"""

import re

import numpy as np
import pytest

import tinygrad_nn as tg
import tinygrad_nn.functional as F

NODE = re.compile(r'^\s*(\w+) \[label=("(?:[^"\\]|\\.)*"|[^ \]]+)(.*)\]$')
EDGE = re.compile(r'^\s*(\w+) -> (\w+)(?: \[(.*)\])?$')
LABEL = re.compile(r'(?:^|\s)label=("(?:[^"\\]|\\.)*"|[^\s"]+)')


class Node:
    """A drawn node: its label lines, its attribute text and its kind."""

    def __init__(self, label, attrs):
        self.label, self.attrs = label, attrs
        self.kind = kind_of(attrs)

    @property
    def title(self):
        return self.label[0]


def kind_of(attrs):
    if "shape=ellipse" in attrs:
        return "op"
    if "shape=box3d" in attrs:
        return "group"
    if "shape=plaintext" in attrs:
        return "frame title"
    if "dashed" in attrs:
        return "ghost" if "filled" in attrs else "option"
    return "tensor"


def _unquote(text):
    return text[1:-1] if text.startswith('"') else text


def parse_dot(source):
    """``(nodes, edges, frame_of)``: key -> Node (frame titles left out); ``(tail, head, attrs)`` of every
    visible edge; key -> the title of the innermost frame holding the node (None at top level)."""
    nodes, edges, frame_of, stack = {}, [], {}, []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("subgraph cluster_"):
            stack.append(None)
            continue
        if stripped == "}" and stack:
            stack.pop()
            continue
        edge = EDGE.match(line)
        if edge:
            if "style=invis" not in (edge.group(3) or ""):
                edges.append((edge.group(1), edge.group(2), edge.group(3) or ""))
            continue
        node = NODE.match(line)
        if node:
            label = _unquote(node.group(2)).split("\\n")
            if kind_of(node.group(3)) == "frame title":
                stack[-1] = label[0]
                continue
            nodes[node.group(1)] = Node(label, node.group(3))
            frame_of[node.group(1)] = stack[-1] if stack else None
            continue
        label = LABEL.search(stripped)
        if stack and label and _unquote(label.group(1)):
            stack[-1] = _unquote(label.group(1))
    return nodes, edges, frame_of


def of_kind(nodes, kind):
    """``{key: Node}`` of one kind, in drawing order."""
    return {key: node for key, node in nodes.items() if node.kind == kind}


@pytest.fixture
def pure_renderer(monkeypatch):
    """The graphviz-pure program installed with the package, whatever else is on PATH."""
    program = tg.viz.find_renderer("graphviz-pure")
    if program is None:
        pytest.skip("graphviz-pure is not installed")
    monkeypatch.setenv("TINYGRAD_NN_DOT", program)
    return program


def mlp_and_loss(sizes=(3, 5, 4, 2), batch=6, seed=0):
    tg.manual_seed(seed)
    model = tg.nn.MLP(list(sizes))
    rng = np.random.default_rng(seed)
    x = tg.Tensor(rng.standard_normal((batch, sizes[0])), name="x")
    labels = rng.integers(0, sizes[-1], batch)
    return model, x, labels


def mlp_cross_entropy():
    model, x, labels = mlp_and_loss()
    loss = F.cross_entropy(model(x), labels)
    loss.name = "loss"
    return model, loss


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
    loss = (model(x) ** 2).mean()
    loss.name = "loss"
    return model, loss


def demo_loss(hidden=100, reg=1e-3):
    """The loss the demo draws: the notes' 2-layer net on the spiral, with L2 regularization."""
    from tinygrad_nn.commands.demo import objective
    points, labels = tg.data.spiral(n_per_class=100, n_classes=3, seed=0)
    tg.manual_seed(0)
    net = tg.nn.MLP([2, hidden, 3])
    loss, _ = objective(net, tg.Tensor(points, name="X (spiral points)"), labels, reg)
    loss.name = "loss"
    return net, loss


def tanh_chain(steps, constant=1.0001):
    """``y = (y * constant).tanh()``, ``steps`` times: 4 recorded nodes per step, one cached constant."""
    y = tg.Tensor(np.array([0.5]), requires_grad=True, name="x")
    for _ in range(steps):
        y = (y * constant).tanh()
    return y


def recurrent_loop(steps, width=4):
    """``h = (h @ W).tanh()`` unrolled ``steps`` times with one shared weight ``W``."""
    rng = np.random.default_rng(0)
    weight = tg.Tensor(rng.standard_normal((width, width)) * 0.5, requires_grad=True, name="W")
    h = tg.Tensor(rng.standard_normal((1, width)), name="h0")
    for _ in range(steps):
        h = (h @ weight).tanh()
    return weight, h

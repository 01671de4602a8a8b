"""The nodes and edges a drawing will have, once folding and sharing are decided.

``wire`` walks the recorded ops once, in walk order, and lists what to draw:

* ``tensor``: a recorded tensor drawn in full;
* ``op`` / ``group``: one op, or the node of a folded module or chain;
* ``ghost``: a copy of a spread leaf beside a use (one per drawn node using it);
* ``option``: an array given to an op as an option, such as the labels of a
  loss (``labels (N,) int64``), drawn as an input of that op.

Every edge keeps the recorded tensor and op it stands for, so health marks
can find it. The count of ``nodes`` and the ``rows`` of the longest path are
what ``max_nodes`` limits.
"""

import numpy as np

__all__ = ["wire"]


class DrawnNode:
    """One node of the drawing: ``kind`` (see the module docstring), its DOT key and what it shows."""

    __slots__ = ("kind", "key", "item", "head")

    def __init__(self, kind, key, item, head=None):
        self.kind = kind      # "tensor", "op", "group", "ghost" or "option"
        self.key = key
        self.item = item      # TensorEntry, OpEntry, Group, or (option name, array) for "option"
        self.head = head      # ghosts and options: the drawn op or group they feed (an OpEntry or Group)


class DrawnEdge:
    """``tail -> head``; ``source``/``op`` are the keys of the recorded tensor and op (None for outputs)."""

    __slots__ = ("tail", "head", "source", "op")

    def __init__(self, tail, head, source=None, op=None):
        self.tail, self.head, self.source, self.op = tail, head, source, op


class Wiring:
    """The drawn nodes in the order they are emitted, and the edges in walk order."""

    def __init__(self):
        self.nodes = []
        self.edges = []
        self.kind_of = {}

    def place(self, kind, key, item, head=None):
        """Add a node unless a node with this key is already placed."""
        if key not in self.kind_of:
            self.kind_of[key] = kind
            self.nodes.append(DrawnNode(kind, key, item, head))

    def rows(self):
        """How many nodes the longest path has: the rows of the picture top to bottom (columns with LR)."""
        following, waiting = {}, {node.key: 0 for node in self.nodes}
        for edge in self.edges:
            following.setdefault(edge.tail, []).append(edge.head)
            waiting[edge.head] += 1
        row = dict.fromkeys(waiting, 1)
        ready = [key for key, count in waiting.items() if count == 0]
        while ready:
            key = ready.pop()
            for head in following.get(key, ()):
                row[head] = max(row[head], row[key] + 1)
                waiting[head] -= 1
                if waiting[head] == 0:
                    ready.append(head)
        return max(row.values(), default=0)


def _array_options(node):
    """``[(name, array)]`` of the op's options that are arrays (class labels, indices), by name."""
    kwargs = node.kwargs or {}
    return [(name, kwargs[name]) for name in sorted(kwargs) if isinstance(kwargs[name], np.ndarray)]


def wire(graph, plan, sharing):
    """The ``Wiring`` of ``graph`` folded by ``plan``: constants inside their ops, spread leaves per use."""
    wiring = Wiring()
    rep = plan.representative
    groups = {group.key: group for group in plan.groups}
    joined = set()   # (tail, head) pairs already drawn to or from a group: one edge each

    def place_unit(key, op):
        if key in groups:
            wiring.place("group", key, groups[key])
        else:
            wiring.place("op", key, op)

    def place_tensor(entry):
        key = rep(entry.key)
        if key == entry.key:
            wiring.place("tensor", key, entry)
        else:
            place_unit(key, None)
        return key

    def connect(tail, head, source=None, op=None):
        if tail == head:
            return
        if tail in groups or head in groups:
            if (tail, head) in joined:
                return
            joined.add((tail, head))
        wiring.edges.append(DrawnEdge(tail, head, source, op))

    for op in graph.ops:
        head = rep(op.key)
        folded = head in groups
        unit = groups[head] if folded else op
        for entry in op.inputs:
            if rep(entry.key) == head:
                continue   # made or owned inside the same folded node
            if entry.key in sharing.constants:
                continue   # shown in the op's own label
            box = plan.folded_inputs.get((entry.key, op.key))
            if box is not None:   # one of many inputs folded into a box (a ghost copy, or a shared leaf's use)
                place_unit(box.key, None)
                connect(box.key, head, entry.key, op.key)
                continue
            if sharing.is_ghost_use(entry, op):
                tail = f"{entry.key}_{head}"
                wiring.place("ghost", tail, entry, unit)
            else:
                tail = place_tensor(entry)
            connect(tail, head, entry.key, op.key)
        place_unit(head, op)
        if not folded:
            for name, array in _array_options(op.node):
                key = f"{op.key}_{name}"
                wiring.place("option", key, (name, array), op)
                connect(key, head)
        connect(head, place_tensor(op.output))
    for entry in graph.tensors:
        if entry.key not in sharing.constants:
            place_tensor(entry)
    return wiring

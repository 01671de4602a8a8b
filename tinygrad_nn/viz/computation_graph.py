"""``draw_graph``: the DAG the engine recorded, grouped by module, with the numbers that matter.

Boxes are tensors (name, shape, dtype, optional statistics), ellipses are ops
(the Function's name). Dashed frames are the modules that recorded the ops.
The walk is the engine's ``topological_order`` and every key comes from the
walk order, so the same graph always gives the same DOT text.
"""

import warnings

import graphviz
import numpy as np

from ..engine import Tensor
from . import annotations as notes
from .collapse import plan_within
from .recorded import ModulePaths, parameter_names, record
from .render import Drawing

__all__ = ["draw_graph", "GradientsNotComputedWarning", "GraphTooLargeWarning"]

RANKDIRS = ("LR", "TB", "RL", "BT")


class GradientsNotComputedWarning(UserWarning):
    """Gradient statistics were asked for, but no backward has filled any ``.grad`` yet."""


class GraphTooLargeWarning(UserWarning):
    """The graph stays above ``max_nodes`` even after folding modules and chains."""


def _check_arguments(tensor, rankdir, depth, max_nodes):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor (e.g. the loss), got {type(tensor).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if depth is not None and (not isinstance(depth, int) or depth < 0):
        raise ValueError(f"draw_graph: depth must be None or an int >= 0, got {depth!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"draw_graph: max_nodes must be None or an int >= 1, got {max_nodes!r}")


def _text(lines):
    """DOT label text from lines; never read as an HTML-like label."""
    return graphviz.nohtml("\\n".join(str(line).replace("\\", "/") for line in lines))


def _counts(counter):
    """``Add x3, MatMul`` : names by decreasing count, then by name."""
    return ", ".join(name if count == 1 else f"{name} x{count:,}" for name, count in sorted(
        counter.items(), key=lambda item: (-item[1], item[0])))


class _GraphBuilder:
    """Assembles the Digraph: nodes into their clusters first, edges last."""

    def __init__(self, graph, plan, paths, names, options, graph_attrs):
        self.graph, self.plan, self.paths, self.names = graph, plan, paths, names
        self.options = options
        self.top = Drawing(
            "computation_graph", graph_attr=graph_attrs,
            node_attr={"fontname": "Helvetica", "fontsize": "10", "height": "0.3", "margin": "0.08,0.03"},
            edge_attr={"color": "#495057", "arrowsize": "0.6"})
        self.clusters = {}
        self.emitted = set()
        self.op_extra = {}            # drawn key -> (extra label lines, node attrs)
        self.red_edges = set()        # (input key, op key) of blamed inputs
        self.folded_tensors = {}      # group key -> folded tensor entries
        for entry in graph.tensors:
            group = plan.group_of.get(entry.key)
            if group is not None:
                self.folded_tensors.setdefault(group.key, []).append(entry)

    # ------------------------------------------------------------- clusters
    def _cluster(self, chain):
        if not chain:
            return self.top
        for depth in range(1, len(chain) + 1):
            key = chain[:depth]
            if key[-1] not in self.clusters:
                path = self.paths.path(key[-1])
                kind = type(self.paths.module(key[-1])).__name__
                sub = graphviz.Digraph(f"cluster_{len(self.clusters)}")
                sub.attr(label=_text([f"{path} ({kind})" if path else kind]), style="rounded,dashed",
                         color="#868e96", fontcolor="#495057", fontsize="11", labeljust="l", labelloc="t")
                self.clusters[key[-1]] = (len(self.clusters), len(key), key, sub)
        return self.clusters[chain[-1]][3]

    def _attach_clusters(self):
        for _, _, chain, sub in sorted(self.clusters.values(), key=lambda c: (-c[1], c[0])):
            parent = self.top if len(chain) == 1 else self.clusters[chain[-2]][3]
            parent.subgraph(sub)

    # ---------------------------------------------------------- placement
    def _visible_chain(self, op):
        group = self.plan.group_of.get(op.key)
        return op.clusters if group is None else group.chain

    def _tensor_chain(self, entry):
        if entry.producer is not None:
            return self._visible_chain(entry.producer)
        if not entry.consumers:
            return ()
        chain = self._visible_chain(entry.consumers[0])
        name = self.names.get(id(entry.tensor))
        if name is not None:
            owner = name.rsplit(".", 1)[0] if "." in name else ""
            for depth in range(len(chain), 0, -1):
                if self.paths.path(chain[depth - 1]) == owner:
                    return chain[:depth]
            return ()
        tensor = entry.tensor
        if tensor.size == 1 and not tensor.requires_grad and tensor.name is None:
            return chain
        return ()

    # -------------------------------------------------------------- nodes
    def _tensor_node(self, entry):
        if entry.key in self.emitted or entry.key in self.plan.group_of:
            return
        self.emitted.add(entry.key)
        tensor = entry.tensor
        target = self._cluster(self._tensor_chain(entry))
        name = self.names.get(id(tensor)) or tensor.name
        if entry.producer is None and name is None and tensor.size == 1 and not tensor.requires_grad:
            target.node(entry.key, _text([notes.format_number(tensor.data.reshape(()))]), shape="box",
                        style="rounded,dashed", fontsize="9", height="0.25", margin="0.04,0.02")
            return
        lines = [name or entry.key, notes.shape_text(tensor.shape, tensor.dtype)]
        if self.options["values"]:
            lines.extend(notes.stats_line("data", tensor.data))
        fill = "#fff3bf" if id(tensor) in self.names else ("#f1f3f5" if entry.producer is None else "#ffffff")
        if self.options["grads"] and tensor.grad is not None:
            lines.extend(notes.stats_line("grad", tensor.grad))
            fill = notes.gradient_colour(tensor.grad, self.options["vanishing"], self.options["exploding"])
        attrs = {"penwidth": "2"} if entry.is_root else {}
        target.node(entry.key, _text(lines), shape="box", style="rounded,filled",
                    fillcolor=fill, **attrs)

    def _op_node(self, op):
        group = self.plan.group_of.get(op.key)
        key = op.key if group is None else group.key
        if key in self.emitted:
            return
        self.emitted.add(key)
        target = self._cluster(self._visible_chain(op))
        extra_lines, extra_attrs = self.op_extra.get(key, ([], {}))
        if group is None:
            attrs = {"shape": "ellipse", "style": "filled", "fillcolor": "#e9ecef"}
            attrs.update(extra_attrs)
            target.node(key, _text([notes.op_text(op.node)] + extra_lines), **attrs)
            return
        counts = _counts(group.op_names)
        if group.kind == "module":
            path = self.paths.path(group.module_cluster)
            module = self.paths.module(group.module_cluster)
            config = getattr(module, "extra_repr", lambda: "")()
            head = f"{path}: {type(module).__name__}" if path else type(module).__name__
            lines = [f"{head}({config})" if config else head,
                     f"{group.op_count} op{'s' if group.op_count != 1 else ''}: {counts}"]
        else:
            steps = sum(group.members.values())
            if set(group.member_kinds) == {"op"}:
                lines = [f"... {steps:,} ops in a chain ...", counts]
            else:
                word = "modules" if set(group.member_kinds) == {"module"} else "steps"
                lines = [f"... {steps:,} {word} in a chain ...", _counts(group.members),
                         f"{group.op_count:,} ops: {counts}"]
        attrs = {"shape": "box3d", "style": "filled", "fillcolor": "#d0ebff", "margin": "0.18,0.08"}
        grads = [entry.tensor.grad for entry in self.folded_tensors.get(group.key, ())
                 if entry.tensor.grad is not None]
        if self.options["grads"] and grads:
            joined = np.concatenate([np.ravel(g) for g in grads])
            lines.append(f"grad norm {notes.format_number(notes.array_stats(joined)[3])} "
                         f"(over {len(grads)} tensor{'s' if len(grads) != 1 else ''})")
            attrs["fillcolor"] = notes.gradient_colour(joined, self.options["vanishing"], self.options["exploding"])
        attrs.update(extra_attrs)
        target.node(key, _text(lines + extra_lines), **attrs)

    # -------------------------------------------------------------- edges
    def _edges(self):
        seen = set()
        rep = self.plan.representative
        for op in self.graph.ops:
            op_key = rep(op.key)
            pairs = [(rep(entry.key), op_key, entry.key) for entry in op.inputs]
            pairs.append((op_key, rep(op.output.key), None))
            for tail, head, source in pairs:
                if tail == head:
                    continue
                if tail.startswith("g") or head.startswith("g"):
                    if (tail, head) in seen:
                        continue
                    seen.add((tail, head))
                if (source, op.key) in self.red_edges:
                    self.top.edge(tail, head, color="#e03131", penwidth="2")
                else:
                    self.top.edge(tail, head)

    # ------------------------------------------------------ health marks
    def mark_units(self, units):
        stats = units.stats() if hasattr(units, "stats") else units
        last_op_of_path = {}
        for op in self.graph.ops:
            if op.clusters:
                last_op_of_path[self.paths.path(op.clusters[-1])] = op
        for path, module_stats in stats.items():
            op = last_op_of_path.get(path)
            if op is None:
                continue
            lines, alarming = notes.unit_lines(module_stats)
            key = self.plan.representative(op.key)
            old_lines, attrs = self.op_extra.get(key, ([], {}))
            if alarming:
                attrs = dict(attrs, fillcolor="#ffe066")
            self.op_extra[key] = (old_lines + lines, attrs)

    def mark_blame(self, blame):
        failures = list(getattr(blame, "failures", blame) or [])
        worst = notes.worst_failures(failures)
        ops_by_node = {id(op.node): op for op in self.graph.ops}
        missing = [f for key, f in worst.items() if key not in ops_by_node]
        if missing:
            warnings.warn(f"draw_graph: {len(missing)} blamed node(s) are not in this graph "
                          f"(first: {missing[0].node!r} at {getattr(missing[0], 'module_path', '?')!r}); "
                          "draw the tensor the graph check ran on", UserWarning, stacklevel=3)
        for key, failure in worst.items():
            op = ops_by_node.get(key)
            if op is None:
                continue
            drawn = self.plan.representative(op.key)
            old_lines, _ = self.op_extra.get(drawn, ([], {}))
            self.op_extra[drawn] = (old_lines + [notes.failure_line(failure)],
                                    {"color": "#e03131", "fontcolor": "#c92a2a",
                                     "fillcolor": "#ffc9c9", "penwidth": "2.5"})
            index = getattr(failure, "input_index", None)
            if isinstance(index, int) and 0 <= index < len(op.inputs):
                self.red_edges.add((op.inputs[index].key, op.key))

    def build(self):
        for op in self.graph.ops:
            for entry in op.inputs:
                self._tensor_node(entry)
            self._op_node(op)
            self._tensor_node(op.output)
        for entry in self.graph.tensors:
            self._tensor_node(entry)
        self._attach_clusters()
        self._edges()
        return self.top


def draw_graph(tensor, *, model=None, params=None, values=False, grads=False, depth=None,
               rankdir="TB", max_nodes=300, units=None, blame=None, vanishing=1e-6,
               exploding=1e3, title=None):
    """Draw the graph that produced ``tensor``; returns a ``graphviz.Digraph``.

    Tensor nodes are named by the parameter's dotted path (from ``model`` or
    ``params``, a ``{name: tensor}`` dict; by default from the modules that
    recorded the graph), by the tensor's own ``name``, or by a short key
    (``t7``). ``values=True`` / ``grads=True`` add min, mean, max and norm of
    the data / gradient; with ``grads`` the fill colour tells the gradient
    norm's health (blue below ``vanishing``, orange above ``exploding``).
    Op nodes are grouped in one frame per module path. ``depth=k`` folds each
    module deeper than ``k`` levels into one node. ``max_nodes`` (None: no
    cap) folds modules, then long chains of repeated ops, until the picture is
    small enough. ``units`` is a unit watcher (or its ``stats()`` dict):
    activation nodes show their dead / saturated fraction. ``blame`` is a
    graph check result: blamed ops turn red with their worst element.

    >>> import tinygrad_nn as tg
    >>> x = tg.Tensor([1.0, 2.0], requires_grad=True, name="x")
    >>> dot = tg.viz.draw_graph((x * x).sum())
    >>> [line.strip().split()[0] for line in dot.body if "->" in line]
    ['t0', 't0', 'op0', 't1', 'op1']
    """
    _check_arguments(tensor, rankdir, depth, max_nodes)
    if params is not None:  # a dict or (name, tensor) pairs, possibly a generator: read once
        params = dict(params.items() if hasattr(params, "items") else params)
    graph = record(tensor, () if params is None else params.values())
    paths = ModulePaths()
    for op in graph.ops:
        op.clusters = paths.clusters_of(op.node.scope)
    names = parameter_names(graph, model, params)
    if grads and all(entry.tensor.grad is None for entry in graph.tensors):
        warnings.warn("draw_graph: grads=True but no gradient has been computed yet (every .grad is None); "
                      "call loss.backward() before drawing, and retain_grad() on intermediate tensors "
                      "whose gradient you want to see", GradientsNotComputedWarning, stacklevel=2)
    plan, fits = plan_within(graph, names, depth, max_nodes)
    total = len(graph)
    if not fits:
        warnings.warn(f"draw_graph: the graph has {total} nodes and still {plan.visible_count(graph)} after "
                      f"folding, more than max_nodes={max_nodes}; pass a smaller depth= or max_nodes=None",
                      GraphTooLargeWarning, stacklevel=2)
    caption = [title] if title else []
    if plan.groups and (depth is None or plan.depth != depth or plan.chains_shortened):
        caption.append(f"{total:,} recorded nodes folded to {plan.visible_count(graph):,} (max_nodes={max_nodes}); "
                       "boxes with a 3-D edge stand for several ops")
    if grads:
        caption.append(notes.HEALTH_LEGEND.format(vanishing=vanishing, exploding=exploding))
    graph_attrs = {"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11", "nodesep": "0.25",
                   "ranksep": "0.3"}
    if caption:
        graph_attrs.update(label="\\n".join(caption), labelloc="t", labeljust="l")
    drawing = _GraphBuilder(graph, plan, paths, names, {
        "values": values, "grads": grads, "vanishing": vanishing, "exploding": exploding}, graph_attrs)
    if units is not None:
        drawing.mark_units(units)
    if blame is not None:
        drawing.mark_blame(blame)
    return drawing.build()

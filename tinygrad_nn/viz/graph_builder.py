"""Turns a wired graph (``wiring.wire``) into DOT: labels, colours, module frames, health marks.

A frame (DOT cluster) that holds nodes of its own is titled by a small text
node on its first rank (``rank=min`` inside the cluster), not by a DOT label:
a label sits in the frame's top band, where every edge entering the frame
from above would run through it, while the layout program routes edges
around a node. A frame that only holds other frames keeps a DOT label (no
edge ends in it, see ``_attach_clusters``).
"""

import warnings
from collections import Counter

import graphviz
import numpy as np

from . import annotations as notes
from .collapse import Group, counts_text
from .drawing import Drawing, label_text, name_lines

__all__ = ["GraphBuilder"]

PARALLEL_EDGES = 3   # edges from one tensor into one op drawn side by side; more are one edge labelled ×N

FILL = {"parameter": "#fff3bf", "leaf": "#f1f3f5", "intermediate": "#ffffff", "op": "#e9ecef",
        "group": "#d0ebff"}


class _Frame:
    """One module frame (a DOT cluster): its number, its chain of cluster keys, how many nodes sit directly in it."""

    def __init__(self, index, chain, sub):
        self.index, self.chain, self.sub = index, chain, sub
        self.own_nodes = 0


class GraphBuilder:
    """Assembles the Digraph: nodes into their frames first, edges last."""

    def __init__(self, graph, plan, wiring, sharing, paths, names, options, graph_attrs):
        self.graph, self.plan, self.wiring, self.sharing = graph, plan, wiring, sharing
        self.paths, self.names, self.options = paths, names, options
        self.top = Drawing(
            "computation_graph", graph_attr=graph_attrs,
            node_attr={"fontname": "Helvetica", "fontsize": "10", "height": "0.3", "margin": "0.08,0.03"},
            edge_attr={"color": "#495057", "arrowsize": "0.6"})
        self.clusters = {}
        self.op_extra = {}            # drawn key -> (extra label lines, node attrs)
        self.red_edges = set()        # (input key, op key) of blamed inputs
        self.folded_tensors = {}      # group key -> folded tensor entries
        self.leaf_numbers = {}        # key of an unnamed leaf -> its number (leaf 1, leaf 2...)
        for entry in graph.tensors:
            group = plan.group_of.get(entry.key)
            if group is not None:
                self.folded_tensors.setdefault(group.key, []).append(entry)

    # ------------------------------------------------------------- frames
    def _cluster(self, chain):
        """The subgraph of ``chain``, made with its parents on first use."""
        if not chain:
            return self.top
        for depth in range(1, len(chain) + 1):
            key = chain[:depth]
            if key[-1] not in self.clusters:
                sub = graphviz.Digraph(f"cluster_{len(self.clusters)}")
                sub.attr(style="rounded,dashed", color="#868e96", label="")
                self.clusters[key[-1]] = _Frame(len(self.clusters), key, sub)
        frame = self.clusters[chain[-1]]
        frame.own_nodes += 1
        return frame.sub

    @property
    def _outer_label_side(self):
        """Top in a top-to-bottom drawing; in a sideways one the bottom, away from the inputs coming in."""
        return "b" if self.options["rankdir"] in ("LR", "RL") else "t"

    def _attach_clusters(self):
        """Title every frame, then nest the frames, innermost first.

        A frame holding nodes of its own gets a title node on its first rank.
        A frame that only holds other frames gets an ordinary DOT label: no
        edge ends inside its top band, and a title node there would push the
        graph's inputs out of the way of its first rank.
        """
        for frame in self.clusters.values():
            title = name_lines(self.paths.title(frame.chain[-1]))
            if frame.own_nodes:
                key = f"frame{frame.index}"
                frame.sub.node(key, label_text(title), shape="plaintext", fontsize="11", fontcolor="#495057",
                               height="0.2", margin="0.02,0")
                frame.sub.body.insert(1, frame.sub.body.pop())
                frame.sub.body.insert(2, f"\t{{rank=min; {key}}}\n")
            else:
                frame.sub.attr(label=label_text(title), labeljust="l", labelloc=self._outer_label_side, fontsize="11",
                               fontcolor="#495057")
        for frame in sorted(self.clusters.values(), key=lambda f: (-len(f.chain), f.index)):
            parent = self.top if len(frame.chain) == 1 else self.clusters[frame.chain[-2]].sub
            parent.subgraph(frame.sub)

    # ---------------------------------------------------------- placement
    def _unit_chain(self, unit):
        """The frames a drawn op or group sits in."""
        return unit.chain if isinstance(unit, Group) else self._visible_chain(unit)

    def _visible_chain(self, op):
        group = self.plan.group_of.get(op.key)
        return op.clusters if group is None else group.chain

    def _leaf_chain(self, entry):
        """A parameter sits in the frame of its module; other leaves outside every frame."""
        name = self.names.get(id(entry.tensor))
        if name is None or not entry.consumers:
            return ()
        real = [op for op in entry.consumers if not self.sharing.is_ghost_use(entry, op)]
        chain = self._visible_chain((real or entry.consumers)[0])
        owner = name.rsplit(".", 1)[0] if "." in name else ""
        for depth in range(len(chain), 0, -1):
            if self.paths.path(chain[depth - 1]) == owner:
                return chain[:depth]
        return ()

    # -------------------------------------------------------------- labels
    def _module_output(self, entry):
        """True when ``entry`` leaves the innermost module that made it (or is the drawn root)."""
        inner = entry.producer.clusters
        return entry.is_root or any(op.clusters[:len(inner)] != inner for op in entry.consumers)

    def _title(self, entry):
        """The first line of a tensor's box: its parameter path or name, else where it came from."""
        name = self.names.get(id(entry.tensor)) if entry.tensor is not None else None
        name = name or entry.name
        if name is not None:
            return name
        if entry.producer is None:
            number = self.leaf_numbers.setdefault(entry.key, len(self.leaf_numbers) + 1)
            return f"leaf {number}"
        op = entry.producer
        if not op.clusters:
            return f"{op.node.function.__name__} out"
        where = self.paths.title(op.clusters[-1])
        if self._module_output(entry):
            return f"{where} out"
        return f"{where.split(' (')[0]} → {op.node.function.__name__}"

    def _fill(self, entry):
        if id(entry.tensor) in self.names:
            return FILL["parameter"]
        return FILL["leaf"] if entry.producer is None else FILL["intermediate"]

    # -------------------------------------------------------------- nodes
    def _tensor_node(self, target, node):
        entry = node.item
        lines = [*name_lines(self._title(entry)), notes.shape_text(entry.shape, entry.dtype)]
        if self.options["values"]:
            lines.extend(notes.stats_line("data", entry.tensor.data))
        fill = self._fill(entry)
        if self.options["grads"] and entry.grad is not None:
            lines.extend(notes.stats_line("grad", entry.grad))
            fill = notes.gradient_colour(entry.grad, self.options["vanishing"], self.options["exploding"])
        if entry.key in self.sharing.use_counts:
            lines.append(f"used {self.sharing.use_counts[entry.key]:,} times")
        attrs = {"penwidth": "2"} if entry.is_root else {}
        target.node(node.key, label_text(lines), shape="box", style="rounded,filled", fillcolor=fill, **attrs)

    def _ghost_node(self, target, node):
        entry = node.item
        uses = f"used {self.sharing.use_counts[entry.key]:,} times"
        target.node(node.key, label_text([*name_lines(self._title(entry)), uses]),
                    shape="box", style="rounded,dashed,filled", fillcolor=self._fill(entry), fontsize="9",
                    height="0.25", margin="0.06,0.02", color="#868e96")

    def _option_node(self, target, node):
        name, array = node.item
        target.node(node.key, label_text([*name_lines(name), notes.shape_text(array.shape, array.dtype)]), shape="box",
                    style="rounded,dashed", fontsize="9", height="0.25", margin="0.06,0.02")

    def _op_node(self, target, node):
        extra_lines, extra_attrs = self.op_extra.get(node.key, ([], {}))
        op = node.item
        constants = {slot: entry.tensor.data.reshape(()) for slot, entry in enumerate(op.inputs)
                     if entry.key in self.sharing.constants}
        attrs = {"shape": "ellipse", "style": "filled", "fillcolor": FILL["op"]}
        attrs.update(extra_attrs)
        target.node(node.key, label_text([notes.op_text(op.node, constants)] + extra_lines), **attrs)

    def _group_node(self, target, node):
        group = node.item
        counts = counts_text(group.op_names)
        if group.kind == "module":
            path = self.paths.path(group.module_cluster)
            module = self.paths.module(group.module_cluster)
            config = notes.config_text(module)
            head = f"{path}: {type(module).__name__}" if path else type(module).__name__
            lines = [f"{head}({config})" if config else head,
                     f"{group.op_count} op{'s' if group.op_count != 1 else ''}: {counts}"]
        elif group.kind == "inputs":
            lines = [group.head] + group.details
            lines.append(f"{group.folded_inputs:,} of the {group.total_inputs:,} inputs of {group.consumer}")
            if group.op_count:
                lines.append(f"{group.op_count:,} ops" + (" folded" if group.named_steps else f": {counts}"))
        else:
            kinds = set(group.member_kinds)
            word = "ops" if kinds == {"op"} else ("modules" if kinds == {"module"} else "steps")
            first = group.describe() if group.pattern else f"... {group.steps:,} {word} in a chain ..."
            lines = [first]
            if kinds == {"op"}:
                lines.append(f"{group.op_count:,} ops folded" if group.pattern else counts)
            else:
                lines += [] if group.pattern else [counts_text(group.members)]
                lines.append(f"{group.op_count:,} ops: {counts}")
            leaves = [entry for entry in self.folded_tensors.get(group.key, ())
                      if entry.producer is None and id(entry.tensor) not in self.names]
            if leaves:   # a sum a1 + a2 + ...: each step reads a leaf of its own
                shapes = {notes.shape_text(entry.shape, entry.dtype) for entry in leaves}
                lines.append(f"with {len(leaves):,} lea{'f' if len(leaves) == 1 else 'ves'}"
                             + (f" {shapes.pop()}" if len(shapes) == 1 else ""))
        attrs = {"shape": "box3d", "style": "filled", "fillcolor": FILL["group"], "margin": "0.18,0.08"}
        grads = [entry.grad for entry in self.folded_tensors.get(group.key, ()) if entry.grad is not None]
        if self.options["grads"] and grads:
            joined = np.concatenate([np.ravel(g) for g in grads])
            lines.append(f"grad norm {notes.format_number(notes.array_stats(joined)[3])} "
                         f"(over {len(grads)} tensor{'s' if len(grads) != 1 else ''})")
            attrs["fillcolor"] = notes.gradient_colour(joined, self.options["vanishing"], self.options["exploding"])
        extra_lines, extra_attrs = self.op_extra.get(node.key, ([], {}))
        attrs.update(extra_attrs)
        target.node(node.key, label_text(lines + extra_lines), **attrs)

    def _chain_of(self, node):
        if node.kind == "tensor":
            entry = node.item
            if entry.producer is not None:
                return self._visible_chain(entry.producer)
            return self._leaf_chain(entry)
        if node.kind == "op":
            return self._visible_chain(node.item)
        if node.kind == "group":
            return node.item.chain
        return self._unit_chain(node.head)

    # ------------------------------------------------------ health marks
    def mark_units(self, units):
        """Show each watched module's unit statistics (a ``UnitWatcher`` or its ``stats()``) on its last op."""
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
        """Colour the ops that ``check_graph`` found wrong (a result or a list of failures) and say why."""
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
        """The finished Drawing."""
        emit = {"tensor": self._tensor_node, "op": self._op_node, "group": self._group_node,
                "ghost": self._ghost_node, "option": self._option_node}
        framed = set()
        for node in self.wiring.nodes:
            chain = self._chain_of(node)
            if chain:
                framed.add(node.key)
            emit[node.kind](self._cluster(chain), node)
        self._attach_clusters()
        sideways = self.options["rankdir"] in ("LR", "RL")
        uses = Counter((edge.tail, edge.head) for edge in self.wiring.edges)
        drawn = set()
        for edge in self.wiring.edges:
            attrs = {}
            count = uses[edge.tail, edge.head]
            if count > PARALLEL_EDGES:   # tg.stack([x] * 1000): one edge that counts, not 1,000 side by side
                if (edge.tail, edge.head) in drawn:
                    continue
                drawn.add((edge.tail, edge.head))
                attrs.update(label=f"×{count:,}", fontname="Helvetica", fontsize="9", fontcolor="#495057")
            if (edge.source, edge.op) in self.red_edges:
                attrs.update(color="#e03131", penwidth="2")
            if sideways and edge.head in framed and edge.tail not in framed:
                attrs["minlen"] = "2"   # an input a rank before the frames: beside the first layer, not above it
            self.top.edge(edge.tail, edge.head, **attrs)
        self.top.node_count = len(self.wiring.nodes)
        return self.top

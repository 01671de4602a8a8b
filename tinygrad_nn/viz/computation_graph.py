"""``draw_graph``: the DAG the engine recorded, grouped by module, with the numbers that matter.

Boxes are tensors (name, shape, dtype, optional statistics), ellipses are ops
(the Function's name). Dashed frames are the modules that recorded the ops.
The walk is the engine's ``topological_order`` and every key comes from the
walk order, so the same graph always gives the same DOT text. Constants and
tensors used far apart are drawn beside each use (``sharing``); big graphs
are folded (``collapse``); ``wiring`` lists what is drawn and
``graph_builder`` writes it as DOT.
"""

import warnings
from collections.abc import Mapping

import graphviz

from ..engine import Tensor
from ..engine.methods.arguments import flag_argument, number_argument
from . import annotations as notes
from .calls import frame_each_call
from .collapse import plan_within, rows_allowed
from .drawing import count_argument, label_text, name_lines, rankdir_argument
from .graph_builder import GraphBuilder
from .recorded import ModulePaths, parameter_names, record
from .sharing import plan_sharing

__all__ = ["draw_graph", "GradientsNotComputedWarning", "GraphTooLargeWarning"]

class GradientsNotComputedWarning(UserWarning):
    """Gradient statistics were asked for, but no backward has filled any ``.grad`` yet."""


class GraphTooLargeWarning(UserWarning):
    """The graph has more nodes than ``max_nodes``, or a path longer than a third of them: it was folded (the
    message says what was folded), or it stays too large even after folding."""


def _check_arguments(tensor, rankdir, depth, max_nodes, max_inputs):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor (e.g. the loss), got {type(tensor).__name__}")
    rankdir_argument(rankdir, "draw_graph")
    count_argument(depth, "depth", "draw_graph", 0, allow_none=True)
    count_argument(max_nodes, "max_nodes", "draw_graph", 1, allow_none=True)
    count_argument(max_inputs, "max_inputs", "draw_graph", 5, allow_none=True)


def _check_options(model, values, grads, vanishing, exploding, title, units, blame):
    """The options of ``draw_graph`` beyond the layout ones, each refused in its own words."""
    if model is not None and not hasattr(model, "named_parameters"):
        raise TypeError(f"draw_graph: model must be a Module (to name the parameters), got {type(model).__name__}")
    flag_argument(values, "values", "draw_graph")
    flag_argument(grads, "grads", "draw_graph")
    low = number_argument(vanishing, "vanishing", "draw_graph")
    high = number_argument(exploding, "exploding", "draw_graph")
    if not 0 <= low < high:  # NaN fails too
        raise ValueError(f"draw_graph: need 0 <= vanishing < exploding, got vanishing={vanishing!r:.20}, "
                         f"exploding={exploding!r:.20}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"draw_graph: title must be None or a str, got {type(title).__name__}")
    if units is not None and not (hasattr(units, "stats") or isinstance(units, Mapping)):
        raise TypeError(f"draw_graph: units must be a unit watcher (nn.watch_units) or its stats() dict, "
                        f"got {type(units).__name__}")
    if blame is not None and not (hasattr(blame, "failures") or isinstance(blame, (list, tuple))):
        raise TypeError(f"draw_graph: blame must be a check_graph result or a list of its failures, "
                        f"got {type(blame).__name__}")


def _named_parameters(params):
    """``params`` (a dict ``{name: tensor}`` or ``(name, tensor)`` pairs, maybe a generator) as a checked dict."""
    expected = "draw_graph: params must be a dict {name: Tensor} or (name, Tensor) pairs"
    try:
        pairs = list(params.items() if isinstance(params, Mapping) else params)
    except TypeError:
        raise TypeError(f"{expected}, got {type(params).__name__}") from None
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str)
                and isinstance(pair[1], Tensor)):
            raise TypeError(f"{expected}; one entry is {pair!r:.60}")
    return dict(pairs)


def _what_was_folded(plan, depth):
    """``every module deeper than depth=1 into one box, a chain of ×4,998 Mul → Tanh``."""
    parts = []
    if plan.depth is not None and plan.depth != depth:
        parts.append(f"every module deeper than depth={plan.depth} into one box")
    chains = [group for group in plan.groups if group.kind == "chain"]
    parts.extend(f"a chain of {group.describe()}" for group in chains[:3])
    if len(chains) > 3:
        parts.append(f"{len(chains) - 3:,} more chains")
    return ", ".join(parts)


def _inputs_folded(plan, max_inputs):
    """``Stack has 400 inputs side by side, more than max_inputs=12; folded 396 of them into ×396 leaves ...``."""
    wide = {}
    for group in plan.inputs_folded:
        wide.setdefault((group.consumer, group.total_inputs), []).append(group)
    parts = []
    for (consumer, total), groups in list(wide.items())[:3]:
        folded = sum(group.folded_inputs for group in groups)
        boxes = " and ".join(group.head for group in groups[:3]) + (" and more" if len(groups) > 3 else "")
        parts.append(f"{consumer} has {total:,} inputs side by side, more than max_inputs={max_inputs}; "
                     f"folded {folded:,} of them into {boxes}")
    if len(wide) > 3:
        parts.append(f"{len(wide) - 3:,} more nodes with too many inputs folded")
    return "; ".join(parts)


def _too_large(total, unfolded, max_nodes):
    """``has 402 nodes, more than max_nodes=30``, or why a graph within the node count is still too long."""
    if total > max_nodes:
        return f"has {total:,} nodes, more than max_nodes={max_nodes}"
    return (f"has a path of {unfolded.rows():,} nodes, more than the {rows_allowed(max_nodes):,} rows "
            f"max_nodes={max_nodes} allows (a third of it)")


def draw_graph(tensor, *, model=None, params=None, values=False, grads=False, depth=None,
               rankdir="TB", max_nodes=300, max_inputs=12, units=None, blame=None, vanishing=1e-6,
               exploding=1e3, title=None):
    """Draw the graph that produced ``tensor``; returns a ``viz.Drawing`` (a ``graphviz.Digraph``).

    Tensor nodes are named by the parameter's dotted path (from ``model`` or
    ``params``, a ``{name: tensor}`` dict; by default from the modules that
    recorded the graph), by the tensor's own ``name``, or by where it came
    from (``layers.0 (Linear) out``, ``block → Mul``, ``Mul out``, ``leaf 1``).
    Constants are written into the ops that use them (``Mul(·, 0.5)``); an
    array option such as a loss's labels is drawn as an input of its op; a
    leaf used far apart is drawn in full once (``used N times``) and as a
    dashed ghost beside each other use. ``values=True`` / ``grads=True`` add
    min, mean, max and norm of the data / gradient; with ``grads`` the fill
    colour tells the gradient norm's health (blue below ``vanishing``,
    orange above ``exploding``). Values the graph did not keep are
    recomputed; a ``VersionError`` is raised, saying what to do, when a
    tensor was changed in place since the forward pass. Op nodes are
    grouped in one frame per module path. ``depth=k`` folds each module
    deeper than ``k`` levels into one node. ``max_nodes`` (None: no cap)
    folds long chains of repeated steps (``×98 MatMul → Tanh``), then
    modules, until the picture has at most that many nodes and no path
    longer than a third of them (a readable height), and warns with
    ``GraphTooLargeWarning`` saying what was folded. ``max_inputs`` (None:
    no cap) keeps a readable width: a node with more inputs side by side
    (``stack`` of 400 tensors) keeps its first and last two, and the ones
    between fold into a box that names and counts them (``×396 leaves (3,)
    float64``, ``×296 Mul → Tanh``), with the same warning. ``units`` is a unit
    watcher (or its ``stats()`` dict): activation nodes show their dead /
    saturated fraction. ``blame`` is a graph check result: blamed ops turn
    red with their worst element.

    >>> import tinygrad_nn as tg
    >>> x = tg.Tensor([1.0, 2.0], requires_grad=True, name="x")
    >>> dot = tg.viz.draw_graph((x * x).sum())
    >>> [line.strip().split()[0] for line in dot.body if "->" in line]
    ['t0', 't0', 'op0', 't1', 'op1']
    """
    _check_arguments(tensor, rankdir, depth, max_nodes, max_inputs)
    _check_options(model, values, grads, vanishing, exploding, title, units, blame)
    if params is not None:  # a dict or (name, tensor) pairs, possibly a generator: read once
        params = _named_parameters(params)
    graph = record(tensor, () if params is None else params.values(), values=values)
    paths = ModulePaths()
    for op in graph.ops:
        op.clusters = paths.clusters_of(op.node.scope)
    frame_each_call(graph, paths)
    names = parameter_names(graph, model, params)
    if grads and all(entry.grad is None for entry in graph.tensors):
        warnings.warn("draw_graph: grads=True but no gradient has been computed yet (every .grad is None); "
                      "call loss.backward() before drawing, and retain_grad() on intermediate tensors "
                      "whose gradient you want to see", GradientsNotComputedWarning, stacklevel=2)
    sharing = plan_sharing(graph, names, paths)
    plan, wiring, fits, unfolded = plan_within(graph, names, sharing, depth, max_nodes, max_inputs)
    total, drawn = len(graph), len(wiring.nodes)
    size = _too_large(total, unfolded, max_nodes) if max_nodes is not None else ""
    if not fits:
        warnings.warn(f"draw_graph: the graph {size}, and still {drawn:,} nodes in {wiring.rows():,} rows after "
                      "folding; pass a smaller depth= or max_nodes=None", GraphTooLargeWarning, stacklevel=2)
    elif plan.chains_shortened or plan.depth != depth:
        warnings.warn(f"draw_graph: the graph {size}; folded {_what_was_folded(plan, depth)} to draw {drawn:,} "
                      "(max_nodes=None draws every node)", GraphTooLargeWarning, stacklevel=2)
    if plan.inputs_folded:
        warnings.warn(f"draw_graph: {_inputs_folded(plan, max_inputs)} (max_inputs=None draws every input)",
                      GraphTooLargeWarning, stacklevel=2)
    caption = [label_text(name_lines(title, width=100, max_lines=6))] if title else []
    if plan.groups and (depth is None or plan.depth != depth or plan.chains_shortened or plan.inputs_folded):
        caps = [f"max_nodes={max_nodes}"] if plan.chains_shortened or plan.depth != depth else []
        caps += [f"max_inputs={max_inputs}"] if plan.inputs_folded else []
        caption.append(f"{total:,} recorded nodes folded to {drawn:,} ({', '.join(caps) or f'depth={depth}'}); "
                       "boxes with a 3-D edge stand for several nodes")
    if grads:
        caption.append(notes.HEALTH_LEGEND.format(vanishing=vanishing, exploding=exploding))
    graph_attrs = {"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11", "nodesep": "0.25",
                   "ranksep": "0.3"}
    if caption:
        graph_attrs.update(label=graphviz.nohtml("\\n".join(caption)), labelloc="t", labeljust="l")
    builder = GraphBuilder(graph, plan, wiring, sharing, paths, names, {
        "values": values, "grads": grads, "vanishing": vanishing, "exploding": exploding,
        "rankdir": rankdir}, graph_attrs)
    if units is not None:
        builder.mark_units(units)
    if blame is not None:
        builder.mark_blame(blame)
    return builder.build()

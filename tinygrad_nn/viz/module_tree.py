"""``draw_module``: the module tree, one box per module with its type, configuration and size."""

from collections import Counter

from ..engine.methods.arguments import flag_argument
from ..nn import Module
from .annotations import config_text
from .collapse import counts_text, repetition
from .drawing import Drawing, count_argument, label_text, name_lines, rankdir_argument

__all__ = ["draw_module"]

KEEP = 2   # children drawn in full before and after a folded run of siblings
PARAMETER_LINES = 8   # own parameter tensors listed in a box; a module with more lists its first and last ones


def count_parameters(module):
    """``(number of scalar parameters, number of parameter tensors)`` of ``module`` and its children."""
    parameters = module.parameters()  # not num_parameters(): a PReLU's num_parameters is its width (an int)
    return int(sum(tensor.size for tensor in parameters)), len(parameters)


def _label(path, module, own_parameters, show_count=True):
    kind = type(module).__name__
    config = config_text(module)
    lines = name_lines(f"{path}: {kind}" if path else kind)
    if config:
        lines.append(config)
    total, _ = count_parameters(module)
    if show_count and (total or module.named_children()):
        lines.append(f"{total:,} parameters" if total != 1 else "1 parameter")
    elif show_count:
        lines.append("no parameters")
    return lines + _parameter_lines(own_parameters)


def _parameter_lines(own_parameters):
    """``weight (4, 3)`` per own parameter tensor; past ``PARAMETER_LINES`` the first and last few, and a count."""
    lines = [f"{name} {tuple(tensor.shape)}" for name, tensor in own_parameters]
    if len(lines) <= PARAMETER_LINES:
        return lines
    middle = own_parameters[PARAMETER_LINES // 2 - 1:len(lines) - 2]
    shapes = {tuple(tensor.shape) for _, tensor in middle}
    each = f", each {shapes.pop()}" if len(shapes) == 1 else ""
    return lines[:PARAMETER_LINES // 2 - 1] + [f"… {len(middle):,} more tensors{each}"] + lines[-2:]


def _signature(module):
    """What makes two sibling modules look the same in the tree: type, configuration and parameter shapes."""
    return (type(module).__name__, module.extra_repr(),
            tuple(tuple(tensor.shape) for _, tensor in module.named_parameters()))


def _split_children(children, max_children):
    """``(drawn, folded, period)``: the children drawn in full, the run of siblings folded, its pattern's length.

    ``children`` are ``(path, module)`` pairs. Up to ``max_children`` (or with
    None) every child is drawn and ``folded`` is empty. Beyond it the first
    and last ``KEEP`` are drawn and the middle is folded; when the middle
    repeats a pattern of ``period`` siblings, only whole repetitions are
    folded and the siblings left over are drawn (``period`` is None when
    nothing repeats).
    """
    if max_children is None or len(children) <= max_children:
        return children, [], None
    body = children[KEEP:len(children) - KEEP]
    pattern = repetition([_signature(child) for _, child in body])
    period = None
    if pattern is not None:
        period, repeats = pattern
        body = body[:period * repeats]
    return children[:KEEP] + children[KEEP + len(body):], body, period


def _folded_label(folded, period):
    """The box for a folded run: its first and last path, the pattern or the types, the parameter count."""
    first, last = folded[0][0], folded[-1][0]
    if period is not None:
        pattern = " → ".join(type(child).__name__ for _, child in folded[:period])
        what = f"×{len(folded) // period:,} {pattern}"
    else:
        what = counts_text(Counter(type(child).__name__ for _, child in folded))
    tensors = {id(tensor): tensor for _, child in folded for tensor in child.parameters()}
    total = sum(int(tensor.size) for tensor in tensors.values())
    return label_text([f"{first} … {last}: {what}", f"{len(folded):,} modules folded",
                       f"{total:,} parameters" if total != 1 else "1 parameter"])


def _build(module, own, rankdir, max_depth, max_children):
    """``(drawing, boxes, folds)``: the tree down to ``max_depth``, how many boxes it has, how many are folds."""
    dot = Drawing(
        "module_tree", graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "nodesep": "0.3",
                                   "ranksep": "0.35"},
        node_attr={"shape": "box", "style": "rounded,filled", "fillcolor": "#f8f9fa",
                   "fontname": "Helvetica", "fontsize": "10"},
        edge_attr={"color": "#868e96", "arrowsize": "0.6"})
    total, tensors = count_parameters(module)
    root_lines = _label("", module, own[id(module)], show_count=False)
    trainable = sum(int(t.size) for t in module.parameters() if t.requires_grad)
    root_lines.append(f"total: {total:,} parameters in {tensors} tensors ({trainable:,} trainable)")
    keys = {id(module): "m0"}
    dot.node("m0", label_text(root_lines), fillcolor="#e7f5ff", penwidth="1.5")
    stack, folds = [(module, "", 0)], 0
    while stack:
        parent, path, depth = stack.pop()
        if max_depth is not None and depth >= max_depth:
            continue
        pending = []
        # every position, a module held twice listed twice (as in repr): Sequential(lin, act, lin) has 3 children
        children = [(f"{path}.{name}" if path else name, child) for name, child in parent._child_positions()]
        drawn, folded, period = _split_children(children, max_children)
        for index, (child_path, child) in enumerate(drawn):
            if folded and index == KEEP:
                folds += 1
                dot.node(f"f{folds}", _folded_label(folded, period), shape="box3d", style="filled",
                         fillcolor="#d0ebff")
                dot.edge(keys[id(parent)], f"f{folds}")
            if id(child) not in keys:
                keys[id(child)] = f"m{len(keys)}"
                dot.node(keys[id(child)], label_text(_label(child_path, child, own[id(child)])))
                pending.append((child, child_path, depth + 1))
                dot.edge(keys[id(parent)], keys[id(child)])
            else:  # drawn already under its first path: this edge says where else it sits
                dot.edge(keys[id(parent)], keys[id(child)], label=label_text([f"also {child_path}"]),
                         fontname="Helvetica", fontsize="9", fontcolor="#495057", style="dashed")
        stack.extend(reversed(pending))
    return dot, len(keys) + folds, folds


def _tree_depth(module):
    """How many levels of children ``module`` has (0 for a module without children)."""
    return max((path.count(".") + 1 for path, _ in module.named_modules() if path), default=0)


def draw_module(module, *, rankdir="TB", parameters=True, max_depth=None, max_children=12, max_nodes=40):
    """Draw the tree of ``module``'s children; returns a ``viz.Drawing`` (a ``graphviz.Digraph``).

    Each box shows the module's dotted path and type, its ``extra_repr()``
    configuration and its parameter count (its own and its children's);
    ``parameters=True`` also lists its own parameter tensors (those in list
    or dict attributes too, as ``named_parameters`` finds them) with their
    shapes; a tensor shared by two modules is listed under the first one.
    The root box holds the totals. A module held at two places (by two
    parents, or twice by one: ``Sequential(lin, act, lin)``) is drawn once,
    under its first path, with a dashed edge labelled ``also 2`` from each
    other place. ``max_depth`` stops the tree that many
    levels down (deeper children are counted in their parent's box). A
    module with more than ``max_children`` children (None: no cap) keeps its
    first and last two in full and folds the siblings between them into one
    box with a 3-D edge that names them (``layers.2 … layers.95: ×47 Linear
    → ReLU``) and counts their parameters. A tree that would still have
    more than ``max_nodes`` boxes (None: no cap) stops one level higher at a
    time until it fits, and its caption says so: a big model stays a
    picture of readable size.

    >>> import tinygrad_nn as tg
    >>> dot = tg.viz.draw_module(tg.nn.Linear(3, 2))
    >>> "8 parameters" in dot.source
    True
    """
    if not isinstance(module, Module):
        raise TypeError(f"draw_module: expected a tg.nn.Module, got {type(module).__name__}")
    rankdir_argument(rankdir, "draw_module")
    parameters = flag_argument(parameters, "parameters", "draw_module")
    max_depth = count_argument(max_depth, "max_depth", "draw_module", 0, allow_none=True)
    max_children = count_argument(max_children, "max_children", "draw_module", 2 * KEEP + 1, allow_none=True)
    max_nodes = count_argument(max_nodes, "max_nodes", "draw_module", 1, allow_none=True)
    # the module walker's own-parameter lists (also the ones in list or dict attributes), each tensor once
    own = {id(m): own_parameters if parameters else [] for _, m, own_parameters in module._walk()}
    level = _tree_depth(module) if max_depth is None else min(max_depth, _tree_depth(module))
    dot, boxes, folds = _build(module, own, rankdir, level, max_children)
    stopped = False
    while max_nodes is not None and boxes > max_nodes and level > 1:
        level, stopped = level - 1, True
        dot, boxes, folds = _build(module, own, rankdir, level, max_children)
    caption = []
    if stopped:
        caption.append(f"the tree stops {level} level{'s' if level != 1 else ''} down to draw at most "
                       f"max_nodes={max_nodes} boxes (deeper modules are counted in their parent's box; "
                       "max_nodes=None draws every level)")
    if folds:
        caption.append(f"boxes with a 3-D edge fold runs of sibling modules (max_children={max_children}; "
                       "None draws every child)")
    if caption:
        dot.attr(label="\\n".join(caption), labelloc="t", labeljust="l", fontsize="11")
    return dot

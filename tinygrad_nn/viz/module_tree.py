"""``draw_module``: the module tree, one box per module with its type, configuration and size."""

from ..engine.methods.arguments import flag_argument
from ..nn import Module
from .drawing import Drawing, count_argument, rankdir_argument

__all__ = ["draw_module"]


def count_parameters(module):
    """``(number of scalar parameters, number of parameter tensors)`` of ``module`` and its children."""
    return module.num_parameters(), sum(1 for _ in module.parameters())


def _label(path, module, own_parameters, show_count=True):
    kind = type(module).__name__
    config = module.extra_repr()
    lines = [f"{path}: {kind}" if path else kind]
    if config:
        lines.append(config)
    total, _ = count_parameters(module)
    if show_count and (total or module.named_children()):
        lines.append(f"{total:,} parameters" if total != 1 else "1 parameter")
    elif show_count:
        lines.append("no parameters")
    for name, tensor in own_parameters:
        lines.append(f"{name} {tuple(tensor.shape)}")
    return lines


def draw_module(module, *, rankdir="TB", parameters=True, max_depth=None):
    """Draw the tree of ``module``'s children; returns a ``graphviz.Digraph``.

    Each box shows the module's dotted path and type, its ``extra_repr()``
    configuration and its parameter count (its own and its children's);
    ``parameters=True`` also lists its own parameter tensors (those in list
    or dict attributes too, as ``named_parameters`` finds them) with their
    shapes; a tensor shared by two modules is listed under the first one. The root box holds the totals. A module shared by two parents is
    drawn once, with an edge from each. ``max_depth`` stops the tree that many
    levels down (deeper children are counted in their parent's box).

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
    dot = Drawing(
        "module_tree", graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "nodesep": "0.3",
                                   "ranksep": "0.35"},
        node_attr={"shape": "box", "style": "rounded,filled", "fillcolor": "#f8f9fa",
                   "fontname": "Helvetica", "fontsize": "10"},
        edge_attr={"color": "#868e96", "arrowsize": "0.6"})
    # the module walker's own-parameter lists (also the ones in list or dict attributes), each tensor once
    own = {id(m): own_parameters if parameters else [] for _, m, own_parameters in module._walk()}
    keys = {}
    total, tensors = count_parameters(module)
    root_lines = _label("", module, own[id(module)], show_count=False)
    trainable = sum(int(t.size) for t in module.parameters() if t.requires_grad)
    root_lines.append(f"total: {total:,} parameters in {tensors} tensors ({trainable:,} trainable)")
    keys[id(module)] = "m0"
    dot.node("m0", "\\n".join(root_lines), fillcolor="#e7f5ff", penwidth="1.5")
    stack = [(module, "", 0)]
    while stack:
        parent, path, depth = stack.pop()
        if max_depth is not None and depth >= max_depth:
            continue
        pending = []
        for name, child in parent.named_children():
            child_path = f"{path}.{name}" if path else name
            if id(child) not in keys:
                keys[id(child)] = f"m{len(keys)}"
                dot.node(keys[id(child)], "\\n".join(_label(child_path, child, own[id(child)])))
                pending.append((child, child_path, depth + 1))
            dot.edge(keys[id(parent)], keys[id(child)])
        stack.extend(reversed(pending))
    return dot

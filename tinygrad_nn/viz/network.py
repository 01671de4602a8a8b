"""``draw_network``: the classic picture of a small fully connected net.

An input layer, the hidden layers and an output layer drawn as columns of
circles, every unit of one layer connected to every unit of the next, and
the size of the net counted the usual way: an N-layer net does not count its
input layer, and its parameters are its weights plus its biases.
"""

from ..nn import Sequential
from .drawing import Drawing, count_argument, rankdir_argument

__all__ = ["draw_network", "dense_layers", "NetworkTooLargeError"]

LAYER_COLOURS = {"input": "#ffc9c9", "hidden": "#a5d8ff", "output": "#b2f2bb"}


class NetworkTooLargeError(ValueError):
    """The net has too many units or layers for a picture of circles to be readable."""


MAX_PLACES = 10_000   # module places walked; a tree reusing modules in more places than this is no small net


def _places(model):
    """``(path, module)`` for every module in the order it runs, depth first in attribute order.

    A ``Sequential`` runs each of its places: one holding a layer twice
    (``Sequential(lin, act, lin)``) applies it twice, so it is listed twice.
    Other modules list each child once (``named_children``): an alias such as
    ``self.head = self.layers[-1]`` is no second layer.
    """
    order, seen, stack = [], set(), [("", model, (), False)]
    while stack:
        path, module, above, runs_again = stack.pop()
        if id(module) in seen and not runs_again:
            continue
        seen.add(id(module))
        order.append((path, module))
        if len(order) > MAX_PLACES:
            raise NetworkTooLargeError(f"draw_network: {type(model).__name__} holds modules at more than "
                                       f"{MAX_PLACES:,} places; draw tg.viz.draw_module(model) instead")
        if not hasattr(module, "named_children"):
            continue
        runs_each = isinstance(module, Sequential)
        held = module._child_positions() if runs_each else module.named_children()
        below = above + (id(module),)
        stack.extend((f"{path}.{name}" if path else name, child, below, runs_each)
                     for name, child in reversed(held) if id(child) not in below)  # no loop through an ancestor
    return order


def _inside(path, outer):
    return bool(outer) and path.startswith(outer + ".")


def dense_layers(model):
    """``[(path, module)]`` of the fully connected layers (``in_features``/``out_features``) in call order.

    A layer a ``Sequential`` applies twice is listed at both of its paths.
    """
    found = []
    for path, module in _places(model):
        if hasattr(module, "in_features") and hasattr(module, "out_features"):
            if not any(_inside(path, prefix) for prefix, _ in found):
                found.append((path, module))
    return found


def _activations_between(model, layers):
    """Names of the leaf modules after each dense layer and before the next (e.g. ``ReLU``)."""
    after = [[] for _ in layers]
    paths = {path: index for index, (path, _) in enumerate(layers)}
    current = None
    for path, module in _places(model):
        if path in paths and module is layers[paths[path]][1]:
            current = paths[path]
            continue
        if current is None or _inside(path, layers[current][0]):
            continue
        has_children = bool(list(module.named_children())) if hasattr(module, "named_children") else False
        if not has_children and module is not model:
            after[current].append(type(module).__name__)
    return after


def _split_parameters(layers):
    """``(weights, biases)``: scalar parameters of the layers, each tensor counted once (a reused layer too)."""
    weights = biases = 0
    seen = set()
    for _, module in layers:
        for name, tensor in module.named_parameters():
            if id(tensor) in seen:
                continue
            seen.add(id(tensor))
            if name.rsplit(".", 1)[-1].startswith("bias"):
                biases += int(tensor.size)
            else:
                weights += int(tensor.size)
    return weights, biases


def _reuses(layers):
    """``; 2 applies 0 again (shared weights counted once)`` when a layer is applied twice, else ``""``."""
    first, notes = {}, []
    for path, module in layers:
        if id(module) in first:
            notes.append(f"{path} applies {first[id(module)]} again")
        else:
            first[id(module)] = path
    return f"; {', '.join(notes)} (shared weights counted once)" if notes else ""


def draw_network(model, *, max_units=12, max_layers=8, rankdir="LR"):
    """Draw ``model`` (a chain of Linear/Maxout layers) as layers of circles; returns a ``viz.Drawing``.

    Refuses with ``NetworkTooLargeError`` when a layer has more than
    ``max_units`` units or the net more than ``max_layers`` layers, and says
    what to draw instead; refuses with ``ValueError`` a model whose layers do
    not form a chain (each layer's ``in_features`` is the previous layer's
    ``out_features``). A layer a ``Sequential`` applies twice
    (``Sequential(lin, act, lin)``) is drawn at each place, its weights
    counted once, and the caption says so.

    >>> import tinygrad_nn as tg
    >>> dot = tg.viz.draw_network(tg.nn.MLP([3, 4, 2]))
    >>> "26 parameters" in dot.source
    True
    """
    if not hasattr(model, "named_modules"):
        raise TypeError(f"draw_network: expected a tg.nn.Module, got {type(model).__name__}")
    max_units = count_argument(max_units, "max_units", "draw_network", 1)
    max_layers = count_argument(max_layers, "max_layers", "draw_network", 1)
    rankdir_argument(rankdir, "draw_network")
    layers = dense_layers(model)
    kind = type(model).__name__
    if not layers:
        raise ValueError(f"draw_network: {kind} has no fully connected layer (Linear or Maxout) to draw; "
                         "use tg.viz.draw_module(model) for its module tree")
    for (before_path, before), (path, layer) in zip(layers, layers[1:]):
        if layer.in_features != before.out_features:
            raise ValueError(
                f"draw_network: {kind} is not a plain chain of fully connected layers: "
                f"{path or kind} takes {layer.in_features} features but {before_path or kind} gives "
                f"{before.out_features}; use tg.viz.draw_module(model) or draw_graph(model(x)) instead")
    sizes = [layers[0][1].in_features] + [layer.out_features for _, layer in layers]
    instead = ("draw tg.viz.draw_module(model) for the module tree or tg.viz.draw_graph(model(x)) "
               "for the computation graph instead")
    widest = max(range(len(sizes)), key=lambda i: sizes[i])
    if sizes[widest] > max_units:
        where = "the input" if widest == 0 else (layers[widest - 1][0] or kind)
        raise NetworkTooLargeError(
            f"draw_network: {where} has {sizes[widest]:,} units, more than max_units={max_units}: "
            f"a picture of {sum(sizes):,} circles and {sum(a * b for a, b in zip(sizes, sizes[1:])):,} lines "
            f"is unreadable; {instead} (or raise max_units)")
    if len(layers) > max_layers:
        raise NetworkTooLargeError(
            f"draw_network: {kind} has {len(layers)} layers, more than max_layers={max_layers}; {instead}")
    activations = _activations_between(model, layers)
    weights, biases = _split_parameters(layers)
    neurons = sum(sizes[1:])
    caption = (f"{len(layers)}-layer neural network: {' + '.join(f'{s:,}' for s in sizes[1:])} = {neurons:,} neurons "
               f"(inputs not counted), {weights:,} weights + {biases:,} biases = {weights + biases:,} parameters"
               f"{_reuses(layers)}")
    dot = Drawing(
        "network", graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11",
                               "nodesep": "0.15", "ranksep": "1.1", "splines": "line",
                               "label": caption, "labelloc": "b"},
        node_attr={"shape": "circle", "label": "", "width": "0.35", "fixedsize": "true",
                   "style": "filled", "color": "#495057"},
        edge_attr={"color": "#adb5bd", "arrowsize": "0.35", "penwidth": "0.7"})
    for index, size in enumerate(sizes):
        if index == 0:
            role, title = "input", f"input layer\\n{size} input{'s' if size != 1 else ''}"
        elif index == len(sizes) - 1:
            role, title = "output", f"output layer\\n{size} unit{'s' if size != 1 else ''}"
        else:
            role, title = "hidden", f"hidden layer {index}\\n{size} unit{'s' if size != 1 else ''}"
        if index > 0:
            path, layer = layers[index - 1]
            pieces = getattr(layer, "pieces", None)
            title += f"\\n{path + ': ' if path else ''}{type(layer).__name__}"
            title += f" ({pieces} pieces)" if pieces else ""
            if activations[index - 1]:
                title += " + " + " + ".join(activations[index - 1])
        with dot.subgraph(name=f"cluster_layer{index}") as column:
            column.attr(label=title, labelloc="t", style="rounded", color="#dee2e6", fontsize="10", fontcolor="#495057")
            for unit in range(size):
                column.node(f"l{index}u{unit}", fillcolor=LAYER_COLOURS[role])
    for index in range(len(sizes) - 1):
        for a in range(sizes[index]):
            for b in range(sizes[index + 1]):
                dot.edge(f"l{index}u{a}", f"l{index + 1}u{b}")
    return dot

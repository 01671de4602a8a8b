"""Walks of a recorded graph: ``topological_order`` (the one iterative,
deterministic order, used by ``backward``, the drawings and ``check_graph``),
and ``recompute``/``outputs``, which rebuild the intermediate values the graph
does not keep.

No recursion: a 100,000-deep chain is fine.
"""

import numpy as np

from .function import Context
from .tensor import Tensor, as_array

__all__ = ["topological_order", "recompute", "outputs", "input_tensors"]

# Pushed above a node whose inputs are being expanded; popping it means they are all done.
# (A marker rather than (node, flag) tuples: one allocation less per node.)
_INPUTS_DONE = object()


def topological_order(root):
    """The nodes (``Context`` objects) that ``root`` depends on, each after all of its inputs' nodes.

    ``root`` is a Tensor or a node. Inputs are visited in call order, so the
    same graph always gives the same list; the root's own node is last.
    """
    start = getattr(root, "grad_fn", root)
    if start is None:
        return []
    order = []
    visited = set()
    stack = [start]
    while stack:
        node = stack.pop()
        if node is _INPUTS_DONE:
            order.append(stack.pop())  # every input's node is in ``order``: the node under the marker follows
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append(node)
        stack.append(_INPUTS_DONE)
        for source in reversed(node.sources):
            if type(source) is Context and source not in visited:
                stack.append(source)
    return order


def recompute(root):
    """``{node: output array}`` for every node ``root`` depends on, by running the forwards again.

    The graph keeps leaves, constants and what each op saved for backward,
    not every intermediate value; this replays the recorded ops in order from
    the leaves' current values (so it gives the values the graph saw as long
    as no leaf was changed in place since). Nothing is recorded or released.
    """
    values = {}
    with np.errstate(all="ignore"):  # any warning was given when the op first ran
        for node in topological_order(root):
            arrays = [values[source] if type(source) is Context else source.data for source in node.sources]
            scratch = Context(node.function, node.sources, node.kwargs, node.needs_input_grad, node.scope)
            out = node.function.forward(scratch, *arrays, **node.kwargs)
            values[node] = out if type(out) is np.ndarray else as_array(out, node.function.__name__)
    return values


def outputs(root, known=()):
    """``{node: output Tensor}`` for every node ``root`` depends on.

    A node's output is the tensor itself where it can be found: ``root``,
    any tensor in ``known``, or the tensor ``retain_grad()`` was called on
    while it is alive (so its ``.grad`` is there). Otherwise it is a new
    Tensor with that node as ``grad_fn``, the output's ``name`` and the value
    ``recompute`` gives.
    """
    nodes = topological_order(root)
    live = {node: node.retained() for node in nodes if node.retained is not None}
    for tensor in (root, *known):
        if isinstance(tensor, Tensor) and tensor.grad_fn is not None:
            live[tensor.grad_fn] = tensor
    values = None
    result = {}
    for node in nodes:
        tensor = live.get(node)
        if tensor is None:
            if values is None:
                values = recompute(root)
            tensor = Tensor._make(values[node], True, node)
            tensor._name = node.output_name
        result[node] = tensor
    return result


def input_tensors(node, produced):
    """``node``'s input Tensors in call order; ``produced`` (from ``outputs``) stands for those made by recorded ops."""
    return tuple(produced[source] if type(source) is Context else source for source in node.sources)

"""``topological_order``: the one iterative, deterministic walk of a recorded graph.

Used by ``backward`` and by the drawing code, so both see nodes in the same
order. No recursion: a 100,000-deep chain is fine.
"""

__all__ = ["topological_order"]

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
        for tensor in reversed(node.inputs):
            parent = tensor.grad_fn
            if parent is not None and parent not in visited:
                stack.append(parent)
    return order

"""``topological_order``: the one iterative, deterministic walk of a recorded graph.

Used by ``backward`` and by the drawing code, so both see nodes in the same
order. No recursion: a 100,000-deep chain is fine.
"""

__all__ = ["topological_order"]


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
    stack = [(start, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for tensor in reversed(node.inputs):
            parent = tensor.grad_fn
            if parent is not None and id(parent) not in visited:
                stack.append((parent, False))
    return order

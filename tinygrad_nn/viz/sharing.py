"""Tensors used in many places: drawn beside each use instead of with long edges across the picture.

A layout program draws an edge that spans many ranks through one virtual
node per rank, and a tensor used at every step of a loop has such an edge to
every step: the layout time grows with the square of the graph. So:

* a **constant** (a Python number mixed into an expression: one value, no
  gradient, no name) is written into the label of each op that uses it
  (``Mul(·, 1.0001)``); there is no shared node. (Measured on a chain of
  10,000 recorded nodes with graphviz-pure: 0.85 s this way, 4.8 s with a
  small dashed box per use, and no result within minutes with one shared
  node.)
* a **spread leaf** (a parameter or input used by ops far apart: at depths
  more than one rank apart, or outside the module that owns it, like a
  weight in a regulariser or a weight reused at every step of a loop) is
  drawn in full once, at its first use, and as a dashed **ghost** copy (its
  name and ``used N times``) beside each other use. Its full node carries
  the statistics and says ``used N times`` too.

Every other tensor is one node with an edge to each use.
"""

__all__ = ["plan_sharing"]

RANK_WINDOW = 1   # uses at most this many ranks from the first use keep an edge from the full node


class Sharing:
    """Which leaves are constants; for spread leaves, which ops keep the edge from the full node."""

    def __init__(self):
        self.constants = set()       # keys of constants
        self.real_uses = {}          # spread leaf key -> keys of the ops that use the full node
        self.use_counts = {}         # spread leaf key -> how many times it is used

    def is_per_use(self, entry):
        """True for a constant or a spread leaf: each use may draw its own copy."""
        return entry.key in self.constants or entry.key in self.real_uses

    def is_ghost_use(self, entry, op):
        """True when ``op``'s use of ``entry`` is not an edge from its full node (a constant, or a ghost)."""
        if entry.key in self.constants:
            return True
        real = self.real_uses.get(entry.key)
        return real is not None and op.key not in real


def _owner_chain(entry, names, paths):
    """The cluster chain of the module that owns this parameter (from its dotted name), or None."""
    name = names.get(id(entry.tensor))
    if name is None:
        return None
    owner = name.rsplit(".", 1)[0] if "." in name else ""
    first = entry.consumers[0].clusters
    for depth in range(len(first), 0, -1):
        if paths.path(first[depth - 1]) == owner:
            return first[:depth]
    return ()


def plan_sharing(graph, names, paths):
    """The ``Sharing`` of ``graph``: its constants and its spread leaves with their real uses."""
    sharing = Sharing()
    for entry in graph.tensors:
        if entry.producer is not None or not entry.consumers:
            continue
        if entry.is_constant:
            sharing.constants.add(entry.key)
            continue
        if len(entry.consumers) < 2:
            continue
        home = _owner_chain(entry, names, paths)
        inside = [home is None or op.clusters[:len(home)] == home for op in entry.consumers]
        first = entry.consumers[inside.index(True) if True in inside else 0]
        real = [op.key for op, at_home in zip(entry.consumers, inside)
                if op is first or (at_home and abs(op.depth - first.depth) <= RANK_WINDOW)]
        if len(real) < len(entry.consumers):
            sharing.real_uses[entry.key] = set(real)
            sharing.use_counts[entry.key] = sum(
                1 for op in entry.consumers for source in op.inputs if source is entry)
    return sharing

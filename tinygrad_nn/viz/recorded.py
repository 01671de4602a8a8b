"""The recorded graph as the drawing code sees it: tensors, ops and the modules that made them.

Built from ``tinygrad_nn.engine.topological_order`` (the engine's one walk).
The graph keeps nodes, not intermediate tensors: each intermediate is the
tensor ``retain_grad()`` was called on if it is alive, else its value is
recomputed (``engine.graph.outputs``); the root is the tensor drawn.
Keys (``t0``, ``op0``...) are given in walk order, never from ``id()``, so
the same graph always gets the same keys.
"""

from ..engine import topological_order
from ..engine.graph import input_tensors, outputs
from ..nn import scope_path

__all__ = ["TensorEntry", "OpEntry", "RecordedGraph", "record", "ModulePaths", "parameter_names"]


class TensorEntry:
    """One tensor of the graph: its key, the tensor, the op that made it (None for a leaf), its consumers."""

    __slots__ = ("key", "tensor", "producer", "consumers", "is_root")

    def __init__(self, key, tensor, producer=None):
        self.key = key
        self.tensor = tensor
        self.producer = producer
        self.consumers = []
        self.is_root = False


class OpEntry:
    """One recorded op: its key, the ``Context`` node, input and output entries, module clusters."""

    __slots__ = ("key", "node", "inputs", "output", "clusters", "index")

    def __init__(self, key, node, inputs, index):
        self.key = key
        self.node = node
        self.inputs = inputs
        self.output = None
        self.clusters = ()
        self.index = index


class RecordedGraph:
    """Tensors and ops of the graph behind ``root``, each list in walk order."""

    def __init__(self, root, tensors, ops):
        self.root = root
        self.tensors = tensors
        self.ops = ops

    def __len__(self):
        return len(self.tensors) + len(self.ops)


def record(root, known=()):
    """The ``RecordedGraph`` of ``root`` (a Tensor): leaves keyed when first used, outputs right after their op.

    ``known`` are tensors the caller holds (``params=`` of a drawing): an
    intermediate among them is drawn as itself rather than recomputed.
    """
    order = topological_order(root)
    produced = outputs(root, known)  # intermediate values are not kept by the graph: recomputed once
    tensors, ops, by_id = [], [], {}

    def add_tensor(tensor, producer):
        entry = TensorEntry(f"t{len(tensors)}", tensor, producer)
        tensors.append(entry)
        by_id[id(tensor)] = entry
        return entry

    for node in order:
        inputs = []
        for tensor in input_tensors(node, produced):
            entry = by_id.get(id(tensor))
            if entry is None:
                entry = add_tensor(tensor, None)
            inputs.append(entry)
        op = OpEntry(f"op{len(ops)}", node, inputs, len(ops))
        ops.append(op)
        for entry in inputs:
            if not entry.consumers or entry.consumers[-1] is not op:
                entry.consumers.append(op)
        op.output = add_tensor(produced[node], op)
    root_entry = by_id.get(id(root)) or add_tensor(root, None)
    root_entry.is_root = True
    return RecordedGraph(root, tensors, ops)


class ModulePaths:
    """Module paths of scope prefixes, computed once per distinct prefix (a 10,000-op graph stays fast)."""

    def __init__(self):
        self._cache = {}
        self.clusters = {}

    def clusters_of(self, scope):
        """Cluster keys of ``scope``, outermost first; each key is a tuple of the ids of the scope prefix."""
        keys = []
        for depth in range(1, len(scope) + 1):
            key = tuple(id(m) for m in scope[:depth])
            if key not in self.clusters:
                prefix = tuple(scope[:depth])
                self.clusters[key] = (self._path(prefix), prefix[-1])
            keys.append(key)
        return tuple(keys)

    def _path(self, prefix):
        key = tuple(id(m) for m in prefix)
        path = self._cache.get(key)
        if path is None:
            path = scope_path(prefix)
            self._cache[key] = path
        return path

    def path(self, cluster_key):
        """The dotted module path of a cluster ('' for the outermost module)."""
        return self.clusters[cluster_key][0]

    def module(self, cluster_key):
        """The module object of a cluster."""
        return self.clusters[cluster_key][1]


def parameter_names(graph, model=None, params=None):
    """``{id(tensor): dotted name}`` from ``model.named_parameters()``, ``params``, or the graph's scopes.

    ``params`` is a dict ``{name: tensor}`` or pairs ``(name, tensor)``. With
    neither given, the outermost module of every scope names its parameters.
    """
    names = {}
    sources = []
    if params is not None:
        sources.append(params.items() if hasattr(params, "items") else params)
    if model is not None:
        sources.append(model.named_parameters())
    if params is None and model is None:
        roots, seen = [], set()
        for op in graph.ops:
            scope = op.node.scope
            if scope and id(scope[0]) not in seen:
                seen.add(id(scope[0]))
                roots.append(scope[0])
        sources.extend(root.named_parameters() for root in roots if hasattr(root, "named_parameters"))
    for source in sources:
        for name, tensor in source:
            names.setdefault(id(tensor), name)
    return names

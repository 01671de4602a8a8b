"""The recorded graph as the drawing code sees it: tensors, ops and the modules that made them.

Built from ``tinygrad_nn.engine.topological_order`` (the engine's one walk).
The graph keeps nodes, not intermediate tensors. A drawing that shows values
gets every intermediate from ``engine.graph.outputs`` (the tensor itself when
it is alive, else its value recomputed from the leaves); a drawing of the
structure alone reads each intermediate's name, shape and dtype from its node
and recomputes nothing. The root is always the tensor drawn.
Keys (``t0``, ``op0``...) are given in walk order, never from ``id()``, so
the same graph always gets the same keys.
"""

from ..engine import Context, topological_order
from ..engine.errors import VersionError
from ..engine.graph import outputs
from ..nn import scope_path

__all__ = ["record", "ModulePaths", "parameter_names"]

STALE_VALUES_ADVICE = ("draw before optimizer.step() (or any other in-place change), or run the forward "
                       "again and draw the new result; a drawing without values=True needs no values")


class TensorEntry:
    """One tensor of the graph: its key, what it is (name, shape, dtype), the op that made it, its consumers.

    ``tensor`` is the Tensor itself, or None for an intermediate of a drawing
    without values whose tensor is gone (its node still knows its shape).
    """

    __slots__ = ("key", "tensor", "name", "shape", "dtype", "producer", "consumers", "is_root")

    def __init__(self, key, tensor, producer=None):
        self.key = key
        self.tensor = tensor
        if tensor is None:
            node = producer.node
            self.name, self.shape, self.dtype = node.output_name, tuple(node.output_shape), node.output_dtype
        else:
            self.name, self.shape, self.dtype = tensor.name, tuple(tensor.shape), tensor.dtype
        self.producer = producer
        self.consumers = []
        self.is_root = False

    @property
    def grad(self):
        """The tensor's ``.grad`` (None when it has none, is made by an op without ``retain_grad()``, or is not at hand)."""
        tensor = self.tensor
        return tensor.grad if tensor is not None and (tensor.is_leaf or tensor.retains_grad) else None

    @property
    def is_constant(self):
        """A Python number mixed into an expression: one value, no gradient, no name."""
        tensor = self.tensor
        return (self.producer is None and tensor is not None and tensor.size == 1
                and not tensor.requires_grad and tensor.name is None)


class OpEntry:
    """One recorded op: its key, the ``Context`` node, input and output entries, module clusters, depth.

    ``depth`` is the length of the longest path of ops from the leaves to it
    (0 for an op on leaves only), the rank a layout program gives it.
    """

    __slots__ = ("key", "node", "inputs", "output", "clusters", "depth")

    def __init__(self, key, node, inputs):
        self.key = key
        self.node = node
        self.inputs = inputs
        self.output = None
        self.clusters = ()
        self.depth = max((entry.producer.depth + 1 for entry in inputs if entry.producer is not None), default=0)


class RecordedGraph:
    """Tensors and ops of the graph behind ``root``, each list in walk order."""

    def __init__(self, root, tensors, ops):
        self.root = root
        self.tensors = tensors
        self.ops = ops

    def __len__(self):
        return len(self.tensors) + len(self.ops)


def _alive(nodes, root, known):
    """``{node: output Tensor}`` for the outputs at hand without recomputing: ``root``, ``known``, retained ones."""
    live = {node: node.retained() for node in nodes if node.retained is not None}
    live = {node: tensor for node, tensor in live.items() if tensor is not None}
    for tensor in (root, *known):
        if getattr(tensor, "grad_fn", None) is not None:
            live[tensor.grad_fn] = tensor
    return live


def record(root, known=(), values=False):
    """The ``RecordedGraph`` of ``root`` (a Tensor): leaves keyed when first used, outputs right after their op.

    ``known`` are tensors the caller holds (``params=`` of a drawing): an
    intermediate among them is drawn as itself. With ``values=True`` every
    intermediate is a Tensor (recomputed where needed); if a tensor the graph
    recorded was changed in place since, that raises ``VersionError`` saying
    what to do rather than showing values the forward pass never saw.
    """
    order = topological_order(root)
    if values:
        try:
            produced = outputs(root, known)
        except VersionError as error:
            raise VersionError(f"draw_graph: cannot show the values the forward pass saw: {error}; "
                               f"{STALE_VALUES_ADVICE}") from error
    else:
        produced = _alive(order, root, known)
    tensors, ops, by_id = [], [], {}

    def add_tensor(tensor, producer):
        entry = TensorEntry(f"t{len(tensors)}", tensor, producer)
        tensors.append(entry)
        if tensor is not None:
            by_id[id(tensor)] = entry
        return entry

    entry_of_node = {}
    for node in order:
        inputs = []
        for source in node.sources:
            if type(source) is Context:
                entry = entry_of_node[source]
            else:
                entry = by_id.get(id(source)) or add_tensor(source, None)
            inputs.append(entry)
        op = OpEntry(f"op{len(ops)}", node, inputs)
        ops.append(op)
        for entry in inputs:
            if not entry.consumers or entry.consumers[-1] is not op:
                entry.consumers.append(op)
        op.output = entry_of_node[node] = add_tensor(produced.get(node), op)
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

    def alias(self, key, cluster_key):
        """Make ``key`` a cluster of the same module as ``cluster_key`` (one call of it, see ``calls``)."""
        self.clusters[key] = self.clusters[cluster_key]

    def path(self, cluster_key):
        """The dotted module path of a cluster ('' for the outermost module)."""
        return self.clusters[cluster_key][0]

    def module(self, cluster_key):
        """The module object of a cluster."""
        return self.clusters[cluster_key][1]

    def title(self, cluster_key):
        """``layers.2 (Linear)``, or the class name alone for the outermost module."""
        path, kind = self.path(cluster_key), type(self.module(cluster_key)).__name__
        return f"{path} ({kind})" if path else kind


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

"""The recorded graph: its node (``Context``) and the walks over it.

* ``topological_order``: the one iterative, deterministic order, used by
  ``backward``, the drawings and ``check_graph``;
* ``recompute`` / ``outputs``: rebuild the intermediate values the graph
  does not keep, by replaying the recorded forwards from the leaves;
* ``check_unchanged`` / ``check_saved_unchanged``: refuse when a leaf or
  constant was changed in place after a node recorded it (see ``versions``).

No recursion: a 100,000-deep chain is fine.
"""

import numpy as np

from . import grad_mode, tensor, versions
from .errors import VersionError
from .versions import TICKS

__all__ = ["Context", "topological_order", "order_of_nodes", "recompute", "outputs", "input_tensors", "check_unchanged",
           "check_saved_unchanged", "tensor_namers"]

# Functions ``namer(tensor, node) -> str or None`` that name a leaf in error messages (``nn`` adds one
# that finds a parameter's dotted path through the modules of ``node.scope``).
tensor_namers = []


class Context:
    """The node one ``Function.apply`` call adds to the graph (``tensor.grad_fn``).

    Attributes
    ----------
    function : the ``Function`` subclass that ran.
    sources : one entry per input, in call order: the ``Context`` of the
        recorded op that made it, or the input ``Tensor`` itself for a leaf
        or a constant. The graph holds nodes, not intermediate tensors: an
        intermediate value no longer referenced by the user or saved for
        ``backward`` is freed as soon as the forward pass moves on.
    inputs : the input Tensors, in call order (see the ``inputs`` property).
    output_shape, output_dtype : shape and dtype of the output array.
    output_name : the ``name`` given to the output tensor, if any.
    kwargs : the options given to ``apply`` (the keyword arguments of ``forward``).
    needs_input_grad : tuple of bools, one per input.
    saved_tensors : what ``save_for_backward`` stored; released after
        ``backward`` unless ``retain_graph=True``.
    scope : the scope stack (modules) active when the node was recorded.
    sequence : the tick of the version clock when the node was recorded: nodes are numbered in
        recording order (``backward`` visits newest first), and a tensor changed in place later than
        this was changed after the node saw it (see ``versions``).
    created_at : ``"file:line in function"`` of the user code that created
        the node, recorded only inside ``detect_anomaly()``.

    Functions may also store small non-array facts on it (``ctx.axis = 1``).
    """

    __slots__ = ("function", "sources", "output_shape", "output_dtype", "output_id", "kwargs",
                 "needs_input_grad", "saved_tensors", "scope", "retained", "sequence", "__dict__", "__weakref__")
    # Rarely set, so not slots: read from the class until a node sets its own (one store less per op).
    output_name = None  # the name given to the output tensor
    created_at = None   # where the node was made, inside detect_anomaly()
    output_changed_at = 0  # the tick of the latest in-place change of the output array (see versions)
    output_versions = None  # the counter shared with the input an output views (see function._share_versions)
    input_ids = None  # ids of the arrays forward got, when two inputs shared one (see function._distinct_arrays)

    def __init__(self, function, sources, kwargs, needs_input_grad, scope=None):
        self.function = function
        self.sources = sources
        self.output_shape = self.output_dtype = self.output_id = None
        self.kwargs = kwargs
        self.needs_input_grad = needs_input_grad
        self.saved_tensors = ()
        self.scope = grad_mode.STATE.scope if scope is None else scope
        self.retained = None  # a weak reference to the output tensor, after retain_grad()
        self.sequence = next(TICKS)  # a node is newer than its inputs' nodes, and than earlier in-place changes

    def save_for_backward(self, *arrays):
        """Keep arrays (or anything) for ``backward``; read them back as ``ctx.saved_tensors``."""
        self.saved_tensors = arrays

    @property
    def inputs(self):
        """The input Tensors, in call order.

        Leaves and constants are the very tensors given. An input made by
        another recorded op is that op's output: the tensor itself while
        ``retain_grad()`` keeps track of it, otherwise a Tensor with the same
        ``grad_fn`` whose value is recomputed from the leaves (the graph does
        not keep intermediate values). A leaf changed in place since the
        graph was recorded raises ``VersionError``: the values the forward
        saw are gone. Each access replays the ops upstream of this node: to
        look at every node of a large graph, call ``engine.graph.outputs(root)``
        once and ``input_tensors(node, produced)``.
        """
        return input_tensors(self, outputs(self))

    def output_changed_after(self, tick):
        """Whether the output array was changed in place after ``tick``: itself, or as a view of another tensor."""
        return self.output_changed_at > tick or (
            self.output_versions is not None and self.output_versions.changed_at > tick)

    @property
    def name(self):
        """The ``Function``'s class name, e.g. ``"MatMul"``."""
        return self.function.__name__

    @property
    def freed(self):
        """True once ``release`` dropped the saved arrays (a backward without ``retain_graph``)."""
        return self.saved_tensors is None

    def release(self):
        """Drop saved arrays; a later backward through this node raises."""
        self.saved_tensors = None

    def __repr__(self):
        return f"<{self.function.__name__}>"


# Pushed above a node whose inputs are being expanded; popping it means they are all done.
# (A marker rather than (node, flag) tuples: one allocation less per node.)
_INPUTS_DONE = object()


def topological_order(root):
    """The nodes (``Context`` objects) that ``root`` depends on, each after all of its inputs' nodes.

    ``root`` is a Tensor, a node, or a sequence of them (the nodes of several
    outputs, in order). Inputs are visited in call order, so the same graph
    always gives the same list; a single root's own node is last.
    """
    roots = root if isinstance(root, (list, tuple)) else (root,)
    return order_of_nodes([node for node in map(_node_of, roots) if node is not None])


def order_of_nodes(starts):
    """``topological_order`` of a list of nodes (no leaves): depth first, each node after its inputs' nodes."""
    order = []
    visited = set()
    stack = starts[::-1]
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


def _node_of(root):
    """The node of a Tensor (None for a leaf), or ``root`` itself when it is a node."""
    if isinstance(root, Context):
        return root
    if isinstance(root, tensor.Tensor):
        return root.grad_fn
    raise TypeError(f"topological_order: expected a Tensor or a graph node, got {type(root).__name__}")


def check_unchanged(node, purpose):
    """Raise ``VersionError`` if a leaf or constant input of ``node`` changed in place after it was recorded.

    ``purpose`` says what needed the old values (for the message).
    """
    if versions.latest_change < node.sequence:
        return  # nothing anywhere was changed in place since the node was recorded
    for index, source in enumerate(node.sources):
        if type(source) is not Context and source._versions.changed_at > node.sequence:
            raise VersionError(
                f"{purpose}: input {index} of {node.function.__name__} ({describe(source, node)}) was changed in "
                f"place after the graph was recorded (it is now at version {source.version}), so the values the "
                f"forward saw are gone. Look at the graph before changing its leaves (e.g. before "
                f"optimizer.step()), or run the forward again")


def check_saved_unchanged(node):
    """Before ``node``'s backward: raise ``VersionError`` if an array it saved was changed in place since.

    The saved arrays are the node's inputs and its output. A leaf whose
    ``data`` was replaced by a new array left the saved one intact; so did
    an intermediate tensor given new data. ``call_backward`` calls it only
    when some tensor was changed in place after the node was recorded.
    """
    saved = [a for a in (node.saved_tensors or ()) if isinstance(a, np.ndarray)]
    if not saved:
        return
    for index, source in enumerate(node.sources):
        if type(source) is Context:  # the array forward got: the source's output, or a view of it (input_ids)
            passed = source.output_id if node.input_ids is None else node.input_ids[index]
            changed = source.output_changed_after(node.sequence) and any(id(a) == passed for a in saved)
            what, now = f"the output of {source.function.__name__}", ""
        else:  # its current array, or one it had before its data was replaced (a detached tensor may change it)
            changed = any(counter.changed_at > node.sequence and any(np.may_share_memory(a, array) for a in saved)
                          for counter, array in source._versions.counters(source._data))
            what, now = describe(source, node), f" (it is now at version {source.version})"
        if changed:
            raise VersionError(
                f"backward: {node.function.__name__} saved input {index} ({what}) for its gradient, but it was "
                f"changed in place after the forward{now}, so the gradient would be computed from values the "
                f"forward never saw. Run the forward again after changing it (for example, compute the loss after "
                f"optimizer.step(), not before), or change a copy (t.clone()) instead")
    if node.output_changed_after(node.sequence) and any(id(a) == node.output_id for a in saved):
        raise VersionError(
            f"backward: {node.function.__name__} saved its output for its gradient, but the output was changed "
            f"in place after the forward, so the gradient would be wrong. Change a copy (t.clone()) instead")


def describe(source, node):
    """How an error message names a leaf or constant input of ``node``."""
    if source.name:
        return f"tensor {source.name!r}"
    for namer in tensor_namers:
        name = namer(source, node)
        if name:
            return f"parameter {name!r}"
    kind = "a leaf" if source.requires_grad else "a constant"
    return f"{kind} of shape {source.shape}"


def recompute(root):
    """``{node: output array}`` for every node ``root`` depends on, by running the forwards again.

    The graph keeps leaves, constants and what each op saved for backward,
    not every intermediate value; this replays the recorded ops in order from
    the leaves. A leaf or constant changed in place since it was recorded
    raises ``VersionError`` (the values would not be the ones the forward
    saw). Nothing is recorded or released.
    """
    values = {}
    with np.errstate(all="ignore"):  # any warning was given when the op first ran
        for node in topological_order(root):
            check_unchanged(node, "recomputing the graph's values")
            arrays = [values[source] if type(source) is Context else source._data for source in node.sources]
            scratch = Context(node.function, node.sources, node.kwargs, node.needs_input_grad, node.scope)
            replay = getattr(node.function, "replay", None)  # an op that draws (dropout) rebuilds what it drew
            out = replay(node, *arrays) if replay else node.function.forward(scratch, *arrays, **node.kwargs)
            values[node] = out if type(out) is np.ndarray else tensor.as_array(out, node.function.__name__)
    return values


def outputs(root, known=()):
    """``{node: output Tensor}`` for every node ``root`` depends on.

    A node's output is the tensor itself where it can be found: ``root``,
    any tensor in ``known``, or the tensor ``retain_grad()`` was called on
    while it is alive (so its ``.grad`` is there). Otherwise it is a new
    Tensor with that node as ``grad_fn``, the output's ``name`` and the value
    ``recompute`` gives. Leaves changed in place since the graph was recorded
    raise ``VersionError``, whatever is known, and so does a tensor at hand
    that was changed in place (or given new data) after its node was recorded.
    """
    nodes = topological_order(root)
    for node in nodes:
        check_unchanged(node, "looking at the graph's values")
    live = {node: node.retained() for node in nodes if node.retained is not None}
    for t in (root, *known):
        if isinstance(t, tensor.Tensor) and t.grad_fn is not None:
            live[t.grad_fn] = t
    values = None
    result = {}
    for node in nodes:
        t = live.get(node)
        if t is not None and t._versions.changed_at > node.sequence:
            raise VersionError(
                f"looking at the graph's values: the output of {node.function.__name__} (shape {t.shape}) was "
                f"changed in place after it was recorded (it is now at version {t.version}), so it no longer "
                f"holds the value the forward computed. Look at the graph before changing it, or run the "
                f"forward again")
        if t is None:
            if values is None:
                values = recompute(root)
            t = tensor.make_tensor(values[node], True, node)
            t._name = node.output_name
        result[node] = t
    return result


def input_tensors(node, produced):
    """``node``'s input Tensors in call order; ``produced`` (from ``outputs``) stands for those made by recorded ops."""
    return tuple(produced[source] if type(source) is Context else source for source in node.sources)

"""The reverse walk: visit each node once, after every node that uses its output, and
push the summed gradient of its output through its ``backward`` to its inputs.

For each node, newest first (a node is recorded after the nodes whose outputs it uses, so by then
every node it sends gradients to has sent it theirs):

1. its upstream gradient is the sum of what its consumers sent it;
2. ``backward`` turns it into one gradient per input (``call_backward``);
3. each is conformed to its input's shape and dtype (``conform``);
4. an input made by another node gets it added to that node's upstream; a
   leaf that requires grad gets it delivered (into ``.grad``, or collected
   for ``autograd.grad``);
5. the node's saved arrays are released unless the graph is retained.

With ``create_graph=True`` the same walk runs on Tensors instead of arrays:
every gradient is a Tensor, ``backward`` runs while recording (see
``call_backward``), so the gradients come out with graphs of their own.
"""

from heapq import heappop, heappush

import numpy as np

from . import grad_mode, tensor, versions
from .broadcasting import unbroadcast
from .errors import AnomalyError, NotDifferentiableError, ShapeError
from .function import all_finite
from .graph import Context, check_saved_unchanged, order_of_nodes
from .recording import RecordingContext

__all__ = ["run_backward", "gradients", "roots_and_gradients", "call_backward", "conform"]


def run_backward(roots, grads, retain_graph=False, create_graph=False, inputs=None):
    """``Tensor.backward``: add d(roots)/d(leaf) into ``.grad`` of every leaf that requires grad.

    ``inputs`` (Tensors) limits the delivery to those tensors, leaves or not.
    Tensors that called ``retain_grad()`` get their ``.grad`` too.
    """
    create_graph = _flag(create_graph, "create_graph", "backward")
    retain_graph = _flag(retain_graph, "retain_graph", "backward")
    wanted = None if inputs is None else _as_tensor_list(inputs, "backward: inputs")
    _walk(roots, grads, retain_graph, create_graph, wanted, tensor.Tensor._accumulate_grad, True, "backward")


def gradients(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """``autograd.grad``: d(outputs)/d(inputs) as a tuple of Tensors, ``.grad`` untouched (see there)."""
    create_graph, allow_unused = _flag(create_graph, "create_graph", "grad"), _flag(allow_unused, "allow_unused", "grad")
    retain_graph = create_graph if retain_graph is None else _flag(retain_graph, "retain_graph", "grad")
    outputs, grad_outputs = roots_and_gradients(outputs, grad_outputs, "grad", "outputs", "grad_outputs")
    inputs = _as_tensor_list(inputs, "grad: inputs")
    for index, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {index} (shape {t.shape}) does not require grad, so it has no gradient")
    collected = {}

    def collect(target, grad):
        previous = collected.get(id(target))
        collected[id(target)] = grad if previous is None else _added(previous, grad)

    _walk(outputs, grad_outputs, retain_graph, create_graph, inputs, collect, give_retained=False, op="grad")
    result = []
    for index, t in enumerate(inputs):
        grad = collected.get(id(t))
        if grad is None and not allow_unused:
            raise RuntimeError(f"grad: input {index} (shape {t.shape}) was not used to compute the outputs, so it "
                               "has no gradient; pass allow_unused=True to get None for it")
        if grad is not None and not isinstance(grad, tensor.Tensor):
            grad = tensor.make_tensor(grad)
        result.append(grad)
    return tuple(result)


def _flag(value, name, op):
    """``value`` of the flag ``name`` as a bool; True, False, None (False) and 0/1 are accepted."""
    if value is None or isinstance(value, (bool, np.bool_)) or (isinstance(value, (int, np.integer)) and value in (0, 1)):
        return bool(value)
    raise TypeError(f"{op}: {name} must be True or False, got {type(value).__name__} {value!r:.40}")


def _walk(roots, root_grads, retain_graph, create_graph, wanted, deliver, give_retained, op):
    """The walk itself (see the module docstring); ``deliver(tensor, grad)`` receives each result.

    ``wanted=None`` delivers to every leaf that requires grad; a list of
    Tensors delivers only to those (leaves, or non-leaves captured as their
    node is reached) and skips the nodes that lead to none of them.
    """
    grad_mode.notify_tracer("backward")  # tg.compile cannot replay a backward inside the traced function
    grads = {}  # the summed upstream gradient of each node still to visit
    pending = []  # a heap of (-sequence, node): the newest node still to visit comes out first
    wanted_leaves, wanted_nodes = (None, None) if wanted is None else _wanted(wanted)
    for root, grad in zip(roots, root_grads):
        grad = _root_gradient(root, grad, create_graph, op)
        node = root.grad_fn
        if node is not None:
            previous = grads.get(node)
            if previous is None:
                grads[node] = grad
                heappush(pending, (-node.sequence, node))
            else:
                grads[node] = _added(previous, grad)
        elif not root.requires_grad:
            raise RuntimeError(f"{op}: this tensor does not require grad and was not made by a recorded op, so there "
                               "is nothing to differentiate; create the inputs you want gradients for with "
                               "requires_grad=True (tg.Tensor(data, requires_grad=True)) before computing")
        elif wanted_leaves is None or id(root) in wanted_leaves:
            deliver(root, _owned(grad))
    useful = None if wanted_leaves is None else _nodes_leading_to(list(grads), wanted_leaves, wanted_nodes)
    anomaly = grad_mode.STATE.anomaly
    # A node is recorded after every node whose output it uses, so when the newest pending node comes
    # out of the heap, every node that sends it a gradient has been visited: its upstream is complete.
    while pending:
        node = heappop(pending)[1]
        upstream = grads.pop(node)
        if wanted_nodes and node in wanted_nodes:
            deliver(wanted_nodes[node], _owned(upstream))
        if useful is not None and node not in useful:
            continue  # no wanted tensor lies behind this node (a wanted one needs no backward of its own)
        if give_retained and node.retained is not None:
            _give_retained_grad(node, upstream)
        returned = call_backward(node, upstream, create_graph)
        if anomaly:
            _check_finite(node, upstream, returned)
        for source, grad in zip(node.sources, returned):
            if grad is None:
                continue
            if type(source) is Context:  # made by a recorded op: its gradient flows on to that node
                if type(grad) is not np.ndarray or grad.dtype is not source.output_dtype or (
                        grad.shape != source.output_shape):  # conform's common case, checked before the call: (c) -1%
                    grad = conform(grad, source.output_shape, source.output_dtype, node, returned, upstream)
                previous = grads.get(source)
                if previous is None:
                    grads[source] = grad
                    heappush(pending, (-source.sequence, source))
                else:
                    grads[source] = _added(previous, grad)
            elif source._requires_grad and (wanted_leaves is None or id(source) in wanted_leaves):
                data = source._data
                if type(grad) is not np.ndarray or grad.dtype is not data.dtype or grad.shape != data.shape:
                    grad = conform(grad, data.shape, data.dtype, node, returned, upstream)
                deliver(source, _owned(grad, upstream, returned, node.saved_tensors))
        if not retain_graph:
            node.saved_tensors = None  # node.release(), inlined


def _added(previous, grad):
    """``previous + grad``, two gradients of one tensor (numpy adds two 0-d arrays into a scalar: made 0-d again)."""
    total = previous + grad
    return np.asarray(total) if isinstance(total, np.generic) else total


def _wanted(wanted):
    """``(leaves by id, nodes of non-leaves)`` to deliver to."""
    return ({id(t): t for t in wanted if t.grad_fn is None},
            {t.grad_fn: t for t in wanted if t.grad_fn is not None})


def _nodes_leading_to(roots, wanted_leaves, wanted_nodes):
    """The nodes behind ``roots`` whose backward leads to a wanted tensor (a set): a source is one, or leads to one."""
    useful = set()
    for node in order_of_nodes(roots):  # inputs first: a node's sources are decided before it
        if any((source in useful or source in wanted_nodes) if type(source) is Context
               else id(source) in wanted_leaves for source in node.sources):
            useful.add(node)
    return useful


def call_backward(node, upstream, create_graph):
    """``node``'s backward on ``upstream``: a tuple with one gradient (or None) per input.

    Refuses a node whose saved arrays were released or changed in place.
    With ``create_graph`` it runs while recording, on a view of the node
    whose ``saved_tensors`` are the very input and output Tensors it saved
    (see ``RecordingContext``), and must return Tensors.
    """
    if node.saved_tensors is None:  # node.freed
        raise RuntimeError(
            f"backward: trying to backward through {node.function.__name__} a second time, but its saved arrays "
            "were released after the first backward; pass retain_graph=True to the first backward() if you need "
            "to call it again")
    if versions.latest_change > node.sequence:  # something was changed in place since this node was recorded
        check_saved_unchanged(node)
    if not create_graph:
        returned = node.function.backward(node, upstream)
        if type(returned) is tuple and len(returned) == len(node.sources):  # checked before the call: (b) -0.3%
            return returned
        return _as_gradient_tuple(node, returned)
    with grad_mode.recording_backward(node.function):
        returned = _as_gradient_tuple(node, node.function.backward(RecordingContext(node), upstream))
    name = node.function.__name__
    for index, grad in enumerate(returned):
        if grad is not None and not isinstance(grad, tensor.Tensor):
            raise NotDifferentiableError(
                f"{name}.backward returned a {type(grad).__name__} for input {index} under create_graph=True, "
                f"so how it depends on the inputs is not recorded and a second derivative through {name} would "
                f"be wrong. Under create_graph backward receives Tensors: compute the gradient from them with "
                f"Tensor operations and the numpy functions that match our ops (see docs/higher_order.md)")
    return returned


def _as_gradient_tuple(node, returned):
    """What ``backward`` returned as a tuple of one gradient per input (a list or a single value is accepted)."""
    if type(returned) is not tuple:
        returned = tuple(returned) if isinstance(returned, list) else (returned,)
    if len(returned) != len(node.sources):
        raise ValueError(f"{node.function.__name__}.backward returned {len(returned)} gradient(s) "
                         f"but forward had {len(node.sources)} input(s)")
    return returned


def conform(grad, shape, dtype, node, returned, upstream):
    """``grad`` (an input's gradient in ``returned`` by ``node.backward``) with the input's ``shape`` and ``dtype``.

    A gradient larger than its input is summed back only along axes on which
    the input was broadcast to the output: extra axes the output never had
    are an error, not something to sum away silently. A gradient must be
    floating and have its input's dtype, or the dtype of the upstream
    gradient (an op that promoted its inputs, float32 times float64, returns
    float64), which is cast back. Any other dtype is a bug in the backward.
    """
    if type(grad) is np.ndarray and grad.dtype is dtype and grad.shape == shape:
        return grad  # the common case: nothing to do
    name = node.function.__name__
    original = grad
    if isinstance(grad, tensor.Tensor):
        if type(upstream) is np.ndarray:  # a Tensor from a first-order backward: its values are the gradient
            grad = grad._data
    elif not isinstance(grad, np.ndarray):
        if not isinstance(grad, (int, float, np.generic)):
            raise TypeError(f"{name}.backward returned {type(grad).__name__} for input "
                            f"{_position(original, returned)}; expected a numpy array or None")
        grad = np.asarray(grad)
    if grad.dtype != dtype:
        if grad.dtype.kind != "f" or grad.dtype != upstream.dtype:
            raise TypeError(f"{name}.backward returned a gradient of dtype {grad.dtype} for input "
                            f"{_position(original, returned)} "
                            f"of dtype {dtype} (upstream gradient {upstream.dtype}); expected {dtype}")
        grad = grad.astype(dtype)
    if grad.shape != shape:
        output_shape = upstream.shape
        reduced = unbroadcast(grad, shape)
        if reduced is None or (grad.shape != output_shape
                               and not _broadcast_along_output(grad.shape, shape, output_shape)):
            raise ShapeError(f"{name}.backward returned a gradient of shape {grad.shape} for input "
                             f"{_position(original, returned)} "
                             f"of shape {shape}; expected {shape} "
                             f"(or, for a broadcast input, that shape broadcast to the output's {output_shape})")
        grad = reduced
    return grad


def _position(grad, returned):
    """The input position of ``grad`` among ``returned`` (for error messages; the first match is the one checked)."""
    return next((i for i, other in enumerate(returned) if other is grad), "?")


def _broadcast_along_output(grad_shape, input_shape, output_shape):
    """True when ``grad_shape`` exceeds ``input_shape`` only along axes the output has, at the output's size."""
    for k in range(1, len(grad_shape) + 1):
        if k <= len(input_shape) and input_shape[-k] == grad_shape[-k]:
            continue
        if k > len(output_shape) or output_shape[-k] != grad_shape[-k]:
            return False
    return True


def _root_gradient(root, grad, create_graph, op):
    """The gradient to start from at ``root``: ones for a one-element root, else ``grad`` checked."""
    if grad is None:
        data = root._data
        if data.size != 1:
            raise RuntimeError(
                f"{op}: the output has shape {data.shape}, so its gradient is ambiguous; "
                "pass grad= (an array of that shape) or reduce it first with .sum() or .mean()")
        array = np.empty(data.shape, dtype=data.dtype)  # np.ones costs 3x more for one element
        array.fill(1)
    elif isinstance(grad, tensor.Tensor):
        if grad.shape != root.shape:
            raise ShapeError(f"{op}: the gradient has shape {grad.shape} but the output has shape {root.shape}; "
                             "they must match")
        if create_graph:
            return grad if grad.dtype == root.dtype else grad.astype(root.dtype)
        with np.errstate(over="ignore"):
            array = grad._data.astype(root.dtype, copy=False)
    else:
        array = tensor.as_array(grad, f"{op}: the gradient")
        if array.shape != root.shape:
            raise ShapeError(f"{op}: the gradient has shape {array.shape} but the output has shape {root.shape}; "
                             "they must match")
        with np.errstate(over="ignore"):  # a float64 gradient beyond float32's range becomes inf, as the ops do
            array = array.astype(root.dtype, copy=False)
    return tensor.make_tensor(array) if create_graph else array


def roots_and_gradients(roots, grads, op, roots_name, grads_name):
    """``(roots, grads)`` as two lists of one length: the Tensors to differentiate, one gradient each.

    ``grads`` may be None (ones, for one-element roots), one Tensor or array,
    or a sequence of them (None entries too). ``op``, ``roots_name`` and
    ``grads_name`` name the caller and its arguments in errors.
    """
    roots = _as_tensor_list(roots, f"{op}: {roots_name}")
    if grads is None or isinstance(grads, (tensor.Tensor, np.ndarray)):
        grads = [grads] * len(roots) if grads is None else [grads]
    elif isinstance(grads, (str, bytes, dict)) or not hasattr(grads, "__iter__"):
        raise TypeError(f"{op}: {grads_name} must be None, a Tensor, an array or a sequence of them, "
                        f"got {type(grads).__name__}")
    grads = list(grads)
    if len(grads) != len(roots):
        raise ValueError(f"{op}: got {len(grads)} {grads_name} for {len(roots)} {roots_name}; give one each")
    return roots, grads


def _as_tensor_list(values, what):
    """One Tensor or a sequence of Tensors, as a list (anything else is a TypeError naming ``what``)."""
    items = [values] if isinstance(values, tensor.Tensor) else values
    try:
        items = list(items)
    except TypeError:
        raise TypeError(f"{what}: expected a Tensor or a sequence of Tensors, got {type(values).__name__}") from None
    for index, item in enumerate(items):
        if not isinstance(item, tensor.Tensor):
            raise TypeError(f"{what}: expected Tensors, item {index} is a {type(item).__name__}")
    return items


def _give_retained_grad(node, upstream):
    """Add ``upstream`` to ``.grad`` of the non-leaf tensor that called ``retain_grad()``, if it is alive."""
    owner = node.retained()
    if owner is not None:
        owner._accumulate_grad(_owned(upstream))


def _check_finite(node, upstream, returned):
    """Inside ``detect_anomaly()``: raise when finite ``upstream`` gave a NaN/inf input gradient."""
    if not all_finite([np.asarray(_values(upstream))]):
        return
    bad = [i for i, g in enumerate(returned) if g is not None and not all_finite([np.asarray(_values(g))])]
    if bad:
        raise AnomalyError(
            f"{node.function.__name__}.backward produced NaN or inf in the gradient of input "
            f"{bad[0]} from a finite upstream gradient; the node was created at "
            f"{node.created_at or '<unknown: created outside detect_anomaly()>'}")


def _values(grad):
    return grad._data if isinstance(grad, tensor.Tensor) else grad


def _owned(grad, upstream=None, returned=(), saved=()):
    """``grad`` to hand to a tensor's ``.grad``: itself when nothing else can hold it, else a copy.

    ``.grad`` is added to in place later, so it must not alias another array:
    ``grad`` is copied when it is the upstream gradient passed through
    (``Add``), a view of some other array, an array the node saved, or
    returned for two inputs at once (``upstream=None``: always, for a
    gradient delivered on its own). Tensors (``create_graph``) are never
    changed in place, so never copied.
    """
    if type(grad) is not np.ndarray:
        return grad
    if grad is upstream or grad.base is not None or upstream is None:
        return grad.copy()
    for other in saved:
        if other is grad:
            return grad.copy()
    seen = False
    for other in returned:
        if other is grad:
            if seen:
                return grad.copy()
            seen = True
    return grad

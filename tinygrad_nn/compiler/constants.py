"""What a trace fixes, and the check that none of it depends on the arguments.

The recorded graph holds the ops and their inputs. An input that is neither
an argument, a parameter, nor made by a recorded op (or a comparison or
``detach`` the tracer saw) is a *constant*: the compiled code uses the value
it had when traced. That is right for ``np.arange(n)`` or ``0.5 * reg``; it is
wrong for anything the function computed from its arguments outside the ops
(numpy on ``x.data``, a label array converted with ``astype``) or drew at
random outside an op, because those change from call to call.

So the first call runs the function a second time on *perturbed* arguments
(each array's rows rolled by one) and compares the two traces' constants and
ops. A difference raises
``TraceError`` naming the op. (A constant that happens not to change under the
perturbation is not caught; see docs/compile.md.)
"""

import numpy as np

from ..engine import Context, Tensor, topological_order
from .errors import TraceError

__all__ = ["ordered_nodes", "perturbed", "check_constants"]


def ordered_nodes(trace, what):
    """Every node the trace computes, each after what it needs (the operands of masks included).

    The operands of comparisons and ``detach`` and the ops that draw random
    numbers come first, in the order they were made, then the output. So a
    mask's operand is computed before any op that uses the mask, and random
    draws happen in the order of the eager run (each node comes after the
    ones it depends on, and those were made before it).
    """
    roots = []
    for item in trace.tracer.ordered:
        if isinstance(item, Context):
            roots.append(item)
        else:
            roots += [operand.grad_fn for operand in item.operands
                      if isinstance(operand, Tensor) and operand.grad_fn is not None]
    if trace.output.grad_fn is not None:
        roots.append(trace.output.grad_fn)
    nodes = topological_order(roots)
    for node in nodes:
        if not any(owner is trace.marker for owner in node.scope):
            raise TraceError(
                f"{what}: the function uses a tensor made by {node.name} before it was called (a non-leaf "
                "tensor from an earlier computation); a compiled function can only start from its arguments "
                "and from leaf tensors: pass that tensor as an argument")
    return nodes


def perturbed(leaf):
    """A copy of an argument with other values of the same kind: its rows rolled by one.

    Rolling keeps every value a valid one (labels stay labels, -1/+1 targets
    stay -1/+1). An array with one row is rolled along its last axis. A
    floating array that rolling leaves unchanged (0-d, one element, equal
    rows: a hyperparameter, a batch of one) is shrunk by a factor of
    1 - 2**-20 instead, which keeps probabilities probabilities; an integer
    array of equal labels becomes zeros (ones if it was zeros). What is
    computed from values none of these change (floats that are all -1, 0 or
    1: targets) goes unchecked, unless they are a Tensor that requires grad
    (no target does): it is scaled too.
    """
    if isinstance(leaf, Tensor):
        values = perturbed(leaf.data)
        if leaf.requires_grad and leaf.dtype.kind == "f" and np.array_equal(values, leaf.data):
            values = (leaf.data * leaf.dtype.type(1 - 2 ** -20)).astype(leaf.dtype)  # ones requiring grad: no target
        return Tensor(values, requires_grad=leaf.requires_grad, dtype=leaf.dtype)
    if not isinstance(leaf, np.ndarray):
        return leaf
    rolled = np.roll(leaf, 1, axis=0 if leaf.ndim and leaf.shape[0] > 1 else -1) if leaf.ndim else leaf
    if leaf.size and np.array_equal(rolled, leaf):
        if leaf.dtype.kind == "f" and not np.isin(leaf, (-1.0, 0.0, 1.0)).all():  # (+-1, 0: labels, targets)
            return np.asarray(leaf * leaf.dtype.type(1 - 2 ** -20), dtype=leaf.dtype)  # (a 0-d array stays one)
        if leaf.dtype.kind in "iu":  # labels: 0, or 1 if they were 0 (a function that has no class 1 refuses:
            return np.zeros_like(leaf) if leaf.flat[0] else np.ones_like(leaf)  # then the check is skipped)
    return rolled


def _inputs(trace, leaves):
    ids = {id(tensor) for tensor in trace.stand_ins.values()}
    arrays = {id(tensor.data) for tensor in trace.stand_ins.values()}
    for _, leaf in leaves:
        if isinstance(leaf, Tensor):
            arrays.add(id(leaf.data))
        elif isinstance(leaf, np.ndarray):
            arrays.add(id(leaf))
    return ids, arrays


def _fixed(trace, leaves, nodes):
    """``[(node, where, value)]``: every constant the trace's ops use, in a fixed order."""
    tensor_ids, array_ids = _inputs(trace, leaves)
    derived = trace.tracer.by_array
    found = []

    def tensor(node, where, value):
        if value.grad_fn is not None or id(value) in tensor_ids or value.requires_grad:
            return  # made by a recorded op, an argument, or a parameter: not fixed
        record = trace.tracer.by_tensor.get(id(value))
        if (record is None or record.out is not value) and id(value.data) not in array_ids:
            found.append((node, where, value.data))

    def option(node, where, value):
        if isinstance(value, Tensor):
            tensor(node, where, value)
        elif isinstance(value, np.ndarray):
            record = derived.get(id(value))
            if id(value) not in array_ids and (record is None or record.out.data is not value):
                found.append((node, where, value))
        elif isinstance(value, (tuple, list)):
            for index, item in enumerate(value):
                option(node, f"{where}[{index}]", item)
        elif not isinstance(value, np.random.Generator):
            found.append((node, where, value))

    for node in nodes:
        for index, source in enumerate(node.sources):
            if type(source) is not Context:
                tensor(node, f"input {index}", source)
        for key, value in node.kwargs.items():
            option(node, key, value)
    for record in trace.tracer.derived:
        if record.kind == "compare":
            option(None, "a comparison", record.operands[1])
    return found


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    try:
        return bool(a == b) or a is b
    except Exception:  # an option that cannot be compared: same object or not
        return a is b


def _hint(value, leaves):
    """A guess at where a varying array came from: an array argument converted to another dtype."""
    if not isinstance(value, np.ndarray):
        return ""
    for name, leaf in leaves:
        array = leaf.data if isinstance(leaf, Tensor) else leaf
        if isinstance(array, np.ndarray) and array.shape == value.shape and array.dtype != value.dtype:
            with np.errstate(all="ignore"):
                if np.array_equal(array.astype(value.dtype), value):
                    return (f" It equals argument {name!r} ({array.dtype}) converted to {value.dtype}: pass "
                            f"{name!r} as {value.dtype} already.")
    return ""


def check_constants(what, first, first_leaves, second, second_leaves):
    """Raise ``TraceError`` where two traces of the same call shape differ (see the module docstring)."""
    nodes = ordered_nodes(first, what)
    other_nodes = ordered_nodes(second, what)
    if [node.function for node in nodes] != [node.function for node in other_nodes]:
        raise TraceError(
            f"{what}: the function records different ops when its arguments have other values (Python control "
            "flow on argument values, e.g. on y.max() or on x.data); a trace cannot follow that. Keep such "
            "decisions outside the compiled function, or pass them as Python number arguments")
    fixed, other = _fixed(first, first_leaves, nodes), _fixed(second, second_leaves, other_nodes)
    if len(fixed) != len(other):  # first: pairing the constants of two different lists would name the wrong one
        raise TraceError(f"{what}: the function fixes a different number of constants when its arguments have other "
                         "values (something computed from an argument, outside the recorded ops, decides which "
                         "ops get a constant operand); compute it outside the compiled function and pass it in")
    for (node, where, value), (_, _, other_value) in zip(fixed, other):
        if not _same(value, other_value):
            what_kind = f"an array {value.shape} {value.dtype}" if isinstance(value, np.ndarray) else repr(value)
            op = f"{node.name} ({where})" if node is not None else where
            raise TraceError(
                f"{what}: {op} uses {what_kind} that the function computes from its arguments outside the "
                "recorded ops (with numpy on .data, astype, or a random draw outside an op), so the compiled "
                "code would keep the value of the first call." + _hint(value, first_leaves) +
                " Compute it outside the compiled function and pass it as an argument. (Some of the library's "
                "own functions do this too: nll_loss, huber_loss, smooth_l1_loss, masked_fill, topk, and "
                "cross_entropy with weight=, label_smoothing or a reduction other than 'mean'; call them "
                "without tg.compile)")


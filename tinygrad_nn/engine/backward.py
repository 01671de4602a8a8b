"""The reverse walk: call each node's backward once, check and unbroadcast what
it returned, accumulate, and release saved arrays."""

import numpy as np

from . import grad_mode
from .broadcasting import unbroadcast
from .function import AnomalyError, Context, _all_finite
from .graph import topological_order

__all__ = ["run_backward"]

_ndarray = np.ndarray  # a global: the per-gradient checks below run once per node and input


def _root_gradient(root, grad):
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: the output has shape {root.shape}, so its gradient is ambiguous; "
                "pass grad= (an array of that shape) or reduce it first with .sum() or .mean()")
        ones = np.empty(root.data.shape, dtype=root.data.dtype)  # np.ones costs 3x more for one element
        ones.fill(1)
        return ones
    grad = np.array(grad.data if hasattr(grad, "data") and not isinstance(grad, np.ndarray) else grad,
                    dtype=root.dtype)
    if grad.shape != root.shape:
        raise ValueError(f"backward: grad has shape {grad.shape} but the output has shape {root.shape}; they must match")
    return grad


def _broadcast_along_output(grad_shape, input_shape, output_shape):
    """True when ``grad_shape`` exceeds ``input_shape`` only along axes the output has, at the output's size."""
    for k in range(1, len(grad_shape) + 1):
        if k <= len(input_shape) and input_shape[-k] == grad_shape[-k]:
            continue
        if k > len(output_shape) or output_shape[-k] != grad_shape[-k]:
            return False
    return True


def _checked(node, returned, grad, source, shape, dtype, upstream):
    """``grad`` reduced to its input's ``shape`` and ``dtype``, or an error naming the op.

    A gradient larger than its input is summed back only along axes on which
    the input was broadcast to the output (``upstream.shape``): extra axes the
    output never had are an error, not something to sum away silently.

    A gradient must be floating and have its input's dtype, or the dtype of
    the upstream gradient: an op that promoted its inputs (float32 times
    float64 gives float64) naturally returns the promoted dtype, which is
    cast back. Any other dtype (float64 for a float32 input of a float32 op)
    is a bug in the backward and an error.
    """
    output_shape = upstream.shape
    name = node.function.__name__
    index = _input_index(node, returned, grad, source)
    if not isinstance(grad, np.ndarray):
        if not isinstance(grad, (int, float, np.generic)):
            raise TypeError(f"{name}.backward returned {type(grad).__name__} for input {index}; "
                            "expected a numpy array or None")
        grad = np.asarray(grad)
    if grad.dtype != dtype:
        if grad.dtype.kind != "f" or grad.dtype != upstream.dtype:
            raise TypeError(f"{name}.backward returned a gradient of dtype {grad.dtype} for input {index} "
                            f"of dtype {dtype} (upstream gradient {upstream.dtype}); expected {dtype}")
        grad = grad.astype(dtype)
    if grad.shape != shape:
        reduced = unbroadcast(grad, shape)
        if reduced is None or (output_shape is not None and grad.shape != output_shape
                               and not _broadcast_along_output(grad.shape, shape, output_shape)):
            raise ValueError(f"{name}.backward returned a gradient of shape {grad.shape} for input {index} "
                             f"of shape {shape}; expected {shape} "
                             f"(or, for a broadcast input, that shape broadcast to the output's {output_shape})")
        grad = reduced
    return grad


def _input_index(node, returned, grad, source):
    """The position of the input (``source``) whose gradient is ``grad`` (for error messages).

    The first match is the right one: an earlier input with the same source
    and the same gradient would have failed the same check first.
    """
    for index, (other_source, other_grad) in enumerate(zip(node.sources, returned)):
        if other_source is source and other_grad is grad:
            return index
    raise AssertionError("unreachable: grad was returned for source")


def run_backward(root, grad=None, retain_graph=False):
    """Backpropagate from ``root`` (see ``Tensor.backward``)."""
    grad = _root_gradient(root, grad)
    if root.grad_fn is None:
        if not root.requires_grad:
            raise RuntimeError("backward: this tensor does not require grad and was not made by a recorded op")
        root.grad = grad if root.grad is None else root.grad + grad
        return
    anomaly = grad_mode.STATE.anomaly
    grads = {root.grad_fn: grad}  # the summed upstream gradient of each node still to visit
    for node in reversed(topological_order(root.grad_fn)):
        upstream = grads.pop(node, None)
        if upstream is None:
            continue  # no gradient flows through this node
        if node.retained is not None:
            _give_retained_grad(node, upstream)
        if node.saved_tensors is None:  # node.freed
            raise RuntimeError(
                f"backward: trying to backward through {node.function.__name__} a second time, but its saved "
                "arrays were released after the first backward; pass retain_graph=True to the first backward() "
                "if you need to call it again")
        returned = node.function.backward(node, upstream)
        if type(returned) is not tuple:
            returned = tuple(returned) if isinstance(returned, list) else (returned,)
        sources = node.sources
        if len(returned) != len(sources):
            raise ValueError(f"{node.function.__name__}.backward returned {len(returned)} gradient(s) "
                             f"but forward had {len(sources)} input(s)")
        if anomaly:
            _check_finite(node, upstream, returned)
        for source, input_grad in zip(sources, returned):
            if input_grad is None:
                continue
            if type(source) is Context:  # made by a recorded op: its gradient flows on to that node
                if (type(input_grad) is not _ndarray or input_grad.dtype is not source.output_dtype
                        or input_grad.shape != source.output_shape):
                    input_grad = _checked(node, returned, input_grad, source, source.output_shape,
                                          source.output_dtype, upstream)  # convert, unbroadcast or raise
                previous = grads.get(source)
                grads[source] = input_grad if previous is None else previous + input_grad
                continue
            if not source._requires_grad:  # a constant
                continue
            data = source.data  # a leaf: its gradient is added to .grad
            if type(input_grad) is not _ndarray or input_grad.dtype is not data.dtype or input_grad.shape != data.shape:
                input_grad = _checked(node, returned, input_grad, source, data.shape, data.dtype, upstream)
            if source.grad is None:
                source.grad = _owned(input_grad, upstream, returned)
            else:
                source.grad = source.grad + input_grad
        if not retain_graph:
            node.saved_tensors = None  # node.release(), inlined: this loop runs once per node


def _give_retained_grad(node, upstream):
    """Add ``upstream`` to ``.grad`` of the non-leaf tensor that called ``retain_grad()``, if it is alive."""
    owner = node.retained()
    if owner is not None:
        owner.grad = upstream.copy() if owner.grad is None else owner.grad + upstream


def _check_finite(node, upstream, returned):
    """Inside ``detect_anomaly()``: raise when finite ``upstream`` gave a NaN/inf input gradient."""
    if not _all_finite([upstream]):
        return
    bad = [i for i, g in enumerate(returned) if g is not None and not _all_finite([np.asarray(g)])]
    if bad:
        raise AnomalyError(
            f"{node.function.__name__}.backward produced NaN or inf in the gradient of input "
            f"{bad[0]} from a finite upstream gradient; the node was created at "
            f"{node.created_at or '<unknown: created outside detect_anomaly()>'}")


def _owned(grad, upstream, returned):
    """``grad`` to store as a leaf's ``.grad``: itself when only this leaf can hold it, else a copy.

    Leaf gradients never alias each other or another array: ``grad`` is copied
    when it is the upstream gradient passed through (``Add``), a view of some
    other array, or returned for two inputs at once.
    """
    if grad is upstream or grad.base is not None:
        return grad.copy()
    times_returned = 0
    for other in returned:
        times_returned += other is grad
    return grad.copy() if times_returned > 1 else grad

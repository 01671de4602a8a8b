"""The reverse walk: call each node's backward once, check and unbroadcast what
it returned, accumulate, and release saved arrays."""

import numpy as np

from . import grad_mode
from .broadcasting import unbroadcast
from .function import AnomalyError, _all_finite
from .graph import topological_order

__all__ = ["run_backward"]


def _root_gradient(root, grad):
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: the output has shape {root.shape}, so its gradient is ambiguous; "
                "pass grad= (an array of that shape) or reduce it first with .sum() or .mean()")
        return np.ones(root.shape, dtype=root.dtype)
    grad = np.array(grad.data if hasattr(grad, "data") and not isinstance(grad, np.ndarray) else grad,
                    dtype=root.dtype)
    if grad.shape != root.shape:
        raise ValueError(f"backward: grad has shape {grad.shape} but the output has shape {root.shape}; they must match")
    return grad


def _checked(node, index, grad, tensor):
    """``grad`` reduced to ``tensor``'s shape and dtype, or an error naming the op."""
    name = node.function.__name__
    if not isinstance(grad, np.ndarray):
        if not isinstance(grad, (int, float, np.generic)):
            raise TypeError(f"{name}.backward returned {type(grad).__name__} for input {index}; "
                            "expected a numpy array or None")
        grad = np.asarray(grad)
    if grad.dtype != tensor.data.dtype:
        if grad.dtype.kind != "f":
            raise TypeError(f"{name}.backward returned a gradient of dtype {grad.dtype} for input {index} "
                            f"of dtype {tensor.data.dtype}; gradients must be floating arrays")
        grad = grad.astype(tensor.data.dtype)
    if grad.shape != tensor.data.shape:
        reduced = unbroadcast(grad, tensor.data.shape)
        if reduced is None:
            raise ValueError(f"{name}.backward returned a gradient of shape {grad.shape} for input {index} "
                             f"of shape {tensor.data.shape}; expected {tensor.data.shape} "
                             "(or a shape it broadcasts to)")
        grad = reduced
    return grad


def run_backward(root, grad=None, retain_graph=False):
    """Backpropagate from ``root`` (see ``Tensor.backward``)."""
    grad = _root_gradient(root, grad)
    if root.grad_fn is None:
        if not root.requires_grad:
            raise RuntimeError("backward: this tensor does not require grad and was not made by a recorded op")
        root.grad = grad if root.grad is None else root.grad + grad
        return
    anomaly = grad_mode.STATE.anomaly
    order = topological_order(root.grad_fn)
    grads = {id(root.grad_fn): grad}
    for node in reversed(order):
        upstream = grads.pop(id(node), None)
        if upstream is None:
            continue
        if node.retained is not None:
            owner = node.retained()
            if owner is not None:
                owner.grad = upstream.copy() if owner.grad is None else owner.grad + upstream
        if node.freed:
            raise RuntimeError(
                f"backward: trying to backward through {node.function.__name__} a second time, but its saved "
                "arrays were released after the first backward; pass retain_graph=True to the first backward() "
                "if you need to call it again")
        returned = node.function.backward(node, upstream)
        inputs = node.inputs
        if type(returned) is not tuple:
            returned = (returned,) if not isinstance(returned, list) else tuple(returned)
        if len(returned) != len(inputs):
            raise ValueError(f"{node.function.__name__}.backward returned {len(returned)} gradient(s) "
                             f"but forward had {len(inputs)} input(s)")
        if anomaly and _all_finite([upstream]):
            bad = [i for i, g in enumerate(returned) if g is not None and not _all_finite([np.asarray(g)])]
            if bad:
                raise AnomalyError(
                    f"{node.function.__name__}.backward produced NaN or inf in the gradient of input "
                    f"{bad[0]} from a finite upstream gradient; the node was created at "
                    f"{node.created_at or '<unknown: created outside detect_anomaly()>'}")
        for index, (tensor, input_grad) in enumerate(zip(inputs, returned)):
            if input_grad is None or not tensor.requires_grad:
                continue
            input_grad = _checked(node, index, input_grad, tensor)
            parent = tensor.grad_fn
            if parent is None:
                # a leaf keeps the array: copy it when it may be shared with another tensor
                if tensor.grad is None:
                    if input_grad is upstream or input_grad.base is not None or _shared(input_grad, returned, index):
                        input_grad = input_grad.copy()
                    tensor.grad = input_grad
                else:
                    tensor.grad = tensor.grad + input_grad
            else:
                key = id(parent)
                previous = grads.get(key)
                grads[key] = input_grad if previous is None else previous + input_grad
        if not retain_graph:
            node.release()


def _shared(array, returned, index):
    return any(other is array for i, other in enumerate(returned) if i != index)

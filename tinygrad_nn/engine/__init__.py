"""The autograd core: Tensor, Function, the graph walk and backward. Imports numpy only."""

from .tensor import Tensor
from .function import Function, Context, AnomalyError
from .grad_mode import no_grad, enable_grad, is_grad_enabled, detect_anomaly, scope, current_scope
from .graph import topological_order
from .broadcasting import unbroadcast
from . import ops
from .allocator import settle_allocator

settle_allocator()  # see engine/allocator.py: without it small training loops pay page faults every step

__all__ = ["Tensor", "Function", "Context", "AnomalyError", "no_grad", "enable_grad",
           "is_grad_enabled", "detect_anomaly", "scope", "current_scope",
           "topological_order", "unbroadcast", "ops", "settle_allocator", "maximum", "where", "concatenate",
           "stack"]


def maximum(a, b):
    """Elementwise maximum of two tensors (or a tensor and an array/number); ties split the gradient evenly."""
    return ops.Maximum.apply(a, b)


def where(condition, a, b):
    """``a`` where ``condition`` is true, else ``b``; the condition (array, bool Tensor) gets no gradient."""
    condition = condition.data if isinstance(condition, Tensor) else condition
    return ops.Where.apply(a, b, condition=condition)


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis."""
    return ops.Concatenate.apply(*tensors, axis=axis)


def stack(tensors, axis=0):
    """Join tensors along a new axis."""
    return ops.Stack.apply(*tensors, axis=axis)

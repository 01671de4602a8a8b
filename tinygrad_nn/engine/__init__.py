"""The autograd core: Tensor, Function, the graph walk and backward. Imports numpy only.

Reading order (each file is short):

1. ``tensor.py``: what a Tensor is (data and its version, gradient, place in the graph);
   ``tensor_ops.py`` and ``methods/``: its operators and methods, one line each, calling an op
   (``methods/in_place.py``: the changes in place);
2. ``function.py``: ``Function`` and ``Function.apply``, which runs an op's forward and
   records one node (``Context``, in ``graph.py``) when an input needs a gradient;
3. ``ops/``: the primitive ops, forward and backward side by side;
4. ``graph.py``: the node, the one topological order, and replaying forwards;
5. ``backward.py``: the reverse walk, for ``backward()`` and ``autograd.grad``, and
   ``recording.py``: what a backward sees when it is itself recorded (``create_graph``);
6. around them: ``broadcasting.py`` (``unbroadcast``), ``versions.py`` (in-place changes),
   ``grad_mode.py`` (``no_grad`` and friends), ``dispatch.py`` (numpy functions on Tensors),
   ``errors.py``.

A Tensor's methods call ops, and an op's ``apply`` makes Tensors: the modules
below ``tensor.py`` reach the ``Tensor`` class through the module
(``tensor.Tensor``), bound when the package is imported; no import happens
inside a function.
"""

import numpy as np

from .tensor import Tensor
from .function import Function
from .graph import Context, topological_order
from .errors import AnomalyError, NotDifferentiableError, ShapeError, VersionError
from .grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled, detect_anomaly, scope, current_scope
from .broadcasting import unbroadcast
from . import ops
from .allocator import settle_allocator

settle_allocator()  # see engine/allocator.py: without it small training loops pay page faults every step

__all__ = ["Tensor", "Function", "Context", "AnomalyError", "NotDifferentiableError", "ShapeError",
           "VersionError", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "detect_anomaly", "scope",
           "current_scope", "topological_order", "unbroadcast", "ops", "settle_allocator", "maximum",
           "where", "concatenate", "stack"]


def maximum(a, b):
    """Elementwise maximum of two tensors (or a tensor and an array/number); ties split the gradient evenly."""
    return ops.Maximum.apply(a, b)


def where(condition, a, b):
    """``a`` where ``condition`` is true, else ``b``; the condition (array, bool Tensor) gets no gradient."""
    condition = condition.data if isinstance(condition, Tensor) else condition
    return ops.Where.apply(a, b, condition=condition)


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis."""
    return ops.Concatenate.apply(*_sequence(tensors, "concatenate"), axis=_axis(axis, "concatenate"))


def stack(tensors, axis=0, *, dim=None):
    """Join tensors along a new axis ``axis`` (numpy's name; PyTorch's ``dim=`` works too)."""
    if dim is not None:
        if axis != 0:
            raise TypeError(f"stack: give the axis once, as axis= or as dim=, got axis={axis!r:.40} and dim={dim!r:.40}")
        axis = dim
    return ops.Stack.apply(*_sequence(tensors, "stack"), axis=_axis(axis, "stack"))


def _sequence(tensors, op):
    """The tensors to join: a list or tuple of them (a single Tensor or array would be split along axis 0)."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op}: needs at least one tensor, got an empty {type(tensors).__name__}")
    return tensors


def _axis(axis, op):
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be an int, got {axis!r:.40} ({type(axis).__name__})")
    if abs(axis) > 2 ** 31:
        raise IndexError(f"{op}: axis {axis!r:.40} is out of range")
    return int(axis)

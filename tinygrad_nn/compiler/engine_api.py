"""Everything the compiler needs from the engine beyond its public names, in one place.

The compiled program calls ops' ``forward``/``backward`` itself (for ops without
a code template) and must treat what a ``backward`` returns exactly as
``engine/backward.py`` does. Those are engine internals (how a ``Context`` is
built, the conforming of a returned gradient); when the engine changes them,
this file is the one to update.
"""

import numpy as np

from .. import random as _random
from ..engine import Context, Tensor, grad_mode, topological_order
from ..engine import backward as _backward
from ..engine.ops.helpers import reduce_along
from ..engine.ops.shape import is_basic_index as _is_basic
from ..engine.tensor import as_array

__all__ = ["REQUIRES_GRAD_STORAGE", "DATA_STORAGE", "data_of", "new_context", "run_forward", "run_backward_of",
           "conform", "tracer_slot", "max_along", "sum_along", "leaf_view", "backward_order", "namespace",
           "is_basic_index", "generator_states", "restore_generators", "default_generator"]


# The attributes holding Tensor.requires_grad and Tensor.data: the generated guard reads them on every call
# (a property costs more than the op they guard).
REQUIRES_GRAD_STORAGE = "_requires_grad"
DATA_STORAGE = "_data"


def data_of(tensor):
    """``tensor.data`` read without the property (the generated guard reads the same attribute)."""
    return getattr(tensor, DATA_STORAGE)


def new_context(function, needs_input_grad, kwargs=None):
    """A fresh graph node for calling ``function.forward``/``backward`` outside ``Function.apply``.

    It has no sources: a compiled program keeps no graph of its own, the one
    node in the user's graph is the compiled region itself. ``backward_of``
    sets its output shape and dtype before calling ``backward``.
    """
    return Context(function, (), {} if kwargs is None else kwargs, needs_input_grad, ())


def run_forward(function, ctx, arrays, kwargs):
    """``function.forward(ctx, *arrays, **kwargs)`` as an array, as ``Function.apply`` returns it."""
    out = function.forward(ctx, *arrays, **kwargs)
    return out if type(out) is np.ndarray else as_array(out, function.__name__)


def run_backward_of(function, ctx, grad, count):
    """``function.backward(ctx, grad)`` as a tuple of ``count`` gradients (None allowed), checked as backward.py does."""
    return _backward._as_gradient_tuple(_Node(function, count), function.backward(ctx, grad))


class _Node:
    """What ``backward.conform`` reads of a node: the op (for messages) and one source per input."""

    __slots__ = ("function", "sources")

    def __init__(self, function, count):
        self.function = function
        self.sources = (None,) * count  # only counted


def conform(function, returned, index, shape, dtype, upstream):
    """Gradient ``returned[index]`` reduced to ``shape`` and cast to ``dtype``, or the engine's error.

    The same checks and conversions as ``engine/backward.py`` applies to what
    a ``backward`` returned (unbroadcast, dtype cast back, the errors that
    name the op).
    """
    grad = returned[index]
    if type(grad) is np.ndarray and grad.dtype == dtype and grad.shape == shape:
        return grad
    return _backward.conform(grad, shape, dtype, _Node(function, len(returned)), returned, upstream)


def tracer_slot():
    """This thread's engine state; its ``tracer`` attribute receives ``notify_tracer`` events."""
    return grad_mode.STATE


def max_along(x, axis):
    """``x.max(axis, keepdims=True)`` computed as the engine's ops compute it (same values, fast on short axes)."""
    return reduce_along(np.maximum, x, axis)


def min_along(x, axis):
    """``x.min(axis, keepdims=True)`` computed as the engine's ops compute it."""
    return reduce_along(np.minimum, x, axis)


def sum_along(x, axis, keepdims=True):
    """``x.sum(axis, keepdims=keepdims)`` computed as the engine's ops compute it (the same order of additions)."""
    return reduce_along(np.add, x, axis, keepdims)


def leaf_view(array, requires_grad, name=None):
    """A new leaf Tensor holding ``array`` itself (no copy), used as a stand-in for an argument while tracing."""
    tensor = Tensor(array, requires_grad=requires_grad, name=name)
    assert tensor.data is array or not isinstance(array, np.ndarray) or array.dtype.kind != "f"
    return tensor


def backward_order(node):
    """The nodes behind ``node`` in the order ``engine/backward.py`` visits them: newest first."""
    return sorted(topological_order(node), key=lambda other: other.sequence, reverse=True)


def is_basic_index(index):
    """True when ``index`` selects each element at most once (``GetItem``'s backward then assigns, not adds)."""
    return _is_basic(index)


def namespace():
    """The globals of generated code: numpy, and the helpers the generated statements call."""
    from .templates import check_class_labels, tied_extremes
    return {"np": np, "max_along": max_along, "min_along": min_along, "sum_along": sum_along,
            "tied_extremes": tied_extremes, "new_context": new_context,
            "backward_of": backward_of, "conform": conform, "as_array": as_array,
            "default_rng": _random.default_rng, "check_class_labels": check_class_labels}


def backward_of(function, ctx, grad, count):
    """``function.backward(ctx, grad)`` for the generated code: the node's output shape and dtype are grad's."""
    ctx.output_shape, ctx.output_dtype = grad.shape, grad.dtype
    return run_backward_of(function, ctx, grad, count)


def default_generator():
    """The default Generator now (``tg.manual_seed`` replaces it; Dropout without ``rng`` draws from it)."""
    return _random.default_rng()


def generator_states(extra=()):
    """``[(generator, state)]`` of the default generator and of every Generator in ``extra`` (values or a dict)."""
    found = [_random.default_rng()]
    values = extra.values() if isinstance(extra, dict) else extra
    for value in values:
        if isinstance(value, np.random.Generator) and all(value is not other for other in found):
            found.append(value)
    return [(generator, generator.bit_generator.state) for generator in found]


def restore_generators(states):
    """Put the generators back in the states ``generator_states`` returned."""
    for generator, state in states:
        generator.bit_generator.state = state

"""``Function``: the one way to define an operation, and ``Context``, the
graph node that one call of a ``Function`` records.

A ``Function`` subclass holds a primitive's forward and backward side by side::

    class Swish(Function):
        @staticmethod
        def forward(ctx, x):                 # numpy arrays in, numpy array out
            s = 1.0 / (1.0 + np.exp(-x))
            ctx.save_for_backward(x, s)
            return x * s

        @staticmethod
        def backward(ctx, grad):             # one gradient per forward input
            x, s = ctx.saved_tensors
            return grad * (s + x * s * (1.0 - s))

    y = Swish.apply(t)

``backward`` may return a gradient of the forward *output's* shape for an
input that was broadcast: the engine reduces it to the input's shape. It may
return ``None`` for an input that needs no gradient
(``ctx.needs_input_grad[i]`` is False).
"""

import os
import traceback

import numpy as np

from . import grad_mode
from .errors import AnomalyError
from .tensor import Tensor, as_array

__all__ = ["Function", "Context", "AnomalyError"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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
    kwargs : the keyword arguments given to ``apply`` (non-tensor options).
    needs_input_grad : tuple of bools, one per input.
    saved_tensors : what ``save_for_backward`` stored; released after
        ``backward`` unless ``retain_graph=True``.
    scope : the scope stack (modules) active when the node was recorded.
    created_at : ``"file:line in function"`` of the user code that created
        the node, recorded only inside ``detect_anomaly()``.

    Functions may also store small non-array facts on it (``ctx.axis = 1``).
    """

    __slots__ = ("function", "sources", "output_shape", "output_dtype", "output_name", "kwargs", "needs_input_grad",
                 "saved_tensors", "scope", "created_at", "retained", "__dict__")

    def __init__(self, function, sources, kwargs, needs_input_grad, scope=None):
        self.function = function
        self.sources = sources
        self.output_shape = self.output_dtype = self.output_name = None
        self.kwargs = kwargs
        self.needs_input_grad = needs_input_grad
        self.saved_tensors = ()
        self.scope = grad_mode.STATE.scope if scope is None else scope
        self.created_at = None
        self.retained = None

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
        not keep intermediate values; recomputing assumes leaves have not
        been changed in place since). Each access replays the ops upstream of
        this node: to look at every node of a large graph, call
        ``engine.graph.outputs(root)`` once and ``input_tensors(node, produced)``.
        """
        from .graph import input_tensors, outputs  # graph imports this module
        if all(type(source) is not Context for source in self.sources):
            return self.sources
        return input_tensors(self, outputs(self))

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


# needs_input_grad of one- and two-input ops, shared rather than made per node: every tuple a
# node keeps is one more object for the garbage collector to count and walk.
_FLAG_SINGLES = ((False,), (True,))
_FLAG_PAIRS = (((False, False), (False, True)), ((True, False), (True, True)))


def _user_frame():
    """``file:line in function`` of the innermost stack frame outside tinygrad_nn."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR + os.sep):
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return "<inside tinygrad_nn>"


def _with_constants(inputs, op):
    """``inputs`` with every non-Tensor made a constant Tensor; numbers take the first Tensor's dtype."""
    if len(inputs) == 2:  # t * 1.5 or 2 - t, the common case, unrolled
        a, b = inputs
        if isinstance(a, Tensor):
            return a, Tensor._constant(b, a, op)
        if isinstance(b, Tensor):
            return Tensor._constant(a, b, op), b
    reference = None
    for x in inputs:
        if isinstance(x, Tensor):
            reference = x
            break
    return tuple([x if isinstance(x, Tensor) else Tensor._constant(x, reference, op) for x in inputs])


def _all_finite(arrays):
    return all(np.isfinite(a).all() for a in arrays
               if a.dtype.kind in "fc")


class Function:
    """Base class of every operation: subclass it, write ``forward`` and ``backward``.

    ``forward(ctx, *arrays, **kwargs)`` receives numpy arrays (one per tensor
    input) and returns one numpy array. ``backward(ctx, grad)`` receives the
    gradient of the output and returns one gradient per input (a tuple when
    there are several), or ``None`` for inputs that need none. Call the
    operation with ``MyFunction.apply(*tensors, **kwargs)``.
    """

    @staticmethod
    def forward(ctx, *arrays, **kwargs):
        """Compute the output array from the input arrays; save what backward needs on ``ctx``."""
        raise NotImplementedError("a Function subclass must define forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx, grad):
        """Given d(loss)/d(output), return d(loss)/d(input) for each input (None where not needed)."""
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run ``forward`` on the inputs' arrays and record a node when any needs a gradient.

        Inputs may be Tensors, numpy arrays or Python numbers; numbers take
        the dtype of the first Tensor input (Python scalars never upcast).
        """
        tensors = inputs
        for x in inputs:
            if not isinstance(x, Tensor):
                tensors = _with_constants(inputs, cls.__name__)
                break
        # Unrolled for one and two inputs: on small arrays a comprehension costs more than the op.
        # A source is the op that made an input (a Context is always truthy), else the input itself.
        if len(tensors) == 2:
            a, b = tensors
            arrays = (a.data, b.data)
            needs_input_grad = _FLAG_PAIRS[a._requires_grad][b._requires_grad]
            sources = (a.grad_fn or a, b.grad_fn or b)
        elif len(tensors) == 1:
            a = tensors[0]
            arrays = (a.data,)
            needs_input_grad = _FLAG_SINGLES[a._requires_grad]
            sources = (a.grad_fn or a,)
        else:
            arrays = tuple([t.data for t in tensors])
            needs_input_grad = tuple([t._requires_grad for t in tensors])
            sources = tuple([t.grad_fn or t for t in tensors])
        grad_enabled, anomaly, scope = grad_mode.STATE.modes
        record = grad_enabled and True in needs_input_grad
        if not record:
            needs_input_grad = (False,) * len(tensors)
        ctx = Context(cls, sources, kwargs, needs_input_grad, scope)
        try:
            out = cls.forward(ctx, *arrays, **kwargs)
        except (ValueError, IndexError, TypeError) as error:
            where = f"{cls.__name__}: cannot apply to input(s) of shape {' and '.join(str(a.shape) for a in arrays)}"
            if type(error).__module__.split(".")[0] in ("builtins", "numpy"):
                raise type(error)(f"{where}: {error}") from error
            if hasattr(error, "add_note"):  # a user's own exception class: keep it, add where it happened
                error.add_note(where)
            raise
        if type(out) is not np.ndarray:
            out = as_array(out, cls.__name__)
        if anomaly:
            ctx.created_at = _user_frame()
            if not _all_finite([out]) and _all_finite(arrays):
                raise AnomalyError(
                    f"{cls.__name__} produced NaN or inf in its forward from finite inputs "
                    f"of shape {' and '.join(str(a.shape) for a in arrays)}; created at {ctx.created_at}")
        if record:
            ctx.output_shape = out.shape
            ctx.output_dtype = out.dtype
        # Tensor._make, inlined: this runs once per op.
        result = object.__new__(Tensor)
        result.data = out
        result.grad = None
        result._requires_grad = record
        result.grad_fn = ctx if record else None
        result._name = None
        return result

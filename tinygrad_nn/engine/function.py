"""``Function``: the one way to define an operation, and ``Context``, the
graph node that one call of a ``Function`` records.

A ``Function`` subclass holds a primitive's forward and backward side by side::

    class Swish(Function):
        @staticmethod
        def forward(ctx, x):                 # numpy arrays in, numpy array out
            ctx.save_for_backward(x)
            return x / (1.0 + np.exp(-x))

        @staticmethod
        def backward(ctx, grad):             # one gradient per forward input
            (x,) = ctx.saved_tensors
            s = 1.0 / (1.0 + np.exp(-x))
            return grad * (s + x * s * (1.0 - s))

    y = Swish.apply(t)

``forward`` always receives numpy arrays. ``backward`` receives numpy arrays
too, except under ``create_graph=True``, where it receives Tensors (the
gradient, and in ``saved_tensors`` the very inputs and output it saved), so
that what it computes is recorded and can be differentiated again. A
backward written with operators and the numpy functions that match our ops
(``np.exp``, ``np.where`` ...) works both ways unchanged; see
docs/higher_order.md.

``backward`` may return a gradient of the forward *output's* shape for an
input that was broadcast: the engine reduces it to the input's shape. It may
return ``None`` for an input that needs no gradient
(``ctx.needs_input_grad[i]`` is False).

Options (non-tensor arguments such as ``axis``) reach ``forward`` as keyword
arguments, and only there; what ``backward`` needs of them, ``forward``
stores on ``ctx`` (``ctx.axis = axis``).
"""

import functools
import inspect
import os
import sys
import traceback

import numpy as np

from . import grad_mode, tensor
from .errors import AnomalyError, ShapeError
from .graph import Context

__all__ = ["Function", "Context", "all_finite"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# needs_input_grad of one- and two-input ops, shared rather than made per node: every tuple a node
# keeps is one more object for the garbage collector to count.
_NEEDS_ONE = ((False,), (True,))
_NEEDS_PAIR = (((False, False), (False, True)), ((True, False), (True, True)))


class Function:
    """Base class of every operation: subclass it, write ``forward`` and ``backward``.

    ``forward(ctx, *arrays, **options)`` receives numpy arrays (one per
    tensor input) and returns one numpy array. ``backward(ctx, grad)``
    receives the gradient of the output and returns one gradient per input
    (a tuple when there are several), or ``None`` for inputs that need none.
    Call the operation with ``MyFunction.apply(*tensors, **options)``.

    A Function defined outside the library (``guarded``) gets read-only
    views of its input arrays in ``forward`` and of the upstream gradient in
    ``backward``: writing into them (``np.maximum(x, 0, out=x)``,
    ``grad *= s``) would change the caller's tensor, or a gradient other
    nodes share, so it raises an error instead; compute new arrays.
    """

    guarded = False  # True for every subclass defined outside tinygrad_nn (see __init_subclass__)

    def __init_subclass__(cls, **kwargs):
        """Give a Function defined outside the library read-only arrays, by wrapping its own forward and backward
        once here: the library's ops pay nothing per call."""
        super().__init_subclass__(**kwargs)
        cls.guarded = not cls.__module__.startswith("tinygrad_nn.")
        if cls.guarded:
            for name, guard in (("forward", _read_only_forward), ("backward", _read_only_backward)):
                method = cls.__dict__.get(name)
                function = method.__func__ if isinstance(method, staticmethod) else method
                if inspect.isfunction(function):
                    setattr(cls, name, staticmethod(guard(function, cls.__name__)))

    @staticmethod
    def forward(ctx, *arrays, **options):
        """Compute the output array from the input arrays; save what backward needs on ``ctx``."""
        raise NotImplementedError("a Function subclass must define forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx, grad):
        """Given d(loss)/d(output), return d(loss)/d(input) for each input (None where not needed)."""
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *inputs, **options):
        """Run ``forward`` on the inputs' arrays and record a node when any input needs a gradient.

        Inputs may be Tensors, numpy arrays or Python numbers; numbers take
        the dtype of the first Tensor input (Python scalars never upcast).
        """
        Tensor = tensor.Tensor
        for x in inputs:
            if not isinstance(x, Tensor):
                inputs = _with_constants(inputs, cls.__name__)
                break
        # The same loop, unrolled for the one- and two-input ops that are nearly all of them: (b) -2%, (c) -5%.
        if len(inputs) == 2:
            a, b = inputs
            arrays = (a._data, b._data)
            needs_input_grad = _NEEDS_PAIR[a._requires_grad][b._requires_grad]
            sources = (a.grad_fn or a, b.grad_fn or b)
            shared = arrays[0] is arrays[1] and sources[0] is not sources[1]
        elif len(inputs) == 1:
            (a,) = inputs
            arrays = (a._data,)
            needs_input_grad = _NEEDS_ONE[a._requires_grad]
            sources = (a.grad_fn or a,)
            shared = False
        else:
            arrays, needs_input_grad, sources = [], [], []
            for t in inputs:
                arrays.append(t._data)
                needs_input_grad.append(t._requires_grad)
                sources.append(t.grad_fn or t)  # the op that made the input (a Context is truthy), else the input
            needs_input_grad, sources = tuple(needs_input_grad), tuple(sources)
            shared = len(set(map(id, arrays))) < len(arrays)
        grad_enabled, anomaly, scope = grad_mode.STATE.modes
        record = grad_enabled and True in needs_input_grad
        ctx = Context(cls, sources, options, needs_input_grad if record else (False,) * len(arrays), scope)
        if shared:  # two inputs on one array, from different sources: x * x.detach()
            arrays = _distinct_arrays(ctx, arrays)
        try:
            out = cls.forward(ctx, *arrays, **options)
        except (ValueError, IndexError, TypeError, OverflowError) as error:
            raise _forward_error(cls, error, arrays)
        if type(out) is not np.ndarray:
            out = _as_output_array(ctx, out, cls.__name__)
        if anomaly:
            _check_forward_finite(cls, ctx, arrays, out)
        if record:
            ctx.output_shape = out.shape
            ctx.output_dtype = out.dtype
            ctx.output_id = id(out)  # how create_graph recognises this array when a later node saves it
        else:
            ctx = None
        result = tensor.make_tensor(out, record, ctx)
        if out.base is not None:  # perhaps a view of an input's array (reshape, .T, slicing)
            _share_versions(result, inputs, ctx)
        return result


def _read_only_views(arrays):
    """Read-only views of the ndarrays among ``arrays`` (what a Function defined outside the library gets)."""
    views = []
    for array in arrays:
        if type(array) is np.ndarray:
            array = array.view()
            array.flags.writeable = False
        views.append(array)
    return tuple(views)


def _read_only_forward(forward, name):
    """``forward`` called on read-only views of its input arrays (each its own object: ``ctx.input_ids``)."""
    @functools.wraps(forward)
    def guarded_forward(ctx, *arrays, **options):
        for key, value in options.items():
            if isinstance(value, tensor.Tensor) and value.requires_grad:
                raise TypeError(
                    f"{name}.apply: option {key} is a Tensor that requires grad, but options are constants and get "
                    f"no gradient; pass it as an input ({name}.apply(x, {key})) and return its gradient from backward")
        arrays = _read_only_views(arrays)
        ctx.input_ids = tuple(map(id, arrays))  # how create_graph and the version checks recognise them
        try:
            return forward(ctx, *arrays, **options)
        except ValueError as error:
            if not _wrote_read_only(error):
                raise
            raise ValueError(
                f"{name}.forward wrote into one of its input arrays; a forward must not change its inputs (the "
                f"caller's tensor, and values other nodes saved, would change with them): compute a new array "
                f"instead (np.maximum(x, 0), not np.maximum(x, 0, out=x))") from error
    return guarded_forward


def _read_only_backward(backward, name):
    """``backward`` called on a read-only view of ``grad``; a write into it, or into a saved input, is refused.

    The same upstream array may go on to other nodes (``Add`` passes it to
    both inputs), so a write into it (``grad *= s``) would silently change
    their gradients.
    """
    @functools.wraps(backward)
    def guarded_backward(ctx, grad):
        if type(grad) is np.ndarray:  # (under create_graph it is a Tensor, and Tensor ops write nothing)
            (grad,) = _read_only_views((grad,))
        try:
            return backward(ctx, grad)
        except ValueError as error:
            if not _wrote_read_only(error):
                raise
            raise ValueError(
                f"{name}.backward wrote into grad or into an input array it saved; grad may be passed on to other "
                f"nodes and the inputs are the caller's tensors, so neither may change: compute a new array "
                f"instead (grad * s, not grad *= s)") from error
    return guarded_backward


def _wrote_read_only(error):
    """Whether numpy refused a write into a read-only array (``out=``, an assignment, ``sort()``, ``fill()``)."""
    return str(error).endswith(" is read-only")


def _with_constants(inputs, op):
    """``inputs`` with every non-Tensor made a constant Tensor; numbers take the first Tensor's dtype."""
    Tensor = tensor.Tensor
    if len(inputs) == 2:  # t * 1.5 or 2 - t: (c) spends ~5% here without this shortcut
        a, b = inputs
        if isinstance(a, Tensor):
            return a, tensor.constant_tensor(b, a, op)
        if isinstance(b, Tensor):
            return tensor.constant_tensor(a, b, op), b
    reference = next((x for x in inputs if isinstance(x, Tensor)), None)
    return tuple([x if isinstance(x, Tensor) else tensor.constant_tensor(x, reference, op) for x in inputs])


def _distinct_arrays(ctx, arrays):
    """``arrays`` with a view (a new array object on the same memory) for each repeat of an array.

    Under ``create_graph`` a saved array is traced back to its input by
    identity, so two inputs on one array (``x * x.detach()``, or two Tensors
    made from one numpy array) must reach ``forward`` as distinct objects;
    ``ctx.input_ids`` then says which object each input passed.
    """
    seen = set()
    distinct = []
    for array in arrays:
        if id(array) in seen:
            array = array.view()
        seen.add(id(array))
        distinct.append(array)
    ctx.input_ids = tuple(map(id, distinct))
    return tuple(distinct)


def _share_versions(output, inputs, node):
    """Give ``output`` the version counter of the input whose array it views, as PyTorch's views share theirs.

    A change in place through the view or through the input is then a
    change of both. A recorded view's node keeps the counter too
    (``output_versions``), so a node that saved the view can tell.
    """
    for source in inputs:
        if np.may_share_memory(output._data, source._data):
            output._versions = source._shared_versions()
            if node is not None:
                node.output_versions = output._versions
            return


def _as_output_array(ctx, out, op):
    """A forward's result that is not an ndarray (numpy returns scalars for 0-d inputs) as an array.

    If forward saved that very object for backward, the saved entry becomes
    the array too, so ``create_graph`` still recognises it as the output.
    """
    if isinstance(out, (tuple, list)):  # as_array would stack the outputs into one array
        raise TypeError(f"{op}.forward returned a {type(out).__name__} of {len(out)}; a Function has one "
                        f"output, one numpy array (for several results, write one Function per output, or "
                        f"return them joined, e.g. np.stack, and split the Tensor afterwards)")
    kept = out.dtype if isinstance(out, np.generic) and out.dtype.kind in "biu" else None  # int @ int stays int
    array = tensor.as_array(out, op, dtype=kept)
    for item in ctx.saved_tensors:
        if item is out:
            ctx.saved_tensors = tuple(array if item is out else item for item in ctx.saved_tensors)
            break
    return array


def _forward_error(function, error, arrays):
    """The exception to raise for ``error`` from ``function.forward``: numpy's, reworded with the op and shapes.

    A user's own exception class is kept (with a note saying where it happened).
    """
    where = f"{function.__name__}: cannot apply to input(s) of shape {' and '.join(str(a.shape) for a in arrays)}"
    if function.guarded and isinstance(error, ValueError) and error.__cause__ is not None and _wrote_read_only(
            error.__cause__):
        return error  # said already, by the guard around a user's forward (_read_only_forward)
    if type(error).__module__.split(".")[0] in ("builtins", "numpy"):
        reworded = _reworded(error, where)
        reworded.__cause__ = error
        return reworded
    if sys.version_info >= (3, 11):
        error.add_note(where)
    return error


def _reworded(error, where):
    """``error`` as the same kind of exception with ``where`` in front (a shape mismatch as ``ShapeError``)."""
    message = f"{where}: {error}"
    if isinstance(error, ValueError) and "broadcast" in str(error):
        return ShapeError(f"{where}: the shapes do not broadcast (compared from the last axis, each pair of sizes "
                          f"must be equal, or one of them 1); reshape, transpose or index one of them to fit")
    if isinstance(error, ValueError) and "shape" in str(error):
        return ShapeError(message)
    builtin = next(kind for kind in type(error).__mro__ if kind.__module__ == "builtins")  # numpy's own subclasses
    return builtin(message)


def _check_forward_finite(function, ctx, arrays, out):
    """Inside ``detect_anomaly()``: remember where the node was made; raise on NaN/inf from finite inputs."""
    ctx.created_at = _user_frame()
    if not all_finite([out]) and all_finite(arrays):
        raise AnomalyError(
            f"{function.__name__} produced NaN or inf in its forward from finite inputs "
            f"of shape {' and '.join(str(a.shape) for a in arrays)}; created at {ctx.created_at}")


def all_finite(arrays):
    """True when no floating array among ``arrays`` holds NaN or inf."""
    return all(np.isfinite(a).all() for a in arrays if a.dtype.kind in "fc")


def _user_frame():
    """``file:line in function`` of the innermost stack frame outside tinygrad_nn."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR + os.sep):
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return "<inside tinygrad_nn>"


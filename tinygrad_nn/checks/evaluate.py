"""Two ways to run what is being checked: a callable through the engine, or a
``Function`` subclass called directly (``forward`` / ``backward`` on a fresh
``Context``), which also lets the check see what ``backward`` returned
(count, dtype, shape) before the engine would quietly fix it up.

Both give ``forward(arrays)`` (the output array for the checked inputs'
values, nothing recorded) and ``analytic(arrays, draw_upstream)`` (the output,
the upstream gradient drawn for it, one gradient per checked input and a
list of problems per checked input).
"""

import inspect
from collections.abc import Mapping

import numpy as np

from ..engine import Context, Function, Tensor, no_grad, unbroadcast
from ..autograd import grad as autograd_grad
from .mutation import Snapshot

__all__ = ["CallableEvaluator", "FunctionEvaluator", "evaluator_for", "describe"]

FORWARD_ADVICE = "a forward must not write into its inputs (the caller's tensor would change): compute a new array"
SAVED_ADVICE = ("a backward must not write into what forward saw or returned (a tensor's value would change after "
                "the fact): build a new array")
GRAD_ADVICE = ("a backward must not write into grad (the same array may flow to other nodes, or be a read-only "
               "view): build a new array (grad * d, not grad *= d)")


def _report_changes(problems, checked, snapshots, doer, advice):
    """Append to ``problems`` (one list per checked input) a sentence per snapshot that changed; a
    snapshot of input ``k`` goes to that input when it is checked, anything else to every input."""
    for position, snapshot in snapshots:
        sentence = snapshot.change(doer, advice)
        if sentence is None:
            continue
        slots = [checked.index(position)] if position in checked else range(len(problems))
        for slot in slots:
            problems[slot].append(sentence)


def describe(fn):
    """A readable name for what is checked: ``Swish``, ``swish``, ``<lambda>``."""
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__


def _is_function_class(fn):
    return isinstance(fn, type) and issubclass(fn, Function)


def check_arity(call, arguments, caller, name, kwargs=None, ctx=False):
    """A ``TypeError`` naming ``caller``, ``name`` and both counts unless ``call(*arguments, **kwargs)`` binds.

    Checked before the first call, so a wrong number of inputs is not a
    Python error from deep inside the check. A callable whose signature
    cannot be read (a numpy ufunc, a builtin) is not checked. ``ctx=True``
    for a Function's ``forward``, whose first argument (``ctx``) is no input.
    """
    try:
        signature = inspect.signature(call)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(*arguments, **(kwargs or {}))
    except TypeError as error:
        parameters = signature.parameters.values()
        positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        skipped = int(ctx)
        least = sum(p.default is p.empty for p in positional) - skipped
        most = len(positional) - skipped
        varargs = any(p.kind == p.VAR_POSITIONAL for p in parameters)
        takes = f"{least} or more" if varargs else f"{least}" if least == most else f"{least} to {most}"
        what = "input(s)" if skipped else "argument(s)"
        raise TypeError(f"{caller}: {name}{signature} takes {takes} {what} but inputs has {len(arguments) - skipped} "
                        f"({error}); fn is called as fn(*inputs), one input per argument (inputs=(x,) for one)"
                        ) from None


class CallableEvaluator:
    """``fn(*tensors) -> Tensor``, or a tuple of Tensors; analytic gradients come from ``backward``.

    A tuple of outputs is checked as one output: their values flattened and concatenated, and
    the gradient of ``sum_i sum(u_i * out_i)`` from one backward per output (the gradients add
    up in the inputs' ``.grad``). A function returning the gradients of another (what a check of
    second derivatives differentiates) is such a function.
    """

    def __init__(self, fn, constants, checked, name=None, caller="gradcheck"):
        self.fn = fn
        self.constants = constants          # list: the non-checked arguments as given
        self.checked = checked              # indices of checked arguments
        self.name = name or describe(fn)
        self.caller = caller                # the check that error messages name
        check_arity(fn, constants, caller, self.name)

    def _arguments(self, arrays, requires_grad):
        args = list(self.constants)
        tensors = []
        for position, array in zip(self.checked, arrays):
            tensor = Tensor(array, requires_grad=requires_grad)
            args[position] = tensor
            tensors.append(tensor)
        return args, tensors

    def _outputs(self, out):
        """``(outputs, was a tuple)``; anything but a Tensor (or a tuple of them) is a TypeError."""
        several = isinstance(out, (tuple, list))
        outputs = tuple(out) if several else (out,)
        for k, item in enumerate(outputs):
            if not isinstance(item, Tensor):
                what = f"output {k} of {self.name}" if several else self.name
                raise TypeError(f"{self.caller}: {what} returned {type(item).__name__}; it must return a Tensor "
                                "built from tinygrad_nn operations (Tensor methods, Function.apply)")
        if several and not outputs:
            raise TypeError(f"{self.caller}: {self.name} returned an empty {type(out).__name__}; it must return "
                            "a Tensor or a tuple of Tensors")
        return outputs, several

    @staticmethod
    def _joined(outputs, several):
        if not several:
            return outputs[0].data
        return np.concatenate([np.asarray(o.data, dtype=np.float64).reshape(-1) for o in outputs])

    def outputs_at(self, arrays):
        """``(the output Tensors, whether fn returned a tuple)`` at ``arrays`` (checked inputs only),
        recording nothing."""
        args, _ = self._arguments(arrays, False)
        with no_grad():
            return self._outputs(self.fn(*args))

    def forward(self, arrays):
        """The output array at ``arrays`` (checked inputs only), recording nothing."""
        return self._joined(*self.outputs_at(arrays))

    def analytic(self, arrays, draw_upstream):
        """``(output, upstream, gradients, problems)`` from one forward and one backward of all outputs.

        The gradients come from ``autograd.grad`` of the outputs (no ``.grad`` of any tensor, the
        checked inputs' or the constants', is touched). ``problems`` also names an input, output or
        upstream gradient that ``fn`` or its backward changed in place."""
        args, tensors = self._arguments(arrays, True)
        inputs = [(p, Snapshot(t.data, f"input {p}")) for p, t in zip(self.checked, tensors)]
        outputs, several = self._outputs(self.fn(*args))
        problems = [[] for _ in tensors]
        _report_changes(problems, self.checked, inputs, self.name, FORWARD_ADVICE)
        output = np.array(self._joined(outputs, several), copy=True)
        upstream = draw_upstream(output.shape)
        parts = np.split(upstream.reshape(-1), np.cumsum([o.size for o in outputs])[:-1]) if several else [upstream]
        recorded = [(o, np.array(part.reshape(o.shape), dtype=o.dtype)) for o, part in zip(outputs, parts)
                    if o.grad_fn is not None or o.requires_grad]       # an input returned as it is counts
        if not recorded:
            for notes in problems:
                notes.append(f"{self.name} returned a tensor that does not depend on its inputs "
                             "(nothing was recorded)")
            return output, upstream, [np.zeros_like(a) for a in arrays], problems
        inputs = [(p, Snapshot(t.data, f"input {p}")) for p, t in zip(self.checked, tensors)]
        saved = [(None, Snapshot(o.data, f"output {k}" if several else "the output")) for k, o in enumerate(outputs)]
        given = [(None, Snapshot(g, "its grad argument")) for _, g in recorded]
        found = autograd_grad([o for o, _ in recorded], tensors, [g for _, g in recorded], allow_unused=True)
        doer = f"a backward called by {self.name}"
        _report_changes(problems, self.checked, inputs + saved, doer, SAVED_ADVICE)
        _report_changes(problems, self.checked, given, doer, GRAD_ADVICE)
        grads = [np.zeros_like(t.data) if g is None else g.data for g, t in zip(found, tensors)]
        return output, upstream, grads, problems


class FunctionEvaluator:
    """A ``Function`` subclass run directly: ``forward(ctx, *arrays, **kwargs)``, ``backward(ctx, grad)``."""

    caller = "gradcheck"                    # the check that error messages name

    def __init__(self, function, constants, checked, kwargs=None, name=None):
        self.function = function
        self.constants = [c.data if isinstance(c, Tensor) else c for c in constants]
        self.checked = checked
        self.kwargs = dict(kwargs or {})
        self.name = name or function.__name__
        check_arity(function.forward, [None, *constants], self.caller, f"{self.name}.forward", self.kwargs, ctx=True)

    def _context(self, arrays):
        args = list(self.constants)
        for position, array in zip(self.checked, arrays):
            args[position] = array
        args = [a if isinstance(a, np.ndarray) else np.asarray(a, dtype=np.float64) for a in args]
        needs = tuple(i in self.checked for i in range(len(args)))
        tensors = tuple(Tensor(a, requires_grad=need, dtype=a.dtype) for a, need in zip(args, needs))
        return Context(self.function, tensors, self.kwargs, needs), args

    def forward(self, arrays):
        """The output array of ``forward`` on a fresh Context."""
        ctx, args = self._context(arrays)
        return self._output(ctx, args)

    def _output(self, ctx, args):
        out = self.function.forward(ctx, *args, **self.kwargs)
        if isinstance(out, (tuple, list)):  # np.asarray would stack them, as Function.apply refuses to
            raise TypeError(f"{self.caller}: {self.name}.forward returned a {type(out).__name__}; a Function "
                            "has one output, one numpy array")
        return np.asarray(out)

    def analytic(self, arrays, draw_upstream):
        """Run forward and backward on one Context; check what backward returned, and that neither
        changed an input, the output or ``grad`` in place."""
        ctx, args = self._context(arrays)
        positions = range(len(args))
        inputs = [(p, Snapshot(a, f"input {p}")) for p, a in zip(positions, args)]
        out = self._output(ctx, args)
        problems = [[] for _ in self.checked]
        _report_changes(problems, self.checked, inputs, f"{self.name}.forward", FORWARD_ADVICE)
        upstream = draw_upstream(out.shape).astype(out.dtype, copy=False)
        inputs = [(p, Snapshot(a, f"input {p}")) for p, a in zip(positions, args)]
        saved = Snapshot(out, "the output of forward")
        given = Snapshot(np.array(upstream, copy=True), "its grad argument")   # ours stays as drawn
        returned = self.function.backward(ctx, given.array)
        doer = f"{self.name}.backward"
        _report_changes(problems, self.checked, inputs + [(None, saved)], doer, SAVED_ADVICE)
        _report_changes(problems, self.checked, [(None, given)], doer, GRAD_ADVICE)
        if type(returned) is not tuple:
            returned = tuple(returned) if isinstance(returned, list) else (returned,)
        gradients = []
        count_ok = len(returned) == len(args)
        for slot, position in enumerate(self.checked):
            array = args[position]
            if not count_ok:
                problems[slot].append(f"{self.name}.backward returned {len(returned)} gradient(s) "
                                      f"but forward has {len(args)} input(s)")
                gradients.append(np.zeros_like(array))
                continue
            gradients.append(self._checked_gradient(returned[position], array, position, problems[slot]))
        return saved.copy, upstream, gradients, problems

    def _checked_gradient(self, grad, array, position, notes):
        name = self.name
        if grad is None:
            notes.append(f"{name}.backward returned None for input {position}, which needs a gradient")
            return np.zeros_like(array)
        grad = np.asarray(grad)
        if grad.dtype != array.dtype:
            notes.append(f"{name}.backward returned a {grad.dtype} gradient for input {position} of dtype "
                         f"{array.dtype}; a gradient must have its input's dtype")
            if grad.dtype.kind not in "fiub":
                return np.zeros_like(array)
            grad = grad.astype(array.dtype)
        if grad.shape != array.shape:
            reduced = unbroadcast(grad, array.shape)
            if reduced is None:
                notes.append(f"{name}.backward returned a gradient of shape {grad.shape} for input {position} "
                             f"of shape {array.shape}")
                return np.zeros_like(array)
            grad = reduced
        return grad


def evaluator_for(fn, constants, checked, kwargs=None):
    """The evaluator for ``fn``: direct for a ``Function`` subclass, through the engine otherwise."""
    if kwargs is not None and not (isinstance(kwargs, Mapping) and all(isinstance(k, str) for k in kwargs)):
        raise TypeError(f"gradcheck: kwargs must be a dict of the Function's keyword options (str keys), got "
                        f"{kwargs!r:.40} ({type(kwargs).__name__})")
    if _is_function_class(fn):
        return FunctionEvaluator(fn, constants, checked, kwargs)
    if kwargs:
        raise TypeError("gradcheck: kwargs= is only for Function subclasses; wrap a callable in a lambda")
    if not callable(fn):
        raise TypeError(f"gradcheck: fn must be callable or a Function subclass, got {type(fn).__name__}")
    return CallableEvaluator(fn, constants, checked)

"""``tg.compile``: the compiled callable, its traces, and the one graph node each call records.

A call is matched against the traces made so far by a guard (generated code
that checks the arguments' types, shapes, dtypes, ``requires_grad``, the
numbers' values and the modules' modes and attributes, see ``watching``); the
first trace that fits runs. A
call no trace fits is traced anew, or refused with an error naming the
argument when ``retrace=False``.
"""

import inspect
import warnings

import numpy as np

from ..engine import Tensor
from ..nn import Module
from . import constants, engine_api, tracing
from .errors import CompileWarning, TraceError
from .lowering import same_values
from .program import MISS, build

__all__ = ["compile", "Compiled"]

_TRACES_BEFORE_WARNING = 8
_TRACING = engine_api.tracer_slot()  # this thread's engine state: its tracer is set while a function is traced


def compile(target, *, retrace=True):  # noqa: A001 - tg.compile, as torch.compile
    """Compile a function (or a module) into generated numpy code, recorded as one node per call.

    ``target`` is a function of Tensors, numpy arrays and Python numbers that
    returns one Tensor, or a ``tg.nn.Module`` (its parameters are the implicit
    inputs). The first call *traces*: it runs ``target`` once, eagerly, and
    generates a forward and a backward from the recorded graph. Later calls
    with arguments of the same kind replay that code:

    * ``loss = step(X, y, W1, b1, W2, b2)`` returns a Tensor whose ``grad_fn``
      is one node; ``loss.backward()`` runs the generated backward and adds
      to ``.grad`` of every leaf, as in eager mode (``no_grad``,
      ``retain_graph`` and a surrounding eager graph too).
    * A new trace is made when the arguments' shapes, dtypes, which of them
      require grad, the values of number arguments, the modules involved
      (their ``train()`` / ``eval()`` mode, attributes such as ``Dropout.p``,
      layers and parameters replaced or added, forward hooks), or what the
      closure variables, globals and defaults it reads hold change; with
      ``retrace=False`` such a call raises ``TraceError`` instead. Values
      updated in place (an optimizer step) are no change.
    * Changing an argument in place inside ``target`` (``x += 1``,
      ``x.copy_(y)``, ``x.data[0] = 0``, ``labels[0] = 1``) raises
      ``TraceError``: write ``x = x + 1``.
    * A call is matched as Python binds it: ``step(x, y=y)`` and
      ``step(y=y, x=x)`` are one call, and share one trace.
    * ``step.source`` is the generated forward and backward as Python.

    Values and gradients equal eager mode's bit for bit (the same numpy
    calls in the same order). See docs/compile.md for what a trace cannot
    capture (Python control flow on tensor values raises ``TraceError``).
    """
    return Compiled(target, retrace=retrace)


def _leaf_key(leaf):
    """What a trace depends on of one flattened argument."""
    if isinstance(leaf, Tensor):
        return ("tensor", type(leaf), leaf.shape, leaf.dtype, leaf.requires_grad)
    if isinstance(leaf, np.ndarray):
        return ("array", type(leaf), leaf.shape, leaf.dtype)
    if isinstance(leaf, Module):
        return ("module", id(leaf))
    if isinstance(leaf, (float, np.floating)):
        return ("number", type(leaf), float(leaf).hex())  # -0.0 and 0.0 differ, NaN equals NaN
    return ("number", type(leaf), leaf)


class Compiled:
    """The callable ``tg.compile`` returns (see ``tg.compile``)."""

    def __init__(self, target, retrace=True):
        if isinstance(target, Module):
            self.module, function, signature_of = target, target, target.forward
            name = type(target).__name__
        elif callable(target):
            self.module, function, signature_of = None, target, target
            name = getattr(target, "__name__", type(target).__name__)
        else:
            raise TypeError(f"tg.compile: expected a function or a tg.nn.Module, got {type(target).__name__}")
        self._function = function
        self.what = f"compile({name})"
        self.retrace = retrace
        try:
            self._signature = inspect.signature(signature_of)
        except (TypeError, ValueError):
            self._signature = None
        self._parameters = list(self._signature.parameters.values()) if self._signature is not None else []
        self._programs = []
        self._last = None
        self._read_named_objects()

    def _read_named_objects(self):
        """The objects the function names now (a retrace after a global was rebound sees the new one)."""
        self._objects = tracing.objects_named_in(self._function) if self.module is None else {}
        self._object_names = {id(obj): name for name, obj in self._objects.items()}
        if self.module is not None:
            self._object_names[id(self.module)] = ""

    def __repr__(self):
        return f"<tg.compile of {self.what[8:-1]}: {len(self._programs)} trace(s)>"

    def __reduce__(self):
        """Pickled, copied and deep-copied as ``tg.compile(target, retrace=...)``: the traces are not kept.

        A trace holds generated code and the very tensors it read; a copy traces
        anew on its first call (a deep copy, for the copied module's parameters).
        """
        return (Compiled, (self._function, self.retrace))

    def named_objects(self):
        """The objects the compiled function names (closure variables, globals, a bound method's self)."""
        return list(self._objects.values())

    @property
    def source(self):
        """The generated forward and backward of the most recent call, as Python source."""
        if self._last is None:
            raise RuntimeError(f"{self.what}: the code is generated by the first call; call it once first")
        return self._last.source

    @property
    def traces(self):
        """How many traces were made so far (one per distinct kind of arguments)."""
        return len(self._programs)

    def __call__(self, *args, **kwargs):
        program = self._last
        if program is not None and _TRACING.tracer is None:
            result = program.call(args, kwargs)
            if result is not MISS:
                return result
        return self._match_or_trace(args, kwargs)

    # ---------------------------------------------------------------- slow path
    def _names(self, count, keywords):
        positional = [p for p in self._parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        rest = next((p.name for p in self._parameters if p.kind is p.VAR_POSITIONAL), "arg")
        names = [positional[i].name if i < len(positional) else f"{rest}_{i - len(positional)}"
                 for i in range(count)]
        return names + list(keywords)

    def _bound(self, args, kwargs):
        """The call as the signature binds it: ``step(x, y=y)`` and ``step(x, y)`` are one call, whatever the
        order of the keywords (``inspect.Signature.bind``); a call that does not bind stays as it is (the
        function raises its own TypeError when traced)."""
        if self._signature is None or not kwargs:
            return args, kwargs
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError:
            return args, kwargs
        return bound.args, bound.kwargs

    def _flatten(self, args, kwargs):
        names = self._names(len(args), kwargs)
        leaves = []
        structure = ("tuple",
                     ("tuple",) + tuple(tracing.flatten(arg, name, leaves, self.what) for arg, name in zip(args, names)),
                     ("dict",) + tuple((key, tracing.flatten(value, key, leaves, self.what))
                                       for key, value in kwargs.items()))
        return structure, leaves

    def _match_or_trace(self, args, kwargs):
        tracer = _TRACING.tracer
        if tracer is not None:  # called by a function being traced: run eagerly, so that trace records our ops
            tracer.notice("compiled", (self,))  # and watches our modules and the names we read (watching.py)
            return self._function(*args, **kwargs)
        call_structure, call_leaves = self._flatten(args, kwargs)
        args, kwargs = self._bound(args, kwargs)
        structure, leaves = self._flatten(args, kwargs)
        key = (structure, tuple(_leaf_key(leaf) for _, leaf in leaves))
        for program in self._programs:
            if program.key == key and program.modes_match():
                self._last = program
                return program.run(leaves)
        if self._programs and not self.retrace:
            raise TraceError(self._mismatch(self._last or self._programs[0], structure, leaves, args, kwargs))
        program = self._trace(structure, leaves, key, _call_form(call_structure, call_leaves, structure, leaves))
        self._programs.append(program)
        self._last = program
        if len(self._programs) == _TRACES_BEFORE_WARNING:
            warnings.warn(f"{self.what} has been traced {len(self._programs)} times: each distinct shape, dtype, "
                          "requires_grad, number argument, module mode or module attribute makes a new trace. "
                          "Pass values that change on every call as arrays or Tensors, not as Python numbers",
                          CompileWarning, stacklevel=3)
        return program.run(leaves)

    def _mismatch(self, program, structure, leaves, args, kwargs):
        """The message for a call the trace does not fit, naming the first argument that differs."""
        if structure != program.key[0]:
            traced_args, traced_kwargs = program.key[0][1][1:], dict(program.key[0][2][1:])
            names = self._names(len(args), kwargs)
            values = list(args) + list(kwargs.values())
            shapes = list(structure[1][1:]) + [item for _, item in structure[2][1:]]
            traced = list(traced_args) + [traced_kwargs.get(key) for key in kwargs]
            for name, value, shape, traced_shape in zip(names, values, shapes, traced):
                if shape != traced_shape:
                    return (f"{self.what}: argument {name!r} is {tracing.describe(value)}, which does not fit the "
                            f"trace (made for {program.described}); retracing is off (retrace=False)")
            return (f"{self.what}: this call passes {len(args)} argument(s) and keywords {sorted(kwargs)}, the "
                    f"trace was made for {program.described}; retracing is off (retrace=False)")
        for (name, leaf), expected, description in zip(leaves, program.key[1], program.leaf_descriptions):
            if _leaf_key(leaf) != expected:
                return (f"{self.what}: argument {name!r} is {tracing.describe(leaf)}, but the trace was made for "
                        f"{description}; retracing is off (retrace=False): call tg.compile again for this kind "
                        "of input, or leave retracing on")
        return f"{self.what}: {program.describe_change()}; retracing is off (retrace=False)"

    @property
    def function(self):
        """The compiled function (or module)."""
        return self._function

    def _trace(self, structure, leaves, key, call_form=None):
        self._read_named_objects()
        reachable = [self.module] + [leaf for _, leaf in leaves] + list(self._objects.values())
        generators = tracing.generators_in(reachable)
        states = engine_api.generator_states(generators)
        held = dict(self._objects, **{name: leaf for name, leaf in leaves if isinstance(leaf, Module)})
        versions = [(where, tensor, tensor.version) for where, tensor in tracing.tensors_in(
            dict(held, **({"": self.module} if self.module is not None else {})))]
        arguments = _argument_arrays(leaves)
        try:
            trace = tracing.trace(self._function, structure, leaves, self.what)
            _check_arguments_unchanged(self.what, trace, arguments)
            other = self._check_constants(trace, structure, leaves)
            _check_unchanged(self.what, versions)
            states += _generators_drawn(self.what, trace, other, states)
            trace.object_names = dict(self._object_names)
            for name, leaf in leaves:
                if isinstance(leaf, Module):
                    trace.object_names[id(leaf)] = name
            program = build(self, trace, leaves, key, generators, states, call_form)
        finally:
            engine_api.restore_generators(states)  # the compiled calls draw what eager calls would
        return program

    def _check_constants(self, trace, structure, leaves):
        """Trace again on perturbed arguments; raise if a value the trace fixes depends on them (constants.py)."""
        other_leaves = [(name, constants.perturbed(leaf)) for name, leaf in leaves]
        try:
            other = tracing.trace(self._function, structure, other_leaves, self.what)
        except TraceError:
            raise
        except Exception as error:  # the function refuses the perturbed values: nothing to compare
            warnings.warn(f"{self.what}: could not check that the values the trace fixes do not depend on the "
                          f"arguments: the function raised {type(error).__name__} on the arguments with their rows "
                          f"rolled ({error})", CompileWarning, stacklevel=4)
            return None
        constants.check_constants(self.what, trace, leaves, other, other_leaves)
        return other


def _call_form(call_structure, call_leaves, structure, leaves):
    """``(structure, order)`` of the call as it was written, for its guard, when it differs from the bound call:
    bound leaf ``i`` is written leaf ``order[i]`` (matched by name); None when they are the same, or when the
    names do not tell the leaves apart (then the guard checks the bound form)."""
    if call_structure == structure:
        return None
    position = {name: index for index, (name, _) in enumerate(call_leaves)}
    if len(position) != len(call_leaves) or len(call_leaves) != len(leaves):
        return None
    order = [position.get(name) for name, _ in leaves]
    if None in order or any(call_leaves[i][1] is not leaf for i, (_, leaf) in zip(order, leaves)):
        return None
    return call_structure, order


def _argument_arrays(leaves):
    """``[(index, name, leaf, array, copy)]``: the array of every Tensor and array argument, and a copy of it."""
    found = []
    for index, (name, leaf) in enumerate(leaves):
        array = engine_api.data_of(leaf) if isinstance(leaf, Tensor) else leaf
        if isinstance(array, np.ndarray):
            found.append((index, name, leaf, array, array.copy()))
    return found


def _check_arguments_unchanged(what, trace, arguments):
    """Raise ``TraceError`` when the function changed an argument's values outside the recorded ops while traced.

    ``arguments``: ``_argument_arrays`` of the call, taken before the trace. Such a write (``x.data[0] = 0``,
    ``x.data = ...``, ``labels[0] = 1`` on an array) happened on the first call only: the compiled code never
    writes into its arguments. (``x += 1`` on a Tensor argument is refused as it happens, naming the op.)
    """
    for index, name, leaf, array, copy in arguments:
        now = [engine_api.data_of(tensor) for tensor in (leaf, trace.stand_ins.get(index, leaf))] \
            if isinstance(leaf, Tensor) else [leaf]
        if any(other is not array for other in now) or not same_values(array, copy):
            raise TraceError(
                f"{what}: the function changes its argument {name!r} ({tracing.describe(leaf)}) outside the "
                "recorded ops while it is traced (x.data[0] = ..., x.data = ..., labels[0] = ... on an array). A "
                "compiled function never writes into its arguments, so the change would happen on the first "
                "call only. Make a new tensor or array inside the function instead (x = x * 2, "
                "np.where(...) outside it), or change the argument before calling")


def _check_unchanged(what, versions):
    """Raise ``TraceError`` when a tensor the function reaches (not an argument) was changed in place while traced.

    ``versions``: ``[(where, tensor, its version before)]``. Such a write (``buf.data = ...``, ``copy_``,
    ``fill_``, a running statistic updated by hand) is not a recorded op: the compiled code would not repeat it.
    """
    for where, tensor, version in versions:
        if tensor.version != version:
            raise TraceError(
                f"{what}: the function changes {where} (a Tensor {tensor.shape} {tensor.dtype}) in place outside "
                "the recorded ops while it is traced (.data = ..., copy_, fill_, +=): the compiled code replays "
                "the recorded ops only, so later calls would not update it (a running statistic would stay as "
                "the first call left it). Make that update outside the compiled function, after the call")


def _generators_drawn(what, trace, other, states):
    """``[(generator, state)]`` of the generators the random ops drew from that ``states`` lacks (one held by an
    object the function reaches, ``F.dropout(x, rng=holder.rng)``), as they were before the first call.

    Raises ``TraceError`` when the function replaced the default generator (``tg.manual_seed`` inside it) or
    drew from a Generator it made itself (``rng=3`` seeds a new one on every call): the compiled code would
    draw on from the first call's generator, where eager calls start afresh. ``other`` is the trace made on
    perturbed arguments (None when there is none): a generator made by the function is another object there.
    """
    if trace.tracer.reseeded or (other is not None and other.tracer.reseeded):
        raise TraceError(
            f"{what}: the function calls tg.manual_seed while it is traced; the compiled code replays the ops it "
            "recorded, not the reseeding, so its random draws (Dropout's masks) would differ from eager calls. "
            "Seed once, outside the compiled function (tg.manual_seed(0); then call it)")
    known = {id(generator) for generator, _ in states}
    found = []
    for index, generator in enumerate(trace.tracer.generators):
        if id(generator) in known:
            continue
        drawn_again = other.tracer.generators if other is not None else ()
        if index >= len(drawn_again) or drawn_again[index] is not generator:
            raise TraceError(
                f"{what}: a random op (Dropout) draws from a Generator made while the function runs (rng=<an int "
                "seed> makes a new one on every call, as does np.random.default_rng(...) inside the function); "
                "the compiled code would go on drawing from the first call's generator instead of starting "
                "afresh. Make the Generator once, outside the function, and pass it: rng=np.random.default_rng(3)")
        known.add(id(generator))
        found.append(trace.tracer.first_states[id(generator)])
    return found

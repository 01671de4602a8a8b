"""One trace, compiled: its code checked and loaded, the node's ``Function``, and the guard of its calls.

``build`` lowers and prints the trace (``lowering.py``, ``printing.py``),
loads the source and runs it once on the traced values, comparing with what
the lowering computed statement by statement; on a difference it generates
the code again without in-place writes, then with every op called through
its ``Function``. Two small generated functions connect the code to the
engine: the node's ``forward(ctx, ...)``/``backward(ctx, grad)``, and
``call(args, kwargs)``, the guard, which checks that a call fits the trace
and records the node (or answers ``MISS``).
"""

import builtins
import linecache
import warnings

import numpy as np

from ..engine import Function, NotDifferentiableError, Tensor
from ..nn import Module
from . import engine_api, tracing
from .errors import CompileWarning, TraceError
from .lowering import Lowering, same_values
from .printing import render
from .watching import WatchedNames, watched_modules

__all__ = ["Program", "build", "MISS"]

MISS = object()  # a guard's answer: this trace does not fit the call


class Program:
    """One trace, compiled: ``call`` (the guard), ``run`` (no checks), ``source``, the node's Function class."""

    def __init__(self, key, source, function_class, slots, modules, leaf_descriptions, call, constants=(),
                 held=()):
        self.key, self.source, self.function_class = key, source, function_class
        self.slots, self.modules, self.leaf_descriptions = slots, modules, leaf_descriptions
        self.call = call
        self.constants = constants  # captured Tensors traced as constants: they must still need no gradient
        self.held = held            # (tensor, array): the code holds the array, which must still be tensor.data
        self.described = ", ".join(leaf_descriptions)

    def modes_match(self):
        """True when the modules (``WatchedModule``) and the captured parameters and constants are as when traced."""
        return all(watched.matches() for watched in self.modules) and all(
            slot.tensor.shape == slot.value_shape and slot.tensor.dtype == slot.value_dtype
            and slot.tensor.requires_grad for slot in self.slots if slot.tensor is not None) and not any(
            tensor.requires_grad for tensor in self.constants) and all(
            engine_api.data_of(tensor) is array for tensor, array in self.held)

    def describe_change(self):
        """What differs from the trace besides the arguments, for messages (``"Dropout.p is 0.2 (traced with 0.5)"``)."""
        for watched in self.modules:
            change = watched.change()
            if change is not None:
                return change
        for tensor, array in self.held:
            if engine_api.data_of(tensor) is not array:
                return ("a tensor the function uses (not an argument) holds a new array in .data since the trace "
                        f"(a Tensor {tensor.shape} {tensor.dtype})")
        return ("a tensor the function uses (not an argument) changed its shape, dtype or requires_grad "
                "since the trace")

    def run(self, leaves):
        """Record the node for a call whose flattened ``leaves`` are known to fit."""
        tensors, extra = [], []
        for slot in self.slots:
            value = leaves[slot.leaf][1] if slot.leaf is not None else slot.tensor
            (tensors if isinstance(value, Tensor) else extra).append(value)
        if extra:
            return self.function_class.apply(*tensors, extra=tuple(extra))
        return self.function_class.apply(*tensors)


def build(compiled, trace, leaves, key, generators, states=None, call_form=None):
    """Lower, print and load the code of one trace; check it against the lowering's own values first.

    ``states``: the generators' states before the eager run, so the lowering
    draws what it drew (default: their states now). ``call_form``: how the
    traced call was written when that differs from ``key`` (see ``_guard``).
    """
    what = compiled.what
    header = [f"# {what}, generated from one trace of:"] + \
        [f"#   {name}: {tracing.describe(leaf)}" for name, leaf in leaves]
    states = engine_api.generator_states(generators) if states is None else states
    attempts = (("templates", True), ("templates", False), ("ops", False))
    for index, (kind, inplace) in enumerate(attempts):
        engine_api.restore_generators(states)  # every attempt draws what the eager run drew
        lowering = Lowering(trace, leaves, what, use_templates=kind == "templates").lower()
        printed = render(lowering, header, inplace=inplace)
        namespace = lowering.namespace
        filename = f"<{what} #{compiled.traces + 1}>"  # tracebacks show the generated lines
        linecache.cache[filename] = (len(printed.source), None, printed.source.splitlines(True), filename)
        exec(builtins.compile(printed.source, filename, "exec"), namespace)  # noqa: S102 - our own code
        engine_api.restore_generators(states)
        problem = _disagreement(namespace, lowering)
        if problem is None:
            break
        if index == len(attempts) - 1:
            raise TraceError(
                f"{what}: the generated code computes something else than the traced function ({problem}), even "
                "calling every op itself: an op gives other values on the same inputs. A Function of yours that "
                "draws random numbers must draw from tg.random.default_rng() or from a Generator passed to it as "
                "an option (rng=...), which tg.compile puts back in its state; otherwise this is a bug in "
                "tinygrad_nn.compile, please report it")
        warnings.warn(f"{what}: the generated code disagreed with the traced values ({problem}); generating it "
                      "again more plainly", CompileWarning, stacklevel=4)
    if not same_values(lowering.output.sample, trace.output.data):
        raise TraceError(
            f"{what}: the function's result differs from what its recorded ops compute on the same values: it "
            "changed a tensor's values outside the recorded ops while it was traced (writing into .data, "
            "h.data[0] = ..., h.data = ..., or into a numpy array a tensor shares), which the compiled code "
            "would not repeat. Use recorded ops (h = h * 2, tg.where, in-place operators on the tensor itself)")
    inner = trace.tracer.compiled  # compiled functions it called: their modules and names count as its own
    named = compiled.named_objects() + [obj for other in inner for obj in (
        [other.module] if other.module is not None else tracing.objects_named_in(other.function).values())]
    modules = watched_modules(compiled.module, trace, leaves, named)
    for target in [compiled] + inner:
        names = WatchedNames(target.module.forward if target.module is not None else target.function)
        if names.entries:  # the closure variables, globals and defaults it reads: compared on every call too
            modules.append(names)
    node_class = _node_class(what, namespace, lowering.slots, printed.gradients, leaves)
    constants = list(lowering.constant_tensors.values())
    held = _held_arrays(lowering, modules, named)
    call = _guard(what, node_class, key, leaves, lowering.slots, modules, constants, held, call_form)
    for slot in lowering.slots:
        slot.value = None  # the lowering's values hold every traced array: keep none of them
    return Program(key, printed.source, node_class, lowering.slots, modules,
                   [tracing.describe(leaf) for _, leaf in leaves], call, constants, held)


def _held_arrays(lowering, modules, named):
    """``[(tensor, array)]``: the constant arrays of the code that are the ``.data`` of a tensor the trace knows.

    Eager mode reads ``tensor.data`` on every call, so a new array assigned to
    it (``c.data = ...``, an SGD step written ``p.data = p.data - lr * g``)
    must make a new trace, not leave the code reading the old one.
    """
    tensors = [slot.tensor for slot in lowering.slots if slot.tensor is not None]  # made before the call first:
    tensors += [obj for obj in named if isinstance(obj, Tensor)]                    # a Tensor(w.data) made while
    tensors += [parameter for watched in modules if isinstance(watched.module, Module)  # tracing holds the array
                for parameter in vars(watched.module).values() if isinstance(parameter, Tensor)]  # but never changes
    tensors += list(lowering.constant_tensors.values())
    by_array = {}
    for tensor in tensors:
        by_array.setdefault(id(engine_api.data_of(tensor)), tensor)
    held, seen = [], set()
    for obj, _ in lowering.sources.constants.values():
        tensor = by_array.get(id(obj))
        if tensor is not None and engine_api.data_of(tensor) is obj and id(obj) not in seen:
            seen.add(id(obj))
            held.append((tensor, obj))
    return held


def _disagreement(namespace, lowering):
    """What the printed code computes differently from the lowering's samples, or None."""
    with np.errstate(all="ignore"):
        out, saved = namespace["forward"](*[slot.value.sample for slot in lowering.slots])
        if not same_values(out, lowering.output.sample):
            return "the output"
        returned = namespace["backward"](np.ones(np.shape(out), dtype=np.asarray(out).dtype), *saved)
    expected = [grad for grad in lowering.gradients if grad is not None]
    for index, (mine, grad) in enumerate(zip(returned or (), expected)):
        if not same_values(mine, grad.sample):
            return f"gradient {index}"
    return None


def _tensor_slots(slots, leaves):
    """Indices of the slots that are node inputs (Tensors); the others are arrays passed as ``extra``."""
    return [i for i, slot in enumerate(slots) if slot.leaf is None or isinstance(leaves[slot.leaf][1], Tensor)]


def _node_class(what, namespace, slots, gradients, leaves):
    """The ``Function`` subclass whose forward and backward call the generated ones."""
    tensors = _tensor_slots(slots, leaves)
    arrays = [i for i in range(len(slots)) if i not in tensors]
    arguments = [f"s{i}" for i in range(len(slots))]
    parameters = ["ctx"] + [arguments[i] for i in tensors] + (["extra=()"] if arrays else [])
    lines = [f"def node_forward({', '.join(parameters)}):"]
    if arrays:
        lines.append(f"    {', '.join(arguments[i] for i in arrays)}, = extra")
    lines += [f"    out, saved = forward({', '.join(arguments)})",
              "    ctx.save_for_backward(*saved)",
              "    return out",
              "",
              "def node_backward(ctx, grad):",
              "    if type(grad) is not ndarray:  # create_graph: the generated backward computes arrays only",
              "        raise NotDifferentiableError(ONCE)",
              "    returned = backward(grad, *ctx.saved_tensors)"]
    results, position = [], 0
    for i in tensors:  # backward returns the gradients that exist; the node has one entry per input
        if gradients[i] is None:
            results.append("None")
        else:
            results.append(f"returned[{position}]")
            position += 1
    lines.append(f"    return ({', '.join(results)}{',' if len(results) == 1 else ''})")
    glue = {"forward": namespace["forward"], "backward": namespace["backward"], "ndarray": np.ndarray,
            "NotDifferentiableError": NotDifferentiableError, "ONCE": (
                f"{what}: a compiled function is differentiable once: its generated backward computes arrays, "
                f"so backward(create_graph=True) or autograd.grad(..., create_graph=True) cannot record it for "
                f"a second derivative. Call the function itself (not compiled) where you need create_graph")}
    exec(builtins.compile("\n".join(lines) + "\n", f"<{what} node>", "exec"), glue)  # noqa: S102
    return type(what, (Function,), {
        "__doc__": f"The compiled region of {what}: one node whose forward and backward are generated code.",
        "__module__": __name__,
        "forward": staticmethod(glue["node_forward"]), "backward": staticmethod(glue["node_backward"])})


def _guard(what, node_class, key, leaves, slots, modules, constants=(), held=(), call_form=None):
    """``call(args, kwargs)``: record the node if the call fits the trace, else return ``MISS`` (generated).

    ``key`` is for the call as the signature binds it; ``call_form``, ``(structure, order)``, is how the call
    was written when that differs (``step(x, y=y)`` binds as ``step(x, y)``): the guard then accepts calls
    written that way, reading bound leaf ``i`` where the written call has leaf ``order[i]``.
    """
    glue = {"Tensor": Tensor, "ndarray": np.ndarray, "MISS": MISS, "Node": node_class}
    names = {}

    def constant(obj):
        if obj is None or type(obj) is bool:
            return repr(obj)
        if id(obj) not in names:
            names[id(obj)] = f"c{len(names)}"
            glue[names[id(obj)]] = obj
        return names[id(obj)]

    structure = key[0] if call_form is None else call_form[0]
    checks, reached = [], []
    _access(structure[1], "args", checks, reached)
    checks[0] = checks[0].replace("type(args) is not tuple or ", "")  # (the nested arguments' checks follow)
    keywords = len(checks)
    _access(structure[2], "kwargs", checks, reached)
    checks[keywords] = checks[keywords].replace("type(kwargs) is not dict or ", "") if structure[2][1:] else "kwargs"
    if call_form is not None:
        reached = [reached[index] for index in call_form[1]]
    lines = ["def call(args, kwargs):", f"    if {' or '.join(f'({c})' for c in checks)}:", "        return MISS"]
    variables = [f"a{i}" for i in range(len(leaves))]
    if reached == [f"args[{i}]" for i in range(len(structure[1]) - 1)]:
        lines.append(f"    {', '.join(variables)}, = args")
    elif reached:
        lines.append(f"    {', '.join(variables)}, = {', '.join(reached)},")
    conditions = [_leaf_check(variable, leaf, constant) for variable, (_, leaf) in zip(variables, leaves)]
    conditions += [_tensor_check(constant(slot.tensor), slot.tensor, constant)  # a module's parameter
                   for slot in slots if slot.tensor is not None]
    conditions += [condition for watched in modules for condition in watched.conditions(constant)]
    conditions += [f"{constant(tensor)}.{engine_api.REQUIRES_GRAD_STORAGE}" for tensor in constants]  # unfrozen
    conditions += [f"{constant(tensor)}.{engine_api.DATA_STORAGE} is not {constant(array)}" for tensor, array in held]
    if conditions:
        lines += [f"    if ({') or ('.join(conditions)}):", "        return MISS"]
    tensors = _tensor_slots(slots, leaves)
    inputs = [variables[slots[i].leaf] if slots[i].leaf is not None else constant(slots[i].tensor) for i in tensors]
    arrays = [variables[slot.leaf] for i, slot in enumerate(slots) if i not in tensors]
    if arrays:
        inputs.append(f"extra=({', '.join(arrays)},)")
    lines.append(f"    return Node.apply({', '.join(inputs)})")
    exec(builtins.compile("\n".join(lines) + "\n", f"<{what} guard>", "exec"), glue)  # noqa: S102
    return glue["call"]


def _leaf_check(variable, leaf, constant):
    """The condition under which ``variable`` does NOT fit the traced leaf (generated code)."""
    if isinstance(leaf, Tensor):
        return f"type({variable}) is not Tensor or {_tensor_check(variable, leaf, constant)}"
    if isinstance(leaf, np.ndarray):
        return (f"type({variable}) is not ndarray or {variable}.shape != {leaf.shape!r} or "
                f"{variable}.dtype is not {constant(leaf.dtype)}")
    if isinstance(leaf, Module) or leaf is None or type(leaf) is bool:
        return f"{variable} is not {constant(leaf)}"
    if isinstance(leaf, (float, np.floating)):  # by its bits: 0.0 and -0.0 differ in the generated code
        return f"type({variable}) is not {constant(type(leaf))} or float({variable}).hex() != {float(leaf).hex()!r}"
    return f"type({variable}) is not {constant(type(leaf))} or {variable} != {constant(leaf)}"


def _tensor_check(variable, tensor, constant):
    """The condition under which the Tensor ``variable`` differs from ``tensor`` in shape, dtype or requires_grad.

    It reads the storage of the array and of the requires_grad flag (``engine_api``):
    these checks run on every call, and a property costs more than the op they guard.
    """
    return (f"(_d := {variable}.{engine_api.DATA_STORAGE}).shape != {tensor.shape!r} or "
            f"_d.dtype is not {constant(tensor.dtype)} or "
            f"{variable}.{engine_api.REQUIRES_GRAD_STORAGE} is not {tensor.requires_grad}")


def _access(structure, expression, checks, reached):
    """Checks of a nested argument's structure, and the expressions reaching its leaves."""
    if structure == "leaf":
        reached.append(expression)
        return
    kind, items = structure[0], structure[1:]
    if kind == "dict":
        checks.append(f"type({expression}) is not dict or tuple({expression}) != {tuple(k for k, _ in items)!r}")
        for key, item in items:
            _access(item, f"{expression}[{key!r}]", checks, reached)
    else:
        checks.append(f"type({expression}) is not {kind} or len({expression}) != {len(items)}")
        for index, item in enumerate(items):
            _access(item, f"{expression}[{index}]", checks, reached)

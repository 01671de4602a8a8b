"""Tracing: run the function once, eagerly, with every argument recorded, and collect the graph.

The arguments are flattened (Tensors, arrays and numbers inside lists, tuples
and dicts) and each floating Tensor is replaced by a stand-in leaf that
requires grad, so that every op touching an input is recorded, even on
inputs that need no gradient. While the function runs, the engine reports to
the ``Tracer`` (``engine.grad_mode.notify_tracer``) what the graph cannot
hold: a value read into Python (an error: the trace would bake in one
branch), comparisons and ``detach`` (tensors made outside any ``Function``,
recomputed by the compiled code), the modules entered (``watching`` keeps
what the trace assumes of them) and ``no_grad()`` (an error).
The names of the function's local variables are collected too, to name the
values of the generated code after them.
"""

import os
import sys

import numpy as np

from ..engine import Tensor, enable_grad, scope
from . import engine_api
from .errors import TraceError

__all__ = ["Tracer", "Trace", "trace", "flatten", "rebuild", "describe", "objects_named_in", "generators_in",
           "tensors_in"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_STATIC = (int, float, bool, str, type(None), np.integer, np.floating, np.bool_)


class Derived:
    """A tensor made outside any ``Function`` while tracing: a comparison or a ``detach``."""

    __slots__ = ("kind", "out", "ufunc", "operands")

    def __init__(self, kind, out, ufunc, operands):
        self.kind, self.out, self.ufunc, self.operands = kind, out, ufunc, operands


class Tracer:
    """Receives the engine's ``notify_tracer`` events while one function is traced."""

    def __init__(self, what):
        self.what = what
        self.modules = []        # every Module entered, in order, once
        self.arguments = {}      # id(stand-in) -> the argument's name (see ``trace``)
        self._seen_modules = set()
        self.derived = []        # Derived records, in the order they were made
        self.by_tensor = {}      # id(derived tensor) -> Derived
        self.by_array = {}       # id(array of a comparison's result) -> Derived (a where condition is its array)
        self.ordered = []        # Derived records and nodes that draw random numbers, in the order they were made
        self.compiled = []       # the compiled functions it called (each ran eagerly, inside this trace)
        self.generators = []     # the Generator each random op drew from, in order
        self.first_states = {}   # id(generator) -> (generator, its state before this run's first draw from it)
        self.reseeded = False    # whether the default generator was replaced (tg.manual_seed) during the run

    def notice(self, event, details):
        """Handle one event of ``grad_mode.notify_tracer``: refuse value reads, remember modules and masks."""
        if event in ("bool()", "item()", "float()", "int()", "index()", "tolist()"):
            (tensor,) = details
            raise TraceError(
                f"{self.what}: the function reads a tensor's value into Python ({event} on a tensor of shape "
                f"{tensor.shape}) while it is traced. A compiled function replays the ops it recorded, so it "
                "cannot follow Python control flow that depends on values (if t > 0:, while loss.item() > x:, "
                "float(t)). Use tg.where / tg.maximum for elementwise choices, pass the decision as a Python "
                "number argument (each value gets its own trace), or keep that part outside tg.compile")
        if event == "no_grad":
            raise TraceError(
                f"{self.what}: the function enters no_grad() (or set_grad_enabled(False)) while it is traced; the values computed inside "
                "would not be recorded and would be baked into the compiled code. Use .detach() on the "
                "tensors that should not get gradients, or keep that part outside tg.compile")
        if event == "enable_grad":
            raise TraceError(
                f"{self.what}: the function enters enable_grad() (or set_grad_enabled) while it is traced; a "
                "compiled function records as its caller does (nothing under no_grad), so a call under no_grad "
                "would not record what eager mode records. Remove it and call the compiled function outside "
                "no_grad, or keep that part outside tg.compile")
        if event == "backward":
            raise TraceError(
                f"{self.what}: the function runs a backward pass (backward() or autograd.grad) while it is "
                "traced. A compiled function records the forward ops only: the backward, and an optimizer "
                "step after it, would happen while tracing and never again. Compile the loss and call "
                "loss.backward() and optimizer.step() outside: loss = step(x, y); loss.backward()")
        if event == "in-place":
            tensor, op, source = details
            if id(source) in self.arguments:
                name = self.arguments[id(source)]
                raise TraceError(
                    f"{self.what}: the function writes its argument {name!r} into a tensor in place ({op}) while "
                    f"it is traced; that write is not recorded, so the compiled code would keep the values of "
                    f"the first call. Build the tensor from {name!r} with recorded ops instead (tg.where, "
                    f"tg.concatenate, tg.stack, masked_fill)")
            if id(tensor) in self.arguments:
                name = self.arguments[id(tensor)]
                raise TraceError(
                    f"{self.what}: the function changes its argument {name!r} in place ({op}) while it is traced. "
                    "A compiled function replays the ops it recorded and never writes into its arguments, so "
                    f"the change would happen on the first call only. Make a new tensor instead ({name} = "
                    f"{name} + 1 rather than {name} += 1), or change the argument before calling")
        if event == "scope":
            (owner,) = details
            if id(owner) not in self._seen_modules and hasattr(owner, "training"):
                self._seen_modules.add(id(owner))
                self.modules.append(owner)
        elif event == "compare":
            out, ufunc, a, b = details
            if type(out.data) is not np.ndarray:  # 0-d operands give a numpy bool, a shared object: make it
                out.data = np.asarray(out.data)   # an array of its own, so the mask can be found by identity
            self._derive(Derived("compare", out, ufunc, (a, b)))
        elif event == "detach":
            out, source = details
            self._derive(Derived("detach", out, None, (source,)))
        elif event == "random":
            (ctx,) = details
            self.ordered.append(ctx)
            generator = ctx.kwargs.get("rng")
            generator = engine_api.default_generator() if generator is None else generator
            self.generators.append(generator)
            self.first_states.setdefault(id(generator), (generator, generator.bit_generator.state))
        elif event == "compiled":
            if all(details[0] is not other for other in self.compiled):
                self.compiled.append(details[0])

    def _derive(self, record):
        self.derived.append(record)
        self.ordered.append(record)
        self.by_tensor[id(record.out)] = record
        if record.kind == "compare":  # a detached tensor shares its source's array: found as a Tensor only
            self.by_array[id(record.out.data)] = record


def describe(value):
    """A short description of an argument for messages: ``Tensor (3, 4) float64 requiring grad``."""
    if isinstance(value, Tensor):
        return f"Tensor {value.shape} {value.dtype}" + (" requiring grad" if value.requires_grad else "")
    if isinstance(value, np.ndarray):
        return f"array {value.shape} {value.dtype}"
    if isinstance(value, _STATIC):
        return f"{type(value).__name__} {value!r}"
    if isinstance(value, (list, tuple, dict)):
        return f"a {type(value).__name__} of {len(value)}"
    return type(value).__name__


def flatten(value, name, leaves, what):
    """Append ``(name, leaf)`` for every Tensor, array, number or module inside ``value``; returns its structure.

    The structure is a hashable description (``"leaf"``, or a list/tuple/dict
    of structures) so two calls with differently nested arguments never share
    a trace.
    """
    from ..nn import Module
    if isinstance(value, (Tensor, np.ndarray, Module)) or isinstance(value, _STATIC):
        leaves.append((name, value))
        return "leaf"
    if isinstance(value, (list, tuple)):
        return (type(value).__name__,) + tuple(flatten(item, f"{name}_{index}", leaves, what)
                                               for index, item in enumerate(value))
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError(f"{what}: argument {name!r} is a dict with keys that are not strings; "
                            "tg.compile accepts dicts of Tensors with string keys")
        return ("dict",) + tuple((key, flatten(item, f"{name}_{key}", leaves, what)) for key, item in value.items())
    raise TypeError(f"{what}: argument {name!r} is a {type(value).__name__}; a compiled function takes Tensors, "
                    "numpy arrays, Python numbers, strings, None, modules, and lists, tuples or dicts of them")


def rebuild(structure, leaves):
    """The inverse of ``flatten``: the nested value with the leaves (an iterator) put back."""
    if structure == "leaf":
        return next(leaves)
    kind = structure[0]
    if kind == "dict":
        return {key: rebuild(item, leaves) for key, item in structure[1:]}
    items = [rebuild(item, leaves) for item in structure[1:]]
    return tuple(items) if kind == "tuple" else items


class Trace:
    """What one eager run recorded: the output, the stand-ins, the derived tensors, the modules, local names."""

    def __init__(self, output, stand_ins, tracer, local_names):
        self.output = output
        self.stand_ins = stand_ins        # leaf index -> the Tensor the function received for it
        self.tracer = tracer
        self.local_names = local_names    # graph node -> the user's variable name for its output
        self.object_names = {}            # id(module or tensor) -> the variable name the function knows it by
        self.marker = None                # in the scope of every node recorded by this run (see ``trace``)


class _LocalNames:
    """A profile function that records the names of tensors in the user's frames as they return.

    Only frames of code outside tinygrad_nn count (the user's function and
    the forwards of the user's modules). Outer frames return last, so their
    names win. It is not installed when another profiler is active.
    """

    def __init__(self):
        self.names = {}

    def __call__(self, frame, event, arg):
        if event != "return" or frame.f_code.co_filename.startswith(_PACKAGE_DIR):
            return
        for name, value in frame.f_locals.items():
            if type(value) is Tensor and value.grad_fn is not None and not name.startswith("_"):
                self.names[value.grad_fn] = name


def trace(fn, structure, leaves, what):
    """Run ``fn`` on stand-ins for ``leaves`` with recording on; returns a ``Trace``.

    A new object, ``Trace.marker``, is pushed on the scope stack, so every
    node recorded during the run has it in ``node.scope`` (and nodes recorded
    before do not).

    Raises ``TypeError`` when the function returns anything but one Tensor,
    ``TraceError`` when that Tensor was not recorded during the run.
    """
    stand_ins = {}
    values = []
    for index, (name, leaf) in enumerate(leaves):
        if isinstance(leaf, Tensor) and leaf.dtype.kind == "f":
            leaf = engine_api.leaf_view(leaf.data, True, leaf.name)
            stand_ins[index] = leaf
        values.append(leaf)
    args, kwargs = rebuild(structure, iter(values))
    tracer = Tracer(what)
    tracer.arguments = {id(stand_in): leaves[index][0] for index, stand_in in stand_ins.items()}
    marker = object()
    state = engine_api.tracer_slot()
    outer = state.tracer  # a compiled function may call another one that traces now
    names = _LocalNames() if sys.getprofile() is None else None
    if names is not None:
        sys.setprofile(names)
    default = engine_api.default_generator()
    try:
        with enable_grad(), scope(marker):
            state.tracer = tracer  # (after entering enable_grad: the function's own enable_grad() is refused)
            output = fn(*args, **kwargs)
    except Exception as error:
        if not isinstance(error, TraceError) and hasattr(error, "add_note"):
            error.add_note(f"(raised by the function while {what} traced it: the first call runs it eagerly)")
        raise
    finally:
        if names is not None:
            sys.setprofile(None)
        state.tracer = outer
        tracer.reseeded = engine_api.default_generator() is not default  # tg.manual_seed inside the function
    if not isinstance(output, Tensor):
        raise TypeError(f"{what}: the function returned {type(output).__name__}; a compiled function must return "
                        "one Tensor (e.g. the loss)")
    if output.grad_fn is None or marker not in output.grad_fn.scope:
        raise TraceError(f"{what}: the function's output is not computed from its arguments by recorded ops (a "
                         "constant, such as tg.zeros(3) or x.detach() + 1, or a tensor made before the call): "
                         "there is nothing to compile; call the function itself")
    result = Trace(output, stand_ins, tracer, names.names if names is not None else {})
    result.marker = marker
    return result


def objects_named_in(fn):
    """``{name: object}`` for the closure variables and globals ``fn``'s code uses (and a bound method's self).

    Used to name parameters after the variables that hold their modules
    (``net_layers_0_weight``) and to find random generators the function uses.
    """
    objects = {}
    self_object = getattr(fn, "__self__", None)
    if self_object is not None and hasattr(self_object, "__dict__"):
        objects.update({name: value for name, value in vars(self_object).items() if not name.startswith("_")})
        objects["self"] = self_object
    function = getattr(fn, "__func__", fn)
    code = getattr(function, "__code__", None)
    if code is None:
        return objects
    for name, cell in zip(code.co_freevars, function.__closure__ or ()):
        try:
            objects[name] = cell.cell_contents
        except ValueError:  # an empty cell
            pass
    module_globals = getattr(function, "__globals__", {})
    for name in code.co_names:
        if name in module_globals:
            objects[name] = module_globals[name]
    return objects


def tensors_in(objects):
    """``[(where, tensor)]``: the Tensors among ``objects`` (``{name: object}``) and held by the modules among them
    (their attributes, and the items of their list and dict attributes), each once; ``where`` names it for
    messages (``"net.0.running_mean (BatchStats)"``; a module named ``""`` is the compiled module itself)."""
    from ..nn import Module
    found, seen = [], set()

    def add(where, value):
        if isinstance(value, Tensor) and id(value) not in seen:
            seen.add(id(value))
            found.append((where, value))

    for name, obj in objects.items():
        add(f"the tensor {name!r}", obj)
        if isinstance(obj, (list, tuple)):
            for index, item in enumerate(obj):
                add(f"{name}[{index}]", item)
        if isinstance(obj, Module):
            for path, module in obj.named_modules():
                prefix = ".".join(part for part in (name, path) if part) or type(module).__name__
                for attribute, value in vars(module).items():
                    for item in value.values() if type(value) is dict else value if type(value) is list else [value]:
                        add(f"{prefix}.{attribute} ({type(module).__name__})", item)
    return found


def generators_in(objects):
    """The numpy Generators among ``objects`` and held by the modules among them (e.g. a Dropout's ``rng``)."""
    from ..nn import Module
    found = []
    for obj in objects:
        candidates = [obj]
        if isinstance(obj, Module):
            candidates = [value for module in obj.modules() for value in vars(module).values()]
        for value in candidates:
            if isinstance(value, np.random.Generator) and all(value is not other for other in found):
                found.append(value)
    return found

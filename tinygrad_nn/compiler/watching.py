"""What a trace assumes about the modules it calls, and the check that it still holds.

A trace replays the ops its modules recorded, so it depends on more than
their parameters' values: on their ``train()`` / ``eval()`` mode, on their
number, string and bool attributes (``Dropout.p``, ``negative_slope``), on
which submodule, parameter or other object each attribute holds, on the
items of their list and dict attributes (a list of layers, the forward
hooks). ``WatchedModule`` keeps all of that as it was when traced; a call on
which any of it differs gets a new trace (or, with ``retrace=False``, a
``TraceError`` naming the module and the attribute). Updating a parameter's
values in place (an optimizer step, ``load_state_dict``) changes none of it.

Tensors made by an op and kept on a module (``self.last = h``, a cache an
eager forward refreshes on every call) are not watched: the compiled code
never reads them.
"""

import types
from operator import is_

import numpy as np

from ..engine import Tensor
from ..nn.module import HOOK_REGISTRIES

__all__ = ["WatchedModule", "WatchedNames", "watched_modules"]

_VALUES = (int, float, bool, str, type(None), np.integer, np.floating, np.bool_)  # compared by value


class WatchedModule:
    """One module as a trace saw it: ``values`` (name, value) by equality, ``objects`` (name, object) by
    identity, ``containers`` (name, list or dict, its items) item by item, and how many attributes it had."""

    def __init__(self, module):
        self.module = module
        self.training = module.training
        state = getattr(module, "__dict__", {})
        self.length = len(state)
        self.values, self.objects, self.containers = [], [], []
        for name, value in state.items():
            if isinstance(value, _VALUES):
                self.values.append((name, value))
            elif isinstance(value, Tensor) and value.grad_fn is not None:
                continue  # an op's output kept on the module: never read by the compiled code
            else:
                self.objects.append((name, value))
                if type(value) in (list, dict):
                    self.containers.append((name, value, tuple(_items(value))))

    def matches(self):
        """Whether the module is as it was when traced (the same test as ``conditions``, in Python)."""
        state = getattr(self.module, "__dict__", {})
        return (self.module.training is self.training and len(state) == self.length
                and all(_same_value(state.get(name, _MISSING), value) for name, value in self.values)
                and all(state.get(name, _MISSING) is value for name, value in self.objects)
                and all(_same_items(container, items) for _, container, items in self.containers))

    def conditions(self, constant):
        """The same test as generated code: conditions each True when the module changed.

        ``constant(obj)`` names an object in the generated code's namespace.
        """
        module = constant(self.module)
        state = getattr(self.module, "__dict__", None)
        conditions = [] if state is not None and "training" in state else [
            f"{module}.training is not {self.training}"]  # a class attribute, as long as train() never ran
        if state is None:
            return conditions
        missing = constant(_MISSING)
        checks = [f"len(_m := {module}.__dict__) != {self.length}"]
        checks += [_value_changed(f"_m.get({name!r}, {missing})", value, constant) for name, value in self.values]
        checks += [f"_m.get({name!r}, {missing}) is not {constant(value)}" for name, value in self.objects]
        checks += [_items_changed(constant(container), container, items, constant)
                   for _, container, items in self.containers]
        return conditions + [" or ".join(checks)]

    def change(self):
        """What differs now, for messages: ``"Dropout.p is 0.2 (traced with 0.5)"``."""
        module, state = type(self.module).__name__, getattr(self.module, "__dict__", {})
        if self.module.training is not self.training:
            return (f"{module} is in {'train' if self.module.training else 'eval'} mode "
                    f"(traced in {'train' if self.training else 'eval'} mode)")
        for name, value in self.values:
            if not _same_value(state.get(name, _MISSING), value):
                now = "deleted" if name not in state else f"{state[name]!r:.40}"
                return f"{module}.{name} is {now} (traced with {value!r:.40})"
        for name, value in self.objects:
            if state.get(name, _MISSING) is not value:
                return f"{module}.{name} holds another object than when traced (a {type(value).__name__})"
        for name, container, items in self.containers:
            if not _same_items(container, items):
                what = HOOK_REGISTRIES.get(name, f"items of {module}.{name}")
                return f"the {what} changed since the trace ({len(items)} then, {len(container)} now)"
        if len(state) != self.length:
            return f"{module} has {len(state)} attributes, {self.length} when traced"
        return None


_MISSING = object()  # stands for an attribute the module no longer has


def _same_value(now, then):
    """Whether an attribute's value ``now`` is the number, string, bool or None ``then`` (type and value)."""
    return type(now) is type(then) and (now is then or now == then)


def _items(container):
    return container.values() if type(container) is dict else container


def _same_items(container, items):
    """Whether the list or dict ``container`` still holds ``items``, each the same object."""
    return len(container) == len(items) and all(map(is_, _items(container), items))


def _value_changed(expression, value, constant):
    """Generated code: True when ``expression`` no longer holds the number, string, bool or None ``value``
    (its type and value, as ``_same_value``); ``constant(obj)`` names an object in the code's namespace."""
    if value is None or type(value) is bool:
        return f"{expression} is not {value}"
    return f"type(_v := {expression}) is not {constant(type(value))} or _v != {constant(value)}"


def _items_changed(expression, container, items, constant):
    """Generated code: True when the list or dict ``expression`` no longer holds ``items`` (``_same_items``,
    by identity in one C loop: a long list stays one condition)."""
    values = ".values()" if type(container) is dict else ""
    return (f"len({expression}) != {len(items)} or "
            f"not all(map({constant(is_)}, {expression}{values}, {constant(items)}))")


def watched_modules(root, trace, leaves, named=()):
    """A ``WatchedModule`` for every module the trace depends on: entered while tracing, and inside them.

    ``named`` are the objects the function names (``objects_named_in``): a
    module among them, or a bound method's module, may be used without being
    called (``net.forward(x)``), and its state still matters.
    """
    from ..nn import Module
    candidates = [root] if root is not None else []
    candidates += trace.tracer.modules + [leaf for _, leaf in leaves if isinstance(leaf, Module)]
    candidates += [obj for obj in named if isinstance(obj, Module)]
    watched, seen = [], set()
    for candidate in candidates:
        for module in candidate.modules():
            if id(module) not in seen:
                seen.add(id(module))
                watched.append(WatchedModule(module))
    return watched


class WatchedNames:
    """The closure variables, globals and default arguments a compiled function reads, as when traced.

    Eager mode reads them afresh on every call; a trace baked in what they
    held. So a number compares by value, a Tensor, array, module or function
    by identity (a new ``W`` assigned in a notebook), and the items of a list
    or dict they hold one by one, by identity (``config["scale"] = 2.0``; an
    equal number assigned again makes a new trace too). Python modules
    and classes are not watched. One level deep: the attributes of other
    objects they hold are not compared.
    """

    module = None  # read by messages that name a module

    def __init__(self, function):
        function = getattr(function, "__func__", function)
        code = getattr(function, "__code__", None)
        self.entries = []  # (what, text reading it ({0}: the holder), holder, read(), value, items)
        if code is None:
            return
        for name, cell in zip(code.co_freevars, function.__closure__ or ()):
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            self._add(f"the closure variable {name!r}", "{0}.cell_contents", cell,
                      lambda cell=cell: cell.cell_contents, value)
        module_globals = getattr(function, "__globals__", {})
        for name in code.co_names:
            if name in module_globals:
                self._add(f"the global {name!r}", f"{{0}}.get({name!r}, {{1}})", module_globals,
                          lambda name=name: module_globals.get(name, _MISSING), module_globals[name])
        for index, value in enumerate(function.__defaults__ or ()):
            self._add(f"default argument {index}", f"{{0}}.__defaults__[{index}]", function,
                      lambda index=index: function.__defaults__[index], value)
        for name, value in (function.__kwdefaults__ or {}).items():
            self._add(f"the default of {name!r}", f"{{0}}.__kwdefaults__[{name!r}]", function,
                      lambda name=name: function.__kwdefaults__[name], value)

    def _add(self, what, text, holder, read, value):
        if isinstance(value, (types.ModuleType, type)):
            return
        items = tuple(_items(value)) if type(value) in (list, dict) else None
        self.entries.append((what, text, holder, read, value, items))

    def _differs(self, now, value, items):
        if isinstance(value, _VALUES):
            return not _same_value(now, value)
        if now is not value:
            return True
        return items is not None and not _same_items(now, items)

    def matches(self):
        """Whether every watched name holds what it held when traced."""
        return self.change() is None

    def change(self):
        """The first name that holds something else, for messages, or None."""
        for what, _, _, read, value, items in self.entries:
            now = read()
            if self._differs(now, value, items):
                if isinstance(value, _VALUES):
                    return f"{what} is {now!r:.40} (traced with {value!r:.40})"
                if now is value:
                    return f"the items of {what} changed since the trace"
                return f"{what} holds another object than when traced (a {type(value).__name__})"
        return None

    def conditions(self, constant):
        """The same test as generated code: one condition per name, True when it changed."""
        conditions = []
        for _, text, holder, _, value, items in self.entries:
            now = text.format(constant(holder), constant(_MISSING))
            if isinstance(value, _VALUES):
                conditions.append(_value_changed(now, value, constant))
                continue
            condition = f"(_v := {now}) is not {constant(value)}"
            if items is not None:
                condition += f" or {_items_changed('_v', value, items, constant)}"
            conditions.append(condition)
        return conditions

"""Where each input of a recorded op comes from, as a Value of the generated code.

An op's input is the output of another recorded op, an argument (found
through the stand-in the function received, or by the identity of its
array), a parameter (a tensor that requires grad and is not an argument: an
input of the compiled node, read on every call), a mask or a detached tensor
(recomputed by a statement, see ``tracing.Derived``), or a constant (an array
the generated code holds; a 0-d float can be written as a number).
"""

import re

import numpy as np

from ..engine import Context, Tensor
from .errors import TraceError
from .values import Literal, Value, literal_for, python_text

__all__ = ["Sources", "Slot"]

_COMPARISONS = {"less": "<", "less_equal": "<=", "greater": ">", "greater_equal": ">=", "equal": "==",
                "not_equal": "!="}


class Slot:
    """One input of the compiled node: a parameter of the generated forward."""

    __slots__ = ("value", "leaf", "tensor", "requires_grad", "value_shape", "value_dtype")

    def __init__(self, value, leaf, tensor, requires_grad):
        self.value = value                  # its Value in the generated code
        self.leaf = leaf                    # index among the call's flattened leaves, or None (a captured parameter)
        self.tensor = tensor                # the captured Tensor (parameters), None for leaves
        self.requires_grad = requires_grad
        self.value_shape, self.value_dtype = value.shape, value.dtype


class Sources:
    """The inputs, parameters, constants and masks of one trace (see the module docstring).

    ``slots`` lists the compiled node's inputs in the order of the generated
    forward's parameters; ``requires`` says which Values (and, once the
    lowering adds them, nodes) need a gradient.
    """

    def __init__(self, trace, leaves, forward, namespace):
        self.trace, self.forward, self.namespace = trace, forward, namespace
        self.node_values = {}              # node -> the Value of its output (filled by the lowering)
        self.requires = {}                 # node or input Value -> needs a gradient
        self.slots = []
        self.by_tensor = {}                # id(tensor) -> (tensor, value, gradient target)
        self.by_array = {}                 # id(array) -> (array, value): inputs found by identity
        self.constants = {}                # id(array or object) -> (object, Value)
        self.derived_values = {}           # id(Derived) -> (value, target)
        self._names_in_namespace = {}      # id(object) -> name
        self._parameter_names = None
        self._arguments = {}               # id(argument Tensor) -> its name: the function sees stand-ins
        self.constant_tensors = {}         # id -> a captured Tensor that needs no gradient (guarded to stay so)
        for index, (name, leaf) in enumerate(leaves):
            self._add_leaf(index, name, leaf)

    def _add_leaf(self, index, name, leaf):
        if isinstance(leaf, Tensor):
            stand_in = self.trace.stand_ins.get(index, leaf)
            value = self._input(name, 0, stand_in.data)
            requires = leaf.requires_grad
            self.by_tensor[id(stand_in)] = (stand_in, value, value if requires else None)
            if stand_in is not leaf:
                self._arguments[id(leaf)] = name
            self.by_array[id(stand_in.data)] = (stand_in.data, value)
        elif isinstance(leaf, np.ndarray):
            value = self._input(name, 0, leaf)
            requires = False
            self.by_array[id(leaf)] = (leaf, value)
        else:
            return  # numbers, strings, modules: baked into the trace, part of its key
        self.requires[value] = requires
        self.slots.append(Slot(value, index, None, requires))

    def _input(self, name, rank, sample):
        value = Value(name, rank, "input", sample)
        value.home = self.forward
        return value

    def _parameter(self, tensor):
        """A Tensor that requires grad and is not an argument (a module's parameter): an input of the node."""
        value = self._input(self._parameter_name(tensor), 0, tensor.data)
        self.by_tensor[id(tensor)] = (tensor, value, value)
        self.requires[value] = True
        self.slots.append(Slot(value, None, tensor, True))
        return value

    def _parameter_name(self, tensor):
        """``layers_0_weight``: the dotted name in the outermost module that holds it (prefixed by the
        module's variable name when the function uses a module it did not get as ``tg.compile(module)``)."""
        if self._parameter_names is None:
            self._parameter_names = {}
            for owner in self.trace.tracer.modules:  # outermost first: they were entered first
                prefix = self.trace.object_names.get(id(owner), "")
                for name, parameter in owner.named_parameters():
                    self._parameter_names.setdefault(id(parameter), f"{prefix}.{name}" if prefix else name)
        name = self._parameter_names.get(id(tensor))
        if name and name[0].isdigit():  # a Sequential's child: layer0_weight (and dlayer0_weight), as layer0_affine
            name = "layer" + name
        return name or tensor.name or self.trace.object_names.get(id(tensor)) or "parameter"

    def constant(self, obj, hint):
        """A Value the program holds: an array (or generator) fixed when it was traced."""
        entry = self.constants.get(id(obj))
        if entry is not None and entry[0] is obj:
            return entry[1]
        key = id(obj)
        if isinstance(obj, np.ndarray) and obj.dtype.kind in "iu" and obj.ndim == 1 and obj.size \
                and np.array_equal(obj, np.arange(obj.size)):
            hint, key = f"arange_{obj.size}", ("arange", obj.size, obj.dtype)  # np.arange(n) made twice: one
            entry = self.constants.get(key)
            if entry is not None:
                return entry[1]
        hint = self.trace.object_names.get(id(obj), hint)  # an array the function's code names (a closure's)
        value = Value(hint, 2, "constant", obj)
        self.constants[id(obj)] = self.constants[key] = (obj, value)
        return value

    def namespace_name(self, obj, hint):
        """The generated code's global name for ``obj`` (an op class, a dtype, an option)."""
        name = self._names_in_namespace.get(id(obj))
        if name is None:
            hint = re.sub(r"\W+", "_", hint).strip("_") or "value"
            hint = hint if not hint[0].isdigit() else "v" + hint
            name, count = hint, 1
            while name in self.namespace:
                count += 1
                name = f"{hint}_{count}"
            self.namespace[name] = obj
            self._names_in_namespace[id(obj)] = name
        return name

    def resolve(self, source):
        """``(value, gradient target)`` for one input of a node: a node, a leaf, a constant, a derived tensor."""
        if type(source) is Context:
            return self.node_values[source], source
        entry = self.by_tensor.get(id(source))
        if entry is not None and entry[0] is source:
            return entry[1], entry[2]
        record = self.trace.tracer.by_tensor.get(id(source))
        if record is not None and record.out is source:
            return self._derived(record)
        if id(source) in self._arguments:  # the argument object itself: reached through a closure or a global
            raise TraceError(
                f"{self.trace.tracer.what}: argument {self._arguments[id(source)]!r} is also used through a variable the "
                f"function reads (a closure or a global), not only as the argument; the compiled code could not "
                f"tell the two apart on later calls (nor give that use its gradient). Use the argument only")
        entry = self.by_array.get(id(source.data))
        if entry is not None and entry[0] is source.data:
            return entry[1], None  # an input, seen through a new Tensor (Tensor(x), x.detach()): no gradient
        if source.requires_grad:
            value = self._parameter(source)
            return value, value
        self.constant_tensors[id(source)] = source
        return self.constant(source.data, "constant"), None

    def resolve_option(self, option):
        """An op's option with every array in it replaced by its Value (inputs, derived masks, constants)."""
        if isinstance(option, np.ndarray):
            record = self.trace.tracer.by_array.get(id(option))
            if record is not None and record.out.data is option:
                return self._derived(record)[0]
            entry = self.by_array.get(id(option))
            if entry is not None and entry[0] is option:
                return entry[1]
            return self.constant(option, "constant")
        if isinstance(option, Tensor):
            return self.resolve(option.grad_fn or option)[0]
        if isinstance(option, tuple):
            return tuple(self.resolve_option(item) for item in option)
        if isinstance(option, list):
            return [self.resolve_option(item) for item in option]
        return option

    def _derived(self, record):
        entry = self.derived_values.get(id(record))
        if entry is not None:
            return entry
        if record.kind == "detach":
            (source,) = record.operands
            entry = (self.resolve(source.grad_fn or source)[0], None)
        else:
            a, b = record.operands
            left = self.resolve(a.grad_fn or a)[0]
            right = self._compared_with(b)
            symbol = _COMPARISONS.get(record.ufunc.__name__)
            text = f"{{0}} {symbol} {{1}}" if symbol else f"np.{record.ufunc.__name__}({{0}}, {{1}})"
            entry = (self.forward.emit(text, left, right, hint="mask", rank=3), None)
        self.derived_values[id(record)] = entry
        return entry

    def _compared_with(self, other):
        if isinstance(other, Tensor):
            return self.resolve(other.grad_fn or other)[0]
        if isinstance(other, np.ndarray):
            return self.resolve_option(other)
        text = python_text(other) if type(other) in (int, float, bool) else None
        if text is not None:
            return Literal(text, other)
        return self.constant(np.asarray(other), "constant")

    def literal(self, operand, others):
        """``operand`` as a number in the text when numpy cannot tell the difference, else itself."""
        if not isinstance(operand, Value) or operand.kind != "constant":
            return operand
        if isinstance(operand.sample, np.ndarray) and operand.sample.flags.writeable:
            return operand  # a captured tensor's array, which may be changed in place: read it on every call
        dtypes = [other.dtype for other in others if other is not operand]
        if not dtypes or not all(dtype.kind == "f" for dtype in dtypes):
            return literal_for(operand.sample, weak_ok=False) or operand
        weak = np.result_type(*dtypes, operand.sample) == np.result_type(*dtypes)
        return literal_for(operand.sample, weak_ok=weak) or operand

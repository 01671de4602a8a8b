"""What the fuzz test calls (tests/test_reliability_fuzz.py): every public function and method of the package,
found from ``__all__`` and ``dir(Tensor)`` so that a new op is fuzzed the day it is added, and the garbage and
plausible arguments it is called with.

A target is ``(label, make_callable, names)``: ``make_callable(draw)`` returns the function to call (a bound
method of a drawn tensor, a module's ``__call__`` ...), and ``names`` are the words one of which an error
message must contain (the function's name and the op names it is known by).
"""

import functools
import inspect
import math
import operator

import numpy as np
from hypothesis import strategies as st

import tinygrad_nn as tg
from fuzz_targets_calls import call_targets
from tinygrad_nn import autograd, data, functional as F, interop, nn, optim, viz
from tinygrad_nn.nn import init

# ----------------------------------------------------------------------------------------- values
# Every value is made afresh for each example (a callable in the list), so an in-place method changing a
# tensor in one example never leaks into the next.


def _parameter(shape=(2, 3), dtype=np.float64):
    return tg.Tensor(np.linspace(-1.0, 1.0, math.prod(shape)).reshape(shape).astype(dtype), requires_grad=True)


def _non_leaf():
    return _parameter() * 2.0


TENSORS = [
    lambda: tg.Tensor(np.arange(6.0).reshape(2, 3) - 2.5),
    lambda: _parameter(),
    lambda: _parameter((3,), np.float32),
    lambda: _parameter(()),
    lambda: _non_leaf(),
    lambda: tg.Tensor(np.zeros((0, 3))),
    lambda: tg.Tensor(np.array([np.nan, np.inf, -np.inf])),
    lambda: tg.Tensor(np.arange(3), dtype=np.int64),
    lambda: tg.Tensor(np.array([True, False])),
]

GARBAGE = [
    lambda: None, lambda: True, lambda: 0, lambda: -1, lambda: 2, lambda: -3,
    lambda: 10 ** 400, lambda: -10 ** 400, lambda: 2 ** 63, lambda: 2 ** 40,
    lambda: 1.5, lambda: float("nan"), lambda: float("inf"), lambda: -float("inf"), lambda: 1e308,
    lambda: 1j, lambda: "", lambda: "abc", lambda: "0", lambda: b"ab",
    lambda: [], lambda: [1.0, 2.0], lambda: [[1.0], [1.0, 2.0]], lambda: [None, None], lambda: [[[[1.0]]]],
    lambda: (), lambda: (0, 1), lambda: (-5,), lambda: (1.0,), lambda: (2 ** 40, 2 ** 40), lambda: (2, -3),
    lambda: {}, lambda: {"a": 1}, lambda: object(), lambda: slice(None), lambda: Ellipsis,
    lambda: np.array(["a", "b"]), lambda: np.array([1 + 2j]), lambda: np.array(np.nan), lambda: np.ones((2, 3)),
    lambda: np.zeros((0,)), lambda: np.ones((3, 2), np.float32), lambda: np.arange(3), lambda: np.array([True]),
    lambda: np.array([None, 1.0], dtype=object), lambda: np.float64(2.0), lambda: np.int64(3), lambda: np.ones(7),
    lambda: (lambda *args: args[0] if args else None), lambda: (lambda x: "abc"),
    lambda: nn.Linear(3, 2, rng=0),
] + TENSORS

garbage = st.sampled_from(GARBAGE).map(lambda make: make())
tensors = st.sampled_from(TENSORS).map(lambda make: make())


def _tanh_sum(*xs):
    """A well-behaved user function: it never fails itself, whatever it is given."""
    return xs[0].tanh().sum() if xs and isinstance(xs[0], tg.Tensor) and xs[0].dtype.kind == "f" else tg.Tensor(0.0)


def _plausible(name, parameter):
    """A value that fits ``parameter`` (so that garbage in the others reaches deeper checks), or None."""
    known = PLAUSIBLE.get(name)
    if known is not None:
        return known
    if parameter.default is not inspect.Parameter.empty:
        return st.just(parameter.default)
    return tensors


PLAUSIBLE = {
    "params": st.builds(lambda: [_parameter()]),
    "parameters": st.builds(lambda: [_parameter()]),
    "lr": st.just(0.1),
    "fn": st.just(lambda *xs: _tanh_sum(*xs)),
    "func": st.just(lambda *xs: _tanh_sum(*xs)),
    "inputs": st.builds(lambda: (_parameter((3,)),)),
    "outputs": st.builds(lambda: _parameter((3,)).tanh().sum()),
    "in_features": st.just(3), "out_features": st.just(2), "sizes": st.just([3, 4, 2]),
    "path": st.just("fuzzed.npz"), "file": st.just("fuzzed.npz"),
    "labels": st.builds(lambda: np.array([0, 1])), "targets": st.builds(lambda: np.array([1.0, -1.0, 1.0])),
    "axis": st.sampled_from([None, 0, -1]), "dim": st.sampled_from([None, 0, -1]),
    "tensors": st.builds(lambda: [_parameter(), _parameter()]),
    "module": st.builds(lambda: nn.MLP([3, 4, 2], rng=0)),
    "model": st.builds(lambda: nn.MLP([3, 4, 2], rng=0)),
    "tensor": tensors,
    "graph": st.builds(lambda: viz.draw_graph(_parameter().tanh().sum())),
    "target": st.just(lambda *xs: _tanh_sum(*xs)),
}


@st.composite
def arguments(draw, function):
    """``(args, kwargs)`` for ``function``: each parameter left out (if it has a default), plausible or garbage."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return (draw(garbage),), {}
    args, kwargs = [], {}
    positional = True
    for name, parameter in signature.parameters.items():
        if parameter.kind is parameter.VAR_POSITIONAL:
            args.extend(draw(st.lists(st.one_of(garbage, st.integers(-3, 3)), max_size=3)))
            continue
        if parameter.kind is parameter.VAR_KEYWORD:
            continue
        choice = draw(st.sampled_from(["omit", "plausible", "garbage"]
                                      if parameter.default is not inspect.Parameter.empty
                                      else ["plausible", "garbage"]))
        if choice == "omit":
            positional = False
            continue
        value = draw(_plausible(name, parameter) if choice == "plausible" else garbage)
        if positional and parameter.kind is not parameter.KEYWORD_ONLY:
            args.append(value)
        else:
            kwargs[name] = value
    return tuple(args), kwargs


# ----------------------------------------------------------------------------------------- targets
def _is_public_function(value):
    return callable(value) and not isinstance(value, type(np)) and not (
        isinstance(value, type) and issubclass(value, BaseException))


BINARY_OPERATORS = {  # the operators of Tensor, by dunder name: (operator, the op names a message may use)
    "__add__": ("add", "+"), "__radd__": ("add", "+"), "__sub__": ("sub", "-"), "__rsub__": ("sub", "-"),
    "__mul__": ("mul", "*"), "__rmul__": ("mul", "*"), "__truediv__": ("div", "/"), "__rtruediv__": ("div", "/"),
    "__pow__": ("pow", "**"), "__rpow__": ("pow", "**"), "__matmul__": ("matmul", "@"),
    "__rmatmul__": ("matmul", "@"), "__eq__": ("==", "compar"), "__ne__": ("!=", "compar"),
    "__lt__": ("<", "compar"), "__le__": ("<=", "compar"), "__gt__": (">", "compar"), "__ge__": (">=", "compar"),
    "__and__": ("&", "and"), "__or__": ("|", "or"), "__xor__": ("^", "xor"),
    "__iadd__": ("+=", "add"), "__isub__": ("-=", "sub"), "__imul__": ("*=", "mul"), "__itruediv__": ("/=", "div"),
    "__getitem__": ("index", "getitem"),
}
UNARY_OPERATORS = {
    "__neg__": ("neg", "-"), "__pos__": ("pos", "+"), "__abs__": ("abs",), "__invert__": ("~", "invert"),
    "__float__": ("float",), "__int__": ("int",), "__index__": ("index",), "__bool__": ("bool",),
    "__len__": ("len",), "__iter__": ("iter", "len"),
}


def tensor_targets():
    """Every public method of Tensor, the operators, and assignments to its settable properties."""
    targets = []
    for name in sorted(dir(tg.Tensor)):
        attribute = inspect.getattr_static(tg.Tensor, name)
        if name.startswith("_"):
            names = BINARY_OPERATORS.get(name) or UNARY_OPERATORS.get(name)
            if names is None:
                continue
            targets.append((f"Tensor.{name}", _method_of(name), names))
        elif isinstance(attribute, property):
            if attribute.fset is not None:
                targets.append((f"Tensor.{name} =", _setter_of(name), (name,)))
        elif inspect.isfunction(attribute) or isinstance(attribute, (staticmethod, classmethod)):
            targets.append((f"Tensor.{name}", _method_of(name), (name,)))
    return targets


def _method_of(name):
    def make(draw):
        return getattr(draw(tensors), name)
    return make


def _setter_of(name):
    def make(draw):
        receiver = draw(tensors)
        return lambda value: setattr(receiver, name, value)
    return make


def module_functions(prefix, module, names):
    """``(label, make, names)`` for every public function of ``module`` listed in ``names``."""
    targets = []
    for name in names:
        value = getattr(module, name)
        if _is_public_function(value) and not (isinstance(value, type) and issubclass(value, nn.Module)):
            targets.append((f"{prefix}.{name}", _constant(value), (name,)))
    return targets


def _constant(value):
    return lambda draw: value


def module_class_targets():
    """Each ``nn`` module: its constructor, a call of a working instance, and its public methods."""
    targets = []
    for name in nn.__all__:
        cls = getattr(nn, name)
        if not (isinstance(cls, type) and issubclass(cls, nn.Module)) or cls is nn.Module:
            continue
        targets.append((f"nn.{name}", _constant(cls), (name,)))
        instance = WORKING_MODULES.get(name, cls)
        targets.append((f"nn.{name}()(x)", _constant_factory(instance), (name,)))
    module_methods = {name for cls in nn.Module.__mro__ if cls is not object for name in vars(cls)}  # mixins too
    for method in sorted(module_methods):
        if not method.startswith("_") and callable(getattr(nn.Module, method)):
            targets.append((f"Module.{method}", _bound(lambda: nn.MLP([3, 4, 2], rng=0), method), (method,)))
    return targets


WORKING_MODULES = {
    "Linear": lambda: nn.Linear(3, 2, rng=0), "Maxout": lambda: nn.Maxout(3, 2, rng=0),
    "MLP": lambda: nn.MLP([3, 4, 2], rng=0), "Sequential": lambda: nn.Sequential(nn.Linear(3, 2, rng=0)),
    "Dropout": lambda: nn.Dropout(0.5), "Unflatten": lambda: nn.Unflatten(1, (2, 2)),
    "LayerNorm": lambda: nn.LayerNorm(3),
}


def _constant_factory(make):
    def build(draw):
        instance = make()
        call = functools.wraps(instance.forward)(lambda *args, **kwargs: instance(*args, **kwargs))
        return call
    return build


def _bound(make, method):
    return lambda draw: getattr(make(), method)


def optimizer_targets():
    """Each optimizer: its constructor, and the methods of a working instance."""
    targets = []
    for name in optim.__all__:
        cls = getattr(optim, name)
        if cls is optim.Optimizer or not isinstance(cls, type):  # (lr_scheduler is a module: scheduler_targets)
            continue
        targets.append((f"optim.{name}", _constant(cls), (name,)))
        for method in sorted(dir(cls)):
            if not method.startswith("_") and callable(getattr(cls, method)):
                targets.append((f"{name}.{method}", _optimizer_method(cls, method), (name, method)))
    return targets


WORKING_SCHEDULERS = {"LambdaLR": dict(lr_lambda=lambda epoch: 0.9), "MultiplicativeLR": dict(lr_lambda=lambda e: 0.9),
                      "StepLR": dict(step_size=2), "MultiStepLR": dict(milestones=[1, 3]),
                      "ExponentialLR": dict(gamma=0.9), "CosineAnnealingLR": dict(T_max=3)}


def scheduler_targets():
    """Each learning-rate scheduler: its constructor, and the methods of a working instance."""
    targets = []
    for name in optim.lr_scheduler.__all__:
        cls = getattr(optim.lr_scheduler, name)
        if cls is optim.lr_scheduler.LRScheduler:
            continue
        targets.append((f"lr_scheduler.{name}", _constant(cls), (name,)))
        for method in sorted(dir(cls)):
            if not method.startswith("_") and callable(getattr(cls, method)):
                targets.append((f"{name}.{method}", _scheduler_method(cls, WORKING_SCHEDULERS.get(name, {}), method),
                                (name, method)))
    return targets


def _scheduler_method(cls, options, method):
    def make(draw):
        return getattr(cls(optim.SGD([_parameter()], lr=0.1), **options), method)
    return make


def _optimizer_method(cls, method):
    def make(draw):
        parameter = _parameter()
        (parameter * parameter).sum().backward()
        return getattr(cls([parameter], lr=0.1), method)
    return make


def all_targets():
    """Everything the fuzz test calls."""
    package = [name for name in tg.__all__ if name not in ("Tensor", "Function", "Context")]
    return (tensor_targets()
            + [("Tensor", _constant(tg.Tensor), ("Tensor",)),
               ("Function.apply", _constant(tg.Function.apply), ("Function", "forward"))]
            + module_functions("tg", tg, package)
            + module_functions("F", F, F.__all__)
            + module_functions("nn", nn, nn.__all__)
            + module_functions("nn.init", init, init.__all__)
            + module_functions("autograd", autograd, autograd.__all__)
            # viz.Drawing's constructor is graphviz.Digraph's own (not the library's): its methods are fuzzed
            # through the drawings that draw_* return, not its garbage-argument constructor
            + module_functions("viz", viz, [name for name in viz.__all__ if name != "Drawing"])
            + module_functions("data", data, data.__all__)
            + [(label, make, names + ("interop",))
               for label, make, names in module_functions("interop", interop, interop.__all__)]
            + module_class_targets()
            + optimizer_targets()
            + scheduler_targets()
            + reflected_targets()
            + call_targets())


def reflected_targets():
    """``value <op> tensor`` through Python's operators, so that a numpy array or a list on the left is tried."""
    targets = []
    for name, names in BINARY_OPERATORS.items():
        function = getattr(operator, name.strip("_"), None)
        if function is not None and not name.startswith(("__r", "__i", "__getitem__")):
            symbol = next((name for name in names if not name.isalpha()), names[0])
            targets.append((f"x {symbol} Tensor", _left_operand(function), names))
    return targets


def _left_operand(function):
    def make(draw):
        right = draw(tensors)
        return lambda left: function(left, right)
    return make

"""``Module``: the base class of layers and networks.

A module finds its parameters and children by walking its own instance
attributes (``vars(self)``) in insertion order; there is no ``__setattr__``
magic, so what you assign is what you get:

* a leaf ``Tensor`` with ``requires_grad=True`` is a parameter (a tensor
  made by an op, such as an activation kept as ``self.last = h``, is not), and stays one
  when it is frozen later (``requires_grad = False``), as in PyTorch: it is
  still listed and saved, and optimizers skip it, since it gets no gradient;
* a ``Module`` is a child;
* a list or tuple gives one entry per item, named ``attr.0``, ``attr.1``, ...
  (Modules become children, parameter Tensors parameters); a dict does
  the same with ``attr.key``, and its keys must be strings (a parameter or
  module under any other key is a ``TypeError``, as in
  ``torch.nn.ParameterDict``);
* anything else (numbers, arrays, tensors that never required grad, hooks) is ignored.

One walker (``Module._walk``) feeds ``named_modules``, ``named_parameters``
and ``state_dict``. It visits modules depth first in attribute order and
lists each module's own parameters before its children's (PyTorch's order).
A module or parameter reachable twice (shared) is listed once, under the
first name the walk finds.

>>> import tinygrad_nn as tg
>>> net = tg.nn.MLP([3, 4, 2])
>>> [name for name, _ in net.named_parameters()]
['layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias']
>>> net.num_parameters()
26
"""

import itertools
from collections.abc import Mapping
from html import escape

import numpy as np

from ..engine import Tensor, no_grad, scope
from ..engine.graph import tensor_namers
from ..engine.methods.arguments import flag_argument
from ..state_values import StateDictError, cast_like, numeric_array
from .module_conversions import ConversionMethods

__all__ = ["Module", "HookHandle", "StateDictError", "LoadResult", "scope_path"]


class LoadResult(tuple):
    """What ``load_state_dict(strict=False)`` skipped: ``(missing_keys, unexpected_keys)``."""

    def __new__(cls, missing_keys, unexpected_keys):
        return super().__new__(cls, (missing_keys, unexpected_keys))

    @property
    def missing_keys(self):
        """Parameter names of the module that the state dict lacked."""
        return self[0]

    @property
    def unexpected_keys(self):
        """Names in the state dict that the module has no parameter for."""
        return self[1]


class HookHandle:
    """Returned by ``register_forward_hook``; ``.remove()`` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, hooks):
        self._hooks = hooks
        self.id = next(HookHandle._ids)

    def remove(self):
        """Unregister the hook (removing twice is harmless)."""
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()
        return False


def _is_parameter(value):
    """A leaf Tensor that requires grad, or did and was frozen since (an op's output, say a kept activation, is none)."""
    return isinstance(value, Tensor) and value.grad_fn is None and (
        value.requires_grad or getattr(value, "_was_trainable", False))


def _direct_members(module):
    """``(name, value)`` for each parameter and child held directly by ``module``, in attribute order."""
    for name, value in vars(module).items():
        if name == "_forward_hooks":  # the hooks registry (int keys); a hook that is a Module is no child
            continue
        if isinstance(value, Module) or _is_parameter(value):
            yield name, value
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                if isinstance(item, Module) or _is_parameter(item):
                    yield f"{name}.{index}", item
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, Module) or _is_parameter(item):
                    if not isinstance(key, str):
                        kind = "module" if isinstance(item, Module) else "parameter"
                        raise TypeError(f"{type(module).__name__}: the dict attribute {name!r} holds a {kind} "
                                        f"under the key {key!r:.40} ({type(key).__name__}); parameters and "
                                        "modules in a dict need string keys (they are named "
                                        f"'{name}.<key>', as in torch.nn.ParameterDict / ModuleDict), "
                                        f"e.g. {str(key)!r:.40}")
                    yield f"{name}.{key}", item


def zero_grads(tensors, set_to_none, caller):
    """Clear ``.grad`` of each tensor, as PyTorch's ``zero_grad(set_to_none)``; shared by modules and optimizers.

    ``set_to_none=True`` sets it to None. ``False`` zeroes an array gradient
    in place (``g = p.grad`` stays ``p.grad``, now all zeros) and replaces a
    Tensor gradient by a zero array of the tensor's shape and dtype; a tensor
    without a gradient keeps None. ``set_to_none`` must be True or False
    (checked first, ``caller`` names it in the error).
    """
    set_to_none = flag_argument(set_to_none, "set_to_none", caller)
    for tensor in tensors:
        if set_to_none:
            tensor.grad = None
            continue
        grad = tensor.grad
        if grad is None:
            continue
        if (isinstance(grad, np.ndarray) and grad.flags.writeable and grad.shape == tensor.shape
              and grad.dtype == tensor.dtype):
            grad[...] = 0
        else:
            tensor.grad = np.zeros(tensor.shape, dtype=tensor.dtype)


def _join(prefix, name):
    return f"{prefix}.{name}" if prefix else name


class Module(ConversionMethods):
    """Base class of every layer and network: subclass it and write ``forward``.

    Assign parameters (Tensors with ``requires_grad=True``) and sub-modules as
    plain attributes in ``__init__``; calling ``super().__init__()`` is
    optional. Call the module (``module(x)``), not ``forward``: the call
    pushes the module on the engine's scope stack, so every recorded node
    knows which module made it, and runs the forward hooks.

    >>> import tinygrad_nn as tg
    >>> class Affine(tg.nn.Module):
    ...     def __init__(self):
    ...         self.scale = tg.Tensor(2.0, requires_grad=True)
    ...     def forward(self, x):
    ...         return x * self.scale
    >>> Affine()(tg.Tensor([1.0, 2.0])).data
    array([2., 4.])
    """

    training = True  # class default, so subclasses need not call super().__init__()

    def __init__(self):
        self.training = True

    # -------------------------------------------------------------- calling
    def forward(self, *args, **kwargs):
        """The computation; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(...)")

    def __call__(self, *args, **kwargs):
        with scope(self):
            output = self.forward(*args, **kwargs)
        hooks = self.__dict__.get("_forward_hooks")
        if hooks:
            for hook in list(hooks.values()):
                result = hook(self, args, output)
                if result is not None:
                    output = result
        return output

    def register_forward_hook(self, hook):
        """Call ``hook(module, inputs, output)`` after every forward; returns a handle with ``.remove()``.

        ``inputs`` is the tuple of positional arguments. A hook that returns
        something other than None replaces the output.
        """
        if not callable(hook):
            raise TypeError(f"register_forward_hook: the hook must be callable, got {type(hook).__name__}")
        hooks = self.__dict__.setdefault("_forward_hooks", {})
        handle = HookHandle(hooks)
        hooks[handle.id] = hook
        return handle

    # ---------------------------------------------------------- the walker
    def _walk(self):
        """Yield ``(path, module, own_parameters)`` for each module once, depth first, in attribute order.

        ``own_parameters`` lists ``(local_name, tensor)`` for the parameters
        first reached through this module. Iterative (explicit stack).
        """
        seen_modules, seen_parameters = set(), set()
        stack = [("", self)]
        while stack:
            path, module = stack.pop()
            if id(module) in seen_modules:
                continue
            seen_modules.add(id(module))
            own, children = [], []
            for name, value in _direct_members(module):
                if isinstance(value, Module):
                    children.append((_join(path, name), value))
                elif id(value) not in seen_parameters:
                    seen_parameters.add(id(value))
                    own.append((name, value))
            yield path, module, own
            stack.extend(reversed(children))

    def named_parameters(self):
        """List of ``(dotted_name, tensor)`` for every parameter, each listed once."""
        return [(_join(path, name), tensor) for path, _, own in self._walk() for name, tensor in own]

    def parameters(self):
        """List of every parameter tensor, each once (pass it to an optimizer)."""
        return [tensor for _, tensor in self.named_parameters()]

    def named_modules(self):
        """List of ``(dotted_path, module)`` for this module (path ``""``) and every descendant, each once."""
        return [(path, module) for path, module, _ in self._walk()]

    def modules(self):
        """List of this module and every descendant, each once."""
        return [module for _, module in self.named_modules()]

    def named_children(self):
        """List of ``(name, module)`` for the direct children, each once."""
        seen, result = set(), []
        for name, value in _direct_members(self):
            if isinstance(value, Module) and value is not self and id(value) not in seen:
                seen.add(id(value))
                result.append((name, value))
        return result

    def children(self):
        """List of the direct child modules."""
        return [module for _, module in self.named_children()]

    def apply(self, fn):
        """Call ``fn(module)`` on every module of the tree (children first, this module last); returns self.

        Handy for custom initialization: ``net.apply(lambda m: isinstance(m, nn.Linear)
        and nn.init.xavier_normal_(m.weight))``.
        """
        if not callable(fn):
            raise TypeError(f"apply: fn must be a function of a module, got {type(fn).__name__}")
        order, stack, seen = [], [self], set()
        while stack:  # preorder with children reversed; read backwards it is postorder, children in order
            module = stack.pop()
            if id(module) not in seen:
                seen.add(id(module))
                order.append(module)
                stack.extend(module.children())
        for module in reversed(order):
            fn(module)
        return self

    def num_parameters(self):
        """Total number of scalar parameters (shared ones counted once)."""
        return int(sum(tensor.size for tensor in self.parameters()))

    # ------------------------------------------------------------ training
    def train(self, mode=True):
        """Put this module and all descendants in training mode (``mode=False``: eval); returns self."""
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"train: mode must be True or False, got {mode!r:.60} ({type(mode).__name__})")
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self):
        """Evaluation mode (Dropout becomes the identity); returns self."""
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Clear ``.grad`` of every parameter: to None, or with ``set_to_none=False`` to zeros, as in PyTorch.

        Zeros are written into the existing gradient array in place; a Tensor
        gradient (left by ``backward(create_graph=True)``) becomes a zero array.
        """
        zero_grads(self.parameters(), set_to_none, f"{type(self).__name__}.zero_grad")

    # --------------------------------------------------------- state dicts
    def state_dict(self):
        """A dict ``{dotted_name: numpy array copy}`` of every parameter, in walk order."""
        return {name: tensor.data.copy() for name, tensor in self.named_parameters()}

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays (or Tensors) from ``state_dict`` into the parameters, in place; all or nothing.

        Every value is checked and cast to its parameter's dtype first: it
        must hold real numbers of exactly the parameter's shape, fit in its
        dtype (no finite value may become infinite), and the parameter must be
        writeable. With ``strict=True`` missing and unexpected keys are errors
        too. Any problem raises one ``StateDictError`` naming every offending
        key, and leaves every parameter as it was. Otherwise the values are
        copied with ``Tensor.copy_`` (under ``no_grad``, so versions count the
        change). With ``strict=False`` returns ``LoadResult(missing_keys,
        unexpected_keys)``.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a dict of arrays, got {type(state_dict).__name__}")
        strict = flag_argument(strict, "strict", "load_state_dict")
        parameters = dict(self.named_parameters())
        missing = [name for name in parameters if name not in state_dict]
        unexpected = [key for key in state_dict if key not in parameters]
        values, invalid = {}, []
        for name, tensor in parameters.items():
            if name not in state_dict:
                continue
            try:
                values[name] = cast_like(numeric_array(state_dict[name]), tensor.dtype, tensor.shape)
            except ValueError as error:
                invalid.append(f"{name}: {error}")
                continue
            if not tensor.data.flags.writeable:
                invalid.append(f"{name}: the parameter is read-only (its data array is not writeable); "
                               "give it a writeable copy first (tensor.data = tensor.data.copy())")
        problems = []
        if invalid:
            problems.append("; ".join(invalid))
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(map(str, unexpected)))
        if problems:
            raise StateDictError(f"load_state_dict into {type(self).__name__} failed, no parameter was "
                                 "changed: " + " | ".join(problems))
        with no_grad():
            for name, value in values.items():
                parameters[name].copy_(value)
        return LoadResult(missing, unexpected)

    # ------------------------------------------------------------- display
    def extra_repr(self):
        """The text inside this module's parentheses in ``repr`` (e.g. ``in_features=3, ...``)."""
        return ""

    def __repr__(self):
        lines = []
        for name, child in self.named_children():
            child_text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_text}")
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        if extra:
            lines.insert(0, "  " + extra.replace("\n", "\n  "))
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    def _repr_html_(self):
        """Jupyter: the same tree as ``repr``, each module with children a collapsible ``<details>``.

        Each line shows the child's name, its class with ``extra_repr()``, and
        its parameter count; a leaf also lists its own parameters' shapes.
        """
        return ('<div class="tinygrad-nn-module" style="font-family:monospace;font-size:12px">'
                + _module_html(self, None) + "</div>")


def _module_html(module, name):
    """One module of ``Module._repr_html_``: a ``<details>`` around its children, or one line for a leaf."""
    extra = module.extra_repr()
    children = module.named_children()
    label = (f"<b>({escape(name)})</b>: " if name is not None else "") + escape(type(module).__name__)
    label += f"({escape(extra)})" if extra else ("" if children else "()")
    count = module.num_parameters()
    own = [f"{escape(local)} {tuple(value.shape)}" for local, value in _direct_members(module)
           if not isinstance(value, Module)]
    if count:
        counts = f"{count:,} parameter{'' if count == 1 else 's'}"
        if own:
            counts += (": " if not children else ", own: ") + ", ".join(own)
        label += f' <span style="color:#777">{counts}</span>'
    if not children:
        return f'<div style="margin-left:1.2em">{label}</div>'
    inner = "".join(_module_html(child, child_name) for child_name, child in children)
    return f'<details open style="margin-left:1.2em"><summary>{label}</summary>{inner}</details>'


def scope_path(scope):
    """The dotted path of the innermost module of ``scope`` relative to the outermost.

    ``scope`` is a node's ``.scope`` (modules, outermost first). Each name is
    the module's path among the descendants of the previous module (a child,
    or deeper: a forward that loops over ``self.layers`` calls
    ``layers.0``, ``layers.1`` ... directly); the outermost module itself
    gives ``""``. A module that is no descendant of the one before it (e.g.
    made inside ``forward`` without being an attribute) appears as
    ``<ClassName>``.

    >>> import tinygrad_nn as tg
    >>> net = tg.nn.MLP([3, 4, 2])
    >>> tg.nn.scope_path((net, net.layers, net.layers[2]))
    'layers.2'
    """
    if not isinstance(scope, (tuple, list)):
        raise TypeError(f"scope_path: expected a node's scope (a tuple of modules), got {type(scope).__name__}")
    modules = [owner for owner in scope if isinstance(owner, Module)]
    names = []
    for parent, child in zip(modules, modules[1:]):
        found = next((name for name, candidate in parent.named_children() if candidate is child), None)
        if found is None:  # a grandchild or deeper, called directly
            found = next((path for path, candidate in parent.named_modules() if candidate is child and path), None)
        names.append(found if found is not None else f"<{type(child).__name__}>")
    return ".".join(names)


def parameter_path(tensor, node):
    """The dotted path of ``tensor`` among the parameters of the modules in ``node.scope``, or None.

    The outermost module that holds it names it (``layers.0.weight`` when
    the model was called as a whole). Registered in the engine's
    ``tensor_namers``, so that an error about a changed leaf names it.
    """
    for owner in node.scope:
        if isinstance(owner, Module):
            for name, parameter in owner.named_parameters():
                if parameter is tensor:
                    return name
    return None


tensor_namers.append(parameter_path)

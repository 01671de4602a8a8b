"""``Module``: the base class of layers and networks.

A module finds its parameters and children by walking its own instance
attributes (``vars(self)``) in insertion order; ``__setattr__`` registers
nothing, so what you assign is what you get:

* a leaf ``Tensor`` with ``requires_grad=True`` is a parameter (a tensor
  made by an op, such as an activation kept as ``self.last = h``, is not), and stays one
  when it is frozen later (``requires_grad = False``), as in PyTorch: it is
  still listed and saved, and optimizers skip it, since it gets no gradient;
* a ``Module`` is a child;
* a list or tuple gives one entry per item, named ``attr.0``, ``attr.1``, ...
  (Modules become children, parameter Tensors parameters); a dict does
  the same with ``attr.key``, and its keys must be strings (a parameter or
  module under any other key is a ``TypeError``, as in
  ``torch.nn.ParameterDict``); containers nest (``attr.0.1``);
* anything else (numbers, arrays, tensors that never required grad, hooks) is ignored.

``__setattr__`` only refuses, as PyTorch does, to replace a parameter by a
value that is no Tensor or a child by one that is no Module (the parameter
or child would silently drop out of the walk).

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

import numpy as np

from ..engine import Tensor, scope
from ..engine.graph import tensor_namers
from ..engine.methods.arguments import flag_argument
from ..state_values import StateDictError
from .module_conversions import ConversionMethods
from .module_display import DisplayMethods
from .module_state import LoadResult, StateDictMethods

__all__ = ["Module", "HookHandle", "StateDictError", "LoadResult", "scope_path"]


class HookHandle:
    """Returned by ``register_forward_hook`` and ``register_forward_pre_hook``; ``.remove()`` unregisters the hook."""

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


# the attributes that hold hooks ({handle id: hook}, made on first registration), and what they are
HOOK_REGISTRIES = {"_forward_hooks": "forward hooks", "_forward_pre_hooks": "forward pre-hooks"}


def _direct_members(module):
    """``(name, value)`` for each parameter and child held directly by ``module``, in attribute order.

    Lists, tuples and dicts are searched to any depth (``stages.0.1``); a
    container met again inside itself is skipped. Every occurrence is
    listed (a module held twice appears twice); the walker deduplicates.
    """
    for name, value in vars(module).items():
        if name in HOOK_REGISTRIES:  # int keys; a hook that is a Module is no child
            continue
        yield from _members_in(module, name, value, set())


def _members_in(module, name, value, open_containers):
    """The members found in ``value``, the attribute (or container item) called ``name``."""
    if isinstance(value, Module) or _is_parameter(value):
        yield name, value
        return
    if not isinstance(value, (list, tuple, dict)) or id(value) in open_containers:
        return
    open_containers.add(id(value))
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        found = list(_members_in(module, f"{name}.{key}", item, open_containers))
        if found and isinstance(value, dict) and not isinstance(key, str):
            kind = "module" if isinstance(found[0][1], Module) else "parameter"
            raise TypeError(f"{type(module).__name__}: the dict attribute {name!r} holds a {kind} "
                            f"under the key {key!r:.40} ({type(key).__name__}); parameters and "
                            f"modules in a dict need string keys (they are named "
                            f"'{name}.<key>', as in torch.nn.ParameterDict / ModuleDict), "
                            f"e.g. {str(key)!r:.40}")
        yield from found
    open_containers.discard(id(value))


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
    return f"{prefix}.{name}" if prefix and name else prefix or name


def _prefix_argument(prefix, op):
    if not isinstance(prefix, str):
        raise TypeError(f"{op}: prefix must be a str (put before every name), got {type(prefix).__name__}")
    return prefix


class Module(ConversionMethods, DisplayMethods, StateDictMethods):
    """Base class of every layer and network: subclass it and write ``forward``.

    Assign parameters (Tensors with ``requires_grad=True``) and sub-modules as
    plain attributes in ``__init__``; calling ``super().__init__()`` is
    optional. Call the module (``module(x)``), not ``forward``: the call
    pushes the module on the engine's scope stack, so every recorded node
    knows which module made it, and runs the forward pre-hooks and hooks.

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

    def __setattr__(self, name, value):
        """Assign as usual, but refuse to replace a parameter or a child by a value that is no Tensor or Module.

        PyTorch refuses these too. ``layer.weight = np.ones((3, 2))`` would
        silently drop the weight from ``parameters()`` and ``state_dict()``
        (an optimizer made before would go on updating a tensor no longer
        used); load values with ``load_state_dict`` or ``copy_`` instead. A
        Tensor may replace a parameter (plugging the tensors a function of the
        weights is differentiated by into a layer, as ``autograd.hvp`` needs);
        it is a parameter afterwards only if it is one (a leaf that requires
        grad). None, or ``del`` first, frees any name.
        """
        old = self.__dict__.get(name)
        if old is not None and value is not None and value is not old:
            if isinstance(old, Module) and not isinstance(value, Module):
                raise TypeError(f"{type(self).__name__}: cannot assign a {type(value).__name__} to the child "
                                f"module {name!r} (a Module or None expected); to store something else under "
                                f"that name, del the attribute first")
            if _is_parameter(old) and not isinstance(value, Tensor):
                raise TypeError(f"{type(self).__name__}: cannot assign a {type(value).__name__} to the parameter "
                                f"{name!r} (a Tensor or None expected): it would silently stop being a parameter. "
                                f"To load values, use load_state_dict, or {name}.copy_(values) under "
                                f"tg.no_grad(); to store something else under that name, del the attribute first")
        object.__setattr__(self, name, value)

    # -------------------------------------------------------------- calling
    def forward(self, *args, **kwargs):
        """The computation; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(...)")

    def __call__(self, *args, **kwargs):
        """Run the forward pre-hooks, ``forward(*args, **kwargs)`` with this module on the scope stack, then
        the forward hooks.

        Every graph node recorded inside ``forward`` knows it was made in this module (``node.scope``); a
        pre-hook that returns something other than None replaces the arguments, a hook the output. Call
        the module, not ``forward``.
        """
        hooks = self.__dict__.get("_forward_pre_hooks")
        if hooks:
            for hook in list(hooks.values()):
                result = hook(self, args)
                if result is not None:
                    args = result if type(result) is tuple else (result,)
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

        ``inputs`` is the tuple of positional arguments (as the pre-hooks left
        it). A hook that returns something other than None replaces the output.
        """
        return self._register_hook("_forward_hooks", hook, "register_forward_hook")

    def register_forward_pre_hook(self, hook):
        """Call ``hook(module, inputs)`` before every forward; returns a handle with ``.remove()``.

        ``inputs`` is the tuple of positional arguments. As in PyTorch, a hook
        that returns something other than None replaces them: a tuple is the
        new arguments, any other value the one argument. Hooks run in the order
        they were registered, each on what the one before returned.
        """
        return self._register_hook("_forward_pre_hooks", hook, "register_forward_pre_hook")

    def _register_hook(self, registry, hook, op):
        if not callable(hook):
            raise TypeError(f"{op}: the hook must be callable, got {type(hook).__name__}")
        hooks = self.__dict__.setdefault(registry, {})
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

    def named_parameters(self, prefix="", recurse=True):
        """List of ``(dotted_name, tensor)`` for every parameter, each listed once.

        As PyTorch's: ``prefix`` goes before every name (``"model"`` gives
        ``model.layers.0.weight``), and ``recurse=False`` lists only this
        module's own parameters, none of its children's.
        """
        prefix = _prefix_argument(prefix, "named_parameters")
        recurse = flag_argument(recurse, "recurse", "named_parameters")
        walk = self._walk() if recurse else itertools.islice(self._walk(), 1)
        return [(_join(prefix, _join(path, name)), tensor) for path, _, own in walk for name, tensor in own]

    def parameters(self, recurse=True):
        """List of every parameter tensor, each once (pass it to an optimizer); ``recurse=False``: own ones only."""
        recurse = flag_argument(recurse, "recurse", "parameters")
        return [tensor for _, tensor in self.named_parameters(recurse=recurse)]

    def named_modules(self, prefix=""):
        """List of ``(dotted_path, module)`` for this module (at path ``prefix``, ``""`` by default) and every
        descendant, each once."""
        prefix = _prefix_argument(prefix, "named_modules")
        return [(_join(prefix, path), module) for path, module, _ in self._walk()]

    def modules(self):
        """List of this module and every descendant, each once."""
        return [module for _, module in self.named_modules()]

    def named_children(self):
        """List of ``(name, module)`` for the direct children, each once."""
        seen, result = set(), []
        for name, value in self._child_positions():
            if id(value) not in seen:
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

    # ------------------------------------------------------------ by name (PyTorch's spellings)
    def add_module(self, name, module):
        """Make ``module`` (a Module, or None) the child ``name``: ``setattr(self, name, module)``, checked first.

        PyTorch's name (``register_module`` too). ``name`` is a non-empty str
        without ``.`` that no method or other attribute has.
        """
        op = f"{type(self).__name__}.add_module"
        self._member_name(name, op)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{op}: the module {name!r} must be a Module or None, got {type(module).__name__}")
        setattr(self, name, module)

    register_module = add_module

    def register_parameter(self, name, param):
        """Make ``param`` (a leaf Tensor that requires grad, or None) the parameter ``name``: a checked ``setattr``."""
        op = f"{type(self).__name__}.register_parameter"
        self._member_name(name, op)
        if param is not None:
            if not isinstance(param, Tensor):
                raise TypeError(f"{op}: the parameter {name!r} must be a Tensor or None, got {type(param).__name__}")
            if param.grad_fn is not None:
                raise ValueError(f"{op}: {name!r} was made by an op ({param.grad_fn.name}), so it is no parameter; "
                                 f"register a leaf (its .detach() with requires_grad=True)")
            if not _is_parameter(param):
                raise ValueError(f"{op}: {name!r} does not require grad, so it would not be a parameter; make it "
                                 f"with requires_grad=True (freeze it afterwards if need be)")
        setattr(self, name, param)

    def get_submodule(self, target):
        """The module at the dotted path ``target`` (``"layers.0"``; ``""`` is this module), as in PyTorch."""
        found = self if target == "" else self._member_at(target, lambda value: isinstance(value, Module),
                                                          "get_submodule")
        if found is None:
            names = [path for path, _ in self.named_modules() if path][:8]
            raise AttributeError(f"{type(self).__name__}.get_submodule: no module at {target!r}; the modules are "
                                 f"at {names}")
        return found

    def get_parameter(self, target):
        """The parameter at the dotted path ``target`` (``"layers.0.weight"``), as in PyTorch."""
        found = self._member_at(target, lambda value: not isinstance(value, Module), "get_parameter")
        if found is None:
            names = [name for name, _ in self.named_parameters()][:8]
            raise AttributeError(f"{type(self).__name__}.get_parameter: no parameter at {target!r}; the parameters "
                                 f"are {names}")
        return found

    def _member_name(self, name, where):
        """Refuse a name for a new member that is no str, is empty, holds a '.', or belongs to a method or attribute.

        The name of an existing child or parameter (or an attribute set to None) may be given again: it is replaced.
        """
        if not isinstance(name, str):
            raise TypeError(f"{where}: a name must be a str, got {type(name).__name__} {name!r:.40}")
        if not name or "." in name:
            raise ValueError(f"{where}: a name must be a non-empty str without '.' (names are joined by dots in "
                             f"named_parameters), got {name!r:.40}")
        current = self.__dict__.get(name)
        if hasattr(type(self), name) or not (current is None or isinstance(current, Module) or _is_parameter(current)):
            raise ValueError(f"{where}: the name {name!r} is taken by an attribute of {type(self).__name__}; "
                             f"choose another")
        return name

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

    # ------------------------------------------------------------- display helpers
    def _child_positions(self):
        """``(name, module)`` for every child position, a module held at two places listed twice (for repr)."""
        return [(name, value) for name, value in _direct_members(self)
                if isinstance(value, Module) and value is not self]

    def _own_parameter_positions(self):
        """``(name, tensor)`` for every parameter held directly (in containers too), in attribute order."""
        return [(name, value) for name, value in _direct_members(self) if not isinstance(value, Module)]

    def _parameter_at(self, path):
        """The parameter that the dotted ``path`` reaches through any position, the shared ones too, or None.

        ``named_parameters`` lists a shared parameter under its first path
        only; this follows every path (PyTorch's ``state_dict`` lists them all).
        """
        return self._member_at(path, lambda value: not isinstance(value, Module), "_parameter_at")

    def _member_at(self, path, wanted, op):
        """The member (a child module or a parameter) that the dotted ``path`` reaches and ``wanted`` accepts, or None.

        Every path is followed (through lists, dicts and shared modules), as named by ``_direct_members``.
        """
        if not isinstance(path, str):
            raise TypeError(f"{type(self).__name__}.{op}: the path must be a dotted str such as 'layers.0', got "
                            f"{type(path).__name__}")
        stack = [(self, path)]
        while stack:  # each step consumes a non-empty name, so this ends
            module, rest = stack.pop()
            for name, value in _direct_members(module):
                if rest == name and wanted(value):
                    return value
                if isinstance(value, Module) and rest.startswith(name + "."):
                    stack.append((value, rest[len(name) + 1:]))
        return None


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

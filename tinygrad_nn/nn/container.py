"""Containers: ``Sequential`` (modules applied in order), ``ModuleList`` and ``ModuleDict`` (modules held by
position or by name, as in PyTorch) and ``MLP`` (a fully connected net).

Each container keeps its children as attributes (what the module walker
reads, so they are named ``0``, ``1``, ... or by their keys in
``named_parameters`` and ``state_dict``) and the order of their names in
``_names``.
"""

import collections.abc
import numbers

import numpy as np

from .activation import ReLU, Sigmoid, Tanh, activation_maker
from .linear import Linear
from .module import Module
from . import init
from ..random import as_rng

__all__ = ["Sequential", "ModuleList", "ModuleDict", "MLP"]


class _NamedChildren(Module):
    """Children under names, in an order of their own (``self._names``), held as the attributes of those names."""

    def __init__(self):
        super().__init__()
        self._names = []

    def _modules_list(self):
        return [vars(self)[name] for name in self._names]

    def _named_list(self):
        return list(zip(self._names, self._modules_list()))

    def add_module(self, name, module):
        """Put ``module`` under ``name``: in its place if the name is a child's, else at the end (as in PyTorch)."""
        op = f"{type(self).__name__}.add_module"
        self._member_name(name, op)
        _check_module(module, f"{op}: the module {name!r}")
        self._set_children(_with_child(self._named_list(), name, module))

    register_module = add_module

    def __setattr__(self, name, value):
        """``container.name = module`` makes (or replaces) the child ``name``, as in PyTorch: a new one goes at the end.

        So ``len``, iteration, ``keys()`` and a Sequential's forward see it,
        just as ``named_parameters`` and ``state_dict`` do. A child can be
        replaced only by a Module (``del container.name`` removes it).
        """
        names = self.__dict__.get("_names")
        if names is not None and not isinstance(value, Module) and name in names:
            raise TypeError(f"{type(self).__name__}: cannot assign {_article(value)} to the child {name!r}: "
                            f"a {type(self).__name__} holds Modules only (del the attribute to remove the child)")
        if names is not None and isinstance(value, Module) and name not in names:
            self._member_name(name, type(self).__name__)
            super().__setattr__(name, value)
            self.__dict__["_names"] = [*names, name]
            return
        super().__setattr__(name, value)

    def __delattr__(self, name):
        """``del container.name`` removes the child ``name`` (the others keep their names, as in PyTorch)."""
        super().__delattr__(name)
        names = self.__dict__.get("_names")
        if names is not None and name in names:
            self.__dict__["_names"] = [existing for existing in names if existing != name]

    def _set_children(self, pairs):
        """Hold ``pairs`` (``(name, module)``, in order) as the children, at the place the old ones had in ``vars``.

        Other attributes keep their place, so the walk order of anything
        else the container holds does not change.
        """
        old = set(self._names)
        items = list(vars(self).items())
        first = next((k for k, (name, _) in enumerate(items) if name in old), len(items))
        state = {name: value for name, value in items[:first] if name not in old}
        state.update(pairs)
        state.update((name, value) for name, value in items[first:] if name not in old)
        state["_names"] = [name for name, _ in pairs]
        self.__dict__.clear()
        self.__dict__.update(state)

    def __len__(self):
        return len(self._names)

    def forward(self, *args, **kwargs):
        """A ModuleList or ModuleDict only holds modules: call them from the forward of the module holding it."""
        raise NotImplementedError(f"{type(self).__name__} holds modules but computes nothing itself: call its "
                                  f"modules from your module's forward (for layer in self.layers: x = layer(x)), "
                                  f"or use nn.Sequential to apply them in order")


class _ModuleSequence(_NamedChildren):
    """The list API of ``Sequential`` and ``ModuleList``: positions, ``append``, ``insert``, ``del`` ..."""

    def _position(self, index, what="index"):
        """``index`` (an int, negative counts from the end) as a position in ``[0, len)``."""
        kind = type(self).__name__
        if isinstance(index, slice) or not isinstance(index, numbers.Integral):
            raise TypeError(f"{kind} {what} must be an int, got {type(index).__name__}")
        if not -len(self) <= index < len(self):
            raise IndexError(f"{kind} index {index} out of range for {len(self)} modules")
        return int(index) % len(self)

    def _checked_slice(self, index, what):
        """``index`` (a slice), its bounds and step checked as Python's list does, with ``what`` naming the call."""
        try:
            index.indices(len(self))
        except (TypeError, ValueError) as error:
            raise type(error)(f"{type(self).__name__} {what}: {error}") from None
        return index

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._slice(self._checked_slice(index, "slice"))
        if not isinstance(index, numbers.Integral):
            raise TypeError(f"{type(self).__name__} indices must be ints or slices, got {type(index).__name__}")
        return vars(self)[self._names[self._position(index)]]

    def __iter__(self):
        return iter(self._modules_list())

    def _renumbered(self, modules):
        """Hold ``modules`` as the children ``"0"``, ``"1"``, ... (after a removal or an insertion, as PyTorch)."""
        self._set_children([(str(i), module) for i, module in enumerate(modules)])

    def append(self, module):
        """Add ``module`` at the end, named ``str(len(self))``; returns self."""
        return self.extend([module], op="append")

    def extend(self, modules, op="extend"):
        """Append every module of ``modules`` (any iterable of Modules); returns self.

        Each is named by its position. All items are checked first: one
        non-Module is a ``TypeError`` and nothing is appended.
        """
        kind = type(self).__name__
        if op == "extend" and isinstance(modules, Module) and not isinstance(modules, _ModuleSequence):
            raise TypeError(f"{kind}.extend: expected an iterable of Modules (use append for one "
                            f"module), got a {type(modules).__name__}")
        try:
            new = list(modules)
        except TypeError:
            raise TypeError(f"{kind}.extend: expected an iterable of Modules, got {type(modules).__name__}") from None
        pairs = self._named_list()
        for index, module in enumerate(new):
            _check_module(module, f"{kind}.{op}: {'the module' if op == 'append' else f'item {index}'}")
            name = str(len(pairs))
            if name in self._names:
                raise ValueError(f"{kind}.{op}: the new module would be named {name!r} (its position), a name "
                                 f"another child has; give the children numbers, or build a new {kind}")
            self._member_name(name, f"{kind}.{op}")
            pairs.append((name, module))
        self._set_children(pairs)
        return self

    def insert(self, index, module):
        """Put ``module`` before position ``index`` (``-len <= index <= len``, as PyTorch); returns self.

        The children are renumbered ``0``, ``1``, ... afterwards.
        """
        kind = type(self).__name__
        _check_module(module, f"{kind}.insert: the module")
        if isinstance(index, slice) or not isinstance(index, numbers.Integral):
            raise TypeError(f"{kind}.insert: index must be an int, got {type(index).__name__}")
        if not -len(self) <= index <= len(self):
            raise IndexError(f"{kind}.insert: index {index} out of range for {len(self)} modules "
                             f"(-{len(self)} to {len(self)})")
        index = int(index) + len(self) if index < 0 else int(index)
        modules = self._modules_list()
        modules.insert(index, module)
        self._renumbered(modules)
        return self

    def __setitem__(self, index, module):
        """``seq[i] = module`` replaces the module at position ``i`` (an int, no slices, as in PyTorch); the name stays."""
        position = self._position(index)
        _check_module(module, f"{type(self).__name__}: the module assigned to index {index}")
        setattr(self, self._names[position], module)

    def __delitem__(self, index):
        """``del seq[i]`` or ``del seq[a:b]``: remove modules; the rest are renumbered from 0 (as in PyTorch)."""
        modules = self._modules_list()
        if isinstance(index, slice):
            del modules[self._checked_slice(index, "del of a slice")]
        else:
            del modules[self._position(index)]
        self._renumbered(modules)

    def pop(self, index=-1):
        """Remove and return the module at ``index`` (the last by default; a slice gives a container of them)."""
        removed = self[index]
        del self[index]
        return removed


class Sequential(_ModuleSequence):
    """Apply ``modules`` one after the other; children are named ``"0"``, ``"1"``, ... or by an ``OrderedDict``'s keys.

    ``Sequential(OrderedDict([("hidden", nn.Linear(2, 8)), ("act", nn.ReLU())]))``
    names the children (``hidden.weight`` in ``state_dict``, ``seq.hidden``),
    as in PyTorch; a plain dict works too. Indexable (``seq[0]``,
    ``seq[-1]``; ``seq[1:]`` is a new Sequential sharing the modules, under
    their names), ``len`` and iterable. Editable as in PyTorch:
    ``append(module)``, ``extend(modules)``, ``insert(index, module)``,
    ``seq[i] = module``, ``del seq[i]`` / ``del seq[a:b]``, ``pop(index)``
    ``seq + other`` / ``seq += other`` and ``seq * n``. An appended module is named by
    its position; after a removal or an insertion, and in ``seq + other``,
    the children are renumbered ``"0"``, ``"1"``, ... in order, so
    ``named_parameters`` and ``state_dict`` names follow the new positions
    (as in PyTorch). Only Modules go in: anything else is a ``TypeError``,
    and nothing is changed.

    >>> import tinygrad_nn as tg
    >>> seq = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.ReLU(), tg.nn.Linear(4, 1))
    >>> len(seq), type(seq[-1]).__name__
    (3, 'Linear')
    >>> del seq[1]
    >>> [name for name, _ in seq.named_parameters()]
    ['0.weight', '0.bias', '1.weight', '1.bias']
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):
            pairs = list(modules[0].items())
            for name, module in pairs:
                self._member_name(name, "Sequential")
                _check_module(module, f"Sequential: item {name!r}")
            self._set_children(pairs)
            return
        if len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = tuple(modules[0])
        for index, module in enumerate(modules):
            _check_module(module, f"Sequential: item {index}")
        self._renumbered(modules)

    def _slice(self, index):
        return Sequential(dict(self._named_list()[index]))  # the names stay, as in PyTorch

    def __add__(self, other):
        """A new Sequential of this one's modules followed by ``other``'s (shared, not copied; renumbered)."""
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential: + supports only another Sequential, got a {type(other).__name__}")
        return Sequential(*self._modules_list(), *other._modules_list())

    def __iadd__(self, other):
        """``seq += other``: append ``other``'s modules (``other`` must be a Sequential)."""
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential: += supports only another Sequential, got a {type(other).__name__}")
        return self.extend(other)

    def _times(self, other, op):
        """The modules repeated ``other`` times (shared, not copied), for ``*`` and ``*=``; ``other`` a positive int."""
        if not isinstance(other, numbers.Integral):
            raise TypeError(f"Sequential: {op} takes a positive int (how many times to repeat the modules), got "
                            f"{type(other).__name__}")
        if other <= 0:
            raise ValueError(f"Sequential: {op} takes a positive int (how many times to repeat the modules), got "
                             f"{other}")
        return self._modules_list() * int(other)

    def __mul__(self, other):
        """``seq * n``: a new Sequential of the modules ``n`` times over (the same modules, renumbered), as PyTorch's."""
        if not isinstance(other, numbers.Integral):
            return NotImplemented
        return Sequential(*self._times(other, "*"))

    __rmul__ = __mul__

    def __imul__(self, other):
        """``seq *= n``: append the modules ``n - 1`` more times (the same modules, named by position)."""
        if not isinstance(other, numbers.Integral):
            return NotImplemented
        return self.extend(self._times(other, "*=")[len(self):])

    def forward(self, x):
        for module in self:
            x = module(x)
        return x


class ModuleList(_ModuleSequence):
    """Modules held in a list, as ``torch.nn.ModuleList``: named ``"0"``, ``"1"``, ..., applied by your ``forward``.

    A plain Python list of modules assigned to an attribute is found just
    the same (``attr.0.weight``); ``ModuleList`` adds PyTorch's name and
    list API: indexing (a slice is a new ModuleList, renumbered), ``len``,
    iteration, ``append``, ``extend``, ``insert``, ``pop``, ``del``,
    ``lst[i] = module``, ``+`` and ``+=`` with any iterable of Modules. It
    has no ``forward`` of its own.

    >>> import tinygrad_nn as tg
    >>> blocks = tg.nn.ModuleList([tg.nn.Linear(2, 2) for _ in range(3)])
    >>> len(blocks), [name for name, _ in blocks.named_parameters()][:2]
    (3, ['0.weight', '0.bias'])
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            if isinstance(modules, Module) and not isinstance(modules, _ModuleSequence):
                raise TypeError(f"ModuleList: expected an iterable of Modules, got a {type(modules).__name__} "
                                f"(wrap one module in a list: ModuleList([module]))")
            self.extend(modules)

    def _slice(self, index):
        return ModuleList(self._modules_list()[index])

    def __add__(self, other):
        """A new ModuleList of this one's modules followed by ``other``'s (any iterable of Modules)."""
        return ModuleList(self._modules_list()).extend(other)

    def __iadd__(self, other):
        """``lst += modules``: ``extend``."""
        return self.extend(other)


class ModuleDict(_NamedChildren):
    """Modules held by name, as ``torch.nn.ModuleDict``, in insertion order; applied by your ``forward``.

    ``ModuleDict({"encoder": nn.Linear(4, 2), "act": nn.Tanh()})`` (a dict,
    another ModuleDict, or ``(name, module)`` pairs). Keys are strings
    without ``.``; they name the parameters (``encoder.weight``) and are
    attributes too (``d.encoder``). The dict API: ``d[key]``, ``d[key] =
    module``, ``del d[key]``, ``key in d``, ``len``, iteration over the keys,
    ``keys()``, ``values()``, ``items()``, ``update(...)``, ``pop(key)`` and
    ``clear()``. It has no ``forward`` of its own.

    >>> import tinygrad_nn as tg
    >>> heads = tg.nn.ModuleDict({"a": tg.nn.Linear(2, 1), "b": tg.nn.Linear(2, 3)})
    >>> list(heads), heads["b"].out_features
    (['a', 'b'], 3)
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def _key(self, key):
        if key not in self._names:
            raise KeyError(f"ModuleDict has no module {key!r:.40}; its keys are {self._names[:8]}"
                           + (" ..." if len(self._names) > 8 else ""))
        return key

    def __getitem__(self, key):
        return vars(self)[self._key(key)]

    def __setitem__(self, key, module):
        self.update([(key, module)])

    def __delitem__(self, key):
        key = self._key(key)
        self._set_children([(name, module) for name, module in self._named_list() if name != key])

    def __contains__(self, key):
        return key in self._names

    def __iter__(self):
        return iter(list(self._names))

    def keys(self):
        """The keys, in order: a live view, as a dict's (and PyTorch's), so ``d.keys() == {"a", "b"}`` and ``&`` work."""
        return _Keys(self)

    def values(self):
        """The modules, in order (a live view, as a dict's)."""
        return _Values(self)

    def items(self):
        """``(key, module)`` pairs, in order (a live view, as a dict's)."""
        return _Items(self)

    def update(self, modules):
        """Add or replace modules from a dict, a ModuleDict or an iterable of ``(key, module)`` pairs.

        Everything is checked first: a bad key or a non-Module changes nothing.
        A replaced key keeps its place; new keys go at the end.
        """
        if isinstance(modules, (collections.abc.Mapping, ModuleDict)):  # any mapping, as PyTorch's
            pairs = list(modules.items())
        elif isinstance(modules, Module):
            raise TypeError(f"ModuleDict.update: expected a dict of Modules or (key, module) pairs, got a "
                            f"{type(modules).__name__}")
        else:
            try:
                pairs = [tuple(pair) for pair in modules]
            except TypeError:
                raise TypeError(f"ModuleDict.update: expected a dict of Modules or an iterable of (key, module) "
                                f"pairs, got {type(modules).__name__}") from None
            for index, pair in enumerate(pairs):
                if len(pair) != 2:
                    raise ValueError(f"ModuleDict.update: item {index} has {len(pair)} elements; each must be "
                                     f"a (key, module) pair")
        children = self._named_list()
        for key, module in pairs:
            self._member_name(key, "ModuleDict")
            _check_module(module, f"ModuleDict: the value under {key!r}")
            children = _with_child(children, key, module)
        self._set_children(children)

    def pop(self, key):
        """Remove the module under ``key`` and return it."""
        module = self[key]
        del self[key]
        return module

    def clear(self):
        """Remove every module."""
        self._set_children([])


def _with_child(pairs, name, module):
    """``pairs`` (``(name, module)``) with ``module`` under ``name``: in that name's place, else at the end."""
    if name in (existing for existing, _ in pairs):
        return [(existing, module if existing == name else child) for existing, child in pairs]
    return [*pairs, (name, module)]


def _article(value):
    """``"a Tensor"``, ``"an int"``: the type of ``value`` with its article."""
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _check_module(module, where):
    """Refuse anything but a Module, with ``where`` naming the call."""
    if not isinstance(module, Module):
        raise TypeError(f"{where} is {_article(module)}, not a Module")


class _Keys(collections.abc.KeysView):
    """``ModuleDict.keys()``: a live view of the keys (set operations and ``==`` with a set work, as a dict's)."""

    def __repr__(self):
        return f"ModuleDict.keys({list(self)!r})"


class _Values(collections.abc.ValuesView):
    """``ModuleDict.values()``: a live view of the modules, in order."""

    def __repr__(self):
        return f"ModuleDict.values({list(self)!r})"


class _Items(collections.abc.ItemsView):
    """``ModuleDict.items()``: a live view of the ``(key, module)`` pairs, in order."""

    def __repr__(self):
        return f"ModuleDict.items({list(self)!r})"


def _hidden_layer(hidden, fan_in, fan_out, dtype, rng):
    """``hidden(fan_in, fan_out, dtype=dtype, rng=rng)``, checked to be a Module; its TypeError names MLP."""
    try:
        layer = hidden(fan_in, fan_out, dtype=dtype, rng=rng)
    except TypeError as error:
        raise TypeError(f"MLP: hidden({fan_in}, {fan_out}, dtype=..., rng=...) failed: {error} (hidden is called "
                        "with the two widths and the keywords dtype and rng)") from error
    if not isinstance(layer, Module):
        raise TypeError(f"MLP: hidden(...) returned a {type(layer).__name__}, not a Module")
    return layer


class MLP(Module):
    """A fully connected network: ``sizes = [inputs, hidden..., outputs]``.

    Each hidden layer is a ``Linear`` followed by its own activation module
    (``activation`` is a Module class, an instance to copy, or a zero-argument
    callable making a Module; see ``nn.activation_maker``; ``ReLU`` by
    default); the output layer is a ``Linear`` with no activation, so it
    returns raw scores. Layers live in ``self.layers`` (a ``Sequential``), so
    parameters are named ``layers.0.weight``, ``layers.0.bias``,
    ``layers.2.weight``, ...

    ``hidden`` replaces the hidden layers: a layer class (or callable) made
    as ``hidden(fan_in, fan_out, dtype=dtype, rng=rng)``.
    ``MLP([2, 20, 3], hidden=nn.Maxout)`` is a network of 20 Maxout units
    (2 pieces each; ``functools.partial(nn.Maxout, pieces=3)`` for more) and
    a Linear output layer. A Maxout unit is its own nonlinearity, so with
    ``hidden`` no activation follows unless ``activation`` is given.

    Following the notes' naming, ``MLP([3, 4, 4, 1])`` is a 3-layer network
    (the input layer is not counted) with 41 parameters. Weights are He
    initialised for the ReLU family and Xavier/Glorot for ``Sigmoid`` and
    ``Tanh`` (see ``tinygrad_nn.nn.init``).
    """

    def __init__(self, sizes, activation=None, dtype=np.float64, rng=None, hidden=None):
        super().__init__()
        try:
            sizes = list(sizes)
        except TypeError:
            raise TypeError(f"MLP: sizes must be a list of layer widths such as [2, 16, 3], "
                            f"got {type(sizes).__name__}") from None
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least [inputs, outputs], got {sizes}")
        if hidden is not None and (isinstance(hidden, Module) or not callable(hidden)):
            raise TypeError(f"MLP: hidden must be a layer class or a callable making one (e.g. nn.Maxout), "
                            f"not {hidden!r}: each hidden layer gets its own instance")
        if activation is None and hidden is None:
            activation = ReLU
        make_activation = None if activation is None else activation_maker(activation, "MLP")
        self.sizes = sizes
        rng = as_rng(rng, "MLP")  # one generator for every layer, so no two layers start alike
        layers = []
        for index, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
            is_hidden = index < len(sizes) - 2
            if is_hidden and hidden is not None:
                layers.append(_hidden_layer(hidden, fan_in, fan_out, dtype, rng))
            else:
                layers.append(Linear(fan_in, fan_out, dtype=dtype, rng=rng))
            if is_hidden and make_activation is not None:
                layers.append(make_activation())
        if any(isinstance(layer, (Sigmoid, Tanh)) for layer in layers):
            for layer in layers:
                if isinstance(layer, Linear):
                    init.xavier_normal_(layer.weight, rng=rng)
        self.layers = Sequential(*layers)

    def forward(self, x):
        return self.layers(x)

    def extra_repr(self):
        return f"sizes={self.sizes}"

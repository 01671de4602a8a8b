"""Containers: ``Sequential`` (modules applied in order) and ``MLP`` (a fully connected net)."""

import numbers

import numpy as np

from .activation import ReLU, Sigmoid, Tanh, activation_maker
from .linear import Linear
from .module import Module
from . import init
from ..random import as_rng

__all__ = ["Sequential", "MLP"]


class Sequential(Module):
    """Apply ``modules`` one after the other; children are named ``"0"``, ``"1"``, ...

    Indexable (``seq[0]``, ``seq[-1]``, ``seq[1:]`` gives a new Sequential
    sharing the modules), ``len`` and iterable. Editable as in PyTorch:
    ``append(module)``, ``extend(modules)``, ``insert(index, module)``,
    ``seq[i] = module``, ``del seq[i]`` / ``del seq[a:b]``, ``pop(index)``
    and ``seq + other`` / ``seq += other``. After every change the children
    are renumbered ``"0"``, ``"1"``, ... in order, so ``named_parameters``
    and ``state_dict`` names follow the new positions (as in PyTorch). Only
    Modules go in: anything else is a ``TypeError``, and nothing is changed.

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
        if len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = tuple(modules[0])
        for index, module in enumerate(modules):
            _check_module(module, f"Sequential: item {index}")
            # the walker reads vars(self): attributes named "0", "1", ... become those children
            setattr(self, str(index), module)
        self._length = len(modules)

    # ------------------------------------------------------------ reading
    def __len__(self):
        return self._length

    def _modules_list(self):
        return [getattr(self, str(i)) for i in range(self._length)]

    def _position(self, index, what="index"):
        """``index`` (an int, negative counts from the end) as a position in ``[0, len)``."""
        if isinstance(index, slice) or not isinstance(index, numbers.Integral):
            raise TypeError(f"Sequential {what} must be an int, got {type(index).__name__}")
        if not -self._length <= index < self._length:
            raise IndexError(f"Sequential index {index} out of range for {self._length} modules")
        return int(index) % self._length

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self._modules_list()[index])
        if not isinstance(index, numbers.Integral):
            raise TypeError(f"Sequential indices must be ints or slices, got {type(index).__name__}")
        return getattr(self, str(self._position(index)))

    def __iter__(self):
        return (getattr(self, str(i)) for i in range(self._length))

    # ------------------------------------------------------------ editing
    def _replace_modules(self, modules):
        """Store ``modules`` as the children ``"0"``, ``"1"``, ..., where the numbered children were.

        Other attributes keep their place in ``vars(self)`` (so the walk
        order of anything else held by the container does not change).
        """
        numbered = {str(i) for i in range(self._length)}
        items = list(vars(self).items())
        first = next((k for k, (name, _) in enumerate(items) if name in numbered), None)
        before = items if first is None else [item for item in items[:first] if item[0] not in numbered]
        after = [] if first is None else [item for item in items[first:] if item[0] not in numbered]
        state = dict(before)
        state.update((str(i), module) for i, module in enumerate(modules))
        state.update(after)
        state["_length"] = len(modules)
        self.__dict__.clear()
        self.__dict__.update(state)

    def append(self, module):
        """Add ``module`` at the end (named ``str(len(self))``); returns self."""
        _check_module(module, "Sequential.append: the module")
        self._replace_modules(self._modules_list() + [module])
        return self

    def extend(self, modules):
        """Append every module of ``modules`` (a Sequential or any iterable of Modules); returns self.

        All items are checked first: one non-Module is a ``TypeError`` and
        nothing is appended.
        """
        if isinstance(modules, Module) and not isinstance(modules, Sequential):
            raise TypeError(f"Sequential.extend: expected an iterable of Modules (use append for one "
                            f"module), got a {type(modules).__name__}")
        try:
            new = list(modules)
        except TypeError:
            raise TypeError(f"Sequential.extend: expected an iterable of Modules, "
                            f"got {type(modules).__name__}") from None
        for index, module in enumerate(new):
            _check_module(module, f"Sequential.extend: item {index}")
        self._replace_modules(self._modules_list() + new)
        return self

    def insert(self, index, module):
        """Put ``module`` before position ``index`` (``-len <= index <= len``, as PyTorch); returns self.

        The modules from ``index`` on move one place up (and are renamed).
        """
        _check_module(module, "Sequential.insert: the module")
        if isinstance(index, slice) or not isinstance(index, numbers.Integral):
            raise TypeError(f"Sequential.insert: index must be an int, got {type(index).__name__}")
        if not -self._length <= index <= self._length:
            raise IndexError(f"Sequential.insert: index {index} out of range for {self._length} modules "
                             f"(-{self._length} to {self._length})")
        index = int(index) + self._length if index < 0 else int(index)
        modules = self._modules_list()
        modules.insert(index, module)
        self._replace_modules(modules)
        return self

    def __setitem__(self, index, module):
        """``seq[i] = module`` replaces the module at position ``i`` (an int; no slices, as in PyTorch)."""
        position = self._position(index)
        _check_module(module, f"Sequential: the module assigned to index {index}")
        setattr(self, str(position), module)

    def __delitem__(self, index):
        """``del seq[i]`` or ``del seq[a:b]``: remove modules; the rest are renumbered from 0."""
        modules = self._modules_list()
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[self._position(index)]
        self._replace_modules(modules)

    def pop(self, index):
        """Remove and return the module at ``index`` (a slice gives a Sequential of the removed ones)."""
        removed = self[index]
        del self[index]
        return removed

    def __add__(self, other):
        """A new Sequential of this one's modules followed by ``other``'s (shared, not copied)."""
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential: + supports only another Sequential, got a {type(other).__name__}")
        return Sequential(*self._modules_list(), *other._modules_list())

    def __iadd__(self, other):
        """``seq += other``: append ``other``'s modules (``other`` must be a Sequential)."""
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential: += supports only another Sequential, got a {type(other).__name__}")
        return self.extend(other)

    def forward(self, x):
        for module in self:
            x = module(x)
        return x


def _check_module(module, where):
    """Refuse anything but a Module, with ``where`` naming the call."""
    if not isinstance(module, Module):
        name = type(module).__name__
        article = "an" if name[:1].lower() in "aeiou" else "a"
        raise TypeError(f"{where} is {article} {name}, not a Module")


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

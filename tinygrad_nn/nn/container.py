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
    sharing the modules), ``len`` and iterable.

    >>> import tinygrad_nn as tg
    >>> seq = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.ReLU(), tg.nn.Linear(4, 1))
    >>> len(seq), type(seq[-1]).__name__
    (3, 'Linear')
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = tuple(modules[0])
        for index, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: item {index} is a {type(module).__name__}, not a Module")
            # the walker reads vars(self): attributes named "0", "1", ... become those children
            setattr(self, str(index), module)
        self._length = len(modules)

    def __len__(self):
        return self._length

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*[getattr(self, str(i)) for i in range(self._length)[index]])
        if not isinstance(index, numbers.Integral):
            raise TypeError(f"Sequential indices must be ints or slices, got {type(index).__name__}")
        if not -self._length <= index < self._length:
            raise IndexError(f"Sequential index {index} out of range for {self._length} modules")
        return getattr(self, str(index % self._length))

    def __iter__(self):
        return (getattr(self, str(i)) for i in range(self._length))

    def forward(self, x):
        for module in self:
            x = module(x)
        return x


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

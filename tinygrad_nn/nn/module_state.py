"""``state_dict`` and ``load_state_dict`` of ``Module``: copies out, and an all-or-nothing load back in.

>>> import tinygrad_nn as tg
>>> layer = tg.nn.Linear(2, 1, rng=0)
>>> layer.load_state_dict({"weight": [[1.0, 2.0]], "bias": [0.5]})
([], [])
>>> layer.state_dict()["weight"]
array([[1., 2.]])
"""

from collections.abc import Mapping

import numpy as np

from ..engine import no_grad
from ..engine.methods.arguments import flag_argument
from ..state_values import StateDictError, cast_like, numeric_array

__all__ = ["LoadResult", "StateDictMethods"]


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


class StateDictMethods:
    """``state_dict`` and ``load_state_dict``, written on ``named_parameters``."""

    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
        """A dict ``{dotted_name: numpy array copy}`` of every parameter, in walk order.

        As ``torch.nn.Module.state_dict``: ``prefix`` goes in front of every
        name, ``keep_vars=True`` gives the parameter Tensors themselves
        instead of copies of their arrays, and ``destination`` (a dict) is
        filled and returned instead of a new dict.
        """
        if not isinstance(prefix, str):
            raise TypeError(f"state_dict: prefix must be a string, got {type(prefix).__name__}")
        keep_vars = flag_argument(keep_vars, "keep_vars", "state_dict")
        if destination is None:
            destination = {}
        elif not isinstance(destination, dict):
            raise TypeError(f"state_dict: destination must be a dict to fill, got {type(destination).__name__}")
        for name, tensor in self.named_parameters():
            destination[prefix + name] = tensor if keep_vars else tensor.data.copy()
        return destination

    def _keys_by_parameter(self, parameters, state_dict):
        """``{name: [keys of state_dict naming that parameter]}``: its name, and other paths of a shared one."""
        keys = {name: [name] if name in state_dict else [] for name in parameters}
        first_names = {id(tensor): name for name, tensor in parameters.items()}
        for key in state_dict:
            if isinstance(key, str) and key not in parameters:
                tensor = self._parameter_at(key)
                if tensor is not None and id(tensor) in first_names:
                    keys[first_names[id(tensor)]].append(key)
        return keys

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays (or Tensors) from ``state_dict`` into the parameters, in place; all or nothing.

        Every value is checked and cast to its parameter's dtype first: it
        must hold real numbers of exactly the parameter's shape, fit in its
        dtype (no finite value may become infinite), and the parameter must be
        writeable. With ``strict=True`` missing and unexpected keys are errors
        too. Any problem raises one ``StateDictError`` naming every offending
        key, and leaves every parameter as it was. Otherwise the values are
        copied with ``Tensor.copy_`` (under ``no_grad``, so versions count the
        change). Returns ``LoadResult(missing_keys, unexpected_keys)`` (both
        empty unless ``strict=False``).

        A parameter shared by two modules (tied weights) is listed by
        ``state_dict`` under its first path only; PyTorch's lists it under
        every path. Its other paths are accepted too, so a PyTorch state dict
        loads: each key naming it is checked, and they must hold the same values.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a dict of arrays, got {type(state_dict).__name__}")
        strict = flag_argument(strict, "strict", "load_state_dict")
        parameters = dict(self.named_parameters())
        keys = self._keys_by_parameter(parameters, state_dict)
        missing = [name for name in parameters if not keys[name]]
        named = {key for found in keys.values() for key in found}
        unexpected = [key for key in state_dict if key not in named]
        values, invalid = {}, []
        for name, tensor in parameters.items():
            if not keys[name]:
                continue
            given = []
            for key in keys[name]:
                try:
                    given.append(cast_like(numeric_array(state_dict[key]), tensor.dtype, tensor.shape))
                except ValueError as error:
                    invalid.append(f"{key}: {error}")
            if len(given) < len(keys[name]):
                continue
            if any(not np.array_equal(value, given[0], equal_nan=True) for value in given[1:]):
                invalid.append(f"{', '.join(keys[name])}: these name one shared parameter but hold different values")
                continue
            values[name] = given[0]
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

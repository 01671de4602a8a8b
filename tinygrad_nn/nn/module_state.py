"""``state_dict`` and ``load_state_dict`` of ``Module``: copies out, and an all-or-nothing load back in.

>>> import tinygrad_nn as tg
>>> layer = tg.nn.Linear(2, 1, rng=0)
>>> layer.load_state_dict({"weight": [[1.0, 2.0]], "bias": [0.5]})
([], [])
>>> layer.state_dict()["weight"]
array([[1., 2.]])
"""

from collections.abc import Mapping

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

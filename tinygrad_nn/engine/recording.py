"""What a ``backward`` sees while it is recorded (``create_graph=True``), so that its result can be
differentiated again.

``RecordingContext`` stands for the node: each array the forward saved
becomes the Tensor it was (an input, or the node's own output), so whatever
backward computes from it is recorded with the right dependence on the
inputs. A floating array the forward computed itself has no Tensor, and
becomes an ``UnrecordedArray``, which refuses to be used: a second
derivative through it would be wrong.
"""

import numpy as np

from . import tensor
from .errors import NotDifferentiableError
from .graph import Context

__all__ = ["RecordingContext", "UnrecordedArray"]


class RecordingContext:
    """What a ``backward`` sees as ``ctx`` under ``create_graph=True``: its node, with Tensors saved.

    Each array the forward saved becomes the Tensor it was: an input (a leaf
    or constant itself, or the output of the node that made it) or this
    node's own output, so whatever backward computes from it is recorded
    with the right dependence on the inputs. Integer and boolean arrays
    (indices, masks) stay arrays: they carry no gradient. A floating array
    computed *inside* forward (neither an input nor the output) has no
    Tensor: the engine cannot know how it depends on the inputs, so using it
    raises ``NotDifferentiableError`` (``UnrecordedArray``). The same holds
    for floating arrays stored as attributes (``ctx.s = s``), except the
    options given to ``apply`` themselves (``ctx.w = w``): those are constants.
    """

    def __init__(self, node):
        self._node = node
        self.saved_tensors = tuple(_saved_as_tensor(node, position, value)
                                   for position, value in enumerate(node.saved_tensors))

    def __getattr__(self, name):
        value = getattr(self._node, name)
        if _is_option(self._node, value):
            return value
        return _unrecorded_floats(value, self._node.function.__name__, f"ctx.{name}")


def _is_option(node, value):
    """Whether ``value`` is one of the options ``apply`` got (a constant, such as an array of weights)."""
    return any(value is option for option in node.kwargs.values())


def _unrecorded_floats(value, function_name, where):
    """``value`` with every floating array in it (also inside tuples, lists, dicts) an ``UnrecordedArray``."""
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "fc":
        return UnrecordedArray(function_name, where)
    if isinstance(value, (tuple, list)):
        return type(value)(_unrecorded_floats(item, function_name, f"{where}[{i}]") for i, item in enumerate(value))
    if isinstance(value, dict):
        return {key: _unrecorded_floats(item, function_name, f"{where}[{key!r}]") for key, item in value.items()}
    if isinstance(getattr(value, "__dict__", None), dict) and any(  # an object holding arrays (a namespace)
            isinstance(item, (np.ndarray, np.generic)) and item.dtype.kind in "fc" for item in vars(value).values()):
        return _UnrecordedHolder(value, function_name, where)
    return value


class _UnrecordedHolder:
    """Stands for an object on ``ctx`` that holds floating arrays: its attributes pass through
    ``_unrecorded_floats`` (so ``ctx.cache.s`` is an ``UnrecordedArray``)."""

    __slots__ = ("_held", "_function_name", "_where")

    def __init__(self, held, function_name, where):
        self._held, self._function_name, self._where = held, function_name, where

    def __getattr__(self, name):
        return _unrecorded_floats(getattr(self._held, name), self._function_name, f"{self._where}.{name}")


def _saved_as_tensor(node, position, value):
    """One saved item under ``create_graph``: the Tensor it was, an array with no gradient, or a placeholder."""
    if isinstance(value, (tuple, list, dict)):  # the engine only recognises arrays saved directly
        return _unrecorded_floats(value, node.function.__name__, f"ctx.saved_tensors[{position}]")
    if not isinstance(value, (np.ndarray, np.generic)) or value.dtype.kind not in "fc" or _is_option(node, value):
        return value  # indices, masks, shapes, None, options given to apply: no gradient flows through them
    for index, source in enumerate(node.sources):
        if node.input_ids is not None:  # two inputs shared one array: forward got one object each
            passed = id(value) == node.input_ids[index]
        elif type(source) is Context:
            passed = id(value) == source.output_id  # the input array itself (both are alive: same id, same array)
        else:
            passed = value is source._data
        if passed:
            return tensor.make_tensor(value, True, source) if type(source) is Context else source
    if id(value) == node.output_id:
        return tensor.make_tensor(value, True, node)
    return UnrecordedArray(node.function.__name__, f"ctx.saved_tensors[{position}]")


class UnrecordedArray:
    """Stands in, under ``create_graph``, for a floating array a ``forward`` computed and saved.

    Using it in any way raises ``NotDifferentiableError`` naming the Function
    and how to make its backward twice differentiable.
    """

    __slots__ = ("function_name", "where")
    __array_priority__ = 1e9

    def __init__(self, function_name, where):
        self.function_name = function_name
        self.where = where

    def _refuse(self, *args, **kwargs):
        raise NotDifferentiableError(
            f"{self.function_name}.backward used {self.where} under create_graph=True: it is an array computed "
            f"inside forward (neither an input nor the output), so the engine cannot tell how it depends on the "
            f"inputs, and a second derivative would be wrong. Save only the inputs and the output with "
            f"ctx.save_for_backward, and recompute the rest in backward from them (see docs/higher_order.md)")

    __array__ = __array_ufunc__ = __array_function__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __matmul__ = __rmatmul__ = _refuse
    __neg__ = __pos__ = __abs__ = __getitem__ = __len__ = __iter__ = __bool__ = __float__ = _refuse
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _refuse
    __hash__ = object.__hash__

    def __getattr__(self, name):
        self._refuse()

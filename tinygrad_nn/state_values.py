"""Checking the values of a state dict before any of them is restored.

``Module.load_state_dict`` and ``Optimizer.load_state_dict`` are all or
nothing: they convert every value with these helpers first, collect every
problem into one ``StateDictError``, and assign only when there is none.
"""

import numpy as np

from .engine import Tensor

__all__ = ["StateDictError", "numeric_array", "cast_like"]


class StateDictError(KeyError, ValueError, RuntimeError):
    """A state dict does not fit: missing, unexpected, wrongly shaped or invalid entries (all are named).

    Raised by ``Module.load_state_dict`` and ``Optimizer.load_state_dict``
    before anything was changed. It is a ``KeyError`` (a key does not fit)
    and a ``ValueError`` (a value does not fit), so either ``except`` works,
    and a ``RuntimeError``, as PyTorch's ``load_state_dict`` raises, so a
    ported ``except RuntimeError`` catches it too.
    """

    def __str__(self):  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


def numeric_array(value):
    """``value`` (a Tensor, array, number or nested list) as a numpy array of real numbers or bools.

    Raises ``ValueError`` saying what the value is instead (strings,
    objects, complex numbers, ragged lists, and values whose conversion to
    an array fails, such as a PyTorch tensor that requires grad: pass
    ``tensor.detach()`` or the values of ``module.state_dict()``).
    Torch is never imported: such a tensor is recognised by its
    ``requires_grad`` and ``detach`` attributes.
    """
    data = value.data if isinstance(value, Tensor) else value
    try:
        array = np.asarray(data)
    except Exception as error:  # noqa: BLE001 - any failing __array__ (torch raises RuntimeError) is a bad value
        if getattr(value, "requires_grad", False) is True and callable(getattr(value, "detach", None)):
            raise ValueError(f"got a {type(value).__name__} that requires grad (it cannot become a numpy "
                             "array); pass value.detach(), or the module's state_dict() instead of its "
                             "named_parameters()") from error
        raise ValueError(f"expected numbers, got a {type(value).__name__} that is no array "
                         f"({type(error).__name__}: {error})") from error
    if array.dtype.kind not in "biuf":
        what = (f"an array of dtype {array.dtype}" if isinstance(data, np.ndarray)
                else f"a {type(value).__name__} ({value!r:.40})")
        raise ValueError(f"expected real numbers, got {what}")
    return array


def cast_like(array, dtype, shape):
    """A new array of ``dtype`` holding ``array`` (of exactly ``shape``), refusing values the dtype cannot hold.

    Raises ``ValueError`` for a wrong shape, and for finite values that
    would become infinite in ``dtype`` (float64 ``1e300`` into float32).
    """
    if array.shape != tuple(shape):
        raise ValueError(f"expected shape {tuple(shape)}, got {array.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        cast = array.astype(dtype, copy=True)
    if not np.can_cast(array.dtype, dtype, "safe"):
        overflowed = np.isfinite(array) & ~np.isfinite(cast)
        if overflowed.any():
            raise ValueError(f"the value {array[overflowed][0].item()!r} does not fit in {np.dtype(dtype)} "
                             "(it would become infinite)")
    return cast

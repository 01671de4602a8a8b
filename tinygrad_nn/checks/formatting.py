"""How reports write indices and numbers."""

import numpy as np

__all__ = ["format_index", "format_value", "format_number"]


def format_index(index):
    """An element index as users write it: ``(2, 1)``, or ``()`` for a 0-d input."""
    if index is None:
        return "-"
    return "(" + ", ".join(str(int(i)) for i in index) + ("," if len(index) == 1 else "") + ")"


def format_value(value):
    """A float with enough digits to compare two gradients by eye."""
    if value is None:
        return "-"
    return f"{float(value) + 0.0:.6g}"            # + 0.0 turns -0 into 0


def format_number(value):
    """A number as a user writes it: ``-2.0``, ``1e-07``, ``3`` (never ``np.float64(-2.0)``).

    Floats keep the shortest digits that identify them in their own dtype (a float32
    ``0.1`` is ``0.1``); anything else is shown by ``str``.
    """
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return str(value)                     # numpy's str is plain, its repr is np.float64(...)
    if isinstance(value, float):
        return repr(value)
    return str(value)

"""Arrays a function must not change: its inputs, its output and the gradient it is given.

A forward that writes into its input (``np.maximum(x, 0, out=x)``) changes the caller's tensor; a
backward that writes into ``grad`` (``grad *= 2``) changes an array that may flow to other nodes
too; a backward that writes into a saved input or output changes a tensor's value after the fact;
a backward that returns a buffer it reuses (``out=self.buffer``) hands out a gradient that the next
call overwrites. Each gives gradients that are right in one check and wrong in a model, so the
checks snapshot these arrays and name the one that changed (``changed_element``).
"""

import numpy as np

from .formatting import format_index, format_value

__all__ = ["Snapshot", "changed_element"]


def changed_element(before, after):
    """The first element where ``after`` differs from the copy ``before``, as ``(index, old, new)``, or None."""
    after = np.asarray(after)
    if after.shape != before.shape:
        return (), None, None
    with np.errstate(all="ignore"):
        differs = (before != after) & ~(_isnan(before) & _isnan(after))
    if not differs.any():
        return None
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(differs)), differs.shape))
    return index, before[index], after[index]


def _isnan(array):
    return np.isnan(array) if array.dtype.kind in "fc" else np.zeros(array.shape, dtype=bool)


class Snapshot:
    """A copy of ``array`` (named ``what`` in messages, e.g. ``"input 0"``) to tell later whether it changed."""

    def __init__(self, array, what):
        self.array = array
        self.copy = np.array(array, copy=True)
        self.what = what

    def change(self, doer, advice):
        """A sentence saying that ``doer`` changed the array in place (with ``advice``), or None."""
        found = changed_element(self.copy, self.array)
        if found is None:
            return None
        index, old, new = found
        detail = "" if old is None else (f" (element {format_index(index)} was {format_value(old)} and became "
                                          f"{format_value(new)})")
        return f"{doer} changed {self.what} in place{detail}; {advice}"

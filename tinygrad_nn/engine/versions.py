"""In-place changes and the graph: what lets ``backward`` notice that an array it needs was changed.

Every ``Tensor`` counts the in-place changes of its data (``tensor.version``,
PyTorch's ``_version``) and remembers when the last one happened on one
global clock. Every graph node remembers the clock when it was recorded
(``node.recorded_at``). A leaf or constant input of a node was changed after
the node saw it exactly when its last change is later than the node's
``recorded_at``; while the clock has not moved since a node was recorded
(the common case: the optimizer steps after ``backward``), nothing needs
checking at all.

What bumps a version: assigning ``tensor.data`` (so also ``p.data -= lr *
p.grad``), the in-place operators (``+=`` ...), ``copy_``, ``fill_``,
``zero_``, and everything the library does in place through them (optimizer
steps, ``load_state_dict``, ``nn.init``). A tensor and its ``detach()``
share one counter, as they share one array. Writing into the array itself
(``tensor.data[0] = 1``, or into the numpy array a Tensor was made from) is
invisible, as in PyTorch.
"""

import threading

__all__ = ["VersionCounter", "NEVER_CHANGED", "latest_change"]

latest_change = 0  # the clock: the tick of the latest in-place change anywhere (0 before any)
_lock = threading.Lock()


class VersionCounter:
    """How often an array was changed in place (``count``) and when it last was (``changed_at``)."""

    __slots__ = ("count", "changed_at")

    def __init__(self):
        self.count = 0
        self.changed_at = 0

    def bump(self):
        """Record one in-place change, now."""
        global latest_change
        with _lock:  # two changes never get the same tick, and the clock never goes back
            latest_change += 1
            self.count += 1
            self.changed_at = latest_change


class _NeverChanged(VersionCounter):
    """The counter every new Tensor starts with, shared: a tensor gets its own at its first change."""

    __slots__ = ()

    def bump(self):
        raise AssertionError("the shared NEVER_CHANGED counter is never bumped")


NEVER_CHANGED = _NeverChanged()

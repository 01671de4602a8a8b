"""In-place changes and the graph: what lets ``backward`` notice that an array it needs was changed.

One clock, ``TICKS``, numbers two kinds of events in the order they happen:
recording a graph node (``node.sequence``) and changing a tensor's data in
place. Every ``Tensor`` counts its in-place changes (``tensor.version``,
PyTorch's ``_version``) and remembers the tick of the last one. A leaf or
constant input of a node was changed after the node saw it exactly when its
last change is later than the node's ``sequence``; while no change at all
happened since a node was recorded (``latest_change < node.sequence``: the
common case, since the optimizer steps after ``backward``), nothing needs
checking.

What bumps a version: assigning ``tensor.data`` (so also ``p.data -= lr *
p.grad``), the in-place operators (``+=`` ...), ``copy_``, ``fill_``,
``zero_``, and everything the library does in place through them (optimizer
steps, ``load_state_dict``, ``nn.init``). A tensor and its ``detach()``
share one counter, as they share one array. Writing into the array itself
(``tensor.data[0] = 1``, or into the numpy array a Tensor was made from) is
invisible, as in PyTorch.
"""

import itertools
import threading
import weakref

__all__ = ["TICKS", "VersionCounter", "NEVER_CHANGED", "latest_change"]

TICKS = itertools.count(1)  # the clock; next() is atomic: two events never get the same tick, even in two threads
latest_change = 0  # the tick of the latest in-place change anywhere (0 before any)
_CHANGE_LOCK = threading.Lock()  # one in-place change at a time draws its tick and stores it


class VersionCounter:
    """How often an array was changed in place (``count``) and when it last was (``changed_at``).

    ``node`` is a weak reference to the graph node whose output the array
    is (for a tensor made by a recorded op), or None: a change then also
    marks that node (``node.output_changed_at``), so the nodes that saved
    the array can tell.

    ``earlier`` links a tensor whose data was replaced (``t.data = new``) to
    the array it had before and that array's counter: a ``detach()``ed
    tensor or a view may still change that array, and a node that saved it
    must be able to tell. It is given as ``(weak ref to the counter, weak
    ref to the array)``; the counter is then kept by a strong reference (it
    is tiny, and the tensor that changed the array may be gone by the time
    backward checks), the array only weakly. Links to arrays that were freed
    are cut out (at each new link and at each walk), so the chain is as long
    as the earlier arrays still alive.
    """

    __slots__ = ("count", "changed_at", "node", "earlier", "__weakref__")

    def __init__(self, count=0, node=None, earlier=None):
        self.count = count
        self.changed_at = 0
        self.node = None if node is None else weakref.ref(node)
        self.earlier = None  # (the earlier counter, weak ref to its array), or None
        counter = None if earlier is None else earlier[0]()
        if counter is not None:
            self.earlier = (counter, earlier[1])
            for _ in self.counters(None):  # cut out the links to freed arrays
                pass

    def _next_alive(self):
        """``(counter, array)`` of the first earlier link whose array is alive, else ``(None, None)``.

        Links to freed arrays on the way are cut out.
        """
        link = self.earlier
        while link is not None:
            array = link[1]()
            if array is not None:
                self.earlier = link
                return link[0], array
            link = link[0].earlier
        self.earlier = None
        return None, None

    def counters(self, array):
        """``(counter, array)`` for this counter with ``array``, then each earlier one whose array is alive."""
        counter = self
        while counter is not None:
            yield counter, array
            counter, array = counter._next_alive()

    def bump(self):
        """Record one in-place change, now.

        Under a lock: without it, a thread that drew its tick could store it
        as ``latest_change`` after another thread stored a newer one, and a
        node recorded between the two would skip the check of that newer
        change (a wrong gradient in a thread that changed only its own tensors).
        """
        global latest_change
        _CHANGE_LOCK.acquire()  # not `with`: -0.8% instructions on (b), six changes a step
        try:  # the ticks drawn here only grow, so the last one stored is the latest
            self.count += 1
            self.changed_at = latest_change = next(TICKS)
        finally:
            _CHANGE_LOCK.release()
        node = None if self.node is None else self.node()
        if node is not None:
            node.output_changed_at = self.changed_at


class _NeverChanged(VersionCounter):
    """The counter every new Tensor starts with, shared: a tensor gets its own at its first change."""

    __slots__ = ()

    def bump(self):
        raise AssertionError("the shared NEVER_CHANGED counter is never bumped")

    def __deepcopy__(self, memo):
        return self  # the one shared instance: a deep-copied Tensor starts "never changed" too (copy.deepcopy(model))


NEVER_CHANGED = _NeverChanged()

"""Watching units: dead ReLUs, saturated sigmoids and tanhs, and which Maxout piece wins.

``watch_units(model)`` puts a forward hook on every activation module of
``model`` (``ReLU``, ``LeakyReLU``, ``Sigmoid``, ``Tanh``, ``Maxout``) and
accumulates what the units did over every batch seen since the watcher was
made or last ``reset()`` (the *window*):

* ReLU family: a unit is **dead** when its output was zero (LeakyReLU:
  negative) for every input of the window. A dead ReLU gets no gradient
  and, unless other layers move its inputs, never comes back. A "dead"
  LeakyReLU unit still leaks a small gradient, which is why it can recover;
* Sigmoid / Tanh: a unit is **saturated** when, for at least
  ``saturated_share`` (default 95%) of the inputs of the window, its output
  lay within ``saturation_margin`` of a bound (0 or 1 for sigmoid, -1 or 1
  for tanh), where its local gradient is nearly zero. Dead is all-or-nothing
  (a dead ReLU's gradient is exactly zero); saturation is a matter of
  degree, and a sigmoid whose weights are far too large still has a few
  inputs near the middle of its range, so a share is the useful test;
* Maxout: **piece_wins[k]** is the fraction of (input, unit) pairs in which
  piece ``k`` gave the maximum (ties split evenly, like the gradient).

>>> import numpy as np, tinygrad_nn as tg
>>> net = tg.nn.MLP([2, 8, 1], rng=0)
>>> with tg.nn.watch_units(net) as watcher:
...     _ = net(tg.Tensor(np.random.default_rng(0).normal(size=(64, 2))))
>>> watcher.stats()["layers.1"].units
8

A unit counts over all inputs of the window, so watch a window large enough
to be representative (an epoch, or a few hundred inputs). Activations
applied with ``tg.functional`` instead of a module cannot be watched. A
module reused at several places in a net is watched once, over all its uses.
"""

from dataclasses import dataclass

import numpy as np

from ..engine import no_grad
from .activation import LeakyReLU, ReLU, Sigmoid, Tanh
from .linear import Maxout

__all__ = ["watch_units", "UnitWatcher", "UnitStats"]


@dataclass(frozen=True)
class UnitStats:
    """What one activation module's units did over the window; fields that do not apply are None.

    kind : ``"ReLU"``, ``"LeakyReLU"``, ``"Sigmoid"``, ``"Tanh"`` or ``"Maxout"``.
    units : number of units (the output's last axis).
    inputs_seen : number of inputs (rows) in the window.
    dead_fraction, dead_units : ReLU family; fraction and indices of dead units.
    saturated_fraction, saturated_units : Sigmoid/Tanh; fraction and indices of saturated units.
    inactive_output_fraction : fraction of all outputs that were zero/negative
        (ReLU family) or within the margin of a bound (Sigmoid/Tanh).
    piece_wins : Maxout; array of shape ``(pieces,)``, fraction of wins per piece (sums to 1).
    unit_piece_wins : Maxout; array ``(units, pieces)``, the same per unit.
    """

    path: str
    kind: str
    units: int
    inputs_seen: int
    dead_fraction: float | None = None
    dead_units: tuple | None = None
    saturated_fraction: float | None = None
    saturated_units: tuple | None = None
    inactive_output_fraction: float | None = None
    piece_wins: np.ndarray | None = None
    unit_piece_wins: np.ndarray | None = None


class _Tally:
    """Running counts for one module over the window."""

    def __init__(self, kind):
        self.kind = kind
        self.units = None
        self.inputs_seen = 0
        self.ever_active = None      # per unit: some input kept it out of the dead/saturated zone
        self.inactive_per_unit = None  # per unit: how many inputs put it in that zone
        self.inactive_outputs = 0
        self.wins = None             # Maxout: (units, pieces) summed win shares

    def add(self, inactive, rows):
        """``inactive``: bool array (rows, units) of outputs in the dead/saturated zone."""
        if self.ever_active is None or self.ever_active.shape != inactive.shape[1:]:
            self.ever_active = np.zeros(inactive.shape[1:], dtype=bool)
            self.inactive_per_unit = np.zeros(inactive.shape[1:], dtype=np.int64)
        self.ever_active |= ~inactive.all(axis=0)
        self.inactive_per_unit += inactive.sum(axis=0)
        self.inactive_outputs += int(inactive.sum())
        self.inputs_seen += rows


def _count(indices, units):
    """``"3/8 (38%)"`` for 3 of 8 units, ``"-"`` when the measure does not apply."""
    return "-" if indices is None else f"{len(indices)}/{units} ({len(indices) / units:.0%})"


def _rows(array):
    """The output as (rows, units): the last axis is the units, all others are inputs."""
    array = np.asarray(array)
    return array.reshape(-1, array.shape[-1]) if array.ndim else array.reshape(1, 1)


class UnitWatcher:
    """Forward hooks on a model's activation modules; see ``watch_units``.

    Use ``stats()`` for numbers, ``report()`` for a printable table,
    ``reset()`` to start a new window and ``remove()`` (or leave the ``with``
    block) to take the hooks off.
    """

    def __init__(self, model, saturation_margin=0.01, saturated_share=0.95):
        if not 0.0 < saturation_margin < 0.5:
            raise ValueError(f"watch_units: saturation_margin must be in (0, 0.5), got {saturation_margin}")
        if not 0.0 < saturated_share <= 1.0:
            raise ValueError(f"watch_units: saturated_share must be in (0, 1], got {saturated_share}")
        self.saturated_share = float(saturated_share)
        self.model = model
        self.saturation_margin = float(saturation_margin)
        self._tallies = {}
        self._handles = []
        for path, module in model.named_modules():
            kind = self._kind(module)
            if kind is not None:
                self._tallies[path] = _Tally(kind)
                self._handles.append(module.register_forward_hook(self._hook_for(path)))

    @staticmethod
    def _kind(module):
        for cls in (ReLU, LeakyReLU, Sigmoid, Tanh, Maxout):
            if isinstance(module, cls):
                return cls.__name__
        return None

    def _hook_for(self, path):
        def hook(module, inputs, output):
            self._observe(self._tallies[path], module, inputs, output)
        return hook

    def _observe(self, tally, module, inputs, output):
        out = _rows(output.data if hasattr(output, "data") else output)
        tally.units = out.shape[1]
        margin = self.saturation_margin
        if tally.kind in ("ReLU", "LeakyReLU"):
            tally.add(out <= 0, out.shape[0])
        elif tally.kind == "Sigmoid":
            tally.add((out < margin) | (out > 1 - margin), out.shape[0])
        elif tally.kind == "Tanh":
            tally.add(np.abs(out) > 1 - margin, out.shape[0])
        else:
            with no_grad():
                scores = module.piece_scores(inputs[0]).data
            scores = _rows(scores).reshape(-1, module.out_features, module.pieces)
            hits = scores == scores.max(axis=-1, keepdims=True)
            shares = hits / hits.sum(axis=-1, keepdims=True)
            wins = shares.sum(axis=0)
            tally.wins = wins if tally.wins is None or tally.wins.shape != wins.shape else tally.wins + wins
            tally.inputs_seen += scores.shape[0]

    # ------------------------------------------------------------- results
    def stats(self):
        """``{module_path: UnitStats}`` for every watched module that has seen at least one input."""
        result = {}
        for path, tally in self._tallies.items():
            if not tally.inputs_seen:
                continue
            fields = dict(path=path, kind=tally.kind, units=tally.units, inputs_seen=tally.inputs_seen)
            if tally.kind == "Maxout":
                per_unit = tally.wins / tally.inputs_seen
                fields.update(piece_wins=per_unit.mean(axis=0), unit_piece_wins=per_unit)
            else:
                if tally.kind in ("ReLU", "LeakyReLU"):
                    idle_mask = ~tally.ever_active
                else:
                    idle_mask = tally.inactive_per_unit >= self.saturated_share * tally.inputs_seen
                idle = tuple(int(i) for i in np.flatnonzero(idle_mask))
                fraction = len(idle) / tally.units
                inactive = tally.inactive_outputs / (tally.inputs_seen * tally.units)
                if tally.kind in ("ReLU", "LeakyReLU"):
                    fields.update(dead_fraction=fraction, dead_units=idle)
                else:
                    fields.update(saturated_fraction=fraction, saturated_units=idle)
                fields["inactive_output_fraction"] = inactive
            result[path] = UnitStats(**fields)
        return result

    def report(self):
        """A readable table: per watched module its path, kind, units and what its units did."""
        header = ("module", "type", "units", "dead", "saturated", "inactive outputs", "piece wins")
        rows = []
        for path, stats in self.stats().items():
            rows.append((path or "(root)", stats.kind, str(stats.units),
                         _count(stats.dead_units, stats.units),
                         _count(stats.saturated_units, stats.units),
                         "-" if stats.inactive_output_fraction is None else f"{stats.inactive_output_fraction:.0%}",
                         "-" if stats.piece_wins is None else " / ".join(f"{w:.2f}" for w in stats.piece_wins)))
        seen = max((s.inputs_seen for s in self.stats().values()), default=0)
        title = f"unit report over the last {seen} input{'' if seen == 1 else 's'}"
        if not rows:
            return title + "\nno activation module has run yet"
        legend = (f"dead: output zero (LeakyReLU: negative) for every input; saturated: within "
                  f"{self.saturation_margin} of a bound for >= {self.saturated_share:.0%} of inputs; "
                  "inactive outputs: share of all outputs that were zero/negative or saturated")
        widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
        fmt = lambda line: "  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip()  # noqa: E731
        return "\n".join([title, fmt(header), "-" * len(fmt(header)), *map(fmt, rows), legend])

    def __str__(self):
        return self.report()

    # ------------------------------------------------------------ lifetime
    def reset(self):
        """Forget everything seen so far: a new window starts."""
        for path, tally in self._tallies.items():
            self._tallies[path] = _Tally(tally.kind)

    def remove(self):
        """Take the hooks off the model (the stats gathered so far stay readable)."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()
        return False


def watch_units(model, saturation_margin=0.01, saturated_share=0.95):
    """Start watching ``model``'s activation units; returns a ``UnitWatcher`` (also a context manager).

    ``saturation_margin``: a sigmoid/tanh output closer than this to a bound
    counts as saturated (default 0.01: sigmoid beyond about |x| > 4.6, where
    its slope is below 4% of its maximum). ``saturated_share``: the share of
    inputs for which a unit must be saturated to count as a saturated unit.
    """
    return UnitWatcher(model, saturation_margin, saturated_share)

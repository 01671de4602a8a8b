"""Watching units: dead ReLUs, LeakyReLUs stuck below zero, saturated sigmoids and tanhs, Maxout piece wins.

``watch_units(model)`` puts a forward hook on every activation module of
``model`` (``ReLU``, ``LeakyReLU``, ``Sigmoid``, ``Tanh``, ``Maxout``) and
accumulates what the units did over every batch seen since the watcher was
made or last ``reset()`` (the *window*):

* ReLU: a unit is **dead** when its input was <= 0, so its output zero, for
  every input of the window. A dead ReLU gets exactly zero gradient and,
  unless other layers move its inputs, never comes back;
* LeakyReLU: a unit whose input was <= 0 for every input of the window is
  **all negative**. It is not dead: it still passes ``negative_slope``
  times the gradient, which is why it can recover. (A LeakyReLU with
  ``negative_slope=0`` is a ReLU, and its units are reported as dead.)
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
In Jupyter a watcher shows its report as a table with a small bar per
measure.
"""

import numbers
from dataclasses import dataclass

import numpy as np

from ..engine import no_grad
from .activation import LeakyReLU, ReLU, Sigmoid, Tanh
from .display import fraction_bar, html_table, Markup
from .linear import Maxout
from .module import Module

__all__ = ["watch_units", "UnitWatcher", "UnitStats"]


@dataclass(frozen=True)
class UnitStats:
    """What one activation module's units did over the window; fields that do not apply are None.

    kind : ``"ReLU"``, ``"LeakyReLU"``, ``"Sigmoid"``, ``"Tanh"`` or ``"Maxout"``.
    units : number of units (the output's last axis).
    inputs_seen : number of inputs (rows) in the window.
    dead_fraction, dead_units : ReLU (and LeakyReLU with slope 0); fraction and
        indices of dead units, which get no gradient.
    all_negative_fraction, all_negative_units : LeakyReLU; units below zero for
        every input, which still get ``negative_slope`` times the gradient.
    saturated_fraction, saturated_units : Sigmoid/Tanh; fraction and indices of saturated units.
    inactive_output_fraction : fraction of all (input, unit) pairs whose input
        was <= 0 (ReLU family) or whose output was within the margin of a
        bound (Sigmoid/Tanh).
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
    all_negative_fraction: float | None = None
    all_negative_units: tuple | None = None

    @property
    def where(self):
        """The module path and kind, e.g. ``"layers.1 (ReLU)"`` or ``"0 (Maxout)"`` (the root: ``"(root) (ReLU)"``)."""
        return f"{self.path or '(root)'} ({self.kind})"


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
        self.leaks = None            # LeakyReLU: whether negative_slope != 0

    def add(self, inactive, rows):
        """``inactive``: bool array (rows, units) of outputs in the dead/saturated zone."""
        if self.ever_active is None or self.ever_active.shape != inactive.shape[1:]:
            self.ever_active = np.zeros(inactive.shape[1:], dtype=bool)
            self.inactive_per_unit = np.zeros(inactive.shape[1:], dtype=np.int64)
        self.ever_active |= ~inactive.all(axis=0)
        self.inactive_per_unit += inactive.sum(axis=0)
        self.inactive_outputs += int(inactive.sum())
        self.inputs_seen += rows


def _rows(array):
    """The array as (rows, units): the last axis is the units, all others are inputs."""
    array = np.asarray(getattr(array, "data", array))
    return array.reshape(-1, array.shape[-1]) if array.ndim else array.reshape(1, 1)


# The report's columns: (header, UnitStats field of the unit indices or fraction, legend line)
_COLUMNS = [
    ("dead", "dead_units", "dead: input <= 0 (output 0) for every input, so the unit gets no gradient"),
    ("all negative", "all_negative_units",
     "all negative: a LeakyReLU unit below zero for every input; it still passes negative_slope times "
     "the gradient, so it is not dead"),
    ("saturated", "saturated_units", "saturated: within {margin} of a bound for >= {share:.0%} of inputs"),
    ("inactive outputs", "inactive_output_fraction", "inactive outputs: share of all outputs {inactive}"),
    ("piece wins", "piece_wins", "piece wins: per Maxout piece, the share of (input, unit) pairs it won"),
]


class UnitWatcher:
    """Forward hooks on a model's activation modules; see ``watch_units``.

    Use ``stats()`` for numbers, ``report()`` for a printable table,
    ``reset()`` to start a new window and ``remove()`` (or leave the ``with``
    block) to take the hooks off. In Jupyter the watcher shows as the report,
    with a bar per measure.
    """

    def __init__(self, model, saturation_margin=0.01, saturated_share=0.95):
        if not isinstance(model, Module):
            raise TypeError(f"watch_units: expected a tg.nn.Module, got {type(model).__name__}")
        for name, value in (("saturation_margin", saturation_margin), ("saturated_share", saturated_share)):
            if isinstance(value, (bool, np.bool_, np.ndarray)) or not isinstance(value, numbers.Real):
                raise TypeError(f"watch_units: {name} must be a number, got {type(value).__name__}")
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
        margin = self.saturation_margin
        if tally.kind in ("ReLU", "LeakyReLU"):
            pre = _rows(inputs[0])
            tally.units = pre.shape[1]
            tally.leaks = tally.kind == "LeakyReLU" and module.negative_slope != 0
            tally.add(pre <= 0, pre.shape[0])
            return
        if tally.kind == "Maxout":
            with no_grad():
                scores = module.piece_scores(inputs[0]).data
            scores = _rows(scores).reshape(-1, module.out_features, module.pieces)
            tally.units = module.out_features
            hits = scores == scores.max(axis=-1, keepdims=True)
            shares = hits / hits.sum(axis=-1, keepdims=True)
            wins = shares.sum(axis=0)
            tally.wins = wins if tally.wins is None or tally.wins.shape != wins.shape else tally.wins + wins
            tally.inputs_seen += scores.shape[0]
            return
        out = _rows(output)
        tally.units = out.shape[1]
        if tally.kind == "Sigmoid":
            tally.add((out < margin) | (out > 1 - margin), out.shape[0])
        else:
            tally.add(np.abs(out) > 1 - margin, out.shape[0])

    # ------------------------------------------------------------- results
    def _stats_of(self, path, tally):
        fields = dict(path=path, kind=tally.kind, units=tally.units, inputs_seen=tally.inputs_seen)
        if tally.kind == "Maxout":
            per_unit = tally.wins / tally.inputs_seen
            fields.update(piece_wins=per_unit.mean(axis=0), unit_piece_wins=per_unit)
            return UnitStats(**fields)
        if tally.kind in ("ReLU", "LeakyReLU"):
            idle_mask = ~tally.ever_active
            name = "all_negative" if tally.leaks else "dead"
        else:
            idle_mask = tally.inactive_per_unit >= self.saturated_share * tally.inputs_seen
            name = "saturated"
        idle = tuple(int(i) for i in np.flatnonzero(idle_mask))
        fields[f"{name}_units"] = idle
        fields[f"{name}_fraction"] = len(idle) / tally.units
        fields["inactive_output_fraction"] = tally.inactive_outputs / (tally.inputs_seen * tally.units)
        return UnitStats(**fields)

    def stats(self):
        """``{module_path: UnitStats}`` for every watched module that has seen at least one input."""
        return {path: self._stats_of(path, tally) for path, tally in self._tallies.items() if tally.inputs_seen}

    def _table(self, stats):
        """``(title, header, rows, legend)`` of the report; a row is ``[(text, fraction or None), ...]``.

        Only the measures that apply to some watched module are columns, and
        only those are explained in the legend.
        """
        seen = max((s.inputs_seen for s in stats.values()), default=0)
        title = f"unit report over the last {seen} input{'' if seen == 1 else 's'}"
        columns = [column for column in _COLUMNS if any(getattr(s, column[1]) is not None for s in stats.values())]
        rows = []
        for path, s in stats.items():
            cells = [(path or "(root)", None), (s.kind, None), (str(s.units), None)]
            for _, field, _ in columns:
                value = getattr(s, field)
                if value is None:
                    cells.append(("-", None))
                elif field == "piece_wins":
                    cells.append((" / ".join(f"{w:.2f}" for w in value), None))
                elif field == "inactive_output_fraction":
                    cells.append((f"{value:.0%}", value))
                else:
                    cells.append((f"{len(value)}/{s.units} ({len(value) / s.units:.0%})", len(value) / s.units))
            rows.append(cells)
        header = ["module", "type", "units", *(column[0] for column in columns)]
        kinds = {s.kind for s in stats.values()}
        inactive = " or ".join(text for text, members in [("whose input was <= 0", {"ReLU", "LeakyReLU"}),
                                                          ("that were saturated", {"Sigmoid", "Tanh"})]
                               if kinds & members)
        legend = [column[2].format(margin=self.saturation_margin, share=self.saturated_share, inactive=inactive)
                  for column in columns]
        return title, header, rows, legend

    def report(self):
        """A readable table: per watched module its path, kind, units and what its units did.

        Only the measures that apply to some watched module are columns; under
        the table, once, one legend line explains each of them.
        """
        title, header, rows, legend = self._table(self.stats())
        if not rows:
            return title + "\nno activation module has run yet"
        lines = [header, *([text for text, _ in row] for row in rows)]
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        fmt = lambda line: "  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip()  # noqa: E731
        return "\n".join([title, fmt(header), "-" * len(fmt(header)), *map(fmt, lines[1:]),
                          *legend])

    def __str__(self):
        return self.report()

    def _repr_html_(self):
        """Jupyter: the report as an HTML table, each fraction with a small bar, the legend under it."""
        from html import escape
        title, header, rows, legend = self._table(self.stats())
        if not rows:
            return f"<div>{escape(title)}: no activation module has run yet</div>"
        cells = [[Markup(f"{fraction_bar(fraction).html} {escape(text)}") if fraction is not None else text
                  for text, fraction in row] for row in rows]
        table = html_table(header, cells, caption=title, numeric_columns={2})
        notes = "".join(f'<div style="font-size:11px;color:#555">{escape(line)}</div>' for line in legend)
        return f'<div class="tinygrad-nn-unit-report">{table}{notes}</div>'

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

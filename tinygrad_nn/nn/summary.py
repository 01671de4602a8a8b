"""``summary(model)``: a per-layer table of neurons and parameters, no sample input needed.

Counting follows the course notes:

* a *layer* is a module with its own parameters and ``out_features``
  neurons (``Linear``, ``Maxout``); the input layer is not counted, so
  ``MLP([3, 4, 4, 1])`` is a 3-layer network with 2 hidden layers;
* *neurons* are the layers' output units (9 for ``[3, 4, 4, 1]``);
* *weights* are every parameter not named ``bias``; *biases* those named
  ``bias``; *parameters* both.

>>> import tinygrad_nn as tg
>>> print(tg.nn.summary(tg.nn.MLP([3, 4, 4, 1])).description)
a 3-layer network: 2 hidden layers, 9 neurons, 32 weights, 9 biases, 41 parameters
"""

from dataclasses import dataclass

from .module import Module

__all__ = ["summary", "ModelSummary", "LayerRow"]


@dataclass(frozen=True)
class LayerRow:
    """One row of the table. ``neurons`` is None for modules that hold no neurons."""

    path: str
    type: str
    neurons: int | None
    weights: int
    biases: int

    @property
    def parameters(self):
        """weights + biases."""
        return self.weights + self.biases


def _plural(count, word, plural=None):
    return f"{count} {word}" if count == 1 else f"{count} {plural or word + 's'}"


@dataclass(frozen=True)
class ModelSummary:
    """The result of ``summary``: ``rows``, totals, ``description``; ``str()`` is the table."""

    model_type: str
    rows: tuple

    @property
    def layers(self):
        """Number of layers of neurons (the input layer is not counted)."""
        return sum(1 for row in self.rows if row.neurons is not None)

    @property
    def hidden_layers(self):
        """Layers before the output layer."""
        return max(self.layers - 1, 0)

    @property
    def neurons(self):
        """Total neurons, inputs not counted."""
        return sum(row.neurons or 0 for row in self.rows)

    @property
    def weights(self):
        """Total weights."""
        return sum(row.weights for row in self.rows)

    @property
    def biases(self):
        """Total biases."""
        return sum(row.biases for row in self.rows)

    @property
    def parameters(self):
        """Total learnable parameters (shared ones counted once)."""
        return self.weights + self.biases

    @property
    def description(self):
        """The notes' naming, e.g. ``"a 3-layer network: 2 hidden layers, 9 neurons, ..."``."""
        return (f"a {self.layers}-layer network: {_plural(self.hidden_layers, 'hidden layer')}, "
                f"{_plural(self.neurons, 'neuron')}, {_plural(self.weights, 'weight')}, "
                f"{_plural(self.biases, 'bias', 'biases')}, "
                f"{_plural(self.parameters, 'parameter')}")

    def table(self):
        """The table as text: one row per layer or leaf module, then the totals and the description."""
        header = ("module", "type", "neurons", "weights", "biases", "parameters")
        body = []
        for row in self.rows:
            counted = row.neurons is not None or row.parameters
            body.append((row.path or "(root)", row.type,
                         "-" if row.neurons is None else str(row.neurons),
                         str(row.weights) if counted else "-",
                         str(row.biases) if counted else "-",
                         str(row.parameters) if counted else "-"))
        total = ("total", "", str(self.neurons), str(self.weights), str(self.biases), str(self.parameters))
        widths = [max(len(line[i]) for line in [header, total, *body]) for i in range(len(header))]

        def fmt(line):
            cells = [line[0].ljust(widths[0]), line[1].ljust(widths[1])]
            cells += [cell.rjust(width) for cell, width in zip(line[2:], widths[2:])]
            return "  ".join(cells).rstrip()

        rule = "-" * len(fmt(header))
        lines = [f"{self.model_type} summary", fmt(header), rule, *map(fmt, body), rule, fmt(total),
                 self.description]
        return "\n".join(lines)

    def __str__(self):
        return self.table()

    def __repr__(self):
        return self.table()


def summary(model):
    """Count ``model``'s neurons, weights, biases and parameters per layer; returns a ``ModelSummary``.

    Rows are the modules holding parameters and the parameter-free leaf
    modules (activations, dropout), in walk order. ``print(summary(model))``
    shows the table; Jupyter and the REPL show it as the value.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: expected a tg.nn.Module, got {type(model).__name__}")
    rows = []
    for path, module, own in model._walk():
        is_leaf = not module.named_children()
        if not own and not is_leaf:
            continue
        biases = sum(tensor.size for name, tensor in own if name.split(".")[0] == "bias")
        weights = sum(tensor.size for _, tensor in own) - biases
        neurons = getattr(module, "out_features", None) if own else None
        rows.append(LayerRow(path, type(module).__name__,
                             int(neurons) if neurons is not None else None, int(weights), int(biases)))
    return ModelSummary(type(model).__name__, tuple(rows))

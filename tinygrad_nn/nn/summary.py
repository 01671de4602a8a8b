"""``summary(model)``: a per-layer table of neurons and parameters, no sample input needed.

Counting follows the course notes:

* a *layer* is a module with its own parameters and ``out_features``
  neurons (``Linear``, ``Maxout``); the input layer is not counted, so
  ``MLP([3, 4, 4, 1])`` is a 3-layer network with 2 hidden layers;
* *neurons* are the layers' output units (9 for ``[3, 4, 4, 1]``);
* *weights* are every parameter not named ``bias``; *biases* those named
  ``bias``; *parameters* both.

Hidden and output layers are named only for a plain stack of layers: a
``Linear`` or ``Maxout`` alone, or ``Sequential``/``MLP`` containers of
layers and parameter-free modules, which run their children in order. In a
module with its own ``forward`` (a residual block, say) that ``forward``
decides how the layers connect, so the summary counts the layers and does
not call any of them hidden.

``summary(model, input_size=(N, D))`` also runs one forward pass on zeros
of that shape (under ``no_grad``, in eval mode) and adds each row's output
shape and the memory those outputs take, as torchinfo does.

>>> import tinygrad_nn as tg
>>> print(tg.nn.summary(tg.nn.MLP([3, 4, 4, 1])).description)
a 3-layer network: 2 hidden layers, 9 neurons, 32 weights, 9 biases, 41 parameters
"""

from dataclasses import dataclass
from html import escape

import numpy as np

from ..engine import Tensor, no_grad
from .activation import Identity, LeakyReLU, ReLU, Sigmoid, Tanh
from .container import MLP, Sequential
from .display import html_table
from .dropout import Dropout
from .linear import Linear, Maxout
from .module import Module

__all__ = ["summary", "ModelSummary", "LayerRow"]

# modules whose forward runs their children one after the other (or holds no children)
_STACK_FORWARDS = {cls.forward for cls in (Sequential, MLP, Linear, Maxout, Sigmoid, Tanh, ReLU, LeakyReLU,
                                           Identity, Dropout)}


@dataclass(frozen=True)
class LayerRow:
    """One row of the table. ``neurons`` is None for modules that hold no neurons.

    ``output_shape`` and ``output_bytes`` are filled when ``summary`` was
    given an ``input_size`` (None otherwise, or when the module did not run).
    """

    path: str
    type: str
    neurons: int | None
    weights: int
    biases: int
    output_shape: tuple | None = None
    output_bytes: int | None = None

    @property
    def parameters(self):
        """weights + biases."""
        return self.weights + self.biases


def _plural(count, word, plural=None):
    return f"{count} {word}" if count == 1 else f"{count} {plural or word + 's'}"


def _bytes_text(count):
    """``"640 B"``, ``"2.8 kB"``, ``"1.2 MB"`` (powers of 1000, as torchinfo)."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} B"


@dataclass(frozen=True)
class ModelSummary:
    """The result of ``summary``: ``rows``, totals, ``description``; ``str()`` is the table.

    ``is_layer_stack`` says whether the model is a plain stack of layers
    (see the module docstring); only then are hidden layers named.
    ``input_size`` is the shape given to ``summary`` (or None). In Jupyter the
    summary shows as an HTML table.
    """

    model_type: str
    rows: tuple
    is_layer_stack: bool = True
    input_size: tuple | None = None

    @property
    def layers(self):
        """Number of layers of neurons (the input layer is not counted)."""
        return sum(1 for row in self.rows if row.neurons is not None)

    @property
    def hidden_layers(self):
        """Layers before the output layer; None when the model is not a plain stack of layers."""
        return max(self.layers - 1, 0) if self.is_layer_stack else None

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
    def activation_bytes(self):
        """Bytes taken by the outputs of the rows' modules in the forward pass; None without ``input_size``."""
        if self.input_size is None:
            return None
        return sum(row.output_bytes or 0 for row in self.rows)

    @property
    def description(self):
        """The notes' naming, e.g. ``"a 3-layer network: 2 hidden layers, 9 neurons, ..."``."""
        counts = (f"{_plural(self.neurons, 'neuron')}, {_plural(self.weights, 'weight')}, "
                  f"{_plural(self.biases, 'bias', 'biases')}, {_plural(self.parameters, 'parameter')}")
        if self.is_layer_stack:
            return f"a {self.layers}-layer network: {_plural(self.hidden_layers, 'hidden layer')}, {counts}"
        return (f"{_plural(self.layers, 'layer')} of neurons wired by {self.model_type}.forward "
                f"(so none is named hidden or output): {counts}")

    @property
    def memory_line(self):
        """``"input (4, 3): the outputs of the modules listed take 352 B"``, or None without ``input_size``."""
        if self.input_size is None:
            return None
        return (f"input {self.input_size}: the outputs of the modules listed take "
                f"{_bytes_text(self.activation_bytes)}")

    def _cells(self):
        """``(header, body, total, text_columns)``: the table's cells as text, shared by the text and HTML
        tables; the first ``text_columns`` columns are text (left-aligned), the others counts."""
        shapes = self.input_size is not None
        header = ["module", "type", *(["output shape"] if shapes else []),
                  "neurons", "weights", "biases", "parameters"]
        body = []
        for row in self.rows:
            counted = row.neurons is not None or row.parameters
            shape = ["-" if row.output_shape is None else str(row.output_shape)] if shapes else []
            body.append([row.path or "(root)", row.type, *shape,
                         "-" if row.neurons is None else str(row.neurons),
                         str(row.weights) if counted else "-",
                         str(row.biases) if counted else "-",
                         str(row.parameters) if counted else "-"])
        total = ["total", "", *([""] if shapes else []),
                 str(self.neurons), str(self.weights), str(self.biases), str(self.parameters)]
        return header, body, total, 2 + shapes

    def table(self):
        """The table as text: one row per layer or leaf module, then the totals and the description."""
        header, body, total, texts = self._cells()
        widths = [max(len(line[i]) for line in [header, total, *body]) for i in range(len(header))]

        def fmt(line):
            cells = [cell.ljust(width) for cell, width in zip(line[:texts], widths)]
            cells += [cell.rjust(width) for cell, width in zip(line[texts:], widths[texts:])]
            return "  ".join(cells).rstrip()

        rule = "-" * len(fmt(header))
        lines = [f"{self.model_type} summary", fmt(header), rule, *map(fmt, body), rule, fmt(total),
                 self.description]
        if self.memory_line:
            lines.append(self.memory_line)
        return "\n".join(lines)

    def __str__(self):
        return self.table()

    def __repr__(self):
        return self.table()

    def _repr_html_(self):
        """Jupyter: the same table as HTML, the description under it."""
        header, body, total, texts = self._cells()
        table = html_table(header, body, total, caption=f"{self.model_type} summary",
                           numeric_columns=set(range(texts, len(header))))
        notes = "".join(f"<div>{escape(line)}</div>" for line in (self.description, self.memory_line) if line)
        return f'<div class="tinygrad-nn-summary">{table}{notes}</div>'


def _is_layer_stack(model):
    """True when every module with children runs them in order and holds no parameters of its own."""
    for _, module, own in model._walk():
        if module.named_children() and (own or type(module).forward not in _STACK_FORWARDS):
            return False
    return True


def _check_input_size(input_size):
    if not isinstance(input_size, (tuple, list)):
        raise TypeError(f"summary: input_size must be a shape such as (N, D), got {input_size!r}")
    if not input_size or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1
                                 for n in input_size):
        raise ValueError(f"summary: input_size must be a shape of positive ints such as (N, D), got {input_size!r}")
    return tuple(int(n) for n in input_size)


def _output_shapes(model, input_size):
    """``{id(module): (shape, nbytes)}`` of each module's first output in one forward pass on zeros."""
    parameters = model.parameters()
    dtype = parameters[0].dtype if parameters else np.float64
    found, handles = {}, []

    def record(module, inputs, output):
        if id(module) not in found and isinstance(output, Tensor):
            found[id(module)] = (tuple(output.shape), int(output.data.nbytes))

    modes = [(module, module.training) for module in model.modules()]
    try:
        for module in model.modules():
            handles.append(module.register_forward_hook(record))
        model.eval()
        with no_grad():
            model(Tensor(np.zeros(input_size, dtype=dtype)))
    except Exception as error:
        raise ValueError(f"summary: a forward pass of {type(model).__name__} on zeros of input_size="
                         f"{input_size} failed: {error}") from error
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training
    return found


def summary(model, input_size=None):
    """Count ``model``'s neurons, weights, biases and parameters per layer; returns a ``ModelSummary``.

    Rows are the modules holding parameters and the parameter-free leaf
    modules (activations, dropout), in walk order. ``print(summary(model))``
    shows the table; Jupyter shows it as an HTML table.

    ``input_size``: a shape such as ``(N, D)``. When given, one forward pass
    runs on zeros of that shape (no graph recorded, every module in eval
    mode for the pass, the model's own dtype) and each row gets the shape and
    the size in bytes of its module's output; forward hooks already on the
    model see that pass too. A forward that fails raises ``ValueError``.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: expected a tg.nn.Module, got {type(model).__name__}")
    outputs = {}
    if input_size is not None:
        input_size = _check_input_size(input_size)
        outputs = _output_shapes(model, input_size)
    rows = []
    for path, module, own in model._walk():
        is_leaf = not module.named_children()
        if not own and not is_leaf:
            continue
        biases = sum(tensor.size for name, tensor in own if name.split(".")[0] == "bias")
        weights = sum(tensor.size for _, tensor in own) - biases
        neurons = getattr(module, "out_features", None) if own else None
        shape, nbytes = outputs.get(id(module), (None, None))
        rows.append(LayerRow(path, type(module).__name__,
                             int(neurons) if neurons is not None else None, int(weights), int(biases),
                             shape, nbytes))
    return ModelSummary(type(model).__name__, tuple(rows), _is_layer_stack(model), input_size)

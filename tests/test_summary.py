"""nn.summary: the notes' counts of layers, neurons, weights, biases and parameters."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_nn as tg
import tinygrad_nn.random
from tinygrad_nn import nn

from html_checks import parse_html


def test_the_notes_two_example_networks():
    small = nn.summary(nn.MLP([3, 4, 2]))
    assert (small.layers, small.neurons, small.weights, small.biases, small.parameters) == (2, 6, 20, 6, 26)
    assert small.description == "a 2-layer network: 1 hidden layer, 6 neurons, 20 weights, 6 biases, 26 parameters"
    big = nn.summary(nn.MLP([3, 4, 4, 1]))
    assert big.description == "a 3-layer network: 2 hidden layers, 9 neurons, 32 weights, 9 biases, 41 parameters"


def test_the_table_lists_each_layer_with_its_path_and_counts():
    lines = str(nn.summary(nn.MLP([3, 4, 4, 1]))).splitlines()
    assert lines[1].split() == ["module", "type", "neurons", "weights", "biases", "parameters"]
    rows = [line.split() for line in lines[3:8]]
    assert rows == [["layers.0", "Linear", "4", "12", "4", "16"], ["layers.1", "ReLU", "-", "-", "-", "-"],
                    ["layers.2", "Linear", "4", "16", "4", "20"], ["layers.3", "ReLU", "-", "-", "-", "-"],
                    ["layers.4", "Linear", "1", "4", "1", "5"]]
    assert lines[-2].split() == ["total", "9", "32", "9", "41"]


@given(st.lists(st.integers(1, 50), min_size=2, max_size=6))
def test_totals_agree_with_num_parameters_for_any_mlp(sizes):
    net = nn.MLP(sizes)
    result = nn.summary(net)
    assert result.parameters == net.num_parameters()
    assert result.layers == len(sizes) - 1 and result.hidden_layers == len(sizes) - 2
    assert result.neurons == sum(sizes[1:])
    assert result.biases == sum(sizes[1:])
    assert result.weights == sum(a * b for a, b in zip(sizes, sizes[1:]))


def test_maxout_counts_every_piece_and_a_shared_layer_counts_once():
    maxout = nn.summary(nn.Sequential(nn.Maxout(3, 4, pieces=2), nn.Linear(4, 1)))
    assert (maxout.neurons, maxout.weights, maxout.biases) == (5, 24 + 4, 8 + 1)
    shared = nn.Linear(4, 4)
    twice = nn.summary(nn.Sequential(shared, nn.ReLU(), shared))
    assert twice.parameters == 20 and twice.layers == 1


def test_a_single_layer_and_bias_free_layers():
    single = nn.summary(nn.Linear(3, 1))
    assert single.description == "a 1-layer network: 0 hidden layers, 1 neuron, 3 weights, 1 bias, 4 parameters"
    assert nn.summary(nn.Linear(3, 2, bias=False)).biases == 0


def test_summary_refuses_non_modules():
    with pytest.raises(TypeError, match="expected a tg.nn.Module"):
        nn.summary([1, 2])


# ------------------------------------------------------- not a plain stack
class Residual(nn.Module):
    def __init__(self, width):
        self.inner = nn.Sequential(nn.Linear(width, width), nn.ReLU())
        self.gate = tg.Tensor(np.zeros(1), requires_grad=True)

    def forward(self, x):
        return x + self.gate * self.inner(x)


def test_a_module_with_its_own_forward_counts_layers_but_names_none_hidden():
    result = nn.summary(Residual(3))
    assert not result.is_layer_stack and result.hidden_layers is None and result.layers == 1
    assert result.description == ("1 layer of neurons wired by Residual.forward (so none is named hidden or "
                                  "output): 3 neurons, 10 weights, 3 biases, 13 parameters")
    assert "hidden layer" not in str(result).replace("hidden or output", "")
    wrapped = nn.summary(nn.Sequential(nn.Linear(3, 3), Residual(3), nn.Linear(3, 1)))
    assert not wrapped.is_layer_stack and wrapped.layers == 3


def test_sequential_and_mlp_of_layers_are_stacks_even_nested():
    nested = nn.summary(nn.Sequential(nn.MLP([2, 3, 4]), nn.Tanh(), nn.Dropout(0.5), nn.Linear(4, 1)))
    assert nested.is_layer_stack and (nested.layers, nested.hidden_layers) == (3, 2)


# ---------------------------------------------------------- input_size
@given(st.lists(st.integers(1, 9), min_size=2, max_size=4), st.integers(1, 5),
       st.sampled_from([np.float32, np.float64]))
def test_input_size_gives_every_row_its_output_shape_and_the_bytes_they_take(sizes, batch, dtype):
    net = nn.MLP(sizes, dtype=dtype)
    result = nn.summary(net, input_size=(batch, sizes[0]))
    widths = [width for width in sizes[1:-1] for _ in range(2)] + [sizes[-1]]  # Linear, ReLU, ..., Linear
    assert [row.output_shape for row in result.rows] == [(batch, width) for width in widths]
    itemsize = np.dtype(dtype).itemsize
    assert [row.output_bytes for row in result.rows] == [batch * width * itemsize for width in widths]
    assert result.activation_bytes == batch * sum(widths) * itemsize
    assert result.input_size == (batch, sizes[0])


def test_input_size_adds_a_column_and_a_memory_line_to_the_table():
    text = str(nn.summary(nn.MLP([3, 4, 1]), input_size=(8, 3))).splitlines()
    assert text[1].split() == ["module", "type", "output", "shape", "neurons", "weights", "biases", "parameters"]
    assert text[3].split() == ["layers.0", "Linear", "(8,", "4)", "4", "12", "4", "16"]
    assert text[-1] == "input (8, 3): the outputs of the modules listed take 576 B"   # 8 * (4 + 4 + 1) * 8 bytes
    assert "output shape" not in str(nn.summary(nn.MLP([3, 4, 1])))


def test_the_forward_pass_of_summary_leaves_no_trace():
    net = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 1))
    tg.manual_seed(1)
    before = tinygrad_nn.random.default_rng().bit_generator.state
    nn.summary(net, input_size=(2, 3))
    assert tinygrad_nn.random.default_rng().bit_generator.state == before      # Dropout drew no mask: eval mode
    assert all(module.training for module in net.modules())           # and training mode is back
    net.eval()
    nn.summary(net, input_size=(2, 3))
    assert not any(module.training for module in net.modules())
    assert not any(module.__dict__.get("_forward_hooks") for module in net.modules())
    assert all(p.grad is None for p in net.parameters())


def test_bad_input_size_and_a_failing_forward_are_clear_errors():
    with pytest.raises(ValueError, match=r"input_size must be a shape of positive ints"):
        nn.summary(nn.MLP([3, 1]), input_size=(0, 3))
    with pytest.raises(TypeError, match=r"input_size must be a shape"):
        nn.summary(nn.MLP([3, 1]), input_size="8x3")
    with pytest.raises(ValueError, match=r"summary: a forward pass of MLP on zeros of input_size=\(8, 2\) failed: "
                                         r".*expected input of shape \(N, 3\)"):
        nn.summary(nn.MLP([3, 1]), input_size=(8, 2))


# ---------------------------------------------------------------- Jupyter
def test_the_html_table_has_the_text_tables_cells_escaped():
    class Odd(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(2, 2)

        def forward(self, x):
            return self.layer(x)

    Odd.__name__ = "Odd<b>&"
    result = nn.summary(Odd(), input_size=(1, 2))
    tags, text = parse_html(result._repr_html_())
    assert tags.count("tr") == 1 + len(result.rows) + 1 and "b" not in tags
    assert "Odd<b>& summary" in text and "layer" in text and "(1, 2)" in text
    assert result.description in text and result.memory_line in text
    assert repr(result) == str(result)   # the plain repr stays the text table

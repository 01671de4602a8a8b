"""nn.summary: the notes' counts of layers, neurons, weights, biases and parameters."""

import pytest
from hypothesis import given, strategies as st

from tinygrad_nn import nn


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

"""Initialization: the scale of each scheme, the default choices, and seeding."""

import math

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn
from tinygrad_nn.nn import init


def weight(shape):
    return tg.Tensor(np.zeros(shape), requires_grad=True)


@pytest.mark.parametrize("fill, expected_std", [
    (lambda w: init.kaiming_normal_(w, rng=0), math.sqrt(2 / 400)),
    (lambda w: init.kaiming_uniform_(w, rng=0), math.sqrt(2 / 400)),
    (lambda w: init.kaiming_normal_(w, "leaky_relu", 0.2, rng=0), math.sqrt(2 / 1.04 / 400)),
    (lambda w: init.xavier_normal_(w, rng=0), math.sqrt(2 / (400 + 300))),
    (lambda w: init.xavier_uniform_(w, rng=0), math.sqrt(2 / (400 + 300))),
    (lambda w: init.normal_(w, 0.0, 0.01, rng=0), 0.01),
])
def test_each_scheme_gives_its_standard_deviation(fill, expected_std):
    w = fill(weight((300, 400)))
    assert abs(w.data.mean()) < 0.02 * expected_std * 10
    assert abs(w.data.std() / expected_std - 1) < 0.02


def test_uniform_schemes_stay_inside_their_bounds():
    w = init.xavier_uniform_(weight((30, 20)), rng=0)
    assert np.abs(w.data).max() <= math.sqrt(6 / 50)
    w = init.kaiming_uniform_(weight((30, 20)), rng=0)
    assert np.abs(w.data).max() <= math.sqrt(2) * math.sqrt(3 / 20)


def test_gains_and_fans():
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.fans((4, 3)) == (3, 4)
    assert init.fans((4, 2, 3)) == (3, 8)  # a Maxout weight: (units, pieces, inputs)
    with pytest.raises(ValueError, match="unknown nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="at least 2 axes"):
        init.fans((5,))


def test_linear_defaults_to_he_and_zero_bias():
    layer = nn.Linear(500, 400, rng=0)
    assert abs(layer.weight.data.std() / math.sqrt(2 / 500) - 1) < 0.02
    assert (layer.bias.data == 0).all()


def test_mlp_uses_xavier_for_sigmoid_and_tanh_and_he_for_relu():
    for activation, std in [(nn.Sigmoid, math.sqrt(2 / 700)), (nn.Tanh, math.sqrt(2 / 700)),
                            (nn.ReLU, math.sqrt(2 / 300))]:
        net = nn.MLP([300, 400, 10], activation=activation, rng=0)
        assert abs(net.layers[0].weight.data.std() / std - 1) < 0.02, activation


def test_he_init_keeps_relu_activations_from_shrinking_with_depth():
    net = nn.MLP([200] * 9 + [1], rng=0)
    x = tg.Tensor(np.random.default_rng(1).normal(size=(256, 200)))
    with tg.no_grad():
        out = net.layers[:-1](x)
    assert 0.3 < float(np.sqrt((out.data ** 2).mean())) < 3.0


def test_int_generator_and_default_rng_are_reproducible():
    a = init.normal_(weight((3, 3)), rng=5).data.copy()
    b = init.normal_(weight((3, 3)), rng=np.random.default_rng(5)).data
    np.testing.assert_array_equal(a, b)
    tg.manual_seed(9)
    c = init.normal_(weight((3, 3))).data.copy()
    tg.manual_seed(9)
    np.testing.assert_array_equal(c, init.normal_(weight((3, 3))).data)
    assert tg.random.default_rng() is tg.random.default_rng()
    with pytest.raises(ValueError, match="non-negative int"):
        tg.manual_seed(-1)
    with pytest.raises(TypeError, match="rng must be None"):
        init.normal_(weight((2, 2)), rng="seed")


@pytest.mark.parametrize("fill, op", [(lambda w: init.uniform_(w, -1e308, 1e308), "uniform_"),
                                      (lambda w: init.xavier_uniform_(w, gain=1e308), "xavier_uniform_")])
def test_a_uniform_range_too_wide_for_float64_is_refused_naming_the_function(fill, op):
    w = weight((2, 3))
    before = w.data.copy()
    with pytest.raises(ValueError, match=f"^{op}: .*too wide for float64"):
        fill(w)
    np.testing.assert_array_equal(w.data, before)

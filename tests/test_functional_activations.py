"""Functional activations against direct numpy formulas, with their kink and tie conventions."""

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_nn as tg
from tinygrad_nn import functional as F

finite = st.floats(-50, 50, allow_nan=False, width=64)
matrices = hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6), elements=finite)


@given(matrices)
def test_elementwise_activations_match_numpy(x):
    np.testing.assert_allclose(F.sigmoid(x).data, 1 / (1 + np.exp(-x)), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(F.tanh(x).data, np.tanh(x))
    np.testing.assert_array_equal(F.relu(x).data, np.maximum(x, 0))
    np.testing.assert_allclose(F.leaky_relu(x, 0.2).data, np.where(x > 0, x, 0.2 * x))


@given(matrices)
def test_softmax_and_log_softmax_match_numpy(x):
    shifted = x - x.max(axis=1, keepdims=True)
    expected = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(F.softmax(x).data, expected, atol=1e-12)
    np.testing.assert_allclose(F.log_softmax(tg.Tensor(x), axis=1).data,
                               shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)), atol=1e-12)
    np.testing.assert_allclose(F.softmax(x, axis=0).data.sum(axis=0), 1.0)


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3))
def test_maxout_takes_the_max_of_consecutive_groups(units, pieces, batch):
    x = np.random.default_rng(units * 10 + pieces).normal(size=(batch, units * pieces))
    out = F.maxout(tg.Tensor(x), pieces)
    assert out.shape == (batch, units)
    np.testing.assert_array_equal(out.data, x.reshape(batch, units, pieces).max(axis=2))
    along_first = F.maxout(tg.Tensor(x.T), pieces, axis=0)
    np.testing.assert_array_equal(along_first.data, out.data.T)


def test_maxout_rejects_a_width_that_is_not_a_multiple_of_pieces():
    with pytest.raises(ValueError, match=r"5 features, not a multiple of pieces=2"):
        F.maxout(tg.Tensor(np.ones((3, 5))), 2)
    with pytest.raises(ValueError, match="pieces must be a positive int"):
        F.maxout(tg.Tensor(np.ones((3, 4))), 0)


def test_maxout_ties_split_the_gradient_evenly():
    x = tg.Tensor([[1.0, 1.0, 1.0, 0.0, 2.0, 2.0]], requires_grad=True)
    F.maxout(x, 3).sum().backward()
    np.testing.assert_allclose(x.grad, [[1 / 3, 1 / 3, 1 / 3, 0.0, 0.5, 0.5]])


def test_kink_conventions_relu_zero_and_leaky_slope_at_zero():
    x = tg.Tensor([0.0, -1.0, 2.0], requires_grad=True)
    F.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])
    y = tg.Tensor([0.0, -1.0, 2.0], requires_grad=True)
    F.leaky_relu(y, 0.1).sum().backward()
    np.testing.assert_allclose(y.grad, [0.1, 0.1, 1.0])


@given(matrices)
def test_sigmoid_and_tanh_gradients_are_the_textbook_derivatives(x):
    t = tg.Tensor(x, requires_grad=True)
    F.sigmoid(t).sum().backward()
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(t.grad, s * (1 - s), atol=1e-12)
    u = tg.Tensor(x, requires_grad=True)
    F.tanh(u).sum().backward()
    np.testing.assert_allclose(u.grad, 1 - np.tanh(x) ** 2, atol=1e-12)

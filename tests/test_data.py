"""Datasets: shapes, dtypes, labels, reproducibility, geometry and argument checks."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinygrad_nn import data


@given(st.integers(2, 60), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_spiral_shapes_labels_and_radius(n_per_class, n_classes, seed):
    X, y = data.spiral(n_per_class, n_classes, seed)
    assert X.shape == (n_per_class * n_classes, 2) and X.dtype == np.float64
    assert y.shape == (n_per_class * n_classes,) and y.dtype == np.int64
    assert np.array_equal(np.bincount(y, minlength=n_classes), [n_per_class] * n_classes)
    # noise moves the angle only: each arm's radii run evenly from 0 to 1
    radius = np.hypot(X[:, 0], X[:, 1]).reshape(n_classes, n_per_class)
    np.testing.assert_allclose(radius, np.tile(np.linspace(0, 1, n_per_class), (n_classes, 1)), atol=1e-12)


def test_spiral_is_reproducible_and_seed_dependent():
    X1, y1 = data.spiral(seed=3)
    X2, y2 = data.spiral(seed=3)
    X3, _ = data.spiral(seed=4)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_spiral_without_noise_follows_the_formula():
    X, y = data.spiral(n_per_class=5, n_classes=2, noise=0.0)
    r = np.linspace(0, 1, 5)
    theta = np.linspace(4, 8, 5)
    np.testing.assert_allclose(X[5:], np.column_stack([r * np.sin(theta), r * np.cos(theta)]))
    assert y.tolist() == [0] * 5 + [1] * 5


def test_spiral_noise_has_the_notes_scale():
    X, _ = data.spiral(n_per_class=2000, n_classes=1, seed=1)
    r = np.linspace(0, 1, 2000)
    theta = np.arctan2(X[:, 0], X[:, 1])
    clean = np.linspace(0, 4, 2000)
    residual = np.angle(np.exp(1j * (theta - clean)))[r > 0]
    assert residual.std() == pytest.approx(0.2, rel=0.1)


def test_two_blobs_are_binary_and_roughly_separable_by_the_diagonal():
    X, y = data.two_blobs(n_per_class=200, seed=0)
    assert X.shape == (400, 2) and set(y.tolist()) == {0, 1}
    predicted = (X.sum(axis=1) > 0).astype(np.int64)
    assert np.mean(predicted == y) > 0.95
    targets_pm1 = 2 * y - 1
    assert set(targets_pm1.tolist()) == {-1, 1}


def test_blobs_centres_and_reproducibility():
    X, y = data.blobs(n_per_class=3000, centers=[[5.0, 0.0, 1.0], [-5.0, 2.0, 0.0]], std=0.1, seed=7)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [5.0, 0.0, 1.0], atol=0.01)
    np.testing.assert_allclose(X[y == 1].std(axis=0), [0.1] * 3, rtol=0.05)
    assert np.array_equal(X, data.blobs(n_per_class=3000, centers=[[5.0, 0.0, 1.0], [-5.0, 2.0, 0.0]],
                                        std=0.1, seed=7)[0])


@pytest.mark.parametrize("call, words", [
    (lambda: data.spiral(n_per_class=0), ["spiral", "n_per_class", ">= 1"]),
    (lambda: data.spiral(n_classes=2.5), ["spiral", "n_classes"]),
    (lambda: data.spiral(noise=-1), ["spiral", "noise"]),
    (lambda: data.blobs(centers=[1.0, 2.0]), ["blobs", "centers", "(2,)"]),
    (lambda: data.two_blobs(std=float("nan")), ["blobs", "std"]),
])
def test_bad_arguments_raise_clear_errors(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for word in words:
        assert word in str(info.value)

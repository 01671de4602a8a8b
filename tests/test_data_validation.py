"""tinygrad_nn.data refuses meaningless numbers (nan, inf, negative spreads and distances) and degenerate sets."""

import numpy as np
import pytest

from tinygrad_nn import data


def test_spiral_with_one_point_per_arm_puts_it_at_the_arm_end():
    X, y = data.spiral(n_per_class=1, n_classes=3, noise=0.0)
    assert X.shape == (3, 2) and list(y) == [0, 1, 2]
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), 1.0)  # not every point at the origin
    theta = 4.0 * np.arange(1, 4)
    np.testing.assert_allclose(X, np.column_stack([np.sin(theta), np.cos(theta)]))
    assert len({tuple(row) for row in np.round(X, 9)}) == 3
    X, _ = data.spiral(n_per_class=1, n_classes=4, seed=2)
    assert np.isfinite(X).all() and np.allclose(np.hypot(X[:, 0], X[:, 1]), 1.0)


def test_spiral_with_two_or_more_points_is_unchanged():
    X, _ = data.spiral(n_per_class=2, n_classes=2, noise=0.0)
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), [0.0, 1.0, 0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(X[1], [np.sin(4.0), np.cos(4.0)])


@pytest.mark.parametrize("call, error, words", [
    (lambda: data.blobs(centers=[[np.nan, 0.0]]), ValueError, ["blobs", "centers", "finite", "nan"]),
    (lambda: data.blobs(centers=[[0.0, 0.0], [np.inf, 1.0]]), ValueError, ["blobs", "centers", "finite", "row 1"]),
    (lambda: data.blobs(centers=[[0.0, -np.inf]]), ValueError, ["blobs", "finite", "column 1"]),
    (lambda: data.blobs(centers=np.zeros((2, 0))), ValueError, ["blobs", "centers", "(2, 0)"]),
    (lambda: data.blobs(centers=[["1", "2"]]), TypeError, ["blobs", "centers", "real numbers"]),
    (lambda: data.blobs(centers=[[1e308, 0.0]], std=1e308), ValueError, ["blobs", "overflow"]),
    (lambda: data.blobs(std=-0.5), ValueError, ["blobs", "std", ">= 0"]),
    (lambda: data.blobs(std=np.inf), ValueError, ["blobs", "std", "finite"]),
    (lambda: data.two_blobs(distance=-3), ValueError, ["two_blobs", "distance", ">= 0"]),
    (lambda: data.two_blobs(distance=np.nan), ValueError, ["two_blobs", "distance", "finite"]),
    (lambda: data.two_blobs(distance=np.inf), ValueError, ["two_blobs", "distance", "finite"]),
    (lambda: data.two_blobs(distance="far"), TypeError, ["two_blobs", "distance"]),
    (lambda: data.two_blobs(std=-1.0), ValueError, ["two_blobs", "std"]),
    (lambda: data.spiral(noise=np.nan), ValueError, ["spiral", "noise", "finite"]),
    (lambda: data.spiral(noise=-np.inf), ValueError, ["spiral", "noise"]),
    (lambda: data.spiral(n_classes=0), ValueError, ["spiral", "n_classes"]),
    (lambda: data.spiral(seed=-1), ValueError, ["spiral", "seed"]),
])
def test_meaningless_numbers_are_refused(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value)


def test_zero_distance_and_zero_spread_are_allowed():
    X, y = data.two_blobs(n_per_class=5, distance=0.0, std=0.0)
    assert np.array_equal(X, np.zeros((10, 2))) and list(y) == [0] * 5 + [1] * 5
    X, _ = data.spiral(n_per_class=3, n_classes=2, noise=0.0)
    assert np.isfinite(X).all()


def test_two_blobs_keeps_class_one_on_the_positive_side():
    X, y = data.two_blobs(n_per_class=200, distance=6.0, std=0.1, seed=0)
    assert (X[y == 1].sum(axis=1) > 0).all() and (X[y == 0].sum(axis=1) < 0).all()

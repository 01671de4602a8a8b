"""What the tg.compile tests share: the spiral net's arrays and loss, leaves, a bitwise comparison."""

import numpy as np

import tinygrad_nn as tg


def leaves(arrays, requires_grad=True):
    return [tg.Tensor(a.copy(), requires_grad=requires_grad) for a in arrays]


def spiral_arrays(seed=0):
    X, y = tg.data.spiral(seed=seed)
    rng = np.random.default_rng(seed + 1)
    return X, y, [0.01 * rng.standard_normal((2, 100)), np.zeros(100), 0.01 * rng.standard_normal((100, 3)),
                  np.zeros(3)]


def spiral_loss(X, y, W1, b1, W2, b2):
    """The CS231n 2-layer net's loss, written with Tensor ops (log_softmax, indexing, mean, L2)."""
    hidden = (X @ W1 + b1).relu()
    scores = hidden @ W2 + b2
    data_loss = -scores.log_softmax(axis=1)[np.arange(len(y)), y].mean()
    loss = data_loss + 0.5 * 1e-3 * ((W1 * W1).sum() + (W2 * W2).sum())
    return loss


def assert_same(actual, expected):
    """Bitwise equal: same dtype, shape and bytes."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    assert actual.tobytes() == expected.tobytes(), np.max(np.abs(actual - expected))

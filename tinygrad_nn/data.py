"""Small synthetic datasets for the classic neural-network examples.

* ``spiral``: the CS231n spiral, classes winding around the origin; no
  linear classifier separates them (about half the points at best).
* ``two_blobs`` / ``blobs``: Gaussian clouds; two blobs are the binary set
  on which a single neuron is a linear classifier.

Every function takes a ``seed`` and draws from its own
``numpy.random.default_rng(seed)``, so the data never depends on (or
disturbs) ``tg.manual_seed``. Features are float64 of shape ``(N, 2)``,
labels int64 of shape ``(N,)``, ordered class by class. Arguments are
checked first: counts are integers ``>= 1``, spreads and distances
finite and ``>= 0``, centres finite; anything else is a ``ValueError``
(a ``TypeError`` for a non-number) naming the function.

>>> from tinygrad_nn import data
>>> X, y = data.spiral(n_per_class=100, n_classes=3, seed=0)
>>> X.shape, X.dtype, y.shape, y.dtype
((300, 2), dtype('float64'), (300,), dtype('int64'))
"""

import numpy as np

from .engine.methods.arguments import allocation_check, int_argument, number_argument

__all__ = ["spiral", "blobs", "two_blobs"]


def _count(value, name, function, minimum=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{function}: {name} must be an integer >= {minimum}, got {value!r:.40}")
    return int(value)


def _spread(value, name, function):
    """A noise level or standard deviation: a finite number >= 0."""
    number = number_argument(value, name, function, finite=True)
    if number < 0:
        raise ValueError(f"{function}: {name} must be a finite number >= 0, got {value!r}")
    return number


def _rng(seed, function):
    """The function's own generator: ``seed`` is an int >= 0 (or None for fresh entropy)."""
    if seed is not None:
        seed = int_argument(seed, "seed", function, minimum=0)
    return np.random.default_rng(seed)


def _points(n_per_class, n_classes, n_features, function):
    """Refuse a data set that would not fit in memory, naming the function."""
    allocation_check((n_per_class * n_classes, n_features), np.float64, function)


def spiral(n_per_class=100, n_classes=3, seed=0, noise=0.2):
    """The CS231n spiral: ``n_classes`` arms of ``n_per_class`` points each.

    Point ``i`` of class ``k`` sits at radius ``r = i / (n_per_class - 1)``
    (0 to 1) and angle ``4k + 4r`` plus Gaussian noise of standard
    deviation ``noise`` (0.2, as in the notes), at ``(r sin t, r cos t)``.
    With ``n_per_class=1`` the formula has no ``i / 0``: each arm's one
    point sits at the arm's end, ``r = 1`` and angle ``4k + 4`` (so the
    classes stay apart instead of all sitting at the origin).
    Returns ``(X, y)``: X float64 ``(n_per_class * n_classes, 2)``, y int64.
    """
    n_per_class = _count(n_per_class, "n_per_class", "spiral")
    n_classes = _count(n_classes, "n_classes", "spiral")
    noise = _spread(noise, "noise", "spiral")
    _points(n_per_class, n_classes, 2, "spiral")
    rng = _rng(seed, "spiral")
    start = 0.0 if n_per_class > 1 else 1.0  # linspace(0, 1, 1) would be [0]: one point goes at the end
    radius = np.linspace(start, 1.0, n_per_class)
    features, labels = [], []
    for k in range(n_classes):
        angles = np.linspace(4.0 * (k + start), 4.0 * (k + 1), n_per_class)
        theta = angles + rng.normal(0.0, noise, n_per_class)
        features.append(np.column_stack([radius * np.sin(theta), radius * np.cos(theta)]))
        labels.append(np.full(n_per_class, k, dtype=np.int64))
    return np.concatenate(features), np.concatenate(labels)


def blobs(n_per_class=50, centers=((-1.0, -1.0), (1.0, 1.0)), std=0.5, seed=0):
    """Gaussian clouds: ``n_per_class`` points around each row of ``centers`` (class = row index).

    ``centers`` holds finite real numbers, shape ``(n_classes, n_features)``
    with at least one of each; ``std`` (the standard deviation of every
    coordinate) is finite and ``>= 0``.
    Returns ``(X, y)``: X float64 ``(n_per_class * len(centers), d)``, y int64.
    """
    n_per_class = _count(n_per_class, "n_per_class", "blobs")
    try:
        raw = np.asarray(centers)
        if raw.dtype.kind not in "biuf":
            raise TypeError
        centers = raw.astype(np.float64)
    except (TypeError, ValueError, OverflowError):
        raise TypeError(f"blobs: centers must be rows of real numbers, shape (n_classes, n_features), got "
                        f"{centers!r:.40}") from None
    if centers.ndim != 2 or centers.shape[0] == 0 or centers.shape[1] == 0:
        raise ValueError(f"blobs: centers must have shape (n_classes, n_features), both at least 1, got shape "
                         f"{centers.shape}")
    if not np.isfinite(centers).all():
        row, column = np.argwhere(~np.isfinite(centers))[0]
        raise ValueError(f"blobs: centers must be finite, got {centers[row, column].item()!r} at row {row}, column "
                         f"{column}")
    std = _spread(std, "std", "blobs")
    _points(n_per_class, len(centers), centers.shape[1], "blobs")
    rng = _rng(seed, "blobs")
    with np.errstate(over="ignore", invalid="ignore"):
        features = np.concatenate([center + std * rng.standard_normal((n_per_class, centers.shape[1]))
                                   for center in centers])
    if not np.isfinite(features).all():
        raise ValueError(f"blobs: centers and std too large, points overflow float64 "
                         f"(largest |center| {np.abs(centers).max():g}, std {std:g})")
    labels = np.repeat(np.arange(len(centers), dtype=np.int64), n_per_class)
    return features, labels


def two_blobs(n_per_class=50, seed=0, distance=3.0, std=0.6):
    """The binary set of the single-neuron story: two 2-D Gaussian blobs, labels 0 and 1.

    The centres sit at ``±distance/2`` along the diagonal direction
    ``(1, 1)/sqrt(2)``, so the best boundary is roughly the line
    ``x1 + x2 = 0``. Labels are 0/1 for ``binary_cross_entropy_with_logits``;
    for the SVM ``hinge_loss`` use ``2 * y - 1`` (labels -1/+1). ``distance``
    is finite and ``>= 0`` (a negative one would swap the classes); 0 puts
    both blobs at the origin.
    """
    _count(n_per_class, "n_per_class", "two_blobs")
    _spread(std, "std", "two_blobs")
    _rng(seed, "two_blobs")  # each argument checked under this function's name; blobs then uses them
    offset = _spread(distance, "distance", "two_blobs") / 2 / np.sqrt(2.0)
    return blobs(n_per_class, centers=((-offset, -offset), (offset, offset)), std=std, seed=seed)

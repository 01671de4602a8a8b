"""Seeding: one module-level numpy ``Generator`` that every random choice uses.

Every function that draws random numbers (``nn.init``, ``Linear``/``Maxout``
construction, ``Dropout``) takes ``rng=None``. ``None`` means this module's
default generator; a ``numpy.random.Generator`` is used as given; an ``int``
seeds a fresh generator for that one call. ``tg.manual_seed(s)`` replaces the
default generator by ``np.random.default_rng(s)``, so after it everything
that uses the default is reproducible:

>>> import tinygrad_nn as tg
>>> _ = tg.manual_seed(0); a = tg.nn.Linear(3, 2).weight.data
>>> _ = tg.manual_seed(0); b = tg.nn.Linear(3, 2).weight.data
>>> bool((a == b).all())
True

Before any ``manual_seed`` the default generator is seeded from fresh OS
entropy (numpy's own convention), so unseeded runs differ.
We never touch numpy's legacy global state (``np.random.seed``).
"""

import numbers

import numpy as np

__all__ = ["manual_seed", "default_rng", "as_rng"]

_DEFAULT = np.random.default_rng()


def manual_seed(seed):
    """Reseed the default generator with ``seed`` (an int >= 0); returns the new generator."""
    global _DEFAULT
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"manual_seed: the seed must be a non-negative int, got {seed!r}")
    _DEFAULT = np.random.default_rng(int(seed))
    return _DEFAULT


def default_rng():
    """The current default ``numpy.random.Generator`` (replaced by ``manual_seed``)."""
    return _DEFAULT


def as_rng(rng=None, op="as_rng"):
    """``rng`` as a Generator: None gives ``default_rng()``, an int >= 0 a fresh seeded generator.

    ``op`` names the caller in the error for anything else.
    """
    if rng is None:
        return _DEFAULT
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"{op}: an rng seed must be an int >= 0, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(f"{op}: rng must be None, an int seed or a numpy.random.Generator, got {type(rng).__name__}")

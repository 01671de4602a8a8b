"""The engine's error classes.

Every error the library raises is a built-in exception type (so ``except
ValueError`` keeps working) with a message that names the op, the shapes and
what was expected. Two classes say more:

* ``ShapeError`` derives from both ``ValueError`` (the pythonic choice) and
  ``RuntimeError`` (what PyTorch raises for shape mismatches), so code
  written either way catches it.
* ``VersionError`` (a ``RuntimeError``, as in PyTorch) says that an array the
  graph needs was changed in place after the graph recorded it.
"""

__all__ = ["ShapeError", "VersionError", "AnomalyError"]


class ShapeError(ValueError, RuntimeError):
    """Shapes that do not fit together (matmul, broadcasting, reshape, a backward's result)."""


class VersionError(RuntimeError):
    """A tensor that a recorded node needs was changed in place since the node was recorded."""


class AnomalyError(FloatingPointError):
    """Raised inside ``detect_anomaly()`` when an op produces NaN or inf."""

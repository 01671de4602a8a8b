"""The engine's error classes.

Every error the library raises is a built-in exception type (so ``except
ValueError`` keeps working) with a message that names the op, the shapes and
what was expected. Three classes say more:

* ``ShapeError`` derives from both ``ValueError`` (the pythonic choice) and
  ``RuntimeError`` (what PyTorch raises for shape mismatches), so code
  written either way catches it.
* ``VersionError`` (a ``RuntimeError``, as in PyTorch) says that an array the
  graph needs was changed in place after the graph recorded it.
* ``NotDifferentiableError`` (a ``RuntimeError``) says that a backward cannot
  be recorded under ``create_graph=True``, so a second derivative through it
  would be wrong; the message names the ``Function`` and how to fix it.
"""

__all__ = ["ShapeError", "VersionError", "AnomalyError", "NotDifferentiableError"]


class ShapeError(ValueError, RuntimeError):
    """Shapes that do not fit together (matmul, broadcasting, reshape, a backward's result)."""


class VersionError(RuntimeError):
    """A tensor that a recorded node needs was changed in place since the node was recorded."""


class AnomalyError(FloatingPointError):
    """Raised inside ``detect_anomaly()`` when an op produces NaN or inf."""


class NotDifferentiableError(RuntimeError):
    """Under ``create_graph=True``, a backward that the engine cannot record (so cannot differentiate again)."""

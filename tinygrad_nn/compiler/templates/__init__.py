"""Code templates: how each built-in op is written as numpy text (one module per family of ops).

``TEMPLATES`` maps an op (a ``Function`` subclass) to its template. An op
without one (a user's ``Function``, or an op newer than its template) is
called from the generated code instead: ``Op.forward(ctx, ...)`` and
``Op.backward(ctx, grad)``, with a fresh context per call.
"""

from .base import TEMPLATES, Decline, NodeBuilder, Template
from . import arithmetic, unary, shape, losses  # noqa: F401  (each registers its templates)
from .losses import check_class_labels
from .shape import tied_extremes

__all__ = ["TEMPLATES", "Decline", "NodeBuilder", "Template", "check_class_labels", "tied_extremes"]

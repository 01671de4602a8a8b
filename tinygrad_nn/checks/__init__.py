"""Gradient checking: ``gradcheck`` (one function or op), ``check_graph`` (every node of a
recorded graph), their result objects and ``GradcheckError``.

``tg.gradcheck``, ``tg.check_graph`` and ``tg.GradcheckError`` are the public names; the
implementation lives here:

* ``gradient_check.py``: ``gradcheck`` and the per-input comparison;
* ``numerical.py``: central differences (per element, elementwise, projections) and kinks;
* ``evaluate.py``: running a callable through the engine or a ``Function`` directly;
* ``report.py``: error bands, ``GradcheckResult``, ``GradcheckError``;
* ``graph.py``: ``check_graph`` and ``GraphCheckResult``.
"""

from .report import (GradcheckError, GradcheckPrecisionWarning, GradcheckResult, InputReport,
                     error_band, relative_error)
from .gradient_check import gradcheck
from .graph import check_graph, GraphCheckResult, NodeFailure

__all__ = ["gradcheck", "check_graph", "GradcheckError", "GradcheckPrecisionWarning",
           "GradcheckResult", "GraphCheckResult", "InputReport", "NodeFailure", "error_band",
           "relative_error"]

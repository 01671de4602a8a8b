"""Gradient checking: ``gradcheck`` (one function or op), ``check_graph`` (every node of a
recorded graph), their result objects and ``GradcheckError``.

``tg.gradcheck``, ``tg.check_graph`` and ``tg.GradcheckError`` are the public names; the
implementation lives here:

In reading order:

* ``options.py``: ``CheckOptions``, the settings of one check, passed through everything below;
* ``gradient_check.py``: ``gradcheck``, and the steps it takes (``split_inputs``,
  ``check_evaluator``, ``run_check``), which other checks reuse;
* ``evaluate.py``: running a callable through the engine or a ``Function`` directly;
* ``numerical.py``: central differences (per element, elementwise, projections);
* ``kinks.py``: telling a kink from a wrong gradient, and moving off it;
* ``compare.py``: the verdict and the band of one input;
* ``resolution.py``: what a central difference can resolve at an element;
* ``bands.py``, ``formatting.py``, ``report.py``, ``html.py``: bands, ``GradcheckResult``,
  ``GradcheckError``, and how they are shown (text and Jupyter HTML);
* ``second_order.py``: ``gradgradcheck``, which is ``check_evaluator`` of the function
  ``(inputs, grad_outputs) -> the gradients``, with the same reports and ``GradcheckError``;
* ``graph.py``: ``check_graph`` and ``GraphCheckResult`` (``order=2`` adds ``gradgradcheck``
  of each node).
"""

from .bands import error_band, relative_error
from .options import CheckOptions
from .report import GradcheckError, GradcheckPrecisionWarning, GradcheckResult, InputReport
from .gradient_check import gradcheck
from .second_order import gradgradcheck
from .graph import check_graph, GraphCheckResult, NodeFailure

__all__ = ["gradcheck", "gradgradcheck", "check_graph", "CheckOptions", "GradcheckError",
           "GradcheckPrecisionWarning", "GradcheckResult", "GraphCheckResult", "InputReport", "NodeFailure",
           "error_band", "relative_error"]

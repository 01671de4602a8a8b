"""``check_graph``: re-check the backward of every node of a recorded graph and blame the op that is wrong.

Each node is checked on its own, at the inputs it saw, by running its
``Function``'s ``forward``/``backward`` on a fresh ``Context``. A wrong op
therefore fails alone: the ops after it are checked at their own inputs and
pass, so the first failure is the op to fix. With ``order=2`` each node's
backward is also differentiated (``gradgradcheck`` at the same inputs), so
an op whose backward is right but not correctly differentiable is named too.
"""

import warnings

import numpy as np

from ..engine import Tensor, ops, topological_order
from ..engine.errors import VersionError
from ..engine.graph import input_tensors, outputs
from ..nn import scope_path
from .bands import error_band
from .evaluate import FunctionEvaluator
from .formatting import format_index, format_value
from .gradient_check import check_evaluator
from .html import graph_check_html
from .options import options_for
from .own_dtype import check_in_own_dtype
from .report import GradcheckError, GradcheckPrecisionWarning
from .second_order import callable_for, second_order_check

__all__ = ["check_graph", "GraphCheckResult", "NodeFailure", "NodeCheck", "module_path"]


def module_path(scope):
    """Where a node was recorded: the dotted module path from ``tg.nn.scope_path`` (``"layers.2"``),
    the outer module's class name for a node recorded directly in it, None outside modules."""
    if not scope:
        return None
    return scope_path(scope) or type(scope[0]).__name__


def _innermost(scope):
    return type(scope[-1]).__name__ if scope else None


class NodeFailure:
    """One failing input of one node.

    Attributes (stable: ``tg.viz.draw_graph(..., blame=result)`` reads them):
    ``node`` (the ``Context``), ``position`` (its place in
    ``topological_order``), ``function_name``, ``input_index``, ``index``
    (worst element, a tuple, or None), ``analytic``, ``numerical``,
    ``abs_error``, ``rel_error``, ``band``, ``module_path``, ``message``,
    ``result`` (the node's ``GradcheckResult``, None when the op raised),
    ``order`` (1: the backward is wrong; 2: its own derivative is, see ``check_graph(order=2)``).
    """

    def __init__(self, node, position, module, message, report=None, result=None, order=1):
        self.node = node
        self.order = order
        self.position = position
        self.function_name = node.function.__name__
        self.module_path = module
        self.message = message
        self.result = result
        self.input_index = report.input_index if report else None
        self.index = report.index if report else None
        self.analytic = report.analytic if report else None
        self.numerical = report.numerical if report else None
        self.abs_error = report.max_abs_error if report else None
        self.rel_error = report.max_rel_error if report else None
        self.band = error_band(self.rel_error) if report else "wrong"

    def __str__(self):
        return self.message

    def __repr__(self):
        return f"<NodeFailure {self.function_name} input {self.input_index} at {format_index(self.index)}>"


class NodeCheck:
    """The check of one node: ``node``, ``position``, ``module_path``, ``result`` (None when nothing to
    check, e.g. no input needs a gradient), ``error`` (the exception its forward/backward raised), and
    with ``order=2`` ``second`` (the ``gradgradcheck`` result of the node, None when it did not run)
    and ``second_error`` (the exception differentiating its backward raised)."""

    def __init__(self, node, position, module, result=None, error=None):
        self.node, self.position, self.module_path = node, position, module
        self.result, self.error = result, error
        self.second, self.second_error = None, None

    @property
    def passed(self):
        """True when the node's backward matched (or there was nothing to check), and its derivative too."""
        first = self.error is None and (self.result is None or self.result.passed)
        return first and self.second_error is None and (self.second is None or self.second.passed)


class GraphCheckResult:
    """The outcome of ``check_graph``: truthy when every node passed.

    ``checks`` lists one ``NodeCheck`` per node in topological order;
    ``failures`` one ``NodeFailure`` per failing node input, earliest node
    first; ``failure_for(node)`` finds the first failure of a node. In Jupyter it
    shows as a table (``_repr_html_``): a row per node, its verdict in green or red,
    the worst element and both values.
    """

    def __init__(self, checks, failures):
        self.checks = checks
        self.failures = failures

    @property
    def passed(self):
        """True when no node failed."""
        return not self.failures

    def __bool__(self):
        return self.passed

    @property
    def kink_count(self):
        """Elements skipped as not differentiable, over all nodes."""
        return sum(c.result.kink_count for c in self.checks if c.result is not None)

    @property
    def not_checkable_count(self):
        """Elements skipped because a node's output or input is not finite there, over all nodes."""
        return sum(c.result.not_checkable_count for c in self.checks if c.result is not None)

    def failure_for(self, node):
        """The first ``NodeFailure`` of ``node`` (a Context), or None."""
        for failure in self.failures:
            if failure.node is node:
                return failure
        return None

    def message(self):
        """The first failure, and how many more there are."""
        if not self.failures:
            return ""
        first = self.failures[0]
        more = len(self.failures) - 1
        return first.message + (f"\n({more} more failing node input(s); print the result for all)" if more else "")

    @property
    def status(self):
        """``"passed"`` or ``"FAILED at 2 node(s)"``."""
        return "passed" if self.passed else f"FAILED at {len({id(f.node) for f in self.failures})} node(s)"

    def counts(self):
        """``"6 node(s), 5 checked"``."""
        checked = sum(c.result is not None or c.error is not None for c in self.checks)
        return f"{len(self.checks)} node(s), {checked} checked"

    def __str__(self):
        lines = [f"check_graph: {self.status}: {self.counts()}"]
        for check in self.checks:
            name = check.node.function.__name__
            where = f" in {check.module_path}" if check.module_path else ""
            label = f"{check.position + 1:>3} {name}{where}"
            if check.error is not None:
                lines.append(f"  FAILED {label}: raised {type(check.error).__name__}: {check.error}")
            elif check.result is None:
                lines.append(f"  -      {label}: nothing to check")
            elif not check.result.passed:
                lines.extend(_failure_lines(label, check.result))
            elif check.second_error is not None:
                lines.append(f"  FAILED {label}: differentiating its backward raised "
                             f"{type(check.second_error).__name__}: {check.second_error}")
            elif check.second is not None and not check.second.passed:
                lines.extend(_failure_lines(label, check.second, "second derivative, "))
            else:
                summary = _summary(check.result)
                if check.second is not None:
                    summary += f"; second derivative: {_summary(check.second)}"
                lines.append(f"  ok     {label}: {summary}")
        if self.failures:
            lines.append("first failure: " + self.failures[0].message)
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle):
        """IPython's text display shows a line per node."""
        printer.text(str(self))

    def _repr_html_(self):
        """Jupyter shows a table: a row per node, its verdict (green or red), the worst element and both values."""
        return graph_check_html(self)

    def __repr__(self):
        if self.passed:
            return f"<GraphCheckResult passed: {len(self.checks)} node(s)>"
        return f"<GraphCheckResult FAILED: {self.message()}>"


def _summary(result):
    """``worst rel error 1e-10 (excellent), 2 kink(s) skipped``: one passing check in a line."""
    worst = max((r.max_rel_error for r in result.inputs), default=0.0)
    text = f"worst rel error {worst:.2g} ({error_band(worst)})"
    if result.kink_count:
        text += f", {result.kink_count} kink(s) skipped"
    if result.not_checkable_count:
        text += f", {result.not_checkable_count} element(s) not checkable (not finite)"
    return text


def _failure_lines(label, result, what=""):
    return [f"  FAILED {label}: {what}{report.where()} element {format_index(report.index)}: "
            f"analytic {format_value(report.analytic)}, numerical {format_value(report.numerical)}"
            + (f" ({report.problems[0]})" if report.problems and not report.mismatches else "")
            for report in result.failures]


def check_graph(output, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=False, mode="auto",
                nudge=False, seed=0, order=1):
    """Re-check the backward of every node that ``output`` depends on, at the inputs it saw.

    Each node's ``Function`` runs ``forward``/``backward`` again on float64
    copies of its inputs (a fresh ``Context``; the recorded graph is not
    touched, so this works after ``backward`` too), checked as ``gradcheck``
    checks one op: central differences, a random upstream gradient, kinks
    skipped, and what ``backward`` returned (None, dtype, shape) verified;
    a node with float32 (float16) inputs also runs its backward in those
    dtypes, which must give the same gradient to their precision.
    The leaves must still hold the values the graph saw (intermediate values
    the graph did not keep are recomputed from them): check before an
    optimizer step changes parameters in place.

    Returns a ``GraphCheckResult`` (truthy when every node passed; print it
    for a line per node). Its ``failures`` name the op, the module path
    (``tg.nn`` modules push themselves on the scope stack), the input, the
    worst element and both values. With ``raise_exception=True`` a failure
    raises ``GradcheckError`` naming the first failing node.

    ``order=2`` also checks that each node's backward is correctly
    differentiable: ``tg.gradgradcheck`` of the node's op at the inputs it
    saw (the node's backward, recorded under ``create_graph=True``,
    differentiated and compared with central differences of its gradients).
    A failure there has ``order == 2`` and names the node, the input or
    grad_output, and the element; a backward that cannot be recorded (it
    works on raw numpy arrays) is reported with the ``NotDifferentiableError``
    it raised.
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"check_graph: expected the Tensor a model produced, got {type(output).__name__}")
    nodes = topological_order(output)
    if not nodes:
        raise ValueError("check_graph: this tensor was not made by recorded operations (no grad_fn); "
                         "build it from tensors with requires_grad=True, outside no_grad()")
    if not isinstance(raise_exception, bool):
        raise TypeError(f"check_graph: raise_exception must be True or False, got {raise_exception!r:.40}")
    options = options_for("check_graph", eps=eps, atol=atol, rtol=rtol, mode=mode, nudge=nudge, seed=seed)
    if isinstance(order, (bool, np.bool_)) or order not in (1, 2):
        raise ValueError(f"check_graph: order must be 1 (gradients) or 2 (also second derivatives), got {order!r}")
    checks, failures, low = [], [], set()
    try:
        produced = outputs(output)  # the graph keeps no intermediate values: recomputed once here
    except VersionError as error:
        raise VersionError(f"check_graph: cannot check the graph at the values the forward pass saw: {error}") \
            from error
    for position, node in enumerate(nodes):
        check = _check_node(node, input_tensors(node, produced), position, options, low, order)
        checks.append(check)
        failures.extend(_failures(check, len(nodes)))
    if low:
        warnings.warn(f"check_graph: the graph holds {', '.join(sorted(low))} arrays; every node is re-checked "
                      "on float64 copies (single-precision differences are dominated by rounding error)",
                      GradcheckPrecisionWarning, stacklevel=2)
    result = GraphCheckResult(checks, failures)
    if raise_exception and failures:
        raise GradcheckError(result.message(), result)
    return result


def _check_node(node, inputs, position, options, low, order):
    needs = node.needs_input_grad
    checked = [i for i, t in enumerate(inputs) if needs[i] and t.data.dtype.kind == "f"]
    module = module_path(node.scope)
    if not checked:
        return NodeCheck(node, position, module)
    low.update(str(inputs[i].data.dtype) for i in checked if inputs[i].data.dtype.itemsize < 8)
    constants = [t.data.astype(np.float64) if t.data.dtype.kind == "f" else t.data for t in inputs]
    arrays = [np.array(inputs[i].data, dtype=np.float64) for i in checked]
    dtypes = [inputs[i].data.dtype for i in checked]
    kwargs = _repeatable(node)
    evaluator = FunctionEvaluator(node.function, constants, checked, kwargs, name=node.function.__name__)
    try:
        result = check_evaluator(evaluator, arrays, dtypes, options)
        if any(np.dtype(d).itemsize < 8 for d in dtypes):    # and in the node's own dtypes, as gradcheck does
            own = FunctionEvaluator(node.function, [t.data for t in inputs], checked, kwargs, name=evaluator.name)
            check_in_own_dtype(evaluator, arrays, dtypes, result, own)
    except Exception as error:  # the op's own forward/backward raised: that is its failure
        return NodeCheck(node, position, module, error=error)
    check = NodeCheck(node, position, module, result=result)
    if order == 2 and result.passed:
        try:
            check.second = second_order_check(*callable_for(node.function, kwargs, "check_graph"),
                                              tuple(constants), (constants, checked, arrays, dtypes), None, options)
        except Exception as error:  # recording or differentiating its backward raised
            check.second_error = error
    return check


def _repeatable(node):
    """The options to re-run ``node``'s op with: a random op (dropout) draws from a fixed seed instead of its
    ``rng``, so that each call repeats its mask (differences need that) and the model's generator is left alone."""
    if node.function is ops.Dropout:
        return {**node.kwargs, "rng": 0}
    return node.kwargs


def _label(check, count):
    where = ""
    if check.module_path:
        inner = _innermost(check.node.scope)
        where = f", in {check.module_path}" + (f" ({inner})" if inner and inner != check.module_path else "")
    return f"{check.node.function.__name__} (node {check.position + 1} of {count}{where})"


def _failures(check, count):
    label = _label(check, count)
    if check.error is not None:
        message = (f"{label}: its forward or backward raised {type(check.error).__name__}: {check.error}")
        return [NodeFailure(check.node, check.position, check.module_path, message)]
    if check.result is None:
        return []
    failures = [NodeFailure(check.node, check.position, check.module_path, report.failure_message(label),
                            report, check.result) for report in _failing_reports(check.result)]
    if check.second_error is not None:
        message = (f"{label}: differentiating its backward (order=2) raised "
                   f"{type(check.second_error).__name__}: {check.second_error}")
        failures.append(NodeFailure(check.node, check.position, check.module_path, message, order=2))
    elif check.second is not None:
        failures.extend(NodeFailure(check.node, check.position, check.module_path,
                                    report.failure_message(f"{label}, second derivative"), report, check.second,
                                    order=2) for report in _failing_reports(check.second))
    return failures


def _failing_reports(result):
    """The failing input reports of ``result``, or of its nudged re-check when only that failed."""
    reports = list(result.failures)
    if not reports and result.nudged is not None:
        reports = list(result.nudged.failures)
    return reports

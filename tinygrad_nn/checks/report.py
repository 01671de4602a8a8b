"""What a gradient check found: per-input reports, the result and the error."""

import numpy as np

from .bands import error_band
from .formatting import format_index, format_value
from .html import gradcheck_html

__all__ = ["GradcheckError", "GradcheckPrecisionWarning", "InputReport", "GradcheckResult"]


class GradcheckPrecisionWarning(UserWarning):
    """Inputs were float32 (or float16): the check ran on float64 copies instead."""


class GradcheckError(AssertionError, RuntimeError):
    """A gradient check failed. ``str(error)`` names the op, the input, the element and both values;
    ``error.result`` is the full result (a ``GradcheckResult`` or a ``GraphCheckResult``).

    It is an ``AssertionError`` (pytest shows it as a failed check) and a ``RuntimeError``
    (PyTorch's ``GradcheckError`` is one).
    """

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result


class InputReport:
    """What the check found for one input.

    Attributes: ``input_index``, ``name`` (how reports name it: ``"input 0"``, or
    ``"grad_output 0"`` in a check of second derivatives), ``shape``, ``dtype`` (the user's dtype),
    ``method`` (``"elementwise"``, ``"per-element"`` or ``"projection"``),
    ``passed``, ``max_abs_error``, ``max_rel_error`` (beyond what the central
    difference can resolve at each element: its rounding noise, and for a passing
    element that would miss the top band, its measured truncation and rounding error),
    ``band``, ``index`` (the worst element, a tuple, None when only
    projections ran), ``analytic`` and ``numerical`` (the values there),
    ``element_rel_error`` (their relative error), ``mismatches``
    (elements beyond tolerance), ``kink_count`` and ``kink_indices``
    (elements where the function is not differentiable: skipped),
    ``kinks_outside`` (of those, how many have an analytic value outside
    their one-sided slopes), ``not_checkable_count`` and
    ``not_checkable_indices`` (elements no difference can check because
    the function's output or input is not finite there: skipped), ``noise``
    (the rounding error of the numerical values, added to the tolerance),
    ``analytic_grad`` and ``numerical_grad`` (full arrays, None after a
    projection-only check), ``problems`` (what is wrong with what backward
    returned, e.g. a wrong dtype: each one fails the input) and ``notes``
    (how the check went, e.g. a fallback; informational).
    """

    def __init__(self, input_index, shape, dtype, method):
        self.input_index = input_index
        self.name = f"input {input_index}"
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.method = method
        self.passed = True
        self.max_abs_error = 0.0
        self.max_rel_error = 0.0
        self.index = None
        self.analytic = None
        self.numerical = None
        self.mismatches = 0
        self.size = int(np.prod(shape, dtype=np.int64))
        self.kink_count = 0
        self.kink_indices = []
        self.kink_values = []
        self.kink_mask = None
        self.kinks_outside = 0
        self.not_checkable_count = 0
        self.not_checkable_indices = []
        self.step_lost_count = 0
        self.step_lost = None
        self.noise = 0.0
        self.element_rel_error = None
        self.atol = None
        self.analytic_grad = None
        self.numerical_grad = None
        self.notes = []
        self.problems = []

    @property
    def band(self):
        """The band of the worst relative error (see ``error_band``)."""
        return error_band(self.max_rel_error)

    def set_not_checkable(self, mask, lost=None, x=None, eps=None):
        """Record the elements (a boolean array shaped like the input) that cannot be checked; ``lost``
        marks those among them where the step ``eps`` is lost in the rounding of the input ``x``."""
        mask = np.asarray(mask, dtype=bool)
        self.not_checkable_count = int(mask.sum())
        self.not_checkable_indices = [tuple(int(i) for i in np.unravel_index(flat, mask.shape))
                                      for flat in np.flatnonzero(mask)[:5]]
        lost = np.zeros(mask.shape, dtype=bool) if lost is None else np.asarray(lost, dtype=bool) & mask
        self.step_lost_count = int(lost.sum())
        self.step_lost = (eps, float(np.max(np.abs(x[lost])))) if self.step_lost_count else None

    def not_checkable_reason(self):
        """Why the not-checkable elements are not checkable, in a phrase."""
        finite = "the function's output or input is not finite there or within eps, so no difference can be taken"
        if not self.step_lost_count:
            return finite
        eps, largest = self.step_lost
        lost = (f"eps={eps:g} is lost in the rounding of {self.step_lost_count} element(s) (|x| up to "
                f"{largest:.3g}), so no step can be taken there: pass a larger eps, or check at smaller values")
        return lost if self.step_lost_count == self.not_checkable_count else f"{lost}; at the others {finite}"

    @property
    def nothing_checked(self):
        """True when the input has elements but none of them could be checked (all not checkable)."""
        return self.size > 0 and self.not_checkable_count == self.size

    def where(self):
        """``"input 0 (4, 3)"``: how reports name this input."""
        return f"{self.name} {self.shape}"

    def lines(self):
        """The report for this input as text lines."""
        status = "ok" if self.passed else "FAILED"
        how = {"elementwise": "all elements at once (elementwise)", "per-element": "element by element",
               "projection": "random projections"}.get(self.method, self.method)
        head = f"{self.where()} {self.dtype}: {status}, checked {how}"
        out = [head]
        if self.method == "projection" and self.index is None:
            out.append(f"    random projections agree: analytic {format_value(self.analytic)}, "
                       f"numerical {format_value(self.numerical)}")
        elif self.index is not None:
            label = "wrong element" if self.mismatches else "worst element"
            out.append(f"    {label} {format_index(self.index)}: analytic {format_value(self.analytic)}, "
                       f"numerical {format_value(self.numerical)}")
        if not self.nothing_checked:
            out.append(f"    max abs error {self.max_abs_error:.3g}, max rel error {self.max_rel_error:.3g} "
                       f"(after allowing for the finite difference's own inaccuracy) -> {self.band}")
        if self.mismatches:
            out.append(f"    {self.mismatches} of {self.size} elements differ beyond tolerance")
        if self.atol is not None and self.noise > 0.1 * self.atol:
            out.append(f"    rounding noise of the differences: {self.noise:.2g} (added to the tolerance; "
                       "the function's values are large next to these gradient elements)")
        if self.kink_count:
            shown = ", ".join(f"{format_index(i)} (one-sided {format_value(lo)} | {format_value(hi)})"
                              for i, (lo, hi) in zip(self.kink_indices[:3], self.kink_values[:3]))
            more = " ..." if self.kink_count > 3 else ""
            out.append(f"    not differentiable here: {self.kink_count} element(s), skipped: {shown}{more}")
            if self.kinks_outside:
                out.append(f"    of these, {self.kinks_outside} have an analytic value outside their one-sided "
                           "slopes: expected where several kinks meet, suspicious at a single kink "
                           "(re-check with nudge=True)")
        if self.not_checkable_count:
            shown = ", ".join(format_index(i) for i in self.not_checkable_indices[:3])
            more = " ..." if self.not_checkable_count > 3 else ""
            out.append(f"    not checkable: {self.not_checkable_count} element(s), skipped: {shown}{more} "
                       f"({self.not_checkable_reason()})")
        out.extend(f"    problem: {problem}" for problem in self.problems)
        out.extend(f"    note: {note}" for note in self.notes)
        return out

    def failure_message(self, name):
        """One paragraph naming the op, the input, the element and both values."""
        text = f"{name}: gradient of {self.where()} " + ("was not checked" if self.nothing_checked else "is wrong")
        if self.problems and not self.mismatches:
            return f"{text}: " + "; ".join(self.problems)
        if self.index is not None:
            text += (f" at element {format_index(self.index)}: analytic {format_value(self.analytic)}, "
                     f"numerical {format_value(self.numerical)}")
            if self.element_rel_error is not None:
                text += f" (rel error {self.element_rel_error:.3g})"
        text += f" (max rel error {self.max_rel_error:.3g}: {self.band}"
        if self.mismatches:
            text += f"; {self.mismatches} of {self.size} elements differ"
        text += ")"
        if self.problems:
            text += "; " + "; ".join(self.problems)
        return text


class GradcheckResult:
    """The outcome of ``tg.gradcheck``: truthy when every input passed; ``print`` it for the report.

    Attributes: ``name`` (what was checked), ``passed``, ``inputs`` (one
    ``InputReport`` per checked input), ``forward_calls``,
    ``backward_calls``, ``kink_count``, ``nudged`` (the result of the
    re-check at a nudged point, or None), ``options`` (the ``CheckOptions``),
    ``tolerance`` (eps, atol, rtol), ``upstream`` (the upstream gradient ``u``:
    the check compares gradients of ``sum(u * fn(inputs))``; all ones for a
    one-element output; for a function returning several Tensors, the ``u`` of
    each, flattened and concatenated), ``grad_outputs`` (of ``gradgradcheck``:
    the vectors the gradient was taken along, one per output; None otherwise).

    In Jupyter the result shows as a table (``_repr_html_``): one row per input,
    the verdict in green or red, the worst element and both values.
    """

    def __init__(self, name, inputs, forward_calls, backward_calls, options, nudged=None, upstream=None):
        self.name = name
        self.inputs = inputs
        self.forward_calls = forward_calls
        self.backward_calls = backward_calls
        self.options = options
        self.nudged = nudged
        self.upstream = upstream
        self.grad_outputs = None

    @property
    def tolerance(self):
        """``(eps, atol, rtol)`` of the check."""
        return (self.options.eps, self.options.atol, self.options.rtol)

    @property
    def passed(self):
        """True when every input passed (and the nudged re-check, when one ran)."""
        ok = all(report.passed for report in self.inputs)
        return ok and (self.nudged is None or self.nudged.passed)

    @property
    def kink_count(self):
        """Elements skipped as not differentiable, over all inputs."""
        return sum(report.kink_count for report in self.inputs)

    @property
    def not_checkable_count(self):
        """Elements skipped because the function is not finite there, over all inputs."""
        return sum(report.not_checkable_count for report in self.inputs)

    @property
    def failures(self):
        """The reports of the inputs that failed."""
        return [report for report in self.inputs if not report.passed]

    def __bool__(self):
        return self.passed

    def message(self):
        """The failure message of ``GradcheckError`` (empty when the check passed)."""
        parts = [report.failure_message(self.name) for report in self.failures]
        if self.nudged is not None and not self.nudged.passed:
            parts.append("at the nudged point: " + self.nudged.message())
        return "\n".join(parts)

    @property
    def status(self):
        """``"passed"`` or ``"FAILED"``."""
        return "passed" if self.passed else "FAILED"

    def calls_and_options(self):
        """``(6 forward call(s), 1 backward; eps=1e-06, atol=1e-05, rtol=0.001)``."""
        return (f"({self.forward_calls} forward call(s), {self.backward_calls} backward; "
                f"{self.options.describe()})")

    def summary(self):
        """The first line of the report: what was checked, the verdict, the cost and the options."""
        return f"gradcheck of {self.name}: {self.status} {self.calls_and_options()}"

    def __str__(self):
        lines = [self.summary()]
        for report in self.inputs:
            lines.extend("  " + line for line in report.lines())
        if self.nudged is not None:
            lines.append(f"  re-checked at a nudged point (kink elements moved off the kink): "
                         f"{'passed' if self.nudged.passed else 'FAILED'}")
            lines.extend("    " + line for line in str(self.nudged).splitlines()[1:])
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle):
        """IPython's text display shows the full report."""
        printer.text(str(self))

    def _repr_html_(self):
        """Jupyter shows a table: per input the verdict (green or red), the worst element and both values."""
        return gradcheck_html(self)

    def __repr__(self):
        if self.passed:
            worst = max((r.max_rel_error for r in self.inputs), default=0.0)
            return (f"<GradcheckResult of {self.name}: passed, {len(self.inputs)} input(s), "
                    f"worst rel error {worst:.3g} ({error_band(worst)})>")
        return f"<GradcheckResult FAILED: {self.message()}>"

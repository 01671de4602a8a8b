"""``compare``: the verdict for one input, from its analytic gradient and its numerical slopes.

Two numbers per element, two rules:

* **pass or fail**: ``|analytic - numerical| <= atol + rtol * |numerical| + noise``, where
  ``noise`` is the rounding error of the difference quotient (``numerical.noise_floor``);
* **the band** (how good a passing gradient is, see ``report.error_band``): the relative
  error ``|analytic - numerical| / max(|analytic|, |numerical|)`` counted beyond what the
  central difference can resolve at that element. For an element that passes but would miss
  the top band, that resolution is measured (``resolution.py``): a correct backward of a
  smooth function gets the top band even where its numerical value is imprecise. A failing
  element is counted beyond the rounding noise only.
"""

import numpy as np

from .bands import EXCELLENT, relative_error
from .kinks import kinks_explaining
from .numerical import MACHINE_EPSILON

__all__ = ["compare", "relative_beyond"]


def compare(report, analytic, slopes, options, blocked=False, measure=None, x=None):
    """Fill ``report`` from the analytic gradient of one input and its ``Slopes``.

    Elements in ``blocked`` (no difference can check them) and elements whose numerical slope is
    not finite (the function is not finite within ``eps`` of them) are "not checkable": counted
    and listed, never mismatches. A non-finite analytic value anywhere else is a mismatch.
    ``measure(priority)`` returns what the differences cannot resolve where ``priority`` is
    positive (see ``resolution.resolution``); without it only the rounding noise is allowed for.
    ``x``, the input, lets the report say where a step of ``eps`` is lost in its rounding.
    """
    central, noise = slopes.central, slopes.noise
    unchecked = np.asarray(blocked, dtype=bool) | ~np.isfinite(central)
    lost = None if x is None else np.isfinite(x) & (np.abs(x) * MACHINE_EPSILON > 0.5 * options.eps)
    report.set_not_checkable(unchecked, lost, x, options.eps)
    report.noise = float(noise[~unchecked].max()) if (~unchecked).any() else 0.0
    report.atol = options.atol
    with np.errstate(invalid="ignore", over="ignore"):
        abs_error = np.abs(analytic - central)
        abs_error = np.where(np.isnan(abs_error) & (analytic != central), np.inf, abs_error)
        abs_error = np.where(analytic == central, 0.0, abs_error)
        allowed = options.tolerance(central) + noise
        failing = ~(abs_error <= allowed)
        kinks, outside = kinks_explaining(analytic, failing, slopes, options)
        kinks &= ~unchecked
        considered = ~kinks & ~unchecked
        ratio = np.where(kinks, -1.0, np.where(np.isfinite(abs_error), abs_error / allowed, np.inf))
    rel_error = relative_beyond(abs_error, analytic, central, noise, options)
    # measured only when an element that passes would miss the top band; then at every passing
    # element (largest errors first where elements are measured one at a time)
    measurable = considered & ~failing & ~slopes.refined & (rel_error > 0)
    if measure is not None and (measurable & (rel_error > EXCELLENT)).any():
        unresolved = measure(np.where(measurable, rel_error, 0.0))
        rel_error = np.where(measurable, relative_beyond(abs_error, analytic, central, noise + unresolved, options),
                             rel_error)
    bad = (ratio > 1.0) & ~unchecked
    report.analytic_grad, report.numerical_grad = analytic, central
    report.kink_count = int(kinks.sum())
    report.kink_indices, report.kink_values = [], []
    report.kinks_outside = int((outside & kinks).sum())
    report.kink_mask = kinks if report.kink_count else None
    for flat in np.flatnonzero(kinks)[:5]:
        index = np.unravel_index(flat, kinks.shape)
        report.kink_indices.append(tuple(int(i) for i in index))
        report.kink_values.append((float(slopes.backward[index]), float(slopes.forward[index])))
    report.mismatches = int(bad.sum())
    report.passed = report.mismatches == 0
    if considered.any():
        report.max_abs_error = float(abs_error[considered].max())
        report.max_rel_error = float(rel_error[considered].max())
        worst = np.unravel_index(int(np.argmax(np.where(considered, ratio, -np.inf))), ratio.shape)
        report.index = tuple(int(i) for i in worst)
        report.analytic, report.numerical = float(analytic[worst]), float(central[worst])
        report.element_rel_error = float(relative_error(analytic[worst], central[worst]))
    return report


def relative_beyond(abs_error, analytic, numerical, unresolved, options):
    """The relative error counted beyond ``unresolved``: ``max(|a - n| - unresolved, 0) / max(|a|, |n|)``; 0 where both values are below ``atol``
    plus ``unresolved`` (too small to judge relatively), inf where the error is not finite."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        scale = np.maximum(np.abs(analytic), np.abs(numerical))
        meaningful = scale > options.atol + unresolved
        excess = np.maximum(abs_error - unresolved, 0.0)
        rel_error = np.where(meaningful, excess / np.where(scale > 0, scale, 1.0), 0.0)
        return np.where(np.isfinite(abs_error), rel_error, np.inf)

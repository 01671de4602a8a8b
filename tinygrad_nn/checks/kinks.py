"""Kinks: points where a function is not differentiable (ReLU at 0, ties of max, hinges).

A central difference across a kink averages two slopes, so no single number
is "the" gradient there. The two one-sided differences tell: where they
disagree, the element is reported as "not differentiable here" and skipped
rather than failed (``kinks_explaining``). So is a jump of the function
itself (the gradient of ``maximum`` at a tie, in a check of second
derivatives), whose slope grows as the step shrinks (``Slopes.jumps``).
``nudged_point`` moves such elements off their kinks for a re-check
(``nudge=True``).
"""

import numpy as np

__all__ = ["kink_mask", "kinks_explaining", "nudged_point", "KINK_FACTOR"]

# one-sided differences must disagree by this many tolerances to call a point a kink
KINK_FACTOR = 10.0


def kink_mask(forward_slope, backward_slope, options, noise=0.0, factor=KINK_FACTOR):
    """True where the one-sided differences disagree by more than ``factor`` tolerances
    (``atol + rtol * |slope|``, plus twice the rounding ``noise`` of a one-sided difference)."""
    with np.errstate(invalid="ignore", over="ignore"):
        gap = np.abs(forward_slope - backward_slope)
        scale = np.maximum(np.abs(forward_slope), np.abs(backward_slope))
        return np.asarray(gap > factor * (options.tolerance(scale) + 2 * noise))


def kinks_explaining(analytic, failing, slopes, options):
    """``(kinks, outside)``: elements to report as "not differentiable here" rather than wrong, and
    among them those whose analytic value lies outside the two one-sided slopes.

    A perturbation that crosses a kink makes the two one-sided differences
    disagree: by one tolerance is enough for an element that would otherwise
    fail, ``KINK_FACTOR`` tolerances are needed to report a passing one.
    With a single kink the analytic value should lie between the one-sided
    slopes (ReLU'(0) = 0 and the even split of max ties do); where several
    kinks meet (a tie of ``maximum`` next to another kink, with upstream
    gradients of both signs) a valid value may lie outside, so ``outside``
    is reported, not failed.
    """
    forward_slope, backward_slope, noise = slopes.forward, slopes.backward, slopes.noise
    with np.errstate(invalid="ignore", over="ignore"):
        low = np.minimum(forward_slope, backward_slope)
        high = np.maximum(forward_slope, backward_slope)
        tolerance = options.tolerance(np.maximum(np.abs(low), np.abs(high))) + 2 * noise
        outside = (analytic < low - tolerance) | (analytic > high + tolerance)
    kinks = np.where(failing, kink_mask(forward_slope, backward_slope, options, noise, factor=1.0),
                     kink_mask(forward_slope, backward_slope, options, noise))
    jumps = failing & slopes.jumps                  # no slope at all there: "outside" means nothing
    return np.asarray(kinks | jumps), np.asarray(kinks & ~jumps & outside)


def nudged_point(arrays, result, options):
    """Copies of ``arrays`` with every kink element moved off the kink by about 1e3 * eps (times |x|)."""
    rng = np.random.default_rng(options.seed + 1)
    moved = [a.copy() for a in arrays]
    for slot, report in enumerate(result.inputs):
        if report.kink_mask is None:
            continue
        for index in np.argwhere(report.kink_mask):
            index = tuple(index)
            scale = max(1.0, abs(moved[slot][index]))
            moved[slot][index] += rng.choice((-1.0, 1.0)) * rng.uniform(500, 1500) * options.eps * scale
    return moved

"""Central differences in float64: per element, all elements at once for
elementwise functions, and along random projections.

Everything here differentiates the scalar ``L(x) = sum(upstream * f(x))``,
whose gradient is what one ``backward(upstream)`` computes. Steps are the
ones actually taken (``(x + eps) - x`` after rounding), so large inputs do
not add rounding error to the quotient.

Each method also returns the two one-sided differences. Where they disagree
the perturbation crossed a point of non-differentiability (a kink): the
element is reported as "not differentiable here" instead of failing.
"""

import numpy as np

from ..engine import unbroadcast

__all__ = ["Probe", "per_element", "elementwise", "projection", "kink_mask", "kinks_explaining",
           "refine_near_kinks", "noise_floor", "KINK_FACTOR"]

# one-sided differences must disagree by this many tolerances to call a point a kink
KINK_FACTOR = 10.0
# rounding error of a difference quotient, in units of (machine epsilon * |what was differenced| / step)
NOISE_FACTOR = 4.0
MACHINE_EPSILON = float(np.finfo(np.float64).eps)


def noise_floor(magnitude, step):
    """The rounding error of ``(f(x + step) - f(x - step)) / (2 step)`` when ``|f|`` is about ``magnitude``.

    A gradient element smaller than this cannot be resolved by differences of
    a function this large; it is added to the tolerance (and shown in the report).
    """
    return NOISE_FACTOR * MACHINE_EPSILON * np.asarray(magnitude, dtype=np.float64) / step


class Probe:
    """Evaluates ``L(arrays) = sum(upstream * f(arrays))`` and counts the forward calls.

    Output elements that are not finite at the checked point (``finite`` is
    False there) are left out of ``L``, so one ``log(0)`` does not spoil the
    differences of every other element. Numpy warnings raised at perturbed
    points (``log`` of a slightly negative number) are silenced: the
    comparison reports what they lead to.
    """

    def __init__(self, evaluator, upstream, finite=True):
        self.evaluator = evaluator
        self.upstream = np.where(finite, upstream, 0.0)
        self.finite = finite
        self.calls = 0

    def output(self, arrays):
        """``f(arrays)`` as a float64 array."""
        self.calls += 1
        with np.errstate(all="ignore"):
            out = self.evaluator.forward(arrays)
            return np.asarray(out, dtype=np.float64)

    def loss(self, arrays):
        """``sum(upstream * f(arrays))`` over the finite outputs, as a Python float."""
        out = self.output(arrays)
        if out.shape != self.upstream.shape:
            return np.nan
        with np.errstate(all="ignore"):
            return float(np.sum(self.upstream * np.where(self.finite, out, 0.0)))


def kink_mask(forward_slope, backward_slope, atol, rtol, noise=0.0, factor=KINK_FACTOR):
    """True where the one-sided differences disagree by more than ``factor`` tolerances
    (``atol + rtol * |slope|``, plus twice the rounding ``noise`` of a one-sided difference)."""
    with np.errstate(invalid="ignore", over="ignore"):
        gap = np.abs(forward_slope - backward_slope)
        scale = np.maximum(np.abs(forward_slope), np.abs(backward_slope))
        return np.asarray(gap > factor * (atol + rtol * scale + 2 * noise))


def kinks_explaining(analytic, failing, forward_slope, backward_slope, atol, rtol, noise=0.0):
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
    with np.errstate(invalid="ignore", over="ignore"):
        low = np.minimum(forward_slope, backward_slope)
        high = np.maximum(forward_slope, backward_slope)
        tolerance = atol + rtol * np.maximum(np.abs(low), np.abs(high)) + 2 * noise
        outside = (analytic < low - tolerance) | (analytic > high + tolerance)
    kinks = np.where(failing, kink_mask(forward_slope, backward_slope, atol, rtol, noise, factor=1.0),
                     kink_mask(forward_slope, backward_slope, atol, rtol, noise))
    return np.asarray(kinks), np.asarray(kinks & outside)


def _quotient(difference, step):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(step != 0, difference / np.where(step != 0, step, 1.0), np.nan)


def per_element(probe, arrays, slot, loss_at_x, eps, indices=None):
    """Two forward calls per element of ``arrays[slot]`` (or per flat index in ``indices``):
    ``(central, forward, backward)`` slopes, shaped like the input (or like ``indices``)."""
    x = arrays[slot]
    flat = x.reshape(-1)                      # x is our own contiguous copy: a view
    positions = range(flat.size) if indices is None else indices
    count = flat.size if indices is None else len(indices)
    central, forward_slope, backward_slope = np.empty(count), np.empty(count), np.empty(count)
    for k, j in enumerate(positions):
        original = flat[j]
        up, down = original + eps, original - eps
        flat[j] = up
        loss_up = probe.loss(arrays)
        flat[j] = down
        loss_down = probe.loss(arrays)
        flat[j] = original
        step_up, step_down = up - original, original - down
        central[k] = (loss_up - loss_down) / (step_up + step_down)
        forward_slope[k] = (loss_up - loss_at_x) / step_up
        backward_slope[k] = (loss_at_x - loss_down) / step_down
    if indices is not None:
        return central, forward_slope, backward_slope
    shape = x.shape
    return central.reshape(shape), forward_slope.reshape(shape), backward_slope.reshape(shape)


# smaller steps tried, in turn, at an element whose perturbation crossed a kink
REFINE_STEPS = (1 / 8, 1 / 64)
# at most this many suspect elements per input are re-checked with smaller steps
REFINE_LIMIT = 256


def refine_near_kinks(probe, arrays, slot, analytic, slopes, loss_at_x, loss_noise, eps, atol, rtol):
    """Re-check, with smaller steps, the elements whose check failed while their one-sided
    differences disagree: a kink within ``eps`` (on one side or both) spoils the difference there.

    At a smaller step that no longer reaches the kink the element is smooth: its slopes are
    replaced (it passes or fails on its own). An element exactly on a kink keeps disagreeing,
    and its slopes at the smallest step are clean one-sided slopes for ``kinks_explaining``.
    One-sided slopes that disagree in proportion to the step while the central differences
    stay put are plain curvature, not a kink: such an element is judged by its central
    difference (a wrong gradient at the bottom of a steep parabola is not excused).
    Returns the number of elements that turned out to be near, not on, a kink.
    """
    central, forward_slope, backward_slope, noise = slopes
    with np.errstate(invalid="ignore", over="ignore"):
        failing = ~(np.abs(analytic - central) <= atol + rtol * np.abs(central) + noise)
    suspects = np.flatnonzero(failing & kink_mask(forward_slope, backward_slope, atol, rtol, noise, factor=1.0))
    near = 0
    for j in suspects[:REFINE_LIMIT]:
        index = np.unravel_index(j, central.shape)
        seen = []                                             # (central, gap, tolerance) per step
        for factor in REFINE_STEPS:
            c, f, b = (v[0] for v in per_element(probe, arrays, slot, loss_at_x, eps * factor, indices=[j]))
            local_noise = loss_noise / factor
            central[index], forward_slope[index], backward_slope[index] = c, f, b
            noise[index] = max(noise[index], local_noise)
            tolerance = atol + rtol * max(abs(f), abs(b)) + 2 * local_noise
            seen.append((c, abs(f - b), tolerance))
            if abs(f - b) <= tolerance:
                near += 1
                break
        else:
            (c_large, gap_large, _), (c_small, gap_small, tolerance) = seen[0], seen[-1]
            if gap_small <= 0.25 * gap_large and abs(c_small - c_large) <= tolerance:
                forward_slope[index] = backward_slope[index] = c_small        # curvature: no kink
    return near


def _diagonal(probe, arrays, slot, direction, output_at_x, eps):
    """Per output element: slopes of ``upstream * f`` when every element of input ``slot`` moves at once."""
    x = arrays[slot]
    up, down = x + eps * direction, x - eps * direction
    step_up, step_down = up - x, x - down
    arrays[slot] = up
    out_up = probe.output(arrays)
    arrays[slot] = down
    out_down = probe.output(arrays)
    arrays[slot] = x
    shape = output_at_x.shape
    step_up, step_down = np.broadcast_to(step_up, shape), np.broadcast_to(step_down, shape)
    upstream = probe.upstream
    with np.errstate(invalid="ignore", over="ignore"):
        central = _quotient(upstream * (out_up - out_down), step_up + step_down)
        forward_slope = _quotient(upstream * (out_up - output_at_x), step_up)
        backward_slope = _quotient(upstream * (output_at_x - out_down), step_down)
    rightward = step_up > 0           # report the slope right of x as "forward", as per_element does
    return central, np.where(rightward, forward_slope, backward_slope), np.where(rightward, backward_slope,
                                                                                   forward_slope)


def _direction(rng, shape):
    """Random signs and magnitudes in [0.5, 1.5): no zero steps, no two elements alike."""
    return rng.choice((-1.0, 1.0), size=shape) * rng.uniform(0.5, 1.5, size=shape)


def elementwise(probe, arrays, slot, output_at_x, eps, atol, rtol, rng, verify=True, declared=False):
    """The exact check in two forward calls, valid when output element k depends only on the input
    element it was broadcast from. Two more calls along a second direction verify that claim.

    Returns ``(central, forward, backward, noise, reason)``; ``reason`` is None when the claim held,
    else a sentence saying where it failed (the slopes are then meaningless). Outputs on a kink
    cannot take part in the verification, so a kink ends the claim unless it was ``declared``.
    """
    x = arrays[slot]
    try:
        fits = np.broadcast_shapes(x.shape, output_at_x.shape) == output_at_x.shape
    except ValueError:
        fits = False
    if not fits:
        return None, None, None, None, f"the output {output_at_x.shape} is not the broadcast shape of the input {x.shape}"
    first = _direction(rng, x.shape)
    central, forward_out, backward_out = _diagonal(probe, arrays, slot, first, output_at_x, eps)
    with np.errstate(invalid="ignore", over="ignore"):                   # steps are at least eps / 2
        noise = noise_floor(np.abs(probe.upstream * np.where(probe.finite, output_at_x, 0.0)), 0.5 * eps)
    kinks = kink_mask(forward_out, backward_out, atol, rtol, noise)
    if verify and x.size > 1:
        second = np.sign(first) * rng.uniform(0.5, 1.5, size=x.shape)
        central_2, forward_2, backward_2 = _diagonal(probe, arrays, slot, second, output_at_x, eps)
        kinks |= kink_mask(forward_2, backward_2, atol, rtol, noise)
        if kinks.any() and not declared:
            where = tuple(int(i) for i in np.unravel_index(np.argmax(kinks), kinks.shape))
            return None, None, None, None, (f"output element {where} sits on a kink, where moving every "
                                            "element at once cannot show whether it depends on others")
        with np.errstate(invalid="ignore", over="ignore"):
            gap = np.abs(central - central_2)
            # a thousand times stricter than the check itself: a missed coupling would hide a
            # backward that forgot its off-diagonal terms (softmax's classic bug)
            coupled = (gap > 1e-3 * (atol + rtol * np.abs(central_2)) + 4 * noise) & ~kinks
            coupled |= np.isnan(central) != np.isnan(central_2)
        if coupled.any():
            where = tuple(int(i) for i in np.unravel_index(np.argmax(coupled), coupled.shape))
            return None, None, None, None, (f"output element {where} also depends on other elements of the input "
                                      f"(its slope changed from {central[where]:.6g} to {central_2[where]:.6g} "
                                      "when the other elements moved differently)")
    noise = np.broadcast_to(noise, output_at_x.shape)
    return (unbroadcast(central, x.shape), unbroadcast(forward_out, x.shape),
            unbroadcast(backward_out, x.shape), unbroadcast(noise, x.shape), None)


def _along(probe, arrays, slot, direction, loss_at_x, step, analytic):
    """Slopes of the loss along ``direction`` with steps ``step * direction``: ``(central, forward,
    backward, analytic_slope, share)``; ``share`` is the root-mean-square of the analytic slope's
    terms (what one typical element adds to it). The analytic side uses the steps actually taken."""
    x = arrays[slot]
    up, down = x + step * direction, x - step * direction
    arrays[slot] = up
    loss_up = probe.loss(arrays)
    arrays[slot] = down
    loss_down = probe.loss(arrays)
    arrays[slot] = x
    with np.errstate(invalid="ignore", over="ignore"):
        terms = analytic * (up - down) / (2 * step)
        share = float(np.sqrt(np.mean(terms ** 2))) if terms.size else 0.0
        return ((loss_up - loss_down) / (2 * step), (loss_up - loss_at_x) / step, (loss_at_x - loss_down) / step,
                float(np.sum(terms)), share)


def projection(probe, arrays, slot, analytic, loss_at_x, eps, atol, rtol, rng, directions=2, noise=0.0,
               skip=False):
    """Compare directional derivatives along random directions (two forward calls each).

    Returns ``(passed, analytic_slope, numerical_slope, kink_suspected)`` for the worst direction.
    A direction ``d`` moves every element (random signs, magnitudes in [0.5, 1.5)). Its tolerance
    is one element's, not the sum of all of them: ``atol + rtol * share``, where ``share`` is the
    root-mean-square of the slope's terms ``analytic * d`` (what a typical element adds to it),
    plus the rounding ``noise`` of the difference quotient of the loss. Per-element tolerances
    summed along ``d`` grow with sqrt(size) and let a wrong element hide in a big input; with this
    one, an element wrong by more than twice that tolerance fails the projection (unless other
    errors cancel it), and the per-element check that follows locates it. A correct gradient
    agrees to float64 rounding, far inside this tolerance.

    Where the one-sided slopes disagree, the direction is measured again with smaller steps (as
    ``refine_near_kinks`` does per element): a kink within ``eps`` of one element is no longer
    reached, and a gap that shrinks with the step is curvature. A gap that stays is a kink.
    Elements in ``skip`` (not checkable) stay put.
    """
    skip = np.asarray(skip, dtype=bool)
    analytic = np.where(skip, 0.0, analytic)
    worst = (True, 0.0, 0.0, False)
    worst_ratio = -1.0
    for _ in range(directions):
        direction = np.where(skip, 0.0, _direction(rng, arrays[slot].shape))
        first_gap = None
        for factor in (1.0,) + REFINE_STEPS:
            central, forward_slope, backward_slope, analytic_slope, share = _along(
                probe, arrays, slot, direction, loss_at_x, eps * factor, analytic)
            local_noise = noise / factor
            tolerance = atol + rtol * share + local_noise
            error = abs(analytic_slope - central)
            passed = bool(error <= tolerance) and bool(np.isfinite(central))
            if not np.isfinite(central + analytic_slope + share):
                kink = False                      # nothing to refine: the per-element check says where
                break
            gap = abs(forward_slope - backward_slope)          # one-sided slopes: twice the noise
            first_gap = gap if first_gap is None else first_gap
            kink = not gap <= (KINK_FACTOR if passed else 1.0) * (tolerance + local_noise)
            if not kink or (factor < 1.0 and gap <= 0.25 * first_gap):
                kink = False                      # smooth at this step (or the gap is curvature)
                break
        passed = passed and not kink
        ratio = error / tolerance if tolerance > 0 else (np.inf if error > 0 else 0.0)
        if not passed or ratio > worst_ratio:
            worst_ratio = np.inf if not passed else ratio
            worst = (passed, analytic_slope, central, kink)
        if not passed:
            break
    return worst

"""Central differences in float64: per element, all elements at once for
elementwise functions, and along random projections.

Everything here differentiates the scalar ``L(x) = sum(upstream * f(x))``,
whose gradient is what one ``backward(upstream)`` computes. Steps are the
ones actually taken (``(x + eps) - x`` after rounding), so large inputs do
not add rounding error to the quotient.

Each method also returns the two one-sided differences. Where they disagree
the perturbation crossed a point of non-differentiability (a kink): see
``kinks.py``.
"""

from dataclasses import dataclass, field

import numpy as np

from ..engine import unbroadcast
from .kinks import KINK_FACTOR, kink_mask
from .options import CheckOptions

__all__ = ["Probe", "Point", "Slopes", "Projection", "per_element", "elementwise", "projection",
           "refine_near_kinks", "noise_floor", "random_direction", "loss_along", "REFINE_STEPS"]

# smaller steps tried, in turn, where a perturbation may have crossed a kink
REFINE_STEPS = (1 / 8, 1 / 64)
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

    def weighted(self, out):
        """``upstream * out`` per output element, 0 where the checked point's output is not finite."""
        with np.errstate(all="ignore"):
            return self.upstream * np.where(self.finite, out, 0.0)

    def loss(self, arrays):
        """``sum(upstream * f(arrays))`` over the finite outputs, as a Python float."""
        out = self.output(arrays)
        if out.shape != self.upstream.shape:
            return np.nan
        with np.errstate(all="ignore"):
            return float(np.sum(self.weighted(out)))


@dataclass
class Point:
    """The point being checked: the ``probe``, working float64 copies of the checked inputs
    (``arrays``: perturbed in place and always restored), the ``output`` and ``loss`` there,
    the ``options``, the random generator ``rng`` (directions, sample points) and
    ``loss_noise``, the rounding noise of a difference quotient of the loss with step ``eps``."""

    probe: Probe
    arrays: list
    output: np.ndarray
    loss: float
    options: CheckOptions
    rng: np.random.Generator
    loss_noise: float = field(init=False)       # the rounding noise of a quotient of L with step eps

    def __post_init__(self):
        magnitude = np.sum(np.abs(self.probe.weighted(self.output)))
        self.loss_noise = float(noise_floor(magnitude, self.options.eps))


@dataclass
class Slopes:
    """Numerical slopes of ``L`` for one input, shaped like it: ``central``, ``forward`` and
    ``backward`` (one-sided) differences and their rounding ``noise``. ``direction`` is the
    direction every element moved along at once (elementwise check), None when each element
    moved alone; ``step`` the step taken (times ``direction``); ``refined`` marks the elements
    re-measured with a smaller step near a kink, ``jumps`` those where the function jumps (see
    ``refine_near_kinks``)."""

    central: np.ndarray
    forward: np.ndarray
    backward: np.ndarray
    noise: np.ndarray
    step: float
    direction: object = None
    refined: np.ndarray = field(default=None)
    jumps: np.ndarray = field(default=None)

    def __post_init__(self):
        self.noise = np.array(np.broadcast_to(np.asarray(self.noise, dtype=np.float64), self.central.shape))
        if self.refined is None:
            self.refined = np.zeros(self.central.shape, dtype=bool)
        if self.jumps is None:
            self.jumps = np.zeros(self.central.shape, dtype=bool)


def _quotient(difference, step):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(step != 0, difference / np.where(step != 0, step, 1.0), np.nan)


def per_element(point, slot, step, indices=None):
    """Two forward calls per element of input ``slot`` (or per flat index in ``indices``):
    ``Slopes`` shaped like the input, or flat arrays ``(central, forward, backward)`` for ``indices``."""
    x = point.arrays[slot]
    flat = x.reshape(-1)                      # x is our own contiguous copy: a view
    positions = range(flat.size) if indices is None else indices
    count = flat.size if indices is None else len(indices)
    central, forward_slope, backward_slope = np.empty(count), np.empty(count), np.empty(count)
    for k, j in enumerate(positions):
        original = flat[j]
        up, down = original + step, original - step
        flat[j] = up
        loss_up = point.probe.loss(point.arrays)
        flat[j] = down
        loss_down = point.probe.loss(point.arrays)
        flat[j] = original
        step_up, step_down = up - original, original - down
        central[k] = (loss_up - loss_down) / (step_up + step_down)
        forward_slope[k] = (loss_up - point.loss) / step_up
        backward_slope[k] = (point.loss - loss_down) / step_down
    if indices is not None:
        return central, forward_slope, backward_slope
    shape = x.shape
    return Slopes(central.reshape(shape), forward_slope.reshape(shape), backward_slope.reshape(shape),
                  point.loss_noise * point.options.eps / step, step)


def _diagonal(point, slot, direction, step):
    """Per output element: slopes of ``upstream * f`` when every element of input ``slot`` moves at once."""
    probe, arrays = point.probe, point.arrays
    x = arrays[slot]
    up, down = x + step * direction, x - step * direction
    step_up, step_down = up - x, x - down
    arrays[slot] = up
    out_up = probe.output(arrays)
    arrays[slot] = down
    out_down = probe.output(arrays)
    arrays[slot] = x
    shape = point.output.shape
    step_up, step_down = np.broadcast_to(step_up, shape), np.broadcast_to(step_down, shape)
    upstream = probe.upstream
    with np.errstate(invalid="ignore", over="ignore"):
        central = _quotient(upstream * (out_up - out_down), step_up + step_down)
        forward_slope = _quotient(upstream * (out_up - point.output), step_up)
        backward_slope = _quotient(upstream * (point.output - out_down), step_down)
    rightward = step_up > 0           # report the slope right of x as "forward", as per_element does
    return central, np.where(rightward, forward_slope, backward_slope), np.where(rightward, backward_slope,
                                                                                   forward_slope)


def random_direction(rng, shape):
    """Random signs and magnitudes in [0.5, 1.5): no zero steps, no two elements alike."""
    return rng.choice((-1.0, 1.0), size=shape) * rng.uniform(0.5, 1.5, size=shape)


def elementwise(point, slot, declared=False):
    """The exact check in two forward calls, valid when output element k depends only on the input
    element it was broadcast from. Two more calls along a second direction verify that claim.

    Returns ``(slopes, reason)``: ``reason`` is None when the claim held, else a sentence saying
    where it failed (``slopes`` is then None). Outputs on a kink cannot take part in the
    verification, so a kink ends the claim unless it was ``declared``.
    """
    options, output = point.options, point.output
    x = point.arrays[slot]
    try:
        fits = np.broadcast_shapes(x.shape, output.shape) == output.shape
    except ValueError:
        fits = False
    if not fits:
        return None, f"the output {output.shape} is not the broadcast shape of the input {x.shape}"
    first = random_direction(point.rng, x.shape)
    central, forward_out, backward_out = _diagonal(point, slot, first, options.eps)
    # steps are at least eps / 2
    noise = noise_floor(np.abs(point.probe.weighted(output)), 0.5 * options.eps)
    kinks = kink_mask(forward_out, backward_out, options, noise)
    if x.size > 1:
        second = np.sign(first) * point.rng.uniform(0.5, 1.5, size=x.shape)
        central_2, forward_2, backward_2 = _diagonal(point, slot, second, options.eps)
        kinks |= kink_mask(forward_2, backward_2, options, noise)
        if kinks.any() and not declared:
            where = tuple(int(i) for i in np.unravel_index(np.argmax(kinks), kinks.shape))
            return None, (f"output element {where} sits on a kink, where moving every "
                          "element at once cannot show whether it depends on others")
        with np.errstate(invalid="ignore", over="ignore"):
            gap = np.abs(central - central_2)
            # a thousand times stricter than the check itself: a missed coupling would hide a
            # backward that forgot its off-diagonal terms (softmax's classic bug)
            coupled = (gap > 1e-3 * options.tolerance(central_2) + 4 * noise) & ~kinks
            coupled |= np.isnan(central) != np.isnan(central_2)
        if coupled.any():
            where = tuple(int(i) for i in np.unravel_index(np.argmax(coupled), coupled.shape))
            return None, (f"output element {where} also depends on other elements of the input "
                          f"(its slope changed from {central[where]:.6g} to {central_2[where]:.6g} "
                          "when the other elements moved differently)")
    noise = np.broadcast_to(noise, output.shape)
    return Slopes(unbroadcast(central, x.shape), unbroadcast(forward_out, x.shape),
                  unbroadcast(backward_out, x.shape), unbroadcast(noise, x.shape), options.eps,
                  direction=first), None


def loss_along(point, slot, direction, step):
    """``(L(x + step * direction), L(x - step * direction), the steps actually taken)``."""
    arrays = point.arrays
    x = arrays[slot]
    up, down = x + step * direction, x - step * direction
    arrays[slot] = up
    loss_up = point.probe.loss(arrays)
    arrays[slot] = down
    loss_down = point.probe.loss(arrays)
    arrays[slot] = x
    return loss_up, loss_down, up - down


@dataclass
class Projection:
    """The worst random direction of a projection check: ``passed``, the ``analytic`` and
    ``numerical`` slopes along it, ``kink`` (a kink was suspected), the ``direction``, the
    ``step`` the numerical slope was taken with and the rounding ``noise`` at that step."""

    passed: bool
    analytic: float
    numerical: float
    kink: bool
    direction: np.ndarray
    step: float
    noise: float


def projection(point, slot, analytic, skip=False, directions=2):
    """Compare directional derivatives along random directions (two forward calls each).

    Returns the ``Projection`` of the worst direction. A direction ``d`` moves every element
    (magnitudes in [0.5, 1.5)): the first with the signs of the analytic gradient, so that its
    terms add up (with random signs a few large terms can cancel, and a gradient off by a factor
    everywhere, 2% too large say, then cancels with them and passes), the others with random signs. Its tolerance is one element's, not the sum of all
    of them: ``atol + rtol * share``, where ``share`` is the root-mean-square of the slope's terms
    ``analytic * d`` (what a typical element adds to it), plus the rounding noise of the
    difference quotient of the loss. Per-element tolerances summed along ``d`` grow with
    sqrt(size) and let a wrong element hide in a big input; with this one, an element wrong by
    more than twice that tolerance fails the projection (unless other errors cancel it), and the
    per-element check that follows locates it. A correct gradient agrees to float64 rounding,
    far inside this tolerance.

    Where the one-sided slopes disagree, the direction is measured again with smaller steps (as
    ``refine_near_kinks`` does per element): a kink within ``eps`` of one element is no longer
    reached, and a gap that shrinks with the step is curvature. A gap that stays is a kink.
    Elements in ``skip`` (not checkable) stay put.
    """
    options = point.options
    skip = np.asarray(skip, dtype=bool)
    analytic = np.where(skip, 0.0, analytic)
    worst, worst_ratio = None, -1.0
    for count in range(directions):
        direction = random_direction(point.rng, point.arrays[slot].shape)
        if count == 0:  # signs of the analytic gradient: its terms add up, so no scaling error cancels out
            direction = np.where(analytic < 0, -1.0, 1.0) * np.abs(direction)
        direction = np.where(skip, 0.0, direction)
        first_gap = None
        for factor in (1.0,) + REFINE_STEPS:
            step = options.eps * factor
            loss_up, loss_down, taken = loss_along(point, slot, direction, step)
            with np.errstate(invalid="ignore", over="ignore"):
                terms = analytic * taken / (2 * step)
                share = float(np.sqrt(np.mean(terms ** 2))) if terms.size else 0.0
                analytic_slope = float(np.sum(terms))
                central = (loss_up - loss_down) / (2 * step)
                gap = abs((loss_up - point.loss) / step - (point.loss - loss_down) / step)
            noise = point.loss_noise / factor
            tolerance = options.atol + options.rtol * share + noise
            error = abs(analytic_slope - central)
            passed = bool(error <= tolerance) and bool(np.isfinite(central))
            if not np.isfinite(central + analytic_slope + share):
                kink = False                      # nothing to refine: the per-element check says where
                break
            first_gap = gap if first_gap is None else first_gap       # one-sided slopes: twice the noise
            kink = not gap <= (KINK_FACTOR if passed else 1.0) * (tolerance + noise)
            if not kink or (factor < 1.0 and gap <= 0.25 * first_gap):
                kink = False                      # smooth at this step (or the gap is curvature)
                break
        passed = passed and not kink
        ratio = error / tolerance if tolerance > 0 else (np.inf if error > 0 else 0.0)
        if worst is None or not passed or ratio > worst_ratio:
            worst_ratio = np.inf if not passed else ratio
            worst = Projection(passed, analytic_slope, central, kink, direction, step, noise)
        if not passed:
            break
    return worst


# at most this many suspect elements per input are re-checked with smaller steps
REFINE_LIMIT = 256


def refine_near_kinks(point, slot, analytic, slopes):
    """Re-check, with smaller steps, the elements whose check failed while their one-sided
    differences disagree: a kink within ``eps`` (on one side or both) spoils the difference there.

    At a smaller step that no longer reaches the kink the element is smooth: its slopes are
    replaced (it passes or fails on its own). An element exactly on a kink keeps disagreeing,
    and its slopes at the smallest step are clean one-sided slopes for ``kinks_explaining``.
    One-sided slopes that disagree in proportion to the step while the central differences
    stay put are plain curvature, not a kink: such an element is judged by its central
    difference (a wrong gradient at the bottom of a steep parabola is not excused).
    Re-measured elements are marked in ``slopes.refined``.

    A failing element may sit on a jump of the function, whose value there may well be the
    mean of its two sides: the gradient of ``maximum`` at a tie (the gradient split evenly)
    is such a function of the inputs. Both one-sided slopes are then about the jump over
    twice the step (so they may even agree), and they grow as the step shrinks: such an element is
    measured once more with the first smaller step (when its slope is ``JUMP_SIZE`` times its
    analytic value or more, a jump over twice ``eps`` dwarfing any gradient, and its one-sided
    slopes are alike, both the jump over the step, unlike a kink's), and marked in
    ``slopes.jumps`` when its slope grew with the step's inverse (a smooth slope stays put). Returns the number of
    elements that turned out to be near, not on, a kink.
    """
    options = point.options
    central, forward_slope, backward_slope, noise = slopes.central, slopes.forward, slopes.backward, slopes.noise
    with np.errstate(invalid="ignore", over="ignore"):
        failing = ~(np.abs(analytic - central) <= options.tolerance(central) + noise)
    disagreeing = kink_mask(forward_slope, backward_slope, options, noise, factor=1.0)
    with np.errstate(invalid="ignore", over="ignore"):   # a jump's slope dwarfs any gradient: only those probed
        towering = np.abs(central) > JUMP_SIZE * (np.abs(analytic) + options.tolerance(analytic) + noise)
        alike = (np.sign(forward_slope) == np.sign(backward_slope)) & (
            np.abs(forward_slope - backward_slope) < 0.5 * np.minimum(np.abs(forward_slope), np.abs(backward_slope)))
    _mark_jumps(point, slot, slopes, np.flatnonzero(failing & towering & alike)[:REFINE_LIMIT])
    suspects = np.flatnonzero(failing & disagreeing)
    near = 0
    for j in suspects[:REFINE_LIMIT]:
        index = np.unravel_index(j, central.shape)
        slopes.refined[index] = True
        seen = []                                             # (central, gap, tolerance) per step
        for factor in REFINE_STEPS:
            c, f, b = (v[0] for v in per_element(point, slot, options.eps * factor, indices=[j]))
            local_noise = point.loss_noise / factor
            central[index], forward_slope[index], backward_slope[index] = c, f, b
            noise[index] = max(noise[index], local_noise)
            tolerance = options.tolerance(max(abs(f), abs(b))) + 2 * local_noise
            seen.append((c, abs(f - b), tolerance))
            if abs(f - b) <= tolerance:
                near += 1
                break
        else:
            (c_large, gap_large, _), (c_small, gap_small, tolerance) = seen[0], seen[-1]
            if gap_small <= 0.25 * gap_large and abs(c_small - c_large) <= tolerance:
                forward_slope[index] = backward_slope[index] = c_small        # curvature: no kink
    return near


# a slope that grows by more than this factor when the step shrinks 8 times is a jump's (8 for a pure jump)
JUMP_GROWTH = 4.0
# only slopes this many times the analytic value (plus the tolerance) are probed for a jump
JUMP_SIZE = 100.0


def _mark_jumps(point, slot, slopes, flat_indices):
    """Mark in ``slopes.jumps`` the elements of ``flat_indices`` whose slope grows as the step shrinks."""
    if not len(flat_indices):
        return
    factor = REFINE_STEPS[0]
    central, _, _ = per_element(point, slot, point.options.eps * factor, indices=list(flat_indices))
    before = slopes.central.reshape(-1)[flat_indices]
    noise = slopes.noise.reshape(-1)[flat_indices] / factor
    with np.errstate(invalid="ignore", over="ignore"):
        grew = (np.abs(central) > JUMP_GROWTH * np.abs(before) + noise) & (np.sign(central) == np.sign(before))
    slopes.jumps.reshape(-1)[flat_indices] = grew

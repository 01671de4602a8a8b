"""How precisely a central difference measures a slope, measured where a report needs to know.

A central difference with step ``h``, ``D(h) = (f(x + h) - f(x - h)) / 2h``, errs
in two ways:

* **truncation**: the curvature of ``f`` (about ``f''' h**2 / 6``);
* **rounding**: the last bits of ``f(x + h)`` and ``f(x - h)``, divided by ``2h``.

``numerical.noise_floor`` bounds the rounding from ``|f|`` alone. That misses
functions computed with cancellation: ``GELU(x) = 0.5 x (1 + tanh(...))`` at
``x = -4.6`` is about ``-3e-6``, but it is computed from terms of size 1, whose
rounding (1e-16) divided by ``2h`` is a 1e-10 error in a gradient of 2e-5: a
relative error of 1e-5 that says nothing about the backward.

So where an element would miss the top band, ``resolution`` measures both
errors there: ``f`` at ``SAMPLES`` random points within one step of ``x`` (the
range the central difference already probed, so no new kink is reached), a
cubic fitted through them and ``f(x)``. The cubic's third-order term is the
truncation error of ``D(h)``; the scatter of the samples around the cubic is
``f``'s own rounding noise, of which ``SAFETY`` standard deviations are counted.
The points are random, not a regular grid: rounding errors of a smooth
computation can line up on a grid and look like a smooth function there.
"""

import numpy as np

from ..engine import unbroadcast
__all__ = ["resolution", "along_projection", "fitted_error", "SAMPLES", "SAFETY", "RESOLVE_LIMIT"]

# extra evaluations of f near the element (the fit has SAMPLES + 1 points for 4 coefficients)
SAMPLES = 9
# standard deviations of f's rounding noise counted as what the difference cannot resolve
SAFETY = 10.0
# at most this many elements per input are measured one at a time (elements checked each on its own)
RESOLVE_LIMIT = 64


def _offsets(rng):
    """``SAMPLES`` random offsets in units of the step, both signs, magnitudes in [0.2, 1]."""
    return rng.choice((-1.0, 1.0), size=SAMPLES) * rng.uniform(0.2, 1.0, size=SAMPLES)


def fitted_error(offsets, values):
    """Per column of ``values`` (shape ``(points, columns)``, sampled at ``offsets`` in units of
    the step, one of them 0): ``|cubic term| + SAFETY * (scatter around the cubic)``, the error
    of ``(v(1) - v(-1)) / 2`` as a measure of the slope ``v'(0)``, in units of ``values``.
    Columns with a value that is not finite get 0 (nothing measured, nothing excused)."""
    offsets = np.asarray(offsets, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values).all(axis=0)
    points, columns = values.shape
    centred = np.where(finite, values - values[np.argmin(np.abs(offsets), axis=0), np.arange(columns)], 0.0)
    design = np.stack([np.broadcast_to(offsets, values.shape) ** power for power in range(4)], axis=-1)
    design = np.moveaxis(design, 1, 0)                                  # (columns, points, 4)
    q, r = np.linalg.qr(design)
    projected = np.einsum("cpk,pc->ck", q, centred)
    residual = centred.T - np.einsum("cpk,ck->cp", q, projected)
    scatter = np.sqrt(np.sum(residual ** 2, axis=1) / (points - 4))
    with np.errstate(all="ignore"):
        cubic = np.linalg.solve(r, projected[..., None])[:, 3, 0]
        error = np.abs(cubic) + SAFETY * scatter
    return np.where(finite & np.isfinite(error), error, 0.0)


def resolution(point, slot, slopes, mask):
    """What the central differences ``slopes`` of input ``slot`` cannot resolve, at the elements
    where ``mask`` (a priority, shaped like the input) is positive (0 elsewhere), in units of the slope: truncation plus rounding, measured as the
    module docstring says. Elementwise slopes are measured at every element at once
    (``SAMPLES`` forward calls); per-element slopes one element at a time (``SAMPLES`` calls
    each, at most ``RESOLVE_LIMIT`` elements, those with the largest ``mask`` value first)."""
    mask = np.asarray(mask)
    if slopes.direction is not None:
        return np.where(mask > 0, _along_direction(point, slot, slopes.direction, slopes.step), 0.0)
    measured = np.zeros(mask.shape)
    chosen = np.flatnonzero(mask)
    chosen = chosen[np.argsort(-mask.reshape(-1)[chosen], kind="stable")][:RESOLVE_LIMIT]
    if chosen.size:
        measured.reshape(-1)[chosen] = _one_at_a_time(point, slot, chosen, slopes.step)
    return measured


def _along_direction(point, slot, direction, step):
    """Every element at once along ``direction`` (an elementwise function): per input element."""
    arrays, probe = point.arrays, point.probe
    x = arrays[slot]
    shape = point.output.shape
    unit = np.broadcast_to(step * direction, shape)
    offsets, values = [np.zeros(shape)], [probe.weighted(point.output)]
    for offset in _offsets(point.rng):
        arrays[slot] = x + offset * step * direction
        values.append(probe.weighted(probe.output(arrays)))
        offsets.append(np.broadcast_to(arrays[slot] - x, shape) / unit)
        arrays[slot] = x
    error = fitted_error(np.stack(offsets).reshape(len(offsets), -1), np.stack(values).reshape(len(values), -1))
    return unbroadcast(error.reshape(shape) / np.abs(unit), x.shape)


def _one_at_a_time(point, slot, flat_indices, step):
    """Each element in ``flat_indices`` moved alone: the loss at ``SAMPLES`` offsets per element."""
    flat = point.arrays[slot].reshape(-1)
    count = len(flat_indices)
    offsets, values = np.zeros((SAMPLES + 1, count)), np.zeros((SAMPLES + 1, count))
    values[0] = point.loss
    for k, j in enumerate(flat_indices):
        original = flat[j]
        for i, offset in enumerate(_offsets(point.rng), start=1):
            flat[j] = original + offset * step
            offsets[i, k] = (flat[j] - original) / step
            values[i, k] = point.probe.loss(point.arrays)
        flat[j] = original
    return fitted_error(offsets, values) / step


def along_projection(point, slot, projection):
    """What the directional slope of ``projection`` cannot resolve (``SAMPLES`` forward calls)."""
    arrays = point.arrays
    x = arrays[slot]
    offsets = np.concatenate([[0.0], _offsets(point.rng)])
    values = [point.loss]
    for offset in offsets[1:]:
        arrays[slot] = x + offset * projection.step * projection.direction
        values.append(point.probe.loss(arrays))
        arrays[slot] = x
    return float(fitted_error(offsets[:, None], np.array(values)[:, None])[0] / projection.step)

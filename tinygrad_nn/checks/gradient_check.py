"""``gradcheck``: compare a backward pass with central differences in float64 and say where they differ."""

import warnings

import numpy as np

from ..engine import Tensor
from . import numerical
from .evaluate import evaluator_for
from .report import GradcheckError, GradcheckPrecisionWarning, GradcheckResult, InputReport, relative_error

__all__ = ["gradcheck", "run_check", "EXACT_LIMIT"]

# auto mode checks inputs up to this many elements element by element; larger ones by projections
EXACT_LIMIT = 1024
MODES = ("auto", "exact", "fast")


def gradcheck(fn, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, mode="auto",
              elementwise=None, nudge=False, wrt=None, kwargs=None, seed=0):
    """Check ``fn``'s analytic gradient against central differences; say where they differ.

    ``fn`` takes Tensors and returns a Tensor, or is a ``Function`` subclass
    (then its ``forward``/``backward`` run directly, so the check also sees a
    gradient of the wrong dtype, shape or count). ``inputs`` is a tuple of
    the arguments: every float, float array and float Tensor is checked
    (``wrt=`` picks some by position); Python ints and bools (``maxout(x, 2)``),
    integer arrays (class labels) and anything else are passed to ``fn``
    unchanged. The check runs on float64 copies: float32 inputs give a
    ``GradcheckPrecisionWarning``.

    For a non-scalar output the gradient of ``sum(u * fn(x))`` is checked
    with a random ``u``, so a backward that ignores its ``grad`` fails. An
    element passes when ``|analytic - numerical| <= atol + rtol * |numerical|``.
    Where the two one-sided differences disagree the function is not
    differentiable (ReLU at 0, ties of max, hinges): such elements are
    counted and skipped; ``nudge=True`` re-checks with them moved off the kink.

    ``mode``: ``"exact"`` checks every element; ``"fast"`` compares a few
    random projections (one backward and a few forward calls per input,
    whatever its size) and falls back to the exact check to locate an error;
    ``"auto"`` (default) is exact for elementwise functions (two forward
    calls per input for all elements, plus two that verify the function is
    elementwise) and for inputs of at most 1024 elements, fast otherwise.
    ``elementwise=True/False`` declares it instead of detecting it (a wrong
    claim is caught and reported).

    Returns a ``GradcheckResult``: truthy when the check passed; print it for
    the report. When it failed and ``raise_exception`` is true, raises
    ``GradcheckError`` whose message names the input, the element and both values.

    >>> import numpy as np, tinygrad_nn as tg
    >>> bool(tg.gradcheck(lambda x: (x * x.sigmoid()).sum(), (np.linspace(-3, 3, 7),)))
    True
    """
    if mode not in MODES:
        raise ValueError(f"gradcheck: mode must be one of {MODES}, got {mode!r}")
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    constants, checked, arrays = _split_inputs(inputs, wrt)
    evaluator = evaluator_for(fn, constants, checked, kwargs)
    options = dict(eps=eps, atol=atol, rtol=rtol, mode=mode, elementwise=elementwise, seed=seed)
    result = run_check(evaluator, arrays, [_as_checkable(inputs[i])[0].dtype for i in checked], **options)
    if nudge and result.kink_count:
        result.nudged = run_check(evaluator, _nudged(arrays, result, eps, seed), [r.dtype for r in result.inputs],
                                  **options)
    if raise_exception and not result.passed:
        raise GradcheckError(result.message(), result)
    return result


def _data(value):
    return value.data if isinstance(value, Tensor) else value


def _as_checkable(value):
    """``(array, what)``: the value as an array when it is a float, a float array or a float Tensor
    (a list or tuple of floats counts as an array), else None and what it is. Python ints and bools
    are never checked: they are counts, sizes and flags (``maxout(x, 2)``), passed to ``fn`` as given."""
    if isinstance(value, (bool, int, np.integer, np.bool_)):
        return None, f"the {type(value).__name__} {value!r}"
    if not isinstance(value, (Tensor, np.ndarray, float, np.floating, list, tuple)):
        return None, f"a {type(value).__name__} object"
    try:
        array = np.asarray(_data(value))
    except ValueError:                                # a ragged list: an argument, not an array
        return None, f"a {type(value).__name__} that is not an array"
    return (array, None) if array.dtype.kind == "f" else (None, f"of dtype {array.dtype}")


def _split_inputs(inputs, wrt):
    """``(constants, checked positions, float64 copies of the checked inputs)``; warns about float32."""
    constants, checked, arrays, low = list(inputs), [], [], []
    wanted = None if wrt is None else {int(i) for i in ((wrt,) if np.isscalar(wrt) else wrt)}
    for position, value in enumerate(inputs):
        array, what = _as_checkable(value)
        if wanted is not None and position in wanted and array is None:
            raise TypeError(f"gradcheck: input {position} is {what}; only floats, float arrays and float "
                            "Tensors have gradients")
        if array is not None and (wanted is None or position in wanted):
            checked.append(position)
            arrays.append(np.array(array, dtype=np.float64, copy=True))
            if array.dtype.itemsize < 8:
                low.append(f"input {position} is {array.dtype}")
    if wanted is not None and wanted - set(range(len(inputs))):
        raise IndexError(f"gradcheck: wrt={sorted(wanted)} names inputs that do not exist "
                         f"(there are {len(inputs)})")
    if not checked:
        raise ValueError(f"gradcheck: none of the {len(inputs)} input(s) is a floating array, so there is "
                         "no gradient to check; pass float arrays or Tensors")
    if low:
        warnings.warn(f"gradcheck: {', '.join(low)}; the check runs on float64 copies because central "
                      "differences in single precision are dominated by rounding error (with eps=1e-6 "
                      "a float32 difference keeps about one digit), so its verdict is about the math of "
                      "your backward, at float64", GradcheckPrecisionWarning, stacklevel=3)
    return constants, checked, arrays


def run_check(evaluator, arrays, dtypes, *, eps, atol, rtol, mode="auto", elementwise=None, seed=0):
    """Run the check of ``evaluator`` at the float64 ``arrays``; returns a ``GradcheckResult``."""
    rng = np.random.default_rng(seed)

    def draw_upstream(shape):
        size = int(np.prod(shape, dtype=np.int64))
        return np.ones(shape) if size == 1 else rng.standard_normal(shape)

    with np.errstate(all="ignore"):             # non-finite values are reported, not warned about
        output, upstream, gradients, problems = evaluator.analytic([a.copy() for a in arrays], draw_upstream)
    if output.dtype.kind == "f" and output.dtype.itemsize < 8:
        warnings.warn(f"gradcheck: {evaluator.name} returned {output.dtype} from float64 inputs, so its "
                      "differences are only as precise as that dtype; expect rounding noise, or compute in "
                      "the input's dtype", GradcheckPrecisionWarning, stacklevel=3)
    output = np.array(output, dtype=np.float64, copy=True)
    upstream = np.asarray(upstream, dtype=np.float64)
    finite = np.isfinite(output)
    probe = numerical.Probe(evaluator, upstream, finite)
    loss_at_x = float(np.sum(probe.upstream * np.where(finite, output, 0.0)))
    output_note = None
    if not finite.all():
        where = tuple(int(i) for i in np.unravel_index(int(np.argmin(finite)), finite.shape))
        output_note = (f"the output is not finite at {int((~finite).sum())} element(s), first {where} "
                       f"({output[where]}); no difference can be taken through them")
    blocked, extra_backward = _not_checkable(evaluator, arrays, finite)
    work = [a.copy() for a in arrays]
    again = probe.output(work)
    if again.shape != output.shape or not np.allclose(again, output, rtol=1e-12, atol=0.0, equal_nan=True):
        # differences of a function that changes between calls mean nothing
        for notes in problems:
            notes.append(f"{evaluator.name} gave a different output when called again on the same input "
                         "(random, or state kept between calls); its gradient cannot be checked by differences")
    reports = []
    for slot, position in enumerate(evaluator.checked):
        analytic = np.asarray(gradients[slot], dtype=np.float64)
        report = InputReport(position, arrays[slot].shape, dtypes[slot], "per-element")
        report.problems.extend(problems[slot])
        if output_note:
            report.notes.append(output_note)
        _check_input(report, probe, work, slot, analytic, output, loss_at_x, blocked[slot],
                     eps, atol, rtol, mode, elementwise, rng)
        if problems[slot]:
            report.passed = False
        reports.append(report)
    name = getattr(evaluator, "name", "fn")
    backward_calls = 1 + extra_backward              # each backward came with its forward
    return GradcheckResult(name, reports, probe.calls + backward_calls, backward_calls, (eps, atol, rtol),
                           upstream=upstream)


def _not_checkable(evaluator, arrays, finite):
    """``(masks, backward calls)``: per checked input, the elements no difference can check. Those are
    the elements that are not finite themselves, and those that feed an output element that is not
    finite (the numerical slope leaves such an output out, and the analytic one is NaN or inf through
    it). Which elements feed one comes from one more backward, of ones at those outputs."""
    blocked = [~np.isfinite(a) for a in arrays]
    if finite.all():
        return blocked, 0
    at_non_finite = (~finite).astype(np.float64)
    with np.errstate(all="ignore"):
        _, _, reach, _ = evaluator.analytic([a.copy() for a in arrays], lambda shape: at_non_finite)
        return [b | ~(np.asarray(r, dtype=np.float64) == 0) for b, r in zip(blocked, reach)], 1


def _check_input(report, probe, work, slot, analytic, output, loss_at_x, blocked, eps, atol, rtol, mode,
                 elementwise, rng):
    size = work[slot].size
    with np.errstate(invalid="ignore"):
        magnitude = np.sum(np.abs(probe.upstream * np.where(probe.finite, output, 0.0)))
    loss_noise = float(numerical.noise_floor(magnitude, eps))
    if elementwise is not False and mode != "fast":
        central, forward_slope, backward_slope, noise, reason = numerical.elementwise(
            probe, work, slot, output, eps, atol, rtol, rng, declared=bool(elementwise))
        if reason is None:
            report.method = "elementwise"
            _finish(report, probe, work, slot, analytic, (central, forward_slope, backward_slope, noise),
                    loss_at_x, loss_noise, blocked, eps, atol, rtol)
            if report.passed or size > EXACT_LIMIT:
                return
            report.notes = [note for note in report.notes if "within eps of a kink" not in note]
            report.notes.append("the all-at-once check failed; confirmed element by element")
        elif elementwise:
            report.notes.append(f"declared elementwise, but it is not: {reason}; checked element by element")
    if (mode == "auto" and size > EXACT_LIMIT) or mode == "fast":
        passed, analytic_slope, numerical_slope, kink = numerical.projection(
            probe, work, slot, analytic, loss_at_x, eps, atol, rtol, rng, noise=loss_noise, skip=blocked)
        if passed:
            report.method = "projection"
            report.set_not_checkable(blocked)
            report.analytic, report.numerical = analytic_slope, numerical_slope
            report.max_abs_error = abs(analytic_slope - numerical_slope)
            report.max_rel_error = float(relative_error(analytic_slope, numerical_slope))
            return
        report.notes.append("a random projection " + ("crossed a kink" if kink else "disagreed")
                            + "; checked element by element to locate it")
    report.method = "per-element"
    slopes = numerical.per_element(probe, work, slot, loss_at_x, eps) + (loss_noise,)
    _finish(report, probe, work, slot, analytic, slopes, loss_at_x, loss_noise, blocked, eps, atol, rtol)


def _finish(report, probe, work, slot, analytic, slopes, loss_at_x, loss_noise, blocked, eps, atol, rtol):
    """Re-check elements spoiled by a nearby kink with smaller steps, then compare."""
    central, forward_slope, backward_slope, noise = slopes
    slopes = (central, forward_slope, backward_slope,
              np.array(np.broadcast_to(np.asarray(noise, dtype=np.float64), central.shape)))
    near = numerical.refine_near_kinks(probe, work, slot, analytic, slopes, loss_at_x, loss_noise,
                                       eps, atol, rtol)
    if near:
        report.notes.append(f"{near} element(s) lie within eps of a kink: re-checked with a smaller step")
    compare(report, analytic, *slopes, atol=atol, rtol=rtol, blocked=blocked)


def compare(report, analytic, central, forward_slope, backward_slope, noise, *, atol, rtol, blocked=False):
    """Fill ``report`` from the analytic gradient, the three numerical slopes of one input and the
    rounding noise of the numerical slopes (added to the tolerance).

    Elements in ``blocked`` (see ``_not_checkable``) and elements whose numerical slope is not
    finite (the function is not finite within ``eps`` of them) are "not checkable": counted and
    listed, never mismatches. A non-finite analytic value anywhere else is a mismatch."""
    noise = np.broadcast_to(np.asarray(noise, dtype=np.float64), np.shape(central))
    unchecked = np.asarray(blocked, dtype=bool) | ~np.isfinite(central)
    report.set_not_checkable(unchecked)
    report.noise = float(noise.max()) if noise.size else 0.0
    report.atol = atol
    with np.errstate(invalid="ignore", over="ignore"):
        abs_error = np.abs(analytic - central)
        abs_error = np.where(np.isnan(abs_error) & (analytic != central), np.inf, abs_error)
        abs_error = np.where(analytic == central, 0.0, abs_error)
        allowed = atol + rtol * np.abs(central) + noise
        failing = ~(abs_error <= allowed)
        kinks, outside = numerical.kinks_explaining(analytic, failing, forward_slope, backward_slope,
                                                    atol, rtol, noise)
        kinks &= ~unchecked
        meaningful = np.maximum(np.abs(analytic), np.abs(central)) > atol + noise
        # relative error beyond what rounding explains: tiny values do not fake a bad band
        scale = np.maximum(np.abs(analytic), np.abs(central))
        excess = np.maximum(abs_error - noise, 0.0)
        rel_error = np.where(meaningful, excess / np.where(scale > 0, scale, 1.0), 0.0)
        rel_error = np.where(np.isfinite(abs_error), rel_error, np.inf)
        ratio = np.where(kinks, -1.0, np.where(np.isfinite(abs_error), abs_error / allowed, np.inf))
    bad = (ratio > 1.0) & ~unchecked
    considered = ~kinks & ~unchecked
    report.analytic_grad, report.numerical_grad = analytic, central
    report.kink_count = int(kinks.sum())
    report.kink_indices, report.kink_values = [], []
    report.kinks_outside = int((outside & kinks).sum())
    report.kink_mask = kinks if report.kink_count else None
    for flat in np.flatnonzero(kinks)[:5]:
        index = np.unravel_index(flat, kinks.shape)
        report.kink_indices.append(tuple(int(i) for i in index))
        report.kink_values.append((float(backward_slope[index]), float(forward_slope[index])))
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


def _nudged(arrays, result, eps, seed):
    """Copies of ``arrays`` with every kink element moved off the kink by about 1e3 * eps (times |x|)."""
    rng = np.random.default_rng(seed + 1)
    moved = [a.copy() for a in arrays]
    for slot, report in enumerate(result.inputs):
        if report.kink_mask is None:
            continue
        for index in np.argwhere(report.kink_mask):
            index = tuple(index)
            scale = max(1.0, abs(moved[slot][index]))
            moved[slot][index] += rng.choice((-1.0, 1.0)) * rng.uniform(500, 1500) * eps * scale
    return moved

"""``gradcheck``: compare a backward pass with central differences in float64 and say where they differ.

The steps, each a public function of this package so other checks reuse them:
``split_inputs`` (which arguments are checked, as float64 copies), an evaluator from
``evaluate.py`` (how the function and its backward run), ``check_evaluator`` (the check
itself, with the re-check at a nudged point) and ``GradcheckError`` when it failed. A check
of second derivatives is the same steps applied to the function that returns the gradients.
"""

import warnings

import numpy as np

from ..engine import Tensor
from ..engine.methods.arguments import int_argument
from . import numerical
from .bands import EXCELLENT
from .compare import compare, relative_beyond
from .evaluate import evaluator_for
from .formatting import format_index, format_number, format_value
from .kinks import nudged_point
from .mutation import Snapshot
from .own_dtype import check_in_own_dtype
from .options import EXACT_LIMIT, options_for
from .report import GradcheckError, GradcheckPrecisionWarning, GradcheckResult, InputReport
from .resolution import along_projection, resolution

__all__ = ["gradcheck", "split_inputs", "check_evaluator", "run_check", "fail_unchecked_inputs"]


def gradcheck(fn, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, mode="auto",
              elementwise=None, nudge=False, wrt=None, kwargs=None, seed=0):
    """Check ``fn``'s analytic gradient against central differences; say where they differ.

    ``fn`` takes Tensors and returns a Tensor (or a tuple of Tensors: then the
    gradient of the sum over all of them is checked), or is a ``Function``
    subclass (then its ``forward``/``backward`` run directly, so the check also
    sees a gradient of the wrong dtype, shape or count). ``inputs`` is a tuple of
    the arguments: every float, float array and float Tensor is checked
    (``wrt=`` picks some by position; when some Tensor requires grad, a
    Tensor that does not is held constant, as PyTorch's gradcheck does);
    Python ints and bools (``maxout(x, 2)``),
    integer arrays (class labels) and anything else are passed to ``fn``
    unchanged. The check runs on float64 copies: float32 inputs give a
    ``GradcheckPrecisionWarning``, and the backward is run once more in
    their dtype, where it must give the same gradient to that precision.
    An ``nn.Module``'s parameters are held constant (the report says so;
    ``tg.check_graph`` checks them); no tensor's ``.grad`` is touched.

    For a non-scalar output the gradient of ``sum(u * fn(x))`` is checked
    with a random ``u``, so a backward that ignores its ``grad`` fails (for a
    one-element output, a second backward with ``grad = -2`` must give -2 times
    the first). An input, the output or ``grad`` changed in place, or a returned
    gradient that a later call overwrites, is a problem that fails the check. An
    element passes when ``|analytic - numerical| <= atol + rtol * |numerical|``
    (plus the rounding noise of the difference). Where the two one-sided
    differences disagree the function is not differentiable (ReLU at 0, ties
    of max, hinges): such elements are counted and skipped; ``nudge=True``
    re-checks with them moved off the kink.

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
    if not isinstance(raise_exception, bool):
        raise TypeError(f"gradcheck: raise_exception must be True or False, got {raise_exception!r:.40}")
    options = options_for("gradcheck", eps=eps, atol=atol, rtol=rtol, mode=mode, elementwise=elementwise,
                          nudge=nudge, seed=seed)
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    constants, checked, arrays, dtypes = split_inputs(inputs, wrt)
    evaluator = evaluator_for(fn, constants, checked, kwargs)
    result = check_evaluator(evaluator, arrays, dtypes, options)
    if any(np.dtype(d).itemsize < 8 for d in dtypes):
        check_in_own_dtype(evaluator, arrays, dtypes, result)
    _note_held_parameters(fn, result)
    fail_unchecked_inputs(result)
    if raise_exception and not result.passed:
        raise GradcheckError(result.message(), result)
    return result


def fail_unchecked_inputs(result):
    """Fail every input none of whose elements could be checked: a check that compared nothing proves
    nothing, so it must not pass (``check_graph`` does not call this: NaN flowing through a model blames no op)."""
    for report in result.inputs:
        if report.nothing_checked:
            report.problems.append(f"none of its {report.size} element(s) could be checked "
                                   f"({report.not_checkable_reason()}), so this check proves nothing about the "
                                   "backward")
            report.passed = False


def _note_held_parameters(fn, result):
    """A module's parameters are not among the inputs: say so, and how to check them."""
    from ..nn.module import Module

    if not isinstance(fn, Module) or not result.inputs:
        return
    held = [(name, p) for name, p in fn.named_parameters() if p.requires_grad]
    if held:
        shown = ", ".join(f"{name} {tuple(p.shape)}" for name, p in held[:3]) + (" ..." if len(held) > 3 else "")
        result.inputs[0].notes.append(
            f"the parameters of {type(fn).__name__} ({shown}) were held constant: only the gradients of the "
            "inputs were checked; tg.check_graph(module(x)) checks the parameters' gradients too")


def _data(value):
    return value.data if isinstance(value, Tensor) else value


def _as_checkable(value):
    """``(array, what)``: the value as an array when it is a float, a float array or a float Tensor
    (a list or tuple of floats counts as an array), else None and what it is. Python ints and bools
    are never checked: they are counts, sizes and flags (``maxout(x, 2)``), passed to ``fn`` as given."""
    if isinstance(value, (bool, int, np.integer, np.bool_)):
        return None, f"the {type(value).__name__} {format_number(value)}"
    if not isinstance(value, (Tensor, np.ndarray, float, np.floating, list, tuple)):
        return None, f"a {type(value).__name__} object"
    try:
        array = np.asarray(_data(value))
    except ValueError:                                # a ragged list: an argument, not an array
        return None, f"a {type(value).__name__} that is not an array"
    return (array, None) if array.dtype.kind == "f" else (None, f"of dtype {array.dtype}")


def _positions(wrt, caller):
    """``wrt`` (one input position, or a list or tuple of them) as a set of ints."""
    several = isinstance(wrt, (list, tuple, set, range)) or (isinstance(wrt, np.ndarray) and wrt.ndim > 0)
    positions = wrt if several else (wrt,)
    for i in positions:
        if isinstance(i, (bool, np.bool_)):
            raise TypeError(f"{caller}: wrt must be input positions (ints), got {i!r}")
    return {int_argument(i, "wrt", caller) for i in positions}


def split_inputs(inputs, wrt=None, caller="gradcheck"):
    """``(constants, checked positions, float64 copies of the checked inputs, their dtypes)``.

    Every float, float array and float Tensor is checked unless ``wrt`` (a position or positions)
    picks some, or some Tensor requires grad: then, as in PyTorch's gradcheck, a Tensor that does
    not is a constant. The rest are passed to the function as given. Warns about float32 inputs.
    """
    constants, checked, arrays, dtypes, low, skipped = list(inputs), [], [], [], [], []
    wanted = None if wrt is None else _positions(wrt, caller)
    if wanted is None and any(isinstance(value, Tensor) and value.requires_grad for value in inputs):
        # PyTorch's rule: once some Tensor requires grad, a Tensor that does not is a constant (a target)
        wanted = {position for position, value in enumerate(inputs)
                  if not (isinstance(value, Tensor) and not value.requires_grad)}
    for position, value in enumerate(inputs):
        array, what = _as_checkable(value)
        if array is None and len(skipped) < 3:
            skipped.append(f"input {position} is {what}")
        if wanted is not None and position in wanted and array is None:
            raise TypeError(f"{caller}: input {position} is {what}; only floats, float arrays and float "
                            "Tensors have gradients")
        if array is not None and (wanted is None or position in wanted):
            checked.append(position)
            arrays.append(np.array(array, dtype=np.float64, copy=True))
            dtypes.append(array.dtype)
            if array.dtype.itemsize < 8:
                low.append(f"input {position} is {array.dtype}")
    if wanted is not None and wanted - set(range(len(inputs))):
        raise IndexError(f"{caller}: wrt={sorted(wanted)} names inputs that do not exist "
                         f"(there are {len(inputs)})")
    if not checked:
        raise ValueError(f"{caller}: none of the {len(inputs)} input(s) is a floating array, so there is "
                         f"no gradient to check ({'; '.join(skipped) or 'no inputs'}); pass float arrays or "
                         "Tensors (an integer array x as x.astype(float))")
    if low:
        warnings.warn(f"{caller}: {', '.join(low)}; the check runs on float64 copies because central "
                      "differences in single precision are dominated by rounding error (with eps=1e-6 "
                      "a float32 difference keeps about one digit), so its verdict is about the math of "
                      "your backward, at float64", GradcheckPrecisionWarning, stacklevel=3)
    return constants, checked, arrays, dtypes


def check_evaluator(evaluator, arrays, dtypes, options):
    """The check of ``evaluator`` at the float64 ``arrays`` (``dtypes``: the user's dtypes), and with
    ``options.nudge`` the re-check with kink elements moved off their kinks: a ``GradcheckResult``."""
    result = run_check(evaluator, arrays, dtypes, options)
    if options.nudge and result.kink_count:
        result.nudged = run_check(evaluator, nudged_point(arrays, result, options), dtypes, options)
    return result


def run_check(evaluator, arrays, dtypes, options):
    """One check of ``evaluator`` at the float64 ``arrays``; returns a ``GradcheckResult``."""
    rng = np.random.default_rng(options.seed)

    def draw_upstream(shape):
        size = int(np.prod(shape, dtype=np.int64))
        return np.ones(shape) if size == 1 else rng.standard_normal(shape)

    with np.errstate(all="ignore"):             # non-finite values are reported, not warned about
        output, upstream, gradients, problems = evaluator.analytic([a.copy() for a in arrays], draw_upstream)
    returned = [Snapshot(g, f"the gradient it returned for input {p}") if isinstance(g, np.ndarray) else None
                for g, p in zip(gradients, evaluator.checked)]
    gradients = [np.array(g, dtype=np.float64, copy=True) for g in gradients]
    extra_backward = 0
    if output.size == 1:                       # grad = 1 cannot tell grad * d from d: try another grad
        _check_scales_with_grad(evaluator, arrays, gradients, problems, options)
        extra_backward += 1
    if output.dtype.kind == "f" and output.dtype.itemsize < 8:
        warnings.warn(f"{evaluator.caller}: {evaluator.name} returned {output.dtype} from float64 inputs, so its "
                      "differences are only as precise as that dtype; expect rounding noise, or compute in "
                      "the input's dtype", GradcheckPrecisionWarning, stacklevel=3)
    output = np.array(output, dtype=np.float64, copy=True)
    upstream = np.asarray(upstream, dtype=np.float64)
    finite = np.isfinite(output)
    probe = numerical.Probe(evaluator, upstream, finite)
    point = numerical.Point(probe, [a.copy() for a in arrays], output, float(np.sum(probe.weighted(output))),
                            options, rng)
    output_note = None
    if not finite.all():
        where = tuple(int(i) for i in np.unravel_index(int(np.argmin(finite)), finite.shape))
        output_note = (f"the output is not finite at {int((~finite).sum())} element(s), first {where} "
                       f"({output[where]}); no difference can be taken through them")
    blocked, reach_backward = _not_checkable(evaluator, arrays, finite)
    extra_backward += reach_backward
    again = probe.output(point.arrays)
    if again.shape != output.shape or not np.allclose(again, output, rtol=1e-12, atol=0.0, equal_nan=True):
        # differences of a function that changes between calls mean nothing
        for notes in problems:
            notes.append(f"{evaluator.name} gave a different output when called again on the same input "
                         "(random, or state kept between calls); its gradient cannot be checked by differences")
    reports = []
    for slot, position in enumerate(evaluator.checked):
        report = InputReport(position, arrays[slot].shape, dtypes[slot], "per-element")
        report.problems.extend(problems[slot])
        if output_note:
            report.notes.append(output_note)
        with np.errstate(all="ignore"):     # differences of huge or non-finite values are reported, not warned about
            _check_input(report, point, slot, gradients[slot], blocked[slot])
        reports.append(report)
    for slot, report in enumerate(reports):
        later = returned[slot] and returned[slot].change(
            f"calling {evaluator.name} again", "the gradient is a view of an array the function reuses "
            "(a buffer kept between calls, or its input or output), so the next call overwrites it: return a new array")
        if later:
            report.problems.append(later)
        if report.problems:
            report.passed = False
    backward_calls = 1 + extra_backward              # each backward came with its forward
    return GradcheckResult(evaluator.name, reports, probe.calls + backward_calls, backward_calls, options,
                           upstream=upstream)


# the second upstream gradient of a one-element output: a backward must return exactly this times its gradient
# for grad = 1 (no rounding: a power of two), whatever it computes
UPSTREAM_SCALE = -2.0


def _check_scales_with_grad(evaluator, arrays, gradients, problems, options):
    """For a one-element output: run the backward again with ``grad = UPSTREAM_SCALE`` and add a problem
    where its gradient is not ``UPSTREAM_SCALE`` times the one for ``grad = 1`` (a backward that returns
    ``d`` instead of ``grad * d`` is right when its op is the last one, and only then)."""
    with np.errstate(all="ignore"):
        _, _, scaled, _ = evaluator.analytic([a.copy() for a in arrays], lambda shape: np.full(shape, UPSTREAM_SCALE))
    for slot, (once, again) in enumerate(zip(gradients, scaled)):
        once, again = np.asarray(once, dtype=np.float64), np.asarray(again, dtype=np.float64)
        with np.errstate(all="ignore"):
            expected = UPSTREAM_SCALE * once
            off = ~(np.abs(again - expected) <= 1e-3 * options.atol + 1e-9 * np.abs(expected))
            off &= np.isfinite(once) & np.isfinite(again) if once.shape == again.shape else True
        if once.shape == again.shape and off.any():
            where = tuple(int(i) for i in np.unravel_index(int(np.argmax(off)), off.shape))
            problems[slot].append(
                f"{evaluator.name}'s gradient does not scale with the upstream gradient: for input "
                f"{evaluator.checked[slot]} at element {format_index(where)} it is {format_value(once[where])} "
                f"with grad = 1 and {format_value(again[where])} with grad = {UPSTREAM_SCALE:g} (expected "
                f"{format_value(expected[where])}); a backward must return grad times the local derivative")


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


def _check_input(report, point, slot, analytic, blocked):
    """Fill ``report`` for input ``slot``: elementwise, by projections or element by element."""
    options = point.options
    size = point.arrays[slot].size
    if options.elementwise is not False and options.mode != "fast":
        slopes, reason = numerical.elementwise(point, slot, declared=bool(options.elementwise))
        if reason is None:
            report.method = "elementwise"
            _finish(report, point, slot, analytic, slopes, blocked)
            if report.passed or size > EXACT_LIMIT:
                return
            report.notes = [note for note in report.notes if "within eps of a kink" not in note]
            report.notes.append("the all-at-once check failed; confirmed element by element")
        elif options.elementwise:
            report.notes.append(f"declared elementwise, but it is not: {reason}; checked element by element")
    if (options.mode == "auto" and size > EXACT_LIMIT) or options.mode == "fast":
        found = numerical.projection(point, slot, analytic, skip=blocked)
        if found.passed:
            report.method = "projection"
            report.set_not_checkable(blocked)
            report.analytic, report.numerical = found.analytic, found.numerical
            report.max_abs_error = abs(found.analytic - found.numerical)
            report.max_rel_error = _projection_band_error(point, slot, found)
            return
        report.notes.append("a random projection " + ("crossed a kink" if found.kink else "disagreed")
                            + "; checked element by element to locate it")
    report.method = "per-element"
    _finish(report, point, slot, analytic, numerical.per_element(point, slot, options.eps), blocked)


def _projection_band_error(point, slot, found):
    """The relative error of a passing projection beyond the rounding noise, and beyond what the
    difference can resolve along it when the noise alone leaves it short of the top band."""
    error = abs(found.analytic - found.numerical)
    rel = float(relative_beyond(error, found.analytic, found.numerical, found.noise, point.options))
    if rel > EXCELLENT:
        unresolved = found.noise + along_projection(point, slot, found)
        rel = float(relative_beyond(error, found.analytic, found.numerical, unresolved, point.options))
    return rel


def _finish(report, point, slot, analytic, slopes, blocked):
    """Re-check elements spoiled by a nearby kink with smaller steps, then compare."""
    near = numerical.refine_near_kinks(point, slot, analytic, slopes)
    if near:
        report.notes.append(f"{near} element(s) lie within eps of a kink: re-checked with a smaller step")
    compare(report, analytic, slopes, point.options, blocked=blocked,
            measure=lambda priority: resolution(point, slot, slopes, priority), x=point.arrays[slot])

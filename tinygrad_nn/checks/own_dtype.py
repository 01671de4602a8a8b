"""The re-run in the input's own dtype: a backward must compute the same gradient in float32 (float16)
as the float64 check found, to that dtype's precision, so a backward wrong only in single precision fails.

"That dtype's precision" is a relative 1e-2, or a thousandth of the input's largest gradient element,
plus what the dtype's rounding of the op's own values explains: ``sin(100 x)`` at ``x = 1000`` rounds
``100 x`` to 0.008 in float32, which moves its correct gradient by up to 0.8 in 100. That part is
measured where an element differs by more than the rest allows: the float64 gradient at the inputs
moved by one unit of the dtype's rounding (``SENSITIVITY_ULPS``), both ways.
"""

import numpy as np

from .formatting import format_index, format_value

__all__ = ["check_in_own_dtype", "SENSITIVITY_ULPS"]

# the inputs are moved by this many units of their dtype's rounding (relative) to measure what it explains
SENSITIVITY_ULPS = 1.0


def _is_low(dtype):
    return np.dtype(dtype).itemsize < 8


def check_in_own_dtype(evaluator, arrays, dtypes, result, low_evaluator=None):
    """For float32 (float16) inputs: the backward run in that dtype (by ``low_evaluator``, default
    ``evaluator``: one whose other arguments keep their own dtypes) must give the gradient of the float64
    check (``evaluator`` at ``arrays``) to that dtype's precision; an input where it does not gets a
    problem. Where the low-precision gradient is not finite (an overflow) a note says so instead."""
    low_evaluator = low_evaluator or evaluator
    low = [np.asarray(a, dtype=d) if _is_low(d) else a.copy() for a, d in zip(arrays, dtypes)]
    upstream = np.asarray(result.upstream)

    def gradients_at(run, values):
        return run.analytic(values, lambda shape: upstream.reshape(shape))

    with np.errstate(all="ignore"):
        try:
            _, _, found, problems = gradients_at(low_evaluator, low)
        except (TypeError, ValueError, RuntimeError) as error:  # the engine refused what backward returned
            result.forward_calls += 1
            result.backward_calls += 1
            for slot, report in enumerate(result.inputs):
                if _is_low(dtypes[slot]):
                    report.problems.append(f"run in {np.dtype(dtypes[slot])} (the input's dtype) the backward "
                                           f"failed: {type(error).__name__}: {error}")
                    report.passed = False
            return
        _, _, exacts, _ = gradients_at(evaluator, [a.copy() for a in arrays])
    result.forward_calls += 2
    result.backward_calls += 2
    spread = None
    for slot, report in enumerate(result.inputs):
        dtype = np.dtype(dtypes[slot])
        if not _is_low(dtype):
            continue
        exact = np.asarray(exacts[slot], dtype=np.float64)
        with np.errstate(all="ignore"):
            own = np.asarray(found[slot], dtype=np.float64)
            usable = np.isfinite(exact) & np.isfinite(own)
            rtol = max(1e-2, 100 * float(np.finfo(dtype).eps))
            largest = float(np.max(np.abs(exact[usable]), initial=0.0))
            allowed = result.options.atol + rtol * np.abs(exact) + 1e-3 * largest
            off = usable & ~(np.abs(own - exact) <= allowed)
            if off.any():
                if spread is None:
                    spread = _rounding_spread(evaluator, arrays, dtypes, exacts, gradients_at, result)
                off &= ~(np.abs(own - exact) <= allowed + spread[slot])
        overflow = np.isfinite(exact) & ~np.isfinite(own)
        if overflow.any():
            where = tuple(int(i) for i in np.unravel_index(int(np.argmax(overflow)), overflow.shape))
            report.notes.append(f"in {dtype} the gradient is not finite at {int(overflow.sum())} element(s), first "
                                f"{format_index(where)} ({format_value(own[where])}; float64: "
                                f"{format_value(exact[where])}): an overflow of {dtype}, not compared")
        if off.any():
            where = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.where(off, np.abs(own - exact), -1.0))),
                                                           off.shape))
            report.problems.append(
                f"run in {dtype} (the input's dtype) the backward gives {format_value(own[where])} at element "
                f"{format_index(where)}, but {format_value(exact[where])} in float64 (the gradient checked above); "
                f"{int(off.sum())} of {off.size} element(s) differ by more than {dtype} rounding explains: the "
                f"backward computes something else in {dtype}")
        report.problems.extend(p for p in problems[slot] if p not in report.problems)
        if report.problems:
            report.passed = False


def _rounding_spread(evaluator, arrays, dtypes, exacts, gradients_at, result):
    """Per checked input: how far the float64 gradient moves when the low-precision inputs move by
    ``SENSITIVITY_ULPS`` units of their dtype's rounding, up or down (what that rounding explains)."""
    spread = [np.zeros(np.shape(e)) for e in exacts]
    for sign in (1.0, -1.0):
        moved = [a * (1.0 + sign * SENSITIVITY_ULPS * float(np.finfo(d).eps)) if _is_low(d) else a.copy()
                 for a, d in zip(arrays, dtypes)]
        _, _, gradients, _ = gradients_at(evaluator, moved)
        for slot, (g, e) in enumerate(zip(gradients, exacts)):
            change = np.abs(np.asarray(g, dtype=np.float64) - np.asarray(e, dtype=np.float64))
            spread[slot] = np.fmax(spread[slot], np.where(np.isfinite(change), change, 0.0))
    result.forward_calls += 2
    result.backward_calls += 2
    return spread

"""Labels and colours of graph nodes: names, shapes, statistics, gradient health.

Gradient health colours (fill of tensor nodes when ``grads=True``):
grey = gradient exactly zero, blue = norm below ``vanishing`` (default
1e-6), green = healthy, orange = norm above ``exploding`` (default 1e3),
red = NaN or inf.
"""

import math

import numpy as np

__all__ = ["format_number", "shape_text", "array_stats", "gradient_colour", "HEALTH_LEGEND", "stats_line",
           "non_finite_text", "op_text", "unit_lines", "worst_failures", "failure_line", "config_text",
           "counts_text"]

CONFIG_WIDTH = 80   # characters of a module's configuration a label shows before shortening it

COLOURS = {"zero": "#dee2e6", "vanishing": "#a5d8ff", "healthy": "#b2f2bb",
           "exploding": "#ffc078", "nonfinite": "#ff6b6b"}

HEALTH_LEGEND = ("fill = gradient norm: green healthy, grey exactly zero, red NaN or inf,\\n"
                 "blue below {vanishing:g} (vanishing), orange above {exploding:g} (exploding)")


def format_number(value):
    """A short, stable text for a float: 3 significant digits."""
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "0"
    return f"{value:.3g}"


def format_constant(value):
    """A constant as written in the program, to 6 significant digits: ``1.0001``, ``0.5``, ``-3``."""
    value = float(value)
    if not math.isfinite(value):
        return format_number(value)
    return f"{value:.6g}"


def config_text(module):
    """``module.extra_repr()`` for a label, its middle items elided when longer than ``CONFIG_WIDTH``.

    >>> import tinygrad_nn as tg
    >>> config_text(tg.nn.MLP([8] + [16] * 40 + [3]))
    'sizes=[8, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, …, 16, 16, 16, 16, 3]'
    """
    config = getattr(module, "extra_repr", lambda: "")()
    if len(config) <= CONFIG_WIDTH:
        return config
    items = config.split(", ")
    head, tail = [], []
    while items and len(", ".join(head + [items[0]])) <= CONFIG_WIDTH * 2 // 3:
        head.append(items.pop(0))
    while items and len(", ".join([items[-1]] + tail)) <= CONFIG_WIDTH // 3 - 5:
        tail.insert(0, items.pop())
    if not head:   # one item longer than the width: cut it
        return config[:CONFIG_WIDTH - 1] + "…"
    return ", ".join(head + ["…"] + tail)


def shape_text(shape, dtype):
    """``(4, 3) float64``, ``(4,) float64``; ``scalar float64`` for shape ``()``."""
    shape = tuple(shape)
    if not shape:
        return f"scalar {dtype}"
    return f"{shape} {dtype}"


def array_stats(array):
    """``(min, mean, max, norm)`` of an array as floats; a NaN makes the mean and the norm NaN.

    The mean and the norm are taken on the values divided by the largest
    magnitude, so neither overflows (``1e200`` values have norm ``2e200``
    for four of them, not inf) nor underflows (a ``1e-200`` gradient has a
    tiny norm, not 0). Min and max skip NaN: ``[nan, -inf, 1]`` has min
    ``-inf`` and max ``1``.
    """
    array = np.asarray(array, dtype=np.float64).ravel()
    if array.size == 0:
        return (0.0, 0.0, 0.0, 0.0)
    with np.errstate(all="ignore"):
        numbers = array[~np.isnan(array)]
        lo, hi = (float(numbers.min()), float(numbers.max())) if numbers.size else (math.nan, math.nan)
        if numbers.size < array.size:
            return (lo, math.nan, hi, math.nan)
        scale = float(np.max(np.abs(array)))
        if scale == 0 or math.isinf(scale):
            return (lo, float(array.mean()), hi, scale)
        scaled = array / scale
        return (lo, float(scaled.mean()) * scale, hi, float(np.sqrt(np.sum(scaled * scaled))) * scale)


def non_finite_text(array):
    """``1 nan, 2 inf of 4`` for an array holding NaN or infinite values, else ''."""
    array = np.asarray(array, dtype=np.float64)
    nans, infs = int(np.isnan(array).sum()), int(np.isinf(array).sum())
    if not nans and not infs:
        return ""
    parts = [f"{nans:,} nan"] * bool(nans) + [f"{infs:,} inf"] * bool(infs)
    return f"{', '.join(parts)} of {array.size:,}"


def stats_line(prefix, array):
    """Lines ``prefix min .. mean .. max ..`` and ``prefix norm ..`` (a single value shows only itself, an
    empty array ``prefix empty (0 values)``), and ``prefix 1 nan, 2 inf of 4`` when some values are not finite."""
    array = np.asarray(array)
    if array.size == 0:
        return [f"{prefix} empty (0 values)"]
    if array.size == 1:
        return [f"{prefix} {format_number(array.reshape(()))}"]
    lo, mean, hi, norm = array_stats(array)
    lines = [f"{prefix} min {format_number(lo)} mean {format_number(mean)} max {format_number(hi)}",
             f"{prefix} norm {format_number(norm)}"]
    bad = non_finite_text(array)
    return lines + ([f"{prefix} {bad}"] if bad else [])


def gradient_colour(grad, vanishing=1e-6, exploding=1e3):
    """The fill colour that says how healthy a gradient is (see the module docstring)."""
    grad = np.asarray(grad)
    if not np.all(np.isfinite(grad)):
        return COLOURS["nonfinite"]
    norm = array_stats(grad)[3]
    if norm == 0:
        return COLOURS["zero"]
    if norm < vanishing:
        return COLOURS["vanishing"]
    if norm > exploding:
        return COLOURS["exploding"]
    return COLOURS["healthy"]


def _simple(value):
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float, str, np.integer, np.floating)):
        return True
    return isinstance(value, tuple) and len(value) <= 4 and all(
        isinstance(v, (int, np.integer)) for v in value)


def op_text(node, constants=None):
    """The op's Function name with its constant operands and simple options, e.g. ``Sum(axis=1)``.

    ``constants`` maps an input position to the constant found there; the
    other inputs show as ``·``, so ``Sub(1, ·)`` is ``1 - x`` and
    ``Mul(·, 0.5)`` is ``x * 0.5``.
    """
    arguments = []
    if constants:
        arguments = [format_constant(constants[slot]) if slot in constants else "·"
                     for slot in range(len(node.sources))]
    for key in sorted(node.kwargs or {}):
        value = node.kwargs[key]
        if value is True:
            arguments.append(key)
        elif _simple(value):
            shown = format_number(value) if isinstance(value, (float, np.floating)) else value
            arguments.append(f"{key}={shown}")
    name = node.function.__name__
    return f"{name}({', '.join(arguments)})" if arguments else name


def _field(stats, name):
    if isinstance(stats, dict):
        return stats.get(name)
    return getattr(stats, name, None)


def unit_lines(stats):
    """Lines for one activation module's unit statistics, and whether they are alarming (>= 50%)."""
    lines, alarming = [], False
    for field, word in (("dead_fraction", "dead"), ("saturated_fraction", "saturated")):
        fraction = _field(stats, field)
        if fraction is None:
            continue
        fraction = float(fraction)
        lines.append(f"{word} {fraction:.0%} of units")
        alarming = alarming or fraction >= 0.5
    wins = _field(stats, "piece_wins")
    if wins is not None:
        wins = np.asarray(wins, dtype=np.float64).ravel()
        if wins.size:
            lines.append("pieces won " + " / ".join(f"{w:.0%}" if w <= 1 else f"{w:g}" for w in wins))
    return lines, alarming


def _gap(failure):
    try:
        return abs(float(failure.analytic) - float(failure.numerical))
    except (TypeError, ValueError):
        return math.inf


def worst_failures(failures):
    """``{id(node): failure}`` keeping, per blamed node, the failure with the largest |analytic - numerical|."""
    worst = {}
    for failure in failures:
        key = id(failure.node)
        if key not in worst or _gap(failure) > _gap(worst[key]):
            worst[key] = failure
    return worst


def failure_line(failure):
    """``gradcheck FAILED: input 0 at (1, 2): analytic 0.3 vs numerical 0.5`` (or the failure's message)."""
    analytic, numerical = getattr(failure, "analytic", None), getattr(failure, "numerical", None)
    if analytic is None or numerical is None:
        message = str(getattr(failure, "message", "") or "backward raised").splitlines()[0]
        return f"gradcheck FAILED: {message[:80]}"
    index = getattr(failure, "index", None)
    where = f" at {tuple(np.ravel(index).tolist()) if not isinstance(index, tuple) else index}" \
        if index is not None else ""
    return (f"gradcheck FAILED: input {getattr(failure, 'input_index', '?')}{where}: "
            f"analytic {format_number(analytic)} vs numerical {format_number(numerical)}")


def counts_text(counter):
    """``Add x3, MatMul``: names by decreasing count, then by name."""
    return ", ".join(name if count == 1 else f"{name} x{count:,}" for name, count in sorted(
        counter.items(), key=lambda item: (-item[1], item[0])))

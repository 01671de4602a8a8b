"""Hypothesis strategies and a one-line gradient property for your own test suite.

Needs hypothesis (``pip install hypothesis``)::

    import tinygrad_nn as tg
    from tinygrad_nn.testing import check_activation, arrays, broadcastable_shapes

    def swish(x):
        return x * x.sigmoid()

    test_swish = check_activation(swish)                  # pytest collects it

    @check_activation(monotone="increasing", bounded=(-1, 1), odd=True, zero_at_zero=True)
    def test_tanh(x):
        return x.tanh()

Each drawn input runs ``tg.gradcheck`` (values from tiny to +-1e3 in
magnitude), checks that outputs and gradients are finite, and checks the
properties you declared; ``order=2`` also runs ``tg.gradgradcheck`` (the
second derivative). A failure shows hypothesis's shrunk example and the
gradcheck report.
"""

import math
import numbers
import warnings

import numpy as np

try:
    from hypothesis import HealthCheck, Phase, given, settings as hypothesis_settings, strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError("tinygrad_nn.testing needs hypothesis: pip install hypothesis") from error

from .checks import GradcheckPrecisionWarning, gradcheck, gradgradcheck
from .checks.formatting import format_number
from .checks.options import options_for
from .engine import Function, NotDifferentiableError, Tensor

__all__ = ["floats", "arrays", "tensors", "broadcastable_shapes", "broadcastable_arrays",
           "away_from_kinks", "check_activation", "activation_failures"]


_FLOAT_DTYPES = {np.dtype(np.float16): 16, np.dtype(np.float32): 32, np.dtype(np.float64): 64}


def _float_dtype(dtype):
    """``dtype`` as a numpy float dtype of ``floats`` (float16, float32 or float64), with its bit width."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        dtype = None
    if dtype not in _FLOAT_DTYPES:
        raise TypeError("floats: dtype must be np.float16, np.float32 or np.float64")
    return dtype, _FLOAT_DTYPES[dtype]


def _magnitude(value, name):
    """A positive finite magnitude argument of ``floats``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"floats: {name} must be a number, got {value!r:.40} ({type(value).__name__})")
    number = float(value) if not isinstance(value, int) or abs(value) < 2 ** 1023 else math.inf
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"floats: {name} must be a finite number > 0, got {value!r:.40}")
    return number


def floats(min_magnitude=1e-6, max_magnitude=1e3, allow_zero=True, avoid=(), min_distance=1e-3,
           dtype=np.float64):
    """Finite floats of both signs whose magnitudes spread from tiny to ``max_magnitude``.

    Some draws are log-uniform in magnitude (``min_magnitude`` to
    ``max_magnitude``), others any finite float in ``[-max_magnitude,
    max_magnitude]`` (hypothesis favours edge cases there, tinier ones
    included); 0 is included when ``allow_zero``. With ``allow_zero=False``
    no draw is ever 0 (nor -0.0): where a zero would come, ``+-min_magnitude``
    comes instead. Values closer than ``min_distance`` to a point in
    ``avoid`` (kinks, e.g. ``(0.0,)`` for ReLU) are pushed out to that
    distance, so shrinking still works. ``dtype=np.float32`` (or float16)
    gives values exactly representable in that dtype; ``max_magnitude``
    must then fit in it (``np.finfo(dtype).max``, about 3.4e38 for
    float32), and ``min_magnitude`` must not round to 0 in it. Bad
    arguments are a ``ValueError`` (``TypeError`` for a non-number) naming
    ``floats``.
    """
    dtype, width = _float_dtype(dtype)
    min_magnitude = _magnitude(min_magnitude, "min_magnitude")
    max_magnitude = _magnitude(max_magnitude, "max_magnitude")
    if not min_magnitude <= max_magnitude:
        raise ValueError(f"floats: need 0 < min_magnitude <= max_magnitude, got {min_magnitude}, {max_magnitude}")
    info = np.finfo(dtype)
    if max_magnitude > float(info.max):
        raise ValueError(f"floats: max_magnitude {max_magnitude!r} is beyond the range of {dtype} (its largest "
                         f"value is np.finfo({dtype}).max = {float(info.max)!r}); pass a max_magnitude up to that")
    if float(np.asarray(min_magnitude, dtype=dtype)) == 0.0:
        raise ValueError(f"floats: min_magnitude {min_magnitude!r} rounds to 0 in {dtype} (its smallest positive "
                         f"value is {float(info.smallest_subnormal)!r})")
    if isinstance(min_distance, (bool, np.bool_)) or not isinstance(min_distance, numbers.Real) \
            or not math.isfinite(min_distance) or min_distance < 0:
        raise ValueError(f"floats: min_distance must be a finite number >= 0, got {min_distance!r:.40}")
    try:
        kinks = tuple(float(k) for k in avoid)
    except (TypeError, ValueError):
        raise TypeError(f"floats: avoid must be a sequence of numbers (kinks), got {avoid!r:.40}") from None
    if not all(math.isfinite(k) for k in kinks):
        raise ValueError(f"floats: the points to avoid must be finite, got {kinks}")
    log_low, log_high = math.log10(min_magnitude), math.log10(max_magnitude)
    span = log_high - log_low
    smallest = float(np.asarray(min_magnitude, dtype=dtype))  # what stands in for a zero when zero is refused
    bound = float(np.asarray(max_magnitude, dtype=dtype))  # the largest magnitude exactly held by the dtype
    if bound > max_magnitude:
        bound = float(np.nextafter(dtype.type(bound), dtype.type(0)))

    def spread_out(t):  # t in [-1, 1] -> sign(t) * 10**(log_low + |t| * span); 0 -> 0 (shrinks to 0)
        if t == 0:
            return 0.0 if allow_zero else math.copysign(smallest, t)
        return math.copysign(min(10.0 ** (log_low + abs(t) * span), max_magnitude), t)

    def nonzero(value):  # with allow_zero=False: a drawn 0 or -0.0 becomes +-min_magnitude, keeping its sign
        return value if value != 0 else math.copysign(smallest, value)

    spread = st.floats(-1.0, 1.0).map(spread_out)
    uniform = st.floats(-bound, bound, allow_nan=False, allow_infinity=False,
                        allow_subnormal=False, width=width)
    if not allow_zero:
        uniform = uniform.map(nonzero)
    choices = [spread, uniform] + ([st.just(0.0)] if allow_zero else [])
    values = st.one_of(*choices)

    def keep_away(value):
        for kink in kinks:
            if abs(value - kink) < min_distance:
                value = kink + (min_distance if value >= kink else -min_distance)
        return value

    def representable(value):
        if width == 64:
            return value
        rounded = float(np.asarray(value, dtype=dtype))
        return rounded if abs(rounded) <= max(bound, abs(value)) else math.copysign(bound, rounded)

    values = values.map(keep_away).map(representable) if kinks else values.map(representable)
    if not allow_zero:  # a kink pushed out to exactly 0, or a value rounded to 0 in the dtype: rare, rejected
        values = values.filter(lambda value: value != 0)
    return values


def away_from_kinks(kinks=(0.0,), distance=1e-3, **kwargs):
    """``floats`` that keep ``distance`` from every point in ``kinks`` (ReLU: 0; hinge: 1)."""
    return floats(avoid=kinks, min_distance=distance, **kwargs)


def arrays(shape=None, dtype=np.float64, elements=None, min_dims=1, max_dims=3, min_side=1, max_side=5,
           **float_options):
    """Numpy arrays of ``dtype`` with ``elements`` (default: ``floats(**float_options)``).

    ``shape`` is a tuple, a strategy of tuples, or None for shapes of
    ``min_dims``..``max_dims`` axes of ``min_side``..``max_side`` each.
    """
    if shape is None:
        shape = hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)
    if elements is None:
        elements = floats(dtype=dtype, **float_options)
    return hnp.arrays(np.dtype(dtype), shape, elements=elements)


def tensors(shape=None, dtype=np.float64, elements=None, requires_grad=False, **array_options):
    """``Tensor`` objects built from ``arrays(...)`` (same options), optionally with ``requires_grad``."""
    return arrays(shape, dtype, elements, **array_options).map(
        lambda data: Tensor(data, requires_grad=requires_grad))


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Tuples of ``num_shapes`` shapes that broadcast together, e.g. ``((4, 1, 3), (5, 3))``."""
    return hnp.mutually_broadcastable_shapes(num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims,
                                             min_side=min_side, max_side=max_side).map(
        lambda drawn: drawn.input_shapes)


def broadcastable_arrays(num_arrays=2, dtype=np.float64, elements=None, max_dims=3, max_side=4,
                         **float_options):
    """Tuples of ``num_arrays`` arrays whose shapes broadcast together (for binary ops)."""
    if elements is None:
        elements = floats(dtype=dtype, **float_options)
    shapes = broadcastable_shapes(num_arrays, max_dims=max_dims, max_side=max_side)
    return shapes.flatmap(lambda drawn: st.tuples(*(hnp.arrays(np.dtype(dtype), shape, elements=elements)
                                                    for shape in drawn)))


def _as_callable(fn):
    if isinstance(fn, type) and issubclass(fn, Function):
        return fn.apply
    if not callable(fn):
        raise TypeError(f"check_activation: expected a function of one Tensor or a Function subclass, "
                        f"got {type(fn).__name__}")
    return fn


def activation_failures(fn, x, *, monotone=None, bounded=None, odd=False, even=False, zero_at_zero=False,
                        finite=True, eps=1e-6, atol=1e-5, rtol=1e-3, tolerance=None, order=1):
    """Everything wrong with activation ``fn`` at the input array ``x``: a list of messages (empty: fine).

    ``fn`` maps a Tensor to a Tensor of the same shape (or is a ``Function``
    subclass). Checks the gradient with ``tg.gradcheck`` (with ``order=2``
    also the second derivative, with ``tg.gradgradcheck``; a backward that
    cannot be differentiated is reported with its ``NotDifferentiableError``), and the declared
    properties: ``monotone`` (``"increasing"`` or ``"decreasing"``, not
    strictly), ``bounded`` (``(low, high)``, either may be None), ``odd``
    (``f(-x) = -f(x)``), ``even`` (``f(-x) = f(x)``), ``zero_at_zero``, and
    with ``finite`` that outputs and gradients are finite. The declared
    properties hold up to ``tolerance`` (relative; default 1e-9 for float64
    inputs, about 1e-5 for float32).
    """
    apply = _as_callable(fn)
    _check_declarations(monotone=monotone, bounded=bounded, odd=odd, even=even, zero_at_zero=zero_at_zero,
                        finite=finite, eps=eps, atol=atol, rtol=rtol, order=order)
    x = np.asarray(x)
    if tolerance is None:
        tolerance = max(1e-9, 100 * float(np.finfo(x.dtype).eps)) if x.dtype.kind == "f" else 1e-9
    elif not _is_real(tolerance) or not math.isfinite(tolerance) or tolerance < 0:
        raise ValueError(f"activation_failures: tolerance must be a finite number >= 0 (relative), got "
                         f"{tolerance!r:.40}")
    problems = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", GradcheckPrecisionWarning)
        result = gradcheck(fn, (x,), eps=eps, atol=atol, rtol=rtol, raise_exception=False)
        if not result and not (not finite and _only_outside_the_domain(result)):
            problems.append(f"the gradient does not match:\n{result}")
        if order == 2:
            problems.extend(_second_derivative_failures(fn, x, eps, atol, rtol))
        tensor = Tensor(x, requires_grad=True)
        y = apply(tensor)
        if y.shape != x.shape:
            return problems + [f"an activation must keep the shape: input {x.shape}, output {y.shape}"]
        try:
            y.backward(np.ones(y.shape, dtype=y.dtype))
        except Exception as error:  # the engine refused what backward returned (e.g. a float64 gradient for float32)
            return problems + [f"its backward, run through the engine, raised {type(error).__name__}: {error}"]
        out, grad = y.data.astype(np.float64), tensor.grad
        if finite and not np.isfinite(out).all():
            problems.append(_first("output is not finite", ~np.isfinite(out), x, out))
        if grad is None:
            problems.append("no gradient reached the input: the output does not depend on it")
        elif finite and not np.isfinite(grad).all():
            problems.append(_first("gradient is not finite", ~np.isfinite(grad), x, grad))
        scale = tolerance * (1.0 + np.abs(out))
        if monotone is not None:
            problems.extend(_monotone(x, out, grad, monotone, atol, tolerance))
        if bounded is not None:
            low, high = bounded
            outside = np.zeros(out.shape, dtype=bool)
            if low is not None:
                outside |= out < low - scale
            if high is not None:
                outside |= out > high + scale
            if outside.any():
                problems.append(_first(f"output leaves the declared bounds {bounded}", outside, x, out))
        if odd or even:
            mirrored = apply(Tensor(-x)).data.astype(np.float64)
            expected, word = (-out, "odd: f(-x) != -f(x)") if odd else (out, "even: f(-x) != f(x)")
            wrong = np.abs(mirrored - expected) > scale + tolerance * np.abs(mirrored)
            if wrong.any():
                problems.append(_first(f"declared {word}", wrong, x, mirrored))
        if zero_at_zero:
            at_zero = float(apply(Tensor(np.zeros((), dtype=x.dtype))).data)
            if abs(at_zero) > tolerance:
                problems.append(f"declared zero at zero, but f(0) = {format_number(at_zero)}")
    return problems


def _only_outside_the_domain(result):
    """True when the check failed only because no element could be checked (a function declared
    ``finite=False`` may have a drawn input entirely outside its domain: no difference to take there)."""
    return all(report.passed or (report.nothing_checked and not report.mismatches and len(report.problems) == 1)
               for report in result.inputs)


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _check_declarations(*, monotone, bounded, odd, even, zero_at_zero, finite, eps, atol, rtol, order):
    """Refuse a declaration or an option that ``activation_failures`` could not honour, naming it."""
    if monotone not in (None, "increasing", "decreasing"):
        raise ValueError(f"check_activation: monotone must be None, 'increasing' or 'decreasing', got {monotone!r:.40}")
    if bounded is not None:
        pair = tuple(bounded) if isinstance(bounded, (tuple, list)) else None
        if pair is None or len(pair) != 2 or not all(b is None or (_is_real(b) and not math.isnan(b)) for b in pair):
            raise ValueError(f"check_activation: bounded must be a pair (low, high) of numbers or None, got "
                             f"{bounded!r:.40}")
        if None not in pair and pair[0] > pair[1]:
            raise ValueError(f"check_activation: bounded=(low, high) needs low <= high, got {pair}")
    for name, value in (("odd", odd), ("even", even), ("zero_at_zero", zero_at_zero), ("finite", finite)):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"check_activation: {name} must be True or False, got {value!r:.40}")
    if odd and even:
        raise ValueError("check_activation: a function declared both odd and even is zero; declare one")
    options_for("check_activation", eps=eps, atol=atol, rtol=rtol)
    _check_order(order)


def _check_order(order):
    if isinstance(order, (bool, np.bool_)) or order not in (1, 2):
        raise ValueError(f"check_activation: order must be 1 (the gradient) or 2 (also the second derivative), "
                         f"got {order!r}")


def _second_derivative_failures(fn, x, eps, atol, rtol):
    try:
        result = gradgradcheck(fn, (x,), eps=eps, atol=atol, rtol=rtol, raise_exception=False)
    except NotDifferentiableError as error:
        return [f"the second derivative cannot be computed: NotDifferentiableError: {error}"]
    return [] if result else [f"the second derivative does not match:\n{result}"]


def _first(what, mask, x, values):
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(mask)), mask.shape))
    return f"{what} at element {index}: x = {format_number(x[index])}, value {format_number(values[index])}"


def _monotone(x, out, grad, direction, atol, tolerance):
    sign = 1.0 if direction == "increasing" else -1.0
    problems = []
    order = np.argsort(x, axis=None, kind="stable")
    ordered_x = x.reshape(-1)[order]
    ordered_y = out.reshape(-1)[order]
    steps = sign * np.diff(ordered_y)
    drop = steps < -tolerance * (1.0 + np.abs(ordered_y[1:]))
    if drop.any():
        k = int(np.argmax(drop))
        problems.append(f"declared monotone {direction}, but f({format_number(ordered_x[k])}) = "
                        f"{format_number(ordered_y[k])} and f({format_number(ordered_x[k + 1])}) = "
                        f"{format_number(ordered_y[k + 1])}")
    if grad is not None:
        wrong_sign = sign * grad < -atol
        if wrong_sign.any():
            problems.append(_first(f"declared monotone {direction}, but the gradient has the wrong sign",
                                   wrong_sign, x, grad))
    return problems


def check_activation(fn=None, *, shape=None, dtype=np.float64, min_magnitude=1e-6, max_magnitude=1e3,
                     kinks=(), kink_distance=1e-3, monotone=None, bounded=None, odd=False, even=False,
                     zero_at_zero=False, finite=True, eps=1e-6, atol=1e-5, rtol=1e-3, max_examples=None,
                     settings=None, order=1):
    """A pytest test (a hypothesis property) that checks activation ``fn`` over drawn inputs.

    Use it as ``test_swish = check_activation(swish, ...)`` or as a decorator
    on a function of one Tensor: ``@check_activation(monotone="increasing")``.
    Inputs are arrays of ``shape`` (default: 1 to 3 axes of 1 to 5) with
    values from ``min_magnitude`` to ``max_magnitude`` in magnitude, both
    signs and zero, kept ``kink_distance`` away from ``kinks``. For the
    declared properties see ``activation_failures``; ``order=2`` also checks
    the second derivative (``tg.gradgradcheck``) at every drawn input. ``max_examples``
    overrides the active hypothesis profile; other hypothesis options go in
    ``settings=hypothesis.settings(...)`` (the returned test already carries
    settings, so it cannot be decorated with ``@settings`` again). The test
    has no deadline and skips hypothesis's ``too_slow`` health check, whatever
    the settings: how long a gradient check takes depends on the machine, not
    on the gradient. A failing example raises ``AssertionError`` with every
    problem found and the gradcheck report; hypothesis shows the shrunk input.
    """
    user_settings = settings
    options = dict(monotone=monotone, bounded=bounded, odd=odd, even=even, zero_at_zero=zero_at_zero,
                   finite=finite, eps=eps, atol=atol, rtol=rtol, order=order)
    _check_declarations(**options)
    if settings is not None and not isinstance(settings, hypothesis_settings):
        raise TypeError(f"check_activation: settings must be a hypothesis.settings(...) object, got "
                        f"{type(settings).__name__}")
    if shape is not None and not isinstance(shape, st.SearchStrategy) and not (
            isinstance(shape, tuple) and all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 0
                                             for n in shape)):
        raise ValueError(f"check_activation: shape must be None (random shapes), a tuple of sizes >= 0 or a "
                         f"hypothesis strategy of them, got {shape!r:.40}")

    def decorate(activation):
        _as_callable(activation)
        strategy = arrays(shape, dtype, min_magnitude=min_magnitude, max_magnitude=max_magnitude,
                          avoid=kinks, min_distance=kink_distance)
        name = getattr(activation, "__name__", "activation")
        name = name if name.isidentifier() else "activation"

        def property_test(x):
            problems = activation_failures(activation, x, **options)
            if problems:
                raise AssertionError(f"{name} at an input of shape {x.shape}:\n- " + "\n- ".join(problems))

        property_test.__name__ = name if name.startswith("test") else f"test_{name}"
        property_test.__qualname__ = property_test.__name__
        derivatives = "gradient and second derivative" if order == 2 else "gradient"
        property_test.__doc__ = f"check_activation property of {name}: {derivatives}, finiteness, declared properties."
        test = given(x=strategy)(property_test)
        # no "explain" phase: it traces coverage (slow) and points at lines inside tinygrad_nn
        parent = user_settings if user_settings is not None else hypothesis_settings()
        # no deadline, no too_slow: on a slow or busy machine a correct gradient must still pass
        chosen = dict(phases=[p for p in parent.phases if p is not Phase.explain], deadline=None,
                      suppress_health_check=[*parent.suppress_health_check, HealthCheck.too_slow])
        if max_examples is not None:
            chosen["max_examples"] = max_examples
        test = hypothesis_settings(parent=parent, **chosen)(test)
        test.activation = activation
        return test

    return decorate if fn is None else decorate(fn)

"""Values, gradients and second derivatives at extreme inputs: the right limits, and no numpy warning.

The inputs are drawn from the magnitudes where floating point breaks naive
formulas: 1e4, 1e38 (float32's largest), 1e154 (where a square overflows
in float64), 1e300, the largest finite number and infinity. The conftest
turns every numpy overflow, invalid or divide warning into an error, so
each test also proves that no warning is raised on the way.
"""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_nn as tg
import tinygrad_nn.functional as F
from tinygrad_nn import autograd

MAGNITUDES = [1.0, 1e4, 1e38, 1e154, 1e300, "max"]
DTYPES = st.sampled_from([np.float32, np.float64])


def _value(magnitude, dtype):
    """``magnitude`` in ``dtype``, or None where ``dtype`` cannot hold it (1e154 in float32)."""
    if magnitude == "max":
        return float(np.finfo(dtype).max)
    if magnitude == "inf":
        return math.inf
    return magnitude if magnitude <= float(np.finfo(dtype).max) else None


@st.composite
def huge(draw, include_inf=False, signed=True, smallest=1.0):
    """(dtype, x): a magnitude from ``smallest`` on that ``dtype`` holds, with a random sign."""
    dtype = draw(DTYPES)
    choices = [m for m in MAGNITUDES[MAGNITUDES.index(smallest):] + (["inf"] if include_inf else [])
               if _value(m, dtype) is not None]
    x = _value(draw(st.sampled_from(choices)), dtype)
    if signed and draw(st.booleans()):
        x = -x
    return dtype, x


def derivatives(fn, *values, dtype):
    """fn's value, its gradient (plain backward and recorded) and the gradient of the gradient's sum."""
    leaves = [tg.Tensor(np.array([v], dtype=dtype), requires_grad=True) for v in values]
    out = fn(*leaves)
    out.sum().backward()
    plain = [leaf.grad.copy() for leaf in leaves]
    leaves = [tg.Tensor(np.array([v], dtype=dtype), requires_grad=True) for v in values]
    grads = autograd.grad(fn(*leaves).sum(), leaves, create_graph=True)
    for recorded, first in zip(grads, plain):
        assert np.array_equal(recorded.data, first), "the recorded gradient differs from the plain one"
    total = grads[0].sum()
    for grad in grads[1:]:
        total = total + grad.sum()
    total.backward()
    second = [np.zeros(1, dtype) if leaf.grad is None else np.asarray(leaf.grad.data) for leaf in leaves]
    return out.data, plain, second


def _close(actual, expected, dtype, scale=0.0):
    """Within a few ulps of ``expected`` (or of ``scale``, the size of the terms a difference cancelled), or both
    below the dtype's smallest normal number (where the exact value underflows)."""
    eps = 8 * np.finfo(dtype).eps
    return np.allclose(np.asarray(actual, np.float64), expected, rtol=eps, atol=max(np.finfo(dtype).tiny, eps * scale))


# ---------------------------------------------------------------- a / b
@settings(max_examples=60)
@given(huge(), huge(), st.floats(0, 1))
def test_a_quotient_has_finite_first_and_second_derivatives_wherever_they_are_in_range(numerator, denominator, shrink):
    """d(a/b)/db = -a/b**2 is computed without b*b, which overflows beyond |b| = 1e154 (float64) or 1e19 (float32)."""
    dtype = denominator[0]
    b = denominator[1]
    a = float(dtype(math.copysign(min(abs(numerator[1]), abs(b)) * shrink, numerator[1])))  # |a| <= |b|: slopes in range
    out, (da, db), (dda, ddb) = derivatives(lambda x, y: x / y, a, b, dtype=dtype)
    ratio = a / b
    assert _close(da, 1 / b, dtype) and _close(db, -(1 / b) * ratio, dtype)
    # the gradient of da + db: d/da = -1/b**2, d/db = -1/b**2 + 2a/b**3
    curvature = (1 / b) / b
    assert _close(dda, -curvature, dtype) and _close(ddb, -curvature + 2 * curvature * ratio, dtype, scale=curvature)


# ---------------------------------------------------------------- logarithms and roots of huge numbers
SLOPES = {  # op: (first derivative, second derivative) at x > 0, written so that Python floats do not overflow
    "log": (lambda x: x.log(), lambda x: 1 / x, lambda x: -(1 / x) / x),
    "log1p": (lambda x: x.log1p(), lambda x: 1 / (1 + x), lambda x: -(1 / (1 + x)) / (1 + x)),
    "log2": (lambda x: x.log2(), lambda x: 1 / x / math.log(2), lambda x: -(1 / x) / x / math.log(2)),
    "log10": (lambda x: x.log10(), lambda x: 1 / x / math.log(10), lambda x: -(1 / x) / x / math.log(10)),
    "sqrt": (lambda x: x.sqrt(), lambda x: 0.5 / math.sqrt(x), lambda x: -0.25 / math.sqrt(x) / x),
    "arctan": (lambda x: x.arctan(), lambda x: (1 / x) / (x + 1 / x), lambda x: -2 * ((1 / x) / (x + 1 / x)) ** 2 * x),
}


@settings(max_examples=80)
@given(st.sampled_from(sorted(SLOPES)), huge(signed=False))
def test_logarithms_roots_and_arctan_of_huge_numbers_have_their_exact_slopes_and_curvatures(name, drawn):
    dtype, x = drawn
    op, slope, curvature = SLOPES[name]
    expected = (slope(x), curvature(x))
    out, (first,), (second,) = derivatives(op, x, dtype=dtype)
    assert np.isfinite(out).all()
    assert _close(first, expected[0], dtype), (first, expected[0])
    assert _close(second, expected[1], dtype), (second, expected[1])


def test_log10_of_the_largest_float_has_its_tiny_slope_not_an_overflow():
    for dtype in (np.float32, np.float64):
        x = float(np.finfo(dtype).max)
        _, (first,), _ = derivatives(lambda t: t.log10(), x, dtype=dtype)
        assert first[0] > 0 and _close(first, 1 / x / math.log(10), dtype)


# ---------------------------------------------------------------- activations at huge and infinite inputs
ACTIVATIONS = {
    "gelu": lambda x: F.gelu(x),
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": F.silu,
    "mish": F.mish,
    "hardswish": F.hardswish,
}


@settings(max_examples=80)
@given(st.sampled_from(sorted(ACTIVATIONS)), huge(include_inf=True, smallest=1e4))
def test_gated_activations_are_the_identity_far_right_and_zero_far_left_to_second_order(name, drawn):
    """x * gate(x): the gate is exactly 1 or 0 out there, so the value is x or 0, the slope 1 or 0, the curvature 0."""
    dtype, x = drawn
    out, (first,), (second,) = derivatives(ACTIVATIONS[name], x, dtype=dtype)
    assert out[0] == (x if x > 0 else 0)
    assert first[0] == (1 if x > 0 else 0)
    assert second[0] == 0


@settings(max_examples=40)
@given(huge(include_inf=True))
def test_softsign_tends_to_plus_minus_one_with_flat_slope(drawn):
    dtype, x = drawn
    out, (first,), (second,) = derivatives(F.softsign, x, dtype=dtype)
    denominator = 1 + abs(x)
    assert _close(out, math.copysign(1 - 1 / denominator, x), dtype)
    assert _close(first, 1 / denominator / denominator, dtype)
    assert _close(second, -math.copysign(2, x) / denominator / denominator / denominator, dtype)


@settings(max_examples=40)
@given(st.sampled_from(["erf", "erfc"]), huge(include_inf=True, smallest=1e4))
def test_erf_and_erfc_saturate_with_zero_slope_and_curvature(name, drawn):
    dtype, x = drawn
    out, (first,), (second,) = derivatives(lambda t: getattr(t, name)(), x, dtype=dtype)
    sign = 1 if x > 0 else -1
    assert out[0] == (sign if name == "erf" else 1 - sign)
    assert first[0] == 0 and second[0] == 0

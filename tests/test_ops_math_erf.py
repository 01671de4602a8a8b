"""The error function: float64-accurate against Python's math.erf/math.erfc, at every scale.

numpy has no erf, so tinygrad_nn computes it (engine/ops/special.py); these
tests hold it to about 4 ulps of ``math.erf`` (itself within an ulp of the
true value), including the far tails of erfc, the signs of zero, infinities
and NaN.
"""

import math

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_nn as tg
from tinygrad_nn.engine.ops.special import erf_values, erfc_values, normal_cdf_values

finite = st.floats(-30.0, 30.0, allow_nan=False, allow_subnormal=True)
near_pieces = st.sampled_from([0.0, 1.0, 2.0, 4.0, 6.0, 26.0]).flatmap(
    lambda edge: st.floats(edge - 1e-3, edge + 1e-3).map(lambda v: v * (1 if v > 0 else -1)))


@settings(max_examples=300)
@given(hnp.arrays(np.float64, st.integers(1, 40), elements=st.one_of(finite, near_pieces)))
def test_erf_is_within_1e_15_relative_of_math_erf(x):
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erf_values(x), expected, rtol=1e-15, atol=0)


@settings(max_examples=200)
@given(hnp.arrays(np.float64, st.integers(1, 40), elements=st.floats(-6.0, 26.5)))
def test_erfc_keeps_its_relative_accuracy_in_the_far_tail(x):
    expected = np.array([math.erfc(v) for v in x])
    np.testing.assert_allclose(erfc_values(x), expected, rtol=2e-15, atol=0)


def test_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e300, -1e300, 5e-324, 30.0])
    with np.errstate(invalid="raise", over="raise", divide="raise"):
        e, c = erf_values(x), erfc_values(x)
    np.testing.assert_array_equal(e[:4], [0.0, -0.0, 1.0, -1.0])
    assert np.signbit(e[1]) and np.isnan(e[4]) and np.isnan(c[4])
    np.testing.assert_array_equal(e[5:7], [1.0, -1.0])
    assert e[7] == math.erf(5e-324)
    np.testing.assert_array_equal(c[[0, 2, 3, 5, 6, 8]], [1.0, 0.0, 2.0, 0.0, 2.0, 0.0])


def test_float32_is_computed_in_float64_and_rounded_once():
    x = np.linspace(-4, 4, 101).astype(np.float32)
    for function, reference in [(erf_values, math.erf), (erfc_values, math.erfc)]:
        out = function(x)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, np.array([reference(float(v)) for v in x]).astype(np.float32))


def test_normal_cdf_keeps_its_left_tail():
    x = np.array([-40.0, -10.0, 0.0, 1.0, 10.0])
    expected = [0.5 * math.erfc(v * -math.sqrt(0.5)) for v in x]   # the same rounded argument
    np.testing.assert_allclose(normal_cdf_values(x), expected, rtol=2e-15)
    assert normal_cdf_values(np.array(-10.0)) > 0   # 1 + erf(-10/sqrt 2) would round to 0


def test_zero_dimensional_and_empty_inputs():
    assert isinstance(erf_values(np.array(0.5)), np.ndarray) and erf_values(np.array(0.5)).shape == ()
    assert erfc_values(np.zeros((0, 3))).shape == (0, 3)
    assert tg.Tensor(np.array(0.5)).erf().item() == math.erf(0.5)

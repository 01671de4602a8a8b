"""The error function on numpy arrays, vectorised and accurate to about 2 ulps in float64 (numpy has none).

``erf_values``, ``erfc_values`` and ``normal_cdf_values`` take and return
arrays (float32 is computed in float64 and rounded back). They are the
numbers behind the ``Erf`` and ``Erfc`` ops and the exact ``gelu``.

How: erf is odd and erfc(-x) = 2 - erfc(x), so only a = |x| matters.

* a < 1: erf(x) = x P(x**2), P a polynomial (erf(x)/x is smooth and even);
* a >= 1: erfc(a) = exp(-a**2) erfcx(a), where the scaled function
  erfcx(a) = exp(a**2) erfc(a) varies slowly: a polynomial in a on [1, 2)
  and on [2, 4), and x erfcx(x) a polynomial in 1/a**2 from 4 on (it tends
  to 1/sqrt(pi)). exp(-a**2) is taken as exp(-h**2) exp(-(a-h)(a+h)) with h
  a rounded to float32, so h**2 is exact and the rounding of a**2 (which
  would cost 26**2 ulps of relative error in erfc near 26) never happens.

Each polynomial is in a variable y mapped onto [-1, 1], truncated from its
Chebyshev series at 1e-18 and written out in powers of y for Horner's rule;
``tools/fit_erf.py`` computes the tables (with mpmath, at 40 digits). Against
Python's ``math.erf`` (correctly rounded up to an ulp) the largest relative
error found over 300,000 points is 3.2e-16; tests/test_ops_math_erf.py
checks 1e-15 over hypothesis-drawn points.
"""

import numpy as np

__all__ = ["erf_values", "erfc_values", "normal_cdf_values"]

# erf(x) / x in powers of y = 2 x**2 - 1, for |x| < 1
ERF_OVER_X = (
    0.9654687386698673, -0.1405360890227171, 0.019852496688983708, -0.0022854855611441132,
    0.00021751715604160108, -1.7537169441124826e-05, 1.223382738352401e-06, -7.51156928660089e-08,
    4.11580059766496e-09, -2.035228404899467e-10, 9.167606746069445e-12, -3.8078827395263415e-13,
    1.454817075960679e-14)
# erfcx(a) in powers of y = 2a - 3, for 1 <= a < 2
ERFCX_1_2 = (
    0.3215854164543175, -0.08181145886628004, 0.019037759963869347, -0.0041163631624453285,
    0.0008360838095667822, -0.00016081117337456488, 2.9470857452438927e-05, -5.171328643577939e-06,
    8.723044760349276e-07, -1.4191195854849937e-07, 2.232841288007105e-08, -3.4057547442939427e-09,
    5.046602976320114e-10, -7.27683737113065e-11, 1.0198170166276311e-11, -1.3988172161915317e-12,
    2.0292151163761165e-13, -2.6641841734607675e-14)
# erfcx(a) in powers of y = a - 3, for 2 <= a < 4
ERFCX_2_4 = (
    0.17900115118138996, -0.05437226000717287, 0.01588437115987136, -0.004479431018372594,
    0.001223039052375977, -0.0003241255444964542, 8.355413963931287e-05, -2.0989464464224638e-05,
    5.146436493577689e-06, -1.2333677056587265e-06, 2.8926693017436393e-07, -6.646692586156175e-08,
    1.4977111542990704e-08, -3.312746819938391e-09, 7.206569825011898e-10, -1.5396164337943972e-10,
    3.1649750343485987e-11, -6.540314781838702e-12, 1.6649372607256146e-12, -3.357346034257376e-13)
# a erfcx(a) in powers of y = 32 / a**2 - 1, for a >= 4
X_ERFCX_FROM_4 = (
    0.5557581685752836, -0.008073805168515994, 0.00033359701308002137, -2.1861074882080398e-05,
    1.9147125645442004e-06, -2.0641935789536665e-07, 2.6102698860133955e-08, -3.751931342096041e-09,
    5.996426436456734e-10, -1.0485101894030065e-10, 1.9835019786063522e-11, -4.014268796925446e-12,
    8.354510297142996e-13, -1.870326024914366e-13, 6.077762652686656e-14, -1.57311944037457e-14)

_SQRT_HALF = 0.7071067811865476
_FLAT_FROM = 40.0  # exp(-40**2) is 0 in float64: a larger |x| changes nothing, and float32(|x|) stays finite


def erf_values(x):
    """erf(x) of an array, in its dtype (float32 is computed in float64); erf(+-inf) = +-1, NaN stays NaN."""
    x, dtype = _float64(x)
    small = np.abs(x) < 1
    if small.all():
        return np.asarray(_erf_small(x), dtype=dtype)
    out = np.empty_like(x)
    out[small] = _erf_small(x[small])
    large = ~small
    tail = x[large]
    out[large] = np.copysign(1 - _erfc_large(np.abs(tail)), tail)
    return np.asarray(out, dtype=dtype)


def erfc_values(x):
    """erfc(x) = 1 - erf(x) of an array, accurate also where it is tiny (large x)."""
    x, dtype = _float64(x)
    small = np.abs(x) < 1
    out = np.empty_like(x)
    out[small] = 1 - _erf_small(x[small])
    large = ~small
    tail = x[large]
    upper = _erfc_large(np.abs(tail))
    out[large] = np.where(tail > 0, upper, 2 - upper)
    return np.asarray(out, dtype=dtype)


def normal_cdf_values(x):
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, the standard normal CDF, via erfc so its left tail keeps its digits."""
    x, dtype = _float64(x)
    return np.asarray(0.5 * erfc_values(x * -_SQRT_HALF), dtype=dtype)


def _float64(x):
    """``x`` as a float64 array, and the dtype to give the result (x's own floating dtype)."""
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    return x.astype(np.float64, copy=False), dtype


def _horner(coefficients, y):
    """sum_i coefficients[i] * y**i, in place on one buffer."""
    out = np.full_like(y, coefficients[-1])
    for c in coefficients[-2::-1]:
        out *= y
        out += c
    return out


def _erf_small(x):
    """erf(x) for |x| < 1."""
    return x * _horner(ERF_OVER_X, 2 * x * x - 1)


def _erfc_large(a):
    """erfc(a) for a >= 1 (and +inf), never below 0 and without overflow or underflow warnings."""
    scaled = np.empty_like(a)
    first, last = a < 2, a >= 4
    middle = ~(first | last)
    scaled[first] = _horner(ERFCX_1_2, 2 * a[first] - 3)
    scaled[middle] = _horner(ERFCX_2_4, a[middle] - 3)
    inverse = 1 / a[last]  # 0 at inf; 1 / a**2 would overflow for huge a, (1 / a)**2 only underflows
    scaled[last] = _horner(X_ERFCX_FROM_4, 32 * inverse * inverse - 1) * inverse
    a = np.minimum(a, _FLAT_FROM)
    high = a.astype(np.float32).astype(np.float64)
    return scaled * np.exp(-high * high) * np.exp((high - a) * (high + a))

"""Print the polynomial tables of ``tinygrad_nn/engine/ops/special.py`` (needs mpmath: ``pip install mpmath``).

Each piece of erf/erfc is a smooth function on an interval, mapped onto
y in [-1, 1]. Its Chebyshev coefficients are computed at 40 digits from 80
Chebyshev nodes, truncated where the next four are below 1e-18 of the first,
and turned into ordinary polynomial coefficients in y (exactly, at 40 digits)
for Horner's rule. On [-1, 1] these polynomials are well conditioned (the sum
of |terms| stays below twice the value), so float64 evaluation loses at most
about two ulps. Run: ``python tools/fit_erf.py``.
"""

import mpmath as mp

mp.mp.dps = 40


def erf_over_x(u):
    """erf(sqrt u) / sqrt u, for u = x**2 in [0, 1]."""
    return mp.erf(mp.sqrt(u)) / mp.sqrt(u) if u else 2 / mp.sqrt(mp.pi)


def erfcx(x):
    """exp(x**2) erfc(x), the scaled complementary error function."""
    return mp.exp(x * x) * mp.erfc(x)


def x_erfcx(s):
    """x erfcx(x) as a function of s = 1 / x**2 (it tends to 1/sqrt(pi) as x grows)."""
    return erfcx(1 / mp.sqrt(s)) / mp.sqrt(s) if s else 1 / mp.sqrt(mp.pi)


# name, function, interval; the variable is mapped linearly onto y in [-1, 1]
PIECES = [
    ("ERF_OVER_X", erf_over_x, 0, 1),                 # |x| < 1, u = x**2:  y = 2u - 1
    ("ERFCX_1_2", erfcx, 1, 2),                       # 1 <= x < 2:         y = 2x - 3
    ("ERFCX_2_4", erfcx, 2, 4),                       # 2 <= x < 4:         y = x - 3
    ("X_ERFCX_FROM_4", x_erfcx, 0, mp.mpf(1) / 16),   # x >= 4, s = 1/x**2: y = 32s - 1
]


def chebyshev_coefficients(function, low, high, count, nodes=80):
    """The first ``count`` Chebyshev coefficients of ``function`` on [low, high] (interpolation at nodes)."""
    angles = [mp.pi * (j + mp.mpf(1) / 2) / nodes for j in range(nodes)]
    values = [function((high - low) / 2 * mp.cos(a) + (high + low) / 2) for a in angles]
    coefficients = [2 * mp.fsum(v * mp.cos(k * a) for v, a in zip(values, angles)) / nodes for k in range(count)]
    coefficients[0] /= 2
    return coefficients


def truncated(coefficients, relative=mp.mpf("1e-18")):
    """The coefficients up to where the next four are all below ``relative`` times the first."""
    scale = abs(coefficients[0])
    end = next(n for n in range(len(coefficients)) if all(abs(c) < relative * scale for c in coefficients[n:n + 4]))
    return coefficients[:end]


def monomial(coefficients):
    """sum c_k T_k(y) as ordinary coefficients a_i of y**i, using T_{k+1} = 2y T_k - T_{k-1}."""
    previous, current = [mp.mpf(1)], [mp.mpf(0), mp.mpf(1)]
    result = [mp.mpf(0)] * len(coefficients)
    for k, c in enumerate(coefficients):
        t = previous if k == 0 else current
        if k >= 2:
            t = [mp.mpf(0)] + [2 * a for a in current]
            for i, a in enumerate(previous):
                t[i] -= a
            previous, current = current, t
        for i, a in enumerate(t):
            result[i] += c * a
    return result


if __name__ == "__main__":
    for name, function, low, high in PIECES:
        table = monomial(truncated(chebyshev_coefficients(function, low, high, 60)))
        print(f"{name} = (" + ", ".join(repr(float(a)) for a in table) + ")")

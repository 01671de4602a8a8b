"""Every math op's backward is differentiable again: second derivatives against central differences.

``assert_second_derivative`` differentiates the recorded backward
(``create_graph=True``) and compares with central differences of the
first-order backward, element by element (tests/second_order.py).
"""

import numpy as np
import pytest

import tinygrad_nn as tg
from second_order import assert_second_derivative

RNG = np.random.default_rng(7)


def inside(low, high, shape=(2, 3)):
    return RNG.uniform(low, high, size=shape)


# method name: an input inside its domain and away from its jumps
POINTS = {
    "sin": inside(-3, 3), "cos": inside(-3, 3), "tan": inside(-1.2, 1.2), "arcsin": inside(-0.8, 0.8),
    "arccos": inside(-0.8, 0.8), "arctan": inside(-3, 3), "sinh": inside(-3, 3), "cosh": inside(-3, 3),
    "arcsinh": inside(-3, 3), "arccosh": inside(1.2, 4), "arctanh": inside(-0.8, 0.8), "log1p": inside(-0.8, 3),
    "expm1": inside(-3, 3), "log2": inside(0.2, 4), "log10": inside(0.2, 4), "exp2": inside(-3, 3),
    "rsqrt": inside(0.3, 4), "reciprocal": inside(0.4, 3), "square": inside(-3, 3), "erf": inside(-2.5, 2.5),
    "erfc": inside(-2.5, 2.5), "floor": np.array([0.3, 1.6, -2.2]), "ceil": np.array([0.3, 1.6, -2.2]),
    "trunc": np.array([0.3, 1.6, -2.2]), "round": np.array([0.3, 1.6, -2.2]), "frac": np.array([0.3, 1.6, -2.2]),
}


@pytest.mark.parametrize("name", POINTS)
def test_unary_second_derivative(name):
    assert_second_derivative(lambda x: getattr(x, name)(), [POINTS[name]], rtol=1e-4, atol=1e-5)


def test_minimum_second_derivative_with_broadcasting():
    a = np.array([[0.3, -1.2, 2.0]])
    b = np.array([[0.1], [1.0]])
    assert_second_derivative(lambda x, y: tg.minimum(x * x, y * y * y), [a, b])


def test_clamp_with_tensor_bounds_second_derivative():
    x = np.array([-2.0, -0.3, 0.4, 2.5])
    lo, hi = np.array([-1.1]), np.array([0.5, 0.9, 1.1, 1.3])
    assert_second_derivative(lambda t, l, h: (t * t * t).clamp(l * l * -1.0, h * h), [x, lo, hi])

"""``tg.gradcheck`` on every math op over drawn arrays (1 to 3 axes), inside each op's domain."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn.testing import arrays, broadcastable_arrays

INTEGERS = tuple(float(i) for i in range(-5, 6))

# method: (smallest, largest value drawn, points to keep away from)
DOMAINS = {
    "sin": (-10, 10, ()), "cos": (-10, 10, ()), "tan": (-1.4, 1.4, ()), "arcsin": (-0.95, 0.95, ()),
    "arccos": (-0.95, 0.95, ()), "arctan": (-50, 50, ()), "sinh": (-20, 20, ()), "cosh": (-20, 20, ()),
    "arcsinh": (-50, 50, ()), "arccosh": (1.05, 50, ()), "arctanh": (-0.95, 0.95, ()), "log1p": (-0.95, 50, ()),
    "expm1": (-20, 20, ()), "log2": (0.05, 50, ()), "log10": (0.05, 50, ()), "exp2": (-20, 20, ()),
    "rsqrt": (0.05, 50, ()), "reciprocal": (-5, 5, (0.0,)), "square": (-50, 50, ()), "erf": (-5, 5, ()),
    "erfc": (-5, 5, ()), "floor": (-5, 5, INTEGERS), "ceil": (-5, 5, INTEGERS), "trunc": (-5, 5, INTEGERS),
    "round": (-5, 5, tuple(i + 0.5 for i in range(-6, 6))), "frac": (-5, 5, INTEGERS),
}


def inside(low, high, avoid):
    elements = st.floats(low, high).filter(lambda v: all(abs(v - k) > 0.05 for k in avoid))
    return arrays(elements=elements, max_side=4)


@pytest.mark.parametrize("name", DOMAINS)
@settings(max_examples=10)
@given(data=st.data())
def test_every_math_op_passes_gradcheck(name, data):
    x = data.draw(inside(*DOMAINS[name]))
    assert tg.gradcheck(lambda t: getattr(t, name)(), (x,))


@settings(max_examples=20)
@given(pair=broadcastable_arrays(elements=st.integers(-40, 40).map(lambda i: i / 4)))
def test_minimum_passes_gradcheck_off_ties(pair):
    a, b = pair
    assert tg.gradcheck(tg.minimum, (a, b + 0.125))   # a on a grid of 1/4, b halfway: never tied


@settings(max_examples=20)
@given(arrays_=broadcastable_arrays(num_arrays=3, elements=st.integers(-40, 40).map(lambda i: i / 4)))
def test_clamp_with_tensor_bounds_passes_gradcheck(arrays_):
    x, lo, hi = arrays_
    lo, hi = np.minimum(lo, hi) - 0.125, np.maximum(lo, hi) + 0.125   # ordered, and never equal to x
    assert tg.gradcheck(lambda t, l, h: t.clamp(l, h), (x, lo, hi))

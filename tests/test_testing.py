"""tinygrad_nn.testing: the strategies draw what they promise; check_activation passes correct
activations, and a failure shows hypothesis's shrunk example with the gradcheck report."""

import subprocess
import sys
import time

import hypothesis
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import testing
from tinygrad_nn.testing import (arrays, away_from_kinks, broadcastable_arrays, broadcastable_shapes,
                                 check_activation, floats, tensors)
from faulty_functions import MissingTermSwish


@given(x=floats(max_magnitude=50.0))
def test_floats_are_finite_and_within_the_magnitude(x):
    assert np.isfinite(x) and abs(x) <= 50.0


@given(x=away_from_kinks(kinks=(0.0, 1.0), distance=1e-2))
def test_away_from_kinks_keeps_the_distance(x):
    assert abs(x) >= 1e-2 and abs(x - 1.0) >= 1e-2


@given(x=floats(dtype=np.float32, avoid=(0.0,)))
def test_float32_values_are_exactly_representable(x):
    assert float(np.float32(x)) == x


def test_floats_reach_from_tiny_to_large_magnitudes():
    seen = []

    @given(x=floats())
    def collect(x):
        seen.append(abs(x))

    collect()
    nonzero = [m for m in seen if m > 0]
    assert min(nonzero) < 1e-3 and max(nonzero) > 10.0


@given(a=arrays(shape=(2, 3), dtype=np.float32, max_magnitude=5.0))
def test_arrays_have_the_shape_dtype_and_range_asked_for(a):
    assert a.shape == (2, 3) and a.dtype == np.float32 and np.all(np.abs(a) <= 5.0)


@given(t=tensors(min_dims=2, max_dims=2, requires_grad=True))
def test_tensors_are_tensors(t):
    assert isinstance(t, tg.Tensor) and t.ndim == 2 and t.requires_grad


@given(shapes=broadcastable_shapes(num_shapes=3))
def test_broadcastable_shapes_broadcast(shapes):
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)


@given(pair=broadcastable_arrays(max_magnitude=10.0))
def test_broadcastable_arrays_broadcast(pair):
    a, b = pair
    assert (a + b).shape == np.broadcast_shapes(a.shape, b.shape)


# ------------------------------------------------------------------ check_activation

def swish(x):
    return x * x.sigmoid()


test_swish_is_a_collected_property = check_activation(swish, max_examples=30)


@check_activation(monotone="increasing", bounded=(-1.0, 1.0), odd=True, zero_at_zero=True, max_examples=30)
def test_tanh_declared_properties_hold(x):
    return x.tanh()


@check_activation(monotone="increasing", bounded=(0.0, None), zero_at_zero=True, max_examples=30)
def test_relu_passes_with_zeros_among_the_inputs(x):
    return x.relu()


def test_the_decorator_keeps_a_test_name():
    assert test_swish_is_a_collected_property.__name__ == "test_swish"
    assert test_tanh_declared_properties_hold.__name__ == "test_tanh_declared_properties_hold"


def test_a_wrong_backward_fails_with_the_shrunk_example_and_the_report():
    with pytest.raises(AssertionError) as caught:
        check_activation(MissingTermSwish, max_examples=30)()
    message = str(caught.value)
    assert "the gradient does not match" in message and "gradcheck of MissingTermSwish: FAILED" in message
    assert "wrong element" in message
    notes = "\n".join(getattr(caught.value, "__notes__", []))
    assert ("Falsifying example" in notes or "Failing test case" in notes) and "array(" in notes


def test_a_slow_machine_fails_neither_a_deadline_nor_a_health_check():
    # hypothesis's own defaults (what a script outside this suite gets): a 200 ms deadline and the
    # too_slow health check; a busy machine made the examples' check_activation fail on them
    calls = []

    def slow_the_first_time(t):
        if not calls:
            time.sleep(0.3)    # a first call over the deadline
        calls.append(t.shape)
        return t.tanh()

    def slowly_drawn(shape):
        time.sleep(0.4)        # inputs drawn slowly: 3 draws take more than the health check's 1 s
        return shape

    shapes = st.sampled_from([(2,), (3,)]).map(slowly_drawn)
    check_activation(slow_the_first_time, shape=shapes, max_examples=3,
                     settings=hypothesis.settings.get_profile("default"))()
    assert len(calls) >= 3 * 6


@pytest.mark.parametrize("declared, words", [
    (dict(monotone="increasing"), "declared monotone increasing"),      # swish dips below 0
    (dict(bounded=(None, 10.0)), "leaves the declared bounds"),
    (dict(odd=True), "declared odd"),
    (dict(even=True), "declared even"),
])
def test_declared_properties_that_do_not_hold_are_caught(declared, words):
    with pytest.raises(AssertionError, match=words):
        check_activation(swish, max_examples=50, **declared)()


def test_zero_at_zero_is_checked():
    with pytest.raises(AssertionError, match="declared zero at zero"):
        check_activation(lambda x: x.sigmoid(), zero_at_zero=True, max_examples=10)()


def naive_swish(x):
    """x e**x / (1 + e**x): e**x overflows to inf for x > 709, and inf / inf is nan."""
    e = x.exp()
    return x * e / (1.0 + e)


def test_non_finite_outputs_where_the_math_is_finite_are_caught():
    problems = testing.activation_failures(naive_swish, np.array([-3.0, 1e3]))
    assert any("output is not finite at element (1,)" in problem for problem in problems)
    assert testing.activation_failures(naive_swish, np.array([-3.0, 1e3]), finite=False) != problems


def test_check_activation_finds_where_a_naive_formula_breaks():
    # below 709 its gradient already overflows (e**2x), beyond it the output is nan: either is caught
    with pytest.raises(AssertionError, match="not finite|the gradient does not match"):
        check_activation(naive_swish, max_examples=50)()


def test_activation_failures_is_empty_for_a_correct_activation():
    x = np.array([-1e3, -1.0, 0.0, 1e-6, 2.0, 1e3])
    assert testing.activation_failures(swish, x) == []
    assert testing.activation_failures(MissingTermSwish, x)


def test_missing_hypothesis_says_what_to_install():
    code = ("import sys; sys.modules['hypothesis'] = None\n"
            "try:\n    import tinygrad_nn.testing\n"
            "except ImportError as error:\n    print(error)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert "pip install hypothesis" in out.stdout


def test_bad_declarations_are_refused():
    with pytest.raises(ValueError, match="odd and even"):
        check_activation(swish, odd=True, even=True)
    with pytest.raises(TypeError, match="expected a function"):
        check_activation(3)

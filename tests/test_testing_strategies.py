"""tinygrad_nn.testing strategies: allow_zero=False never draws a zero; magnitudes are checked against the dtype."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from tinygrad_nn.testing import arrays, away_from_kinks, broadcastable_arrays, floats, tensors

MANY = settings(max_examples=500, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def draws(strategy):
    """Every value a derandomized hypothesis run of MANY examples draws from ``strategy``."""
    seen = []

    @MANY
    @given(strategy)
    def collect(value):
        seen.append(value)

    collect()
    return seen


@pytest.mark.parametrize("options", [{}, {"dtype": np.float32}, {"dtype": np.float16, "max_magnitude": 100.0},
                                     {"min_magnitude": 1e-300, "max_magnitude": 1e300},
                                     {"avoid": (0.0,)}, {"avoid": (1e-3,), "min_distance": 1e-3}],
                         ids=["float64", "float32", "float16", "wide", "kink0", "kink-pushes-to-0"])
def test_floats_without_zero_never_draw_zero(options):
    values = draws(floats(allow_zero=False, **options))
    assert len(values) > 400
    assert all(value != 0 for value in values)
    assert all(np.isfinite(value) for value in values)


def test_arrays_and_tensors_without_zero_never_hold_zero():
    assert all((array != 0).all() for array in draws(arrays(shape=(3,), allow_zero=False)))
    assert all((array != 0).all() for array in draws(arrays(shape=(2, 2), dtype=np.float32, allow_zero=False)))
    assert all((array != 0).all() for array in draws(arrays(allow_zero=False, max_magnitude=5.0)))
    assert all((t.data != 0).all() for t in draws(tensors(shape=(4,), allow_zero=False)))
    assert all((a != 0).all() and (b != 0).all() for a, b in draws(broadcastable_arrays(allow_zero=False)))
    assert all(abs(value) >= 1e-3 for value in draws(away_from_kinks(allow_zero=False)))


def test_floats_with_zero_still_draw_zero_and_both_signs():
    values = draws(floats())
    assert any(value == 0 for value in values)
    assert any(value > 0 for value in values) and any(value < 0 for value in values)


@pytest.mark.parametrize("dtype, magnitude", [(np.float32, 1e3), (np.float32, 0.1), (np.float16, 10.0),
                                              (np.float32, float(np.finfo(np.float32).max))])
def test_values_are_representable_and_within_the_magnitude(dtype, magnitude):
    for value in draws(floats(dtype=dtype, max_magnitude=magnitude)):
        assert float(np.asarray(value, dtype=dtype)) == value
        assert abs(value) <= magnitude


@pytest.mark.parametrize("options, words", [
    ({"dtype": np.float32, "max_magnitude": 1e39}, ["floats", "float32", "3.4028234663852886e+38"]),
    ({"dtype": np.float16, "max_magnitude": 1e5}, ["floats", "float16", "65504.0"]),
    ({"max_magnitude": float("inf")}, ["floats", "max_magnitude", "finite"]),
    ({"max_magnitude": float("nan")}, ["floats", "max_magnitude", "finite"]),
    ({"max_magnitude": 10 ** 400}, ["floats", "max_magnitude", "finite"]),
    ({"min_magnitude": 0.0}, ["floats", "min_magnitude", "> 0"]),
    ({"min_magnitude": -1.0}, ["floats", "min_magnitude"]),
    ({"min_magnitude": 10.0, "max_magnitude": 1.0}, ["floats", "min_magnitude <= max_magnitude"]),
    ({"dtype": np.float32, "min_magnitude": 1e-50}, ["floats", "min_magnitude", "rounds to 0", "float32"]),
    ({"min_distance": -1.0}, ["floats", "min_distance", ">= 0"]),
    ({"avoid": (float("nan"),)}, ["floats", "avoid", "finite"]),
])
def test_bad_options_raise_a_clear_value_error(options, words):
    with pytest.raises(ValueError) as info:
        floats(**options)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("options", [{"dtype": np.int32}, {"max_magnitude": "big"}, {"avoid": "x"},
                                     {"min_magnitude": True}])
def test_wrong_types_raise_a_clear_type_error(options):
    with pytest.raises(TypeError, match="floats"):
        floats(**options)


def test_arrays_refuse_an_out_of_range_magnitude_naming_floats():
    with pytest.raises(ValueError, match="floats: max_magnitude 1e\\+39 is beyond the range of float32"):
        arrays(dtype=np.float32, max_magnitude=1e39)

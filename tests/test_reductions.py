"""``reduce_along``: numpy's reduction, fast also over one short axis of many rows."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_nn as tg
from tinygrad_nn.engine.ops.helpers import reduce_along

from engine_strategies import float_arrays, shapes


@st.composite
def arrays_and_axes(draw):
    """Arrays of up to 3 axes, often with one short axis and many rows (the case that is rewritten)."""
    short = draw(st.integers(1, 16))
    rows = draw(st.sampled_from([1, 7, 130, 300]))
    shape = draw(st.sampled_from([(rows, short), (short, rows), (2, rows, short), (rows, short, 2)]))
    if draw(st.booleans()):
        shape = draw(shapes(min_dims=1, max_dims=3))
    array = draw(float_arrays(shape))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return array, axis


@given(arrays_and_axes(), st.booleans(), st.sampled_from([np.add, np.maximum, np.minimum]))
def test_matches_numpy(case, keepdims, ufunc):
    array, axis = case
    if array.shape[axis] == 0 and ufunc is not np.add:
        with pytest.raises(ValueError):
            reduce_along(ufunc, array, axis, keepdims)
        return
    expected = ufunc.reduce(array, axis=axis, keepdims=keepdims)
    got = reduce_along(ufunc, array, axis, keepdims)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    if ufunc is np.add:
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("length", range(1, 17))
def test_sums_over_rows_are_identical_below_8_and_within_rounding_from_8(length):
    # the docstring's claim: numpy sums a contiguous row of 8 or more pairwise, the rewritten path in order
    x = np.random.default_rng(length).standard_normal((300, length)) * 10.0 ** np.arange(length)
    got, expected = reduce_along(np.add, x, 1), np.add.reduce(x, axis=1, keepdims=True)
    if length < 8:
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-14)
    if length == 16:  # and the difference is real (so the claim of "identical" would be false there)
        assert not np.array_equal(got, expected)


def test_the_rewritten_case_keeps_float32_and_nan():
    x = np.random.default_rng(0).standard_normal((300, 3)).astype(np.float32)
    x[5, 1] = np.nan
    got = reduce_along(np.maximum, x, 1)
    assert got.dtype == np.float32 and got.shape == (300, 1)
    assert np.isnan(got[5, 0]) and np.array_equal(np.delete(got, 5), np.delete(x.max(axis=1, keepdims=True), 5))


@pytest.mark.parametrize("axis", [None, (0, 1)])
def test_other_axes_are_numpy_as_is(axis):
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(reduce_along(np.add, x, axis), np.add.reduce(x, axis=axis, keepdims=True))


def test_an_axis_out_of_range_is_numpys_error():
    with pytest.raises(np.exceptions.AxisError):
        reduce_along(np.add, np.ones((300, 3)), 2)


# The ops that use reduce_along, on a (200, 3) array: the shape where it takes its rewritten path
# (the op tests' hypothesis shapes are too small to reach it).
ROWS = np.random.default_rng(3).standard_normal((200, 3))
LABELS = np.random.default_rng(4).integers(0, 3, 200)
OPS = {
    "softmax": (lambda t: t.softmax(axis=1), lambda x: np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)),
    "log_softmax": (lambda t: t.log_softmax(axis=-1),
                    lambda x: x - np.log(np.exp(x).sum(axis=-1, keepdims=True))),
    "cross_entropy": (lambda t: tg.functional.cross_entropy(t, LABELS),
                      lambda x: np.mean(np.log(np.exp(x).sum(axis=1)) - x[np.arange(200), LABELS])),
    "sum": (lambda t: t.sum(axis=1), lambda x: x.sum(axis=1)),
    "mean": (lambda t: t.mean(axis=1, keepdims=True), lambda x: x.mean(axis=1, keepdims=True)),
    "max": (lambda t: t.max(axis=-1), lambda x: x.max(axis=-1)),
    "min": (lambda t: t.min(axis=1, keepdims=True), lambda x: x.min(axis=1, keepdims=True)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_ops_on_many_short_rows_match_numpy_and_their_gradients_check(name):
    engine_fn, numpy_fn = OPS[name]
    out = engine_fn(tg.Tensor(ROWS))
    np.testing.assert_allclose(out.data, numpy_fn(ROWS), rtol=1e-12, atol=1e-12)
    assert out.dtype == np.float64
    assert tg.gradcheck(engine_fn, (ROWS,), mode="fast")
    out32 = engine_fn(tg.Tensor(ROWS.astype(np.float32)))
    assert out32.dtype == np.float32

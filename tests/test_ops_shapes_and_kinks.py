"""Shape ops, the conventions at kinks and ties, and numerics at extreme inputs (the rest of test_ops.py).

Shapes come from hypothesis and include broadcasting on both sides, size-1
axes, 0-d and empty arrays. Each test backpropagates a random upstream
gradient, so a backward that ignores ``grad`` fails. Kinks and ties are kept
out of these inputs; the conventions there are tested in test_conventions
below and in test_grad_mode / test_graph.
"""

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_nn as tg
from engine_strategies import broadcastable_shapes, check_op, float_arrays, reduction_axes, shapes


@st.composite
def broadcast_pair(draw, low=-3.0, high=3.0, **kwargs):
    """Two arrays of mutually broadcastable shapes."""
    a_shape, b_shape = draw(broadcastable_shapes(2)).input_shapes
    return draw(float_arrays(a_shape, low, high)), draw(float_arrays(b_shape, **kwargs))


# ------------------------------------------------------------------ shapes
@given(st.data())
def test_reshape(data):
    x = data.draw(float_arrays(data.draw(shapes())))
    targets = [(-1,), x.shape[::-1], (1,) + x.shape, x.shape + (1,), (x.size,)]
    if x.ndim and x.shape[-1]:
        targets.append((-1, x.shape[-1]))
    target = data.draw(st.sampled_from(targets))
    check_op(lambda t: t.reshape(*target), lambda a: a.reshape(target), [x], data)


@given(st.data())
def test_transpose_with_any_axes(data):
    x = data.draw(float_arrays(data.draw(shapes())))
    permutation = data.draw(st.permutations(range(x.ndim)))
    axes = tuple(a - x.ndim if data.draw(st.booleans()) else a for a in permutation)
    check_op(lambda t: t.transpose(*axes), lambda a: np.transpose(a, axes), [x], data)
    check_op(lambda t: t.T, lambda a: a.T, [x], data)


@given(st.data())
def test_getitem_basic_index(data):
    x = data.draw(float_arrays(data.draw(shapes())))
    index = data.draw(hnp.basic_indices(x.shape, allow_newaxis=True, allow_ellipsis=True))
    check_op(lambda t: t[index], lambda a: a[index], [x], data)


@given(st.data())
def test_getitem_integer_arrays_with_repeats(data):
    x = data.draw(float_arrays(data.draw(shapes(min_dims=1, min_side=1))))
    index = data.draw(hnp.integer_array_indices(x.shape, result_shape=shapes(max_dims=2, max_side=6)))
    check_op(lambda t: t[index], lambda a: a[index], [x], data)
    first_axis = index[0]  # an integer array on axis 0 with a slice after it (mixed indexing)
    check_op(lambda t: t[first_axis, ...], lambda a: a[first_axis, ...], [x], data)


@given(st.data())
def test_getitem_boolean_mask(data):
    x = data.draw(float_arrays(data.draw(shapes())))
    mask = data.draw(hnp.arrays(bool, x.shape))
    check_op(lambda t: t[mask], lambda a: a[mask], [x], data)
    check_op(lambda t: t[tg.Tensor(mask, dtype=bool)], lambda a: a[mask], [x], data)


@given(st.data())
def test_concatenate(data):
    base = data.draw(shapes(min_dims=1))
    axis = data.draw(st.integers(-len(base), len(base) - 1))
    sizes = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3))
    arrays = [data.draw(float_arrays(base[:axis % len(base)] + (n,) + base[axis % len(base) + 1:]))
              for n in sizes]
    check_op(lambda *ts: tg.concatenate(ts, axis=axis), lambda *a: np.concatenate(a, axis=axis), arrays, data)


@given(st.data())
def test_stack(data):
    shape = data.draw(shapes())
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    arrays = data.draw(st.lists(float_arrays(shape), min_size=1, max_size=3))
    check_op(lambda *ts: tg.stack(ts, axis=axis), lambda *a: np.stack(a, axis=axis), arrays, data)


# ------------------------------------- conventions at kinks and ties
def _grad_of(fn, x, upstream=None):
    """The gradient of ``fn`` at ``x`` for an upstream gradient (default ones)."""
    leaf = tg.Tensor(x, requires_grad=True)
    out = fn(leaf)
    out.backward(grad=np.ones(out.shape) if upstream is None else upstream)
    return leaf.grad


@given(float_arrays(shapes(min_dims=1), avoid=(0.0,)))
def test_relu_gradient_at_zero_is_zero(x):
    x = np.concatenate([x.ravel(), [0.0, -0.0]])
    np.testing.assert_array_equal(_grad_of(lambda t: t.relu(), x), (x > 0).astype(float))


@given(st.floats(0.0, 1.0), st.integers(1, 5))
def test_leaky_relu_gradient_at_zero_is_the_negative_slope(slope, n):
    grad = _grad_of(lambda t: t.leaky_relu(negative_slope=slope), np.zeros(n))
    np.testing.assert_array_equal(grad, np.full(n, slope))


@given(st.integers(1, 5))
def test_abs_gradient_at_zero_is_zero(n):
    np.testing.assert_array_equal(_grad_of(lambda t: t.abs(), np.zeros(n)), np.zeros(n))


@given(upstream=float_arrays((4,), -2.0, 2.0))
def test_clip_gradient_is_one_on_the_closed_interval(upstream):
    x = np.array([-1.5, -1.0, 1.0, 1.5])  # below, at lo, at hi, above
    np.testing.assert_array_equal(_grad_of(lambda t: t.clip(-1.0, 1.0), x, upstream), upstream * [0, 1, 1, 0])


@given(st.data())
def test_maximum_splits_the_gradient_evenly_on_ties(data):
    shape = data.draw(shapes())
    a = data.draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([-1.0, 0.0, 2.0])))
    b = data.draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([-1.0, 0.0, 2.0])))
    upstream = data.draw(float_arrays(shape, -2.0, 2.0))
    left, right = tg.Tensor(a, requires_grad=True), tg.Tensor(b, requires_grad=True)
    tg.maximum(left, right).backward(grad=upstream)
    share = np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0))
    np.testing.assert_array_equal(left.grad, upstream * share)
    np.testing.assert_array_equal(right.grad, upstream * (1.0 - share))


@given(st.data(), st.sampled_from(["max", "min"]), st.booleans())
def test_max_and_min_split_the_gradient_evenly_among_ties(data, which, keepdims):
    x = data.draw(hnp.arrays(np.float64, data.draw(shapes(min_side=1)), elements=st.sampled_from([0.0, 1.0, 3.0])))
    axis = data.draw(reduction_axes(x.ndim))
    upstream = data.draw(float_arrays(getattr(x, which)(axis=axis, keepdims=keepdims).shape))
    grad = _grad_of(lambda t: getattr(t, which)(axis=axis, keepdims=keepdims), x, upstream)
    extreme = getattr(x, which)(axis=axis, keepdims=True)
    hits = x == extreme
    expected = np.reshape(upstream, extreme.shape) * hits / hits.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(grad, expected, rtol=1e-12)
    np.testing.assert_allclose(grad.sum(), upstream.sum(), rtol=1e-9, atol=1e-12)  # nothing lost or doubled


def test_sqrt_and_log_at_zero_follow_numpy_without_warnings():
    # the autouse fixture turns numpy warnings into errors: none may be raised here
    x = tg.Tensor([0.0, 4.0], requires_grad=True)
    x.sqrt().sum().backward()
    np.testing.assert_array_equal(x.grad, [np.inf, 0.25])
    y = tg.Tensor([0.0, 4.0], requires_grad=True)
    out = y.log()
    np.testing.assert_array_equal(out.data, [-np.inf, np.log(4.0)])
    out.sum().backward()
    np.testing.assert_array_equal(y.grad, [np.inf, 0.25])


def test_sqrt_and_log_of_negatives_still_warn():
    # nan is not an exact limit, so numpy's invalid-value warning stays (an error under the fixture)
    with pytest.raises(FloatingPointError):
        tg.Tensor([-1.0]).sqrt()
    with pytest.raises(FloatingPointError):
        tg.Tensor([-1.0]).log()


def test_pow_gradients_at_zero():
    x = tg.Tensor([0.0, 2.0], requires_grad=True)
    (x ** 0).sum().backward()  # d x**0 / dx = 0, even at x = 0
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    exponent = tg.Tensor([2.0, 3.0], requires_grad=True)
    (tg.Tensor([0.0, 2.0]) ** exponent).sum().backward()  # d 0**b / db = 0 for b > 0
    np.testing.assert_allclose(exponent.grad, [0.0, 8.0 * np.log(2.0)])


# ------------------------------------------------------- numerics at +-1000
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("op, reference", [
    ("sigmoid", [0.0, 1.0, 0.5]),
    ("tanh", [-1.0, 1.0, 0.0]),
    ("softmax", [0.0, 1.0, 0.0]),
])
def test_saturating_ops_are_stable_at_1000(op, reference, dtype):
    x = tg.Tensor(np.array([-1000.0, 1000.0, 0.0], dtype=dtype), requires_grad=True)
    out = getattr(x, op)()
    np.testing.assert_allclose(out.data, reference, atol=1e-7)
    out.backward(grad=np.array([1.0, -2.0, 0.5], dtype=dtype))
    assert out.dtype == dtype and x.grad.dtype == dtype
    assert np.isfinite(x.grad).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log_softmax_is_stable_at_1000(dtype):
    x = tg.Tensor(np.array([[-1000.0, 1000.0, 0.0], [1000.0, 1000.0, -1000.0]], dtype=dtype), requires_grad=True)
    out = x.log_softmax(axis=1)
    half = np.log(2.0)
    np.testing.assert_allclose(out.data, [[-2000.0, 0.0, -1000.0], [-half, -half, -2000.0 - half]], rtol=1e-6)
    out.backward(grad=np.ones(out.shape, dtype=dtype))
    assert out.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad, [[1.0, -2.0, 1.0], [-0.5, -0.5, 1.0]], atol=1e-6)


@pytest.mark.parametrize("method", ["sum", "mean", "max", "min"])
def test_reductions_accept_numpy_integer_and_list_axes(method):
    x = tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    for axis in (np.int64(1), [0, np.int32(1)], (-1,)):
        out = getattr(x, method)(axis=axis)
        np.testing.assert_array_equal(out.data, getattr(np, method)(x.data, axis=tuple(np.atleast_1d(axis))))
        out.backward(grad=np.ones(out.shape))


def test_pow_below_one_at_zero_gives_the_inf_slope_without_a_warning():
    x = tg.Tensor([0.0, 4.0], requires_grad=True)
    (x ** 0.5).sum().backward()
    assert x.grad[0] == np.inf and x.grad[1] == 0.25


@pytest.mark.parametrize("which", ["max", "min"])
def test_max_and_min_send_the_gradient_to_a_nan_like_pytorch(which):
    x = tg.Tensor([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    with np.errstate(invalid="ignore"):
        getattr(x, which)(axis=1).sum().backward()
    expected = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0] if which == "max" else [1.0, 0.0, 0.0]]
    np.testing.assert_array_equal(x.grad, expected)

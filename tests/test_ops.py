"""Every primitive op: values against numpy and gradients against central differences (float64).

Shapes come from hypothesis and include broadcasting on both sides, size-1
axes, 0-d and empty arrays. Each test backpropagates a random upstream
gradient, so a backward that ignores ``grad`` fails. Kinks and ties are kept
out of these inputs; the conventions there are tested in
test_ops_shapes_and_kinks.py and in test_grad_mode / test_graph.
"""

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_nn as tg
from engine_strategies import (broadcastable_shapes, check_op, float_arrays, reduced_axes,
                               reduction_axes, shapes, tie_free_arrays)


@st.composite
def broadcast_pair(draw, low=-3.0, high=3.0, **kwargs):
    """Two arrays of mutually broadcastable shapes."""
    a_shape, b_shape = draw(broadcastable_shapes(2)).input_shapes
    return draw(float_arrays(a_shape, low, high)), draw(float_arrays(b_shape, **kwargs))


# ------------------------------------------------------------ arithmetic
@given(st.data())
def test_add(data):
    a, b = data.draw(broadcast_pair())
    check_op(lambda x, y: x + y, np.add, [a, b], data)


@given(st.data())
def test_sub(data):
    a, b = data.draw(broadcast_pair())
    check_op(lambda x, y: x - y, np.subtract, [a, b], data)


@given(st.data())
def test_mul(data):
    a, b = data.draw(broadcast_pair())
    check_op(lambda x, y: x * y, np.multiply, [a, b], data)


@given(st.data())
def test_div(data):
    a, b = data.draw(broadcast_pair(low=-3.0, high=3.0, avoid=(0.0,), margin=0.5))
    check_op(lambda x, y: x / y, np.divide, [a, b], data, rtol=1e-5)


@given(st.data())
def test_pow_positive_base(data):
    a_shape, b_shape = data.draw(broadcastable_shapes(2)).input_shapes
    a = data.draw(float_arrays(a_shape, 0.5, 3.0))
    b = data.draw(float_arrays(b_shape, -2.0, 2.0))
    check_op(lambda x, y: x ** y, np.power, [a, b], data, rtol=1e-5)


@given(st.data(), st.integers(-3, 3))
def test_pow_integer_exponent_of_any_sign_base(data, exponent):
    avoid = (0.0,) if exponent < 0 else ()  # negative powers blow up at 0
    x = data.draw(float_arrays(data.draw(shapes()), avoid=avoid, margin=0.3))
    check_op(lambda t: t ** exponent, lambda a: a ** float(exponent), [x], data, rtol=1e-5)


@given(st.data())
def test_neg(data):
    x = data.draw(float_arrays(data.draw(shapes())))
    check_op(lambda t: -t, np.negative, [x], data)


@given(st.data())
def test_matmul(data):
    a_shape, b_shape = data.draw(hnp.mutually_broadcastable_shapes(
        signature=np.matmul.signature, max_dims=2, min_side=0, max_side=3)).input_shapes
    a, b = data.draw(float_arrays(a_shape)), data.draw(float_arrays(b_shape))
    check_op(lambda x, y: x @ y, np.matmul, [a, b], data, rtol=1e-5)


@given(st.data(), st.booleans())
def test_affine(data, with_bias):
    x_shape = data.draw(st.sampled_from([(), (1,), (2,), (1, 2), (4, 1), (3, 2)]), label="leading axes of x")
    n_in, n_out = data.draw(st.integers(0, 3)), data.draw(st.integers(1, 3))
    x = data.draw(float_arrays(x_shape + (n_in,)))
    weight = data.draw(float_arrays((n_out, n_in)))
    arrays = [x, weight] + ([data.draw(float_arrays((n_out,)))] if with_bias else [])
    reference = (lambda x, w, b: x @ w.T + b) if with_bias else (lambda x, w: x @ w.T)
    check_op(tg.functional.linear, reference, arrays, data, rtol=1e-5)


def test_affine_refuses_mismatched_widths_naming_both_shapes():
    with pytest.raises(ValueError, match=r"Affine.*\(5, 4\).*\(2, 3\)"):
        tg.functional.linear(tg.Tensor(np.ones((5, 4))), tg.Tensor(np.ones((2, 3))))


# ------------------------------------------------------------- elementwise
@given(st.data())
def test_exp(data):
    check_op(lambda t: t.exp(), np.exp, [data.draw(float_arrays(data.draw(shapes())))], data, rtol=1e-5)


@given(st.data())
def test_log(data):
    check_op(lambda t: t.log(), np.log, [data.draw(float_arrays(data.draw(shapes()), 0.1, 5.0))], data, rtol=1e-5)


@given(st.data())
def test_sqrt(data):
    check_op(lambda t: t.sqrt(), np.sqrt, [data.draw(float_arrays(data.draw(shapes()), 0.1, 5.0))], data)


@given(st.data())
def test_abs(data):
    check_op(lambda t: t.abs(), np.abs, [data.draw(float_arrays(data.draw(shapes()), avoid=(0.0,)))], data)


@given(st.data())
def test_sigmoid(data):
    x = data.draw(float_arrays(data.draw(shapes()), -8.0, 8.0))
    check_op(lambda t: t.sigmoid(), lambda a: 1.0 / (1.0 + np.exp(-a)), [x], data)


@given(st.data())
def test_tanh(data):
    check_op(lambda t: t.tanh(), np.tanh, [data.draw(float_arrays(data.draw(shapes())))], data)


@given(st.data())
def test_relu(data):
    x = data.draw(float_arrays(data.draw(shapes()), avoid=(0.0,)))
    check_op(lambda t: t.relu(), lambda a: a * (a > 0), [x], data)


@given(st.data(), st.floats(0.0, 1.0))
def test_leaky_relu(data, slope):
    x = data.draw(float_arrays(data.draw(shapes()), avoid=(0.0,)))
    check_op(lambda t: t.leaky_relu(negative_slope=slope), lambda a: np.where(a > 0, a, slope * a), [x], data)


@given(st.data(), st.floats(-2.0, 0.0), st.floats(0.0, 2.0))
def test_clip(data, lo, hi):
    x = data.draw(float_arrays(data.draw(shapes()), avoid=(lo, hi)))
    check_op(lambda t: t.clip(lo, hi), lambda a: np.minimum(np.maximum(a, lo), hi), [x], data)


def _softmax_reference(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@st.composite
def array_and_axis(draw):
    shape = draw(shapes(min_dims=1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    assume(shape[axis] > 0)
    return draw(float_arrays(shape, -5.0, 5.0)), axis


@given(st.data())
def test_softmax(data):
    x, axis = data.draw(array_and_axis())
    check_op(lambda t: t.softmax(axis=axis), lambda a: _softmax_reference(a, axis), [x], data)


@given(st.data())
def test_log_softmax(data):
    x, axis = data.draw(array_and_axis())
    check_op(lambda t: t.log_softmax(axis=axis), lambda a: np.log(_softmax_reference(a, axis)), [x], data)


# -------------------------------------------------------------- reductions
@given(st.data(), st.booleans())
def test_sum(data, keepdims):
    x = data.draw(float_arrays(data.draw(shapes())))
    axis = data.draw(reduction_axes(x.ndim))
    check_op(lambda t: t.sum(axis=axis, keepdims=keepdims),
             lambda a: np.sum(a, axis=axis, keepdims=keepdims), [x], data)


@given(st.data(), st.booleans())
def test_mean(data, keepdims):
    x = data.draw(float_arrays(data.draw(shapes())))
    axis = data.draw(reduction_axes(x.ndim))
    axes = reduced_axes(axis, x.ndim)
    averaged = int(np.prod([x.shape[a] for a in axes]))
    kept = int(np.prod([n for a, n in enumerate(x.shape) if a not in axes]))
    assume(averaged > 0 or kept == 0)  # the mean of zero elements is an error (test_engine_errors)
    check_op(lambda t: t.mean(axis=axis, keepdims=keepdims),
             lambda a: np.sum(a, axis=axis, keepdims=keepdims) / max(averaged, 1), [x], data)


@given(st.data(), st.booleans(), st.sampled_from(["max", "min"]))
def test_max_min_without_ties(data, keepdims, which):
    x = data.draw(tie_free_arrays(data.draw(shapes())))
    axis = data.draw(reduction_axes(x.ndim))
    assume(all(x.shape[a] > 0 for a in reduced_axes(axis, x.ndim)))
    reference = {"max": np.max, "min": np.min}[which]
    check_op(lambda t: getattr(t, which)(axis=axis, keepdims=keepdims),
             lambda a: reference(a, axis=axis, keepdims=keepdims), [x], data)


@given(st.data())
def test_maximum_without_ties(data):
    a_shape, b_shape = data.draw(broadcastable_shapes(2)).input_shapes
    a = data.draw(tie_free_arrays(a_shape))
    b = data.draw(tie_free_arrays(b_shape)) + 1.0 / 16  # a is on the 1/8 grid, b halfway between
    check_op(tg.maximum, np.maximum, [a, b], data)


@given(st.data())
def test_where(data):
    cond_shape, a_shape, b_shape = data.draw(broadcastable_shapes(3)).input_shapes
    condition = data.draw(hnp.arrays(bool, cond_shape))
    a, b = data.draw(float_arrays(a_shape)), data.draw(float_arrays(b_shape))
    check_op(lambda x, y: tg.where(condition, x, y), lambda x, y: np.where(condition, x, y), [a, b], data)

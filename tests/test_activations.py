"""The activations of ``tg.functional``: values against numpy formulas, gradients against central
differences, float32, extreme inputs without warnings, and PyTorch's conventions at kinks.

The reference formulas use numpy and ``math`` only. Inputs are drawn away
from kinks for the gradient comparison; the kinks themselves are tested
below with the values PyTorch 2.13's backward kernels give (checked
against torch itself in test_activations_torch.py when torch is installed).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import functional as F
from engine_strategies import check_op, float_arrays, shapes

math_erf = np.vectorize(math.erf, otypes=[float])
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
TANH_K = math.sqrt(2 / math.pi)


def softmax(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# name: (engine function, numpy reference, low, high, kinks to keep away from)
ACTIVATIONS = {
    "gelu": (F.gelu, lambda a: a * 0.5 * (1 + math_erf(a / math.sqrt(2))), -4, 4, ()),
    "gelu_tanh": (lambda t: F.gelu(t, approximate="tanh"),
                  lambda a: 0.5 * a * (1 + np.tanh(TANH_K * (a + 0.044715 * a ** 3))), -4, 4, ()),
    "silu": (F.silu, lambda a: a / (1 + np.exp(-a)), -6, 6, ()),
    "swish": (F.swish, lambda a: a / (1 + np.exp(-a)), -6, 6, ()),
    "mish": (F.mish, lambda a: a * np.tanh(np.log1p(np.exp(a))), -6, 6, ()),
    "elu": (lambda t: F.elu(t, alpha=0.5), lambda a: np.where(a > 0, a, 0.5 * np.expm1(np.minimum(a, 0))),
            -3, 3, (0.0,)),
    "selu": (F.selu, lambda a: SELU_SCALE * np.where(a > 0, a, SELU_ALPHA * np.expm1(np.minimum(a, 0))),
             -3, 3, (0.0,)),
    "celu": (lambda t: F.celu(t, alpha=2.0),
             lambda a: np.maximum(0, a) + np.minimum(0, 2.0 * np.expm1(np.minimum(a, 0) / 2.0)), -3, 3, ()),
    "softplus": (F.softplus, lambda a: np.log1p(np.exp(a)), -6, 6, ()),
    "softplus_beta_threshold": (lambda t: F.softplus(t, beta=2.0, threshold=3.0),
                                lambda a: np.where(2 * a > 3, a, np.log1p(np.exp(2 * a)) / 2), -3, 3, (1.5,)),
    "softsign": (F.softsign, lambda a: a / (1 + np.abs(a)), -5, 5, ()),
    "logsigmoid": (F.logsigmoid, lambda a: -np.log1p(np.exp(-a)), -6, 6, ()),
    "tanhshrink": (F.tanhshrink, lambda a: a - np.tanh(a), -3, 3, ()),
    "hardtanh": (lambda t: F.hardtanh(t, -0.5, 2.0), lambda a: np.clip(a, -0.5, 2.0), -3, 3, (-0.5, 2.0)),
    "relu6": (F.relu6, lambda a: np.clip(a, 0, 6), -2, 8, (0.0, 6.0)),
    "hardsigmoid": (F.hardsigmoid, lambda a: np.clip(a / 6 + 0.5, 0, 1), -5, 5, (-3.0, 3.0)),
    "hardswish": (F.hardswish, lambda a: a * np.clip(a + 3, 0, 6) / 6, -5, 5, (-3.0, 3.0)),
    "softmin": (lambda t: F.softmin(t, dim=-1), lambda a: softmax(-a, -1), -3, 3, ()),
    "prelu_shared": (lambda t: F.prelu(t, np.array([0.3])), lambda a: np.where(a > 0, a, 0.3 * a), -3, 3, (0.0,)),
    "sigmoid": (F.sigmoid, lambda a: 1 / (1 + np.exp(-a)), -6, 6, ()),
    "relu": (F.relu, lambda a: np.maximum(a, 0), -3, 3, (0.0,)),
    "leaky_relu": (lambda t: F.leaky_relu(t, 0.2), lambda a: np.where(a > 0, a, 0.2 * a), -3, 3, (0.0,)),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
@settings(max_examples=15)
@given(data=st.data())
def test_values_and_gradients(name, data):
    function, reference, low, high, avoid = ACTIVATIONS[name]
    shape = data.draw(shapes(min_dims=1, min_side=1) if name == "softmin" else shapes())
    x = data.draw(float_arrays(shape, low, high, avoid=avoid, margin=1e-2))
    check_op(function, reference, [x], data, rtol=1e-5)


@settings(max_examples=25)
@given(data=st.data())
def test_prelu_with_one_slope_per_channel_gets_both_gradients(data):
    channels = data.draw(st.integers(1, 3))
    shape = (data.draw(st.integers(0, 2)), channels) + data.draw(shapes(max_dims=2))
    x = data.draw(float_arrays(shape, avoid=(0.0,)))
    weight = data.draw(float_arrays((channels,), -1.0, 1.0))
    along = (channels,) + (1,) * (len(shape) - 2)
    check_op(F.prelu, lambda a, w: np.where(a > 0, a, w.reshape(along) * a), [x, weight], data)


# ------------------------------------------------------------ kinks: PyTorch's conventions
def gradient(function, points):
    x = tg.Tensor(np.asarray(points, dtype=np.float64), requires_grad=True)
    function(x).sum().backward()
    return x.grad


@pytest.mark.parametrize("function, points, expected", [
    (F.relu6, [0.0, 3.0, 6.0], [0.0, 1.0, 0.0]),
    (lambda t: F.hardtanh(t, -0.5, 2.0), [-0.5, 0.0, 2.0], [0.0, 1.0, 0.0]),
    (F.hardtanh, [-1.0, 1.0], [0.0, 0.0]),
    (F.hardsigmoid, [-3.0, 0.0, 3.0], [0.0, 1 / 6, 0.0]),
    (F.hardswish, [-3.0, 0.0, 3.0], [0.0, 0.5, 1.0]),
    (lambda t: F.elu(t, alpha=0.5), [0.0], [0.5]),
    (F.elu, [0.0], [1.0]),
    (F.selu, [0.0], [SELU_SCALE * SELU_ALPHA]),
    (lambda t: F.celu(t, alpha=2.0), [0.0], [1.0]),
    (lambda t: F.prelu(t, np.array([0.25])), [0.0], [0.25]),
    (lambda t: F.softplus(t, beta=1.0, threshold=0.5), [0.0, 0.5, 1.0], [0.5, 1 / (1 + math.exp(-0.5)), 1.0]),
], ids=["relu6", "hardtanh_custom", "hardtanh", "hardsigmoid", "hardswish", "elu_alpha", "elu", "selu", "celu",
        "prelu", "softplus_threshold"])
def test_gradients_at_kinks_are_pytorchs(function, points, expected):
    np.testing.assert_allclose(gradient(function, points), expected, rtol=1e-15)


def test_prelu_weight_gets_no_gradient_at_zero_and_x_where_negative():
    weight = tg.Tensor([0.25], requires_grad=True)
    F.prelu(tg.Tensor([-2.0, 0.0, 3.0]), weight).sum().backward()
    np.testing.assert_array_equal(weight.grad, [-2.0])


def test_gelu_tanh_is_close_to_the_exact_gelu():
    x = np.linspace(-6, 6, 241)
    np.testing.assert_allclose(F.gelu(x, approximate="tanh").data, F.gelu(x).data, atol=5e-4)


# ------------------------------------------------------------ extremes and dtypes
# name: (function, value at -1e4, value at 1e4, gradient at -1e4, gradient at 1e4)
EXTREMES = {
    "gelu": (F.gelu, 0.0, 1e4, 0.0, 1.0),
    "gelu_tanh": (lambda t: F.gelu(t, approximate="tanh"), 0.0, 1e4, 0.0, 1.0),
    "silu": (F.silu, 0.0, 1e4, 0.0, 1.0), "mish": (F.mish, 0.0, 1e4, 0.0, 1.0),
    "elu": (lambda t: F.elu(t, 0.5), -0.5, 1e4, 0.0, 1.0),
    "selu": (F.selu, -SELU_SCALE * SELU_ALPHA, SELU_SCALE * 1e4, 0.0, SELU_SCALE),
    "celu": (lambda t: F.celu(t, 2.0), -2.0, 1e4, 0.0, 1.0),
    "softplus": (F.softplus, 0.0, 1e4, 0.0, 1.0),
    "softplus_no_threshold": (lambda t: F.softplus(t, 2.0, threshold=math.inf), 0.0, 1e4, 0.0, 1.0),
    "softsign": (F.softsign, -1e4 / (1 + 1e4), 1e4 / (1 + 1e4), 1 / (1 + 1e4) ** 2, 1 / (1 + 1e4) ** 2),
    "logsigmoid": (F.logsigmoid, -1e4, 0.0, 1.0, 0.0),
    "tanhshrink": (F.tanhshrink, 1 - 1e4, 1e4 - 1, 1.0, 1.0),
    "hardtanh": (F.hardtanh, -1.0, 1.0, 0.0, 0.0), "relu6": (F.relu6, 0.0, 6.0, 0.0, 0.0),
    "hardsigmoid": (F.hardsigmoid, 0.0, 1.0, 0.0, 0.0), "hardswish": (F.hardswish, 0.0, 1e4, 0.0, 1.0),
    "prelu": (lambda t: F.prelu(t, np.array([0.25], dtype=t.dtype)), -2500.0, 1e4, 0.25, 1.0),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", EXTREMES)
def test_extreme_inputs_give_the_limits_without_warnings(name, dtype):
    function, low_value, high_value, low_slope, high_slope = EXTREMES[name]
    x = tg.Tensor(np.array([-1e4, 1e4], dtype=dtype), requires_grad=True)
    out = function(x)   # numpy warnings are errors in the test suite
    out.backward(np.ones(2, dtype=dtype))
    assert out.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_allclose(out.data, [low_value, high_value], rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(x.grad, [low_slope, high_slope], rtol=1e-6, atol=1e-30)


def test_softmin_is_stable_at_extremes():
    x = tg.Tensor(np.array([[-1e4, 1e4, 0.0]], dtype=np.float32), requires_grad=True)
    out = F.softmin(x, dim=1)
    out.backward(np.array([[1.0, -1.0, 0.5]], dtype=np.float32))
    np.testing.assert_allclose(out.data, [[1.0, 0.0, 0.0]])
    assert out.dtype == np.float32 and np.isfinite(x.grad).all()


@pytest.mark.parametrize("name", [name for name in ACTIVATIONS if not name.startswith("prelu")])
def test_float32_stays_float32(name):
    function, _, low, high, _ = ACTIVATIONS[name]
    x = tg.Tensor(np.linspace(low, high, 7).astype(np.float32) + np.float32(0.01), requires_grad=True)
    out = function(x)
    out.backward(np.ones(out.shape, dtype=np.float32))
    assert out.dtype == np.float32 and x.grad.dtype == np.float32


# ------------------------------------------------------------ arguments
def test_softmax_family_takes_pytorchs_dim_or_numpys_axis():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(F.softmax(x, dim=0).data, F.softmax(x, axis=0).data)
    np.testing.assert_array_equal(F.softmax(x, 0).data, softmax(x, 0))
    np.testing.assert_allclose(F.log_softmax(x).data, np.log(softmax(x, -1)))
    np.testing.assert_allclose(F.softmin(x, 0).data, softmax(-x, 0))
    with pytest.raises(TypeError, match="softmax: give dim .* or axis .*, not both"):
        F.softmax(x, dim=0, axis=1)


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.gelu(1.0, approximate="exact"), ValueError, "gelu: approximate must be 'none' or 'tanh'"),
    (lambda: F.celu(1.0, alpha=0.0), ValueError, "celu: alpha must not be 0"),
    (lambda: F.softplus(1.0, beta=0), ValueError, "softplus: beta must not be 0"),
    (lambda: F.hardtanh(1.0, 2.0, 1.0), ValueError, r"hardtanh: min_val \(2.0\) cannot be greater than max_val"),
    (lambda: F.elu(1.0, alpha="big"), TypeError, "elu: alpha must be a number, got 'big'"),
    (lambda: F.prelu(np.ones((2, 3)), np.ones(2)), ValueError,
     r"prelu: weight of shape \(2,\) has 2 slopes, but the input of shape \(2, 3\) has 3 channels"),
    (lambda: F.prelu(np.ones((2, 3)), np.ones((3, 1))), RuntimeError, r"prelu: weight must have one slope"),
])
def test_bad_arguments_are_refused_with_the_function_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_pytorchs_inplace_flag_is_accepted_and_the_input_is_left_alone():
    x = tg.Tensor([-1.0, 2.0])
    for function in (F.relu, F.silu, F.mish, F.elu, F.selu, F.celu, F.hardtanh, F.relu6, F.hardsigmoid,
                     F.hardswish, F.leaky_relu):
        out = function(x, inplace=True)
        assert out is not x and x.data.tolist() == [-1.0, 2.0]

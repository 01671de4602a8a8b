"""The elementwise math ops: values against numpy, gradients against central differences, dtypes and limits.

Shapes come from hypothesis (0-d, empty and size-1 axes included; the binary
ops broadcast on both sides). Inputs stay inside each function's domain and
away from its jumps; the values at domain edges and jumps are tested below.
The reference functions use numpy and ``math`` only.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from engine_strategies import broadcastable_shapes, check_op, float_arrays, shapes

math_erf = np.vectorize(math.erf, otypes=[float])
math_erfc = np.vectorize(math.erfc, otypes=[float])
INTEGERS = tuple(float(i) for i in range(-3, 4))
HALVES = tuple(i + 0.5 for i in range(-4, 4))

# method name: (numpy reference, low, high, points to keep away from)
UNARY = {
    "sin": (np.sin, -3, 3, ()), "cos": (np.cos, -3, 3, ()), "tan": (np.tan, -1.3, 1.3, ()),
    "arcsin": (np.arcsin, -0.9, 0.9, ()), "arccos": (np.arccos, -0.9, 0.9, ()), "arctan": (np.arctan, -3, 3, ()),
    "sinh": (np.sinh, -3, 3, ()), "cosh": (np.cosh, -3, 3, ()), "arcsinh": (np.arcsinh, -3, 3, ()),
    "arccosh": (np.arccosh, 1.1, 4, ()), "arctanh": (np.arctanh, -0.9, 0.9, ()),
    "log1p": (np.log1p, -0.9, 3, ()), "expm1": (np.expm1, -3, 3, ()), "log2": (np.log2, 0.1, 4, ()),
    "log10": (np.log10, 0.1, 4, ()), "exp2": (np.exp2, -3, 3, ()), "rsqrt": (lambda a: 1 / np.sqrt(a), 0.2, 4, ()),
    "reciprocal": (lambda a: 1 / a, -3, 3, (0.0,)), "square": (np.square, -3, 3, ()),
    "erf": (math_erf, -3, 3, ()), "erfc": (math_erfc, -3, 3, ()),
    "floor": (np.floor, -3, 3, INTEGERS), "ceil": (np.ceil, -3, 3, INTEGERS), "trunc": (np.trunc, -3, 3, INTEGERS),
    "round": (np.round, -3, 3, HALVES), "frac": (lambda a: a - np.trunc(a), -3, 3, INTEGERS),
}
SMOOTH = [name for name in UNARY if name not in ("floor", "ceil", "trunc", "round", "frac")]


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=15)
@given(data=st.data())
def test_unary_values_and_gradients(name, data):
    reference, low, high, avoid = UNARY[name]
    x = data.draw(float_arrays(data.draw(shapes()), low, high, avoid=avoid, margin=0.3 if avoid == (0.0,) else 1e-2))
    check_op(lambda t: getattr(t, name)(), reference, [x], data, rtol=1e-5)


@settings(max_examples=30)
@given(data=st.data())
def test_minimum_values_and_gradients_away_from_ties(data):
    a_shape, b_shape = data.draw(broadcastable_shapes(2)).input_shapes
    a = data.draw(float_arrays(a_shape)).round(3)             # a on a grid of 1e-3, b halfway between:
    b = data.draw(float_arrays(b_shape)).round(3) + 5e-4      # they never tie
    check_op(lambda x, y: x.minimum(y), np.minimum, [a, b], data)
    check_op(lambda x, y: tg.minimum(x, y), np.minimum, [a, b], data)


@pytest.mark.parametrize("missing", [None, "min", "max"])
@settings(max_examples=25)
@given(data=st.data())
def test_clamp_with_tensor_bounds_sends_the_gradient_to_the_active_bound(missing, data):
    shapes_ = data.draw(broadcastable_shapes(3)).input_shapes
    x = data.draw(float_arrays(shapes_[0])).round(2) + 1e-3           # x never equals a bound
    lo = data.draw(float_arrays(shapes_[1], -3.0, -0.5)).round(2)
    hi = data.draw(float_arrays(shapes_[2], 0.5, 3.0)).round(2)
    if missing == "min":
        check_op(lambda t, h: t.clamp(max=h), np.minimum, [x, hi], data)
    elif missing == "max":
        check_op(lambda t, l: tg.clamp(t, min=l), np.maximum, [x, lo], data)
    else:
        check_op(lambda t, l, h: t.clamp(l, h), lambda a, l, h: np.minimum(np.maximum(a, l), h), [x, lo, hi], data)


# ------------------------------------------------------------ conventions at kinks, ties and jumps
def gradient(fn, values, *others):
    x = tg.Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)
    out = fn(x, *others)
    out.backward(np.ones(out.shape))
    return x.grad


def test_minimum_splits_the_gradient_evenly_on_ties_like_maximum():
    a = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = tg.Tensor([1.0, 1.0, 4.0], requires_grad=True)
    tg.minimum(a, b).backward(np.array([2.0, 1.0, 1.0]))
    np.testing.assert_array_equal(a.grad, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad, [1.0, 1.0, 0.0])


def test_clamp_at_the_bounds_gives_x_the_gradient_and_the_bounds_none():
    lo = tg.Tensor([-1.0, 0.0, 1.0, 2.0], requires_grad=True)
    hi = tg.Tensor([1.0, 1.0, 1.0, 2.5], requires_grad=True)
    x = tg.Tensor([-2.0, 0.0, 1.0, 3.0], requires_grad=True)
    out = x.clamp(lo, hi)
    out.sum().backward()
    np.testing.assert_array_equal(out.data, [-1.0, 0.0, 1.0, 2.5])
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0, 0.0])   # PyTorch's values, checked with torch 2.13
    np.testing.assert_array_equal(lo.grad, [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(hi.grad, [0.0, 0.0, 0.0, 1.0])


def test_clamp_refuses_crossed_bounds_and_no_bounds():
    x = tg.Tensor([0.0, 1.0])
    with pytest.raises(ValueError, match=r"clamp needs min <= max everywhere; min > max at 1 of 2 positions"):
        x.clamp(tg.Tensor([0.0, 2.0]), tg.Tensor([1.0, 1.0]))
    with pytest.raises(ValueError, match="at least one of the bounds"):
        x.clip(None, None)


def test_clip_is_clamp_for_numbers_and_arrays():
    x = np.array([-2.0, 0.5, 2.0])
    np.testing.assert_array_equal(gradient(lambda t: t.clip(-1.0, 1.0), [-1.0, 0.5, 1.0]), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(tg.clip(x, max=1.0).data, np.minimum(x, 1.0))
    np.testing.assert_array_equal(tg.Tensor(x).clamp(np.array([0.0, 0.0, 3.0])).data, [0.0, 0.5, 3.0])


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round", "sign"])
def test_steps_have_zero_gradient_also_at_their_jumps(name):
    points = [-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.5]
    np.testing.assert_array_equal(gradient(lambda t: getattr(t, name)(), points), np.zeros(7))


def test_round_takes_halves_to_even_and_decimals_like_numpy():
    x = np.array([-2.5, -0.5, 0.5, 1.5, 2.5, 1.2345])
    np.testing.assert_array_equal(tg.Tensor(x).round().data, [-2.0, -0.0, 0.0, 2.0, 2.0, 1.0])
    np.testing.assert_array_equal(tg.round(x, decimals=2).data, np.round(x, 2))
    assert gradient(lambda t: t.round(2), x).tolist() == [0.0] * 6


def test_frac_keeps_the_sign_and_passes_the_gradient_through_its_jumps():
    x = np.array([-1.5, -1.0, 0.25, 1.0, 2.75])
    np.testing.assert_array_equal(tg.frac(x).data, [-0.5, 0.0, 0.25, 0.0, 0.75])
    np.testing.assert_array_equal(gradient(lambda t: t.frac(), x), np.ones(5))


# ------------------------------------------------------------ limits and extremes without warnings
def test_exact_limits_at_domain_edges_come_without_warnings():
    # the autouse fixture turns numpy warnings into errors
    cases = [("log1p", -1.0, -np.inf, np.inf), ("log2", 0.0, -np.inf, np.inf), ("log10", 0.0, -np.inf, np.inf),
             ("rsqrt", 0.0, np.inf, -np.inf), ("reciprocal", 0.0, np.inf, -np.inf),
             ("arctanh", 1.0, np.inf, np.inf), ("arctanh", -1.0, -np.inf, np.inf),
             ("arcsin", 1.0, np.pi / 2, np.inf), ("arccos", -1.0, np.pi, -np.inf), ("arccosh", 1.0, 0.0, np.inf)]
    for name, point, value, slope in cases:
        x = tg.Tensor([point], requires_grad=True)
        out = getattr(x, name)()
        out.sum().backward()
        assert out.data[0] == value and x.grad[0] == slope, (name, point, out.data, x.grad)


@pytest.mark.parametrize("name, point", [("arcsin", 2.0), ("arccosh", 0.0), ("log1p", -2.0), ("log2", -1.0)])
def test_outside_a_domain_numpy_still_warns(name, point):
    with pytest.raises(FloatingPointError):
        getattr(tg.Tensor([point]), name)()


EVERYWHERE = ["sin", "cos", "tan", "arctan", "sinh", "cosh", "arcsinh", "expm1", "exp2", "reciprocal", "square",
              "erf", "erfc", "floor", "ceil", "trunc", "round", "frac"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", EVERYWHERE)
def test_extreme_inputs_give_numpys_values_and_no_warning(name, dtype):
    x = tg.Tensor(np.array([-1e4, -1.0, 0.5, 1e4], dtype=dtype), requires_grad=True)
    out = getattr(x, name)()
    out.backward(np.ones(4, dtype=dtype))
    assert out.dtype == dtype and x.grad.dtype == dtype
    reference, *_ = UNARY[name]
    with np.errstate(all="ignore"):
        expected = reference(x.data.astype(np.float64)).astype(dtype)
    np.testing.assert_allclose(out.data, expected, rtol=1e-6)
    assert not np.isnan(x.grad).any()


@pytest.mark.parametrize("name", SMOOTH)
def test_float32_stays_float32(name):
    _, low, high, _ = UNARY[name]
    x = tg.Tensor(np.linspace(low, high, 5).astype(np.float32)[1:-1], requires_grad=True)
    out = getattr(x, name)()
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32


# ------------------------------------------------------------ names: aliases, tg functions, numpy
def test_numpy_names_and_pytorch_names_are_the_same_methods():
    for numpy_name, torch_name in [("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"),
                                   ("arcsinh", "asinh"), ("arccosh", "acosh"), ("arctanh", "atanh"),
                                   ("clamp", "clip")]:
        assert getattr(tg.Tensor, numpy_name) is getattr(tg.Tensor, torch_name)


@pytest.mark.parametrize("name", [*UNARY, "exp", "log", "sqrt", "abs", "sign", "tanh", "sigmoid", "relu"])
def test_tg_functions_record_the_same_op_as_the_method(name):
    values = [1.3, 1.7] if name == "arccosh" else [0.3, 0.7]
    x = tg.Tensor(values, requires_grad=True)
    by_function, by_method = getattr(tg, name)(x), getattr(x, name)()
    assert by_function.grad_fn.name == by_method.grad_fn.name
    np.testing.assert_array_equal(by_function.data, by_method.data)
    assert getattr(tg, name)(values).requires_grad is False   # arrays and lists become constants


UFUNC_OPS = {np.sin: "Sin", np.cos: "Cos", np.tan: "Tan", np.arcsin: "Arcsin", np.arccos: "Arccos",
             np.arctan: "Arctan", np.sinh: "Sinh", np.cosh: "Cosh", np.arcsinh: "Arcsinh", np.arctanh: "Arctanh",
             np.log1p: "Log1p", np.expm1: "Expm1", np.log2: "Log2", np.log10: "Log10", np.exp2: "Exp2",
             np.reciprocal: "Reciprocal", np.square: "Square", np.floor: "Floor", np.ceil: "Ceil",
             np.trunc: "Trunc", np.rint: "Round"}


@pytest.mark.parametrize("ufunc", UFUNC_OPS, ids=lambda u: u.__name__)
def test_numpy_ufuncs_on_tensors_record_the_op(ufunc):
    x = tg.Tensor([0.3, 0.6], requires_grad=True)
    out = ufunc(x)
    assert isinstance(out, tg.Tensor) and out.grad_fn.name == UFUNC_OPS[ufunc]
    np.testing.assert_allclose(out.data, ufunc(x.data), rtol=1e-15)
    assert np.arccosh(tg.Tensor([2.0], requires_grad=True)).grad_fn.name == "Arccosh"


def test_numpy_minimum_and_maximum_with_a_number_record_the_ops():
    x = tg.Tensor([-1.0, 2.0], requires_grad=True)
    out = np.minimum(x, 0) + np.maximum(x, 0)
    out.sum().backward()
    np.testing.assert_array_equal(out.data, x.data)
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])

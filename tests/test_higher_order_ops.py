"""Second and third derivatives of every built-in op, F function, nn layer and loss, against central
differences of the derivative one order below (tests/second_order.py), over hypothesis-drawn inputs with
broadcasting, and for every choice of which inputs need a gradient (x / c as well as c / x).

Adding an op is one line of ``CASES``: ``(name, fn, strategy)``, where the strategy draws the float input
arrays and, optionally, keyword options for ``fn`` (labels, axes, conditions) with ``inputs(...)``. Ops
written alongside the engine are in ``LATER_CASES``, each with the name it needs (``"Tensor.sin"``): a
case runs wherever that name exists.
Inputs keep off kinks and ties here; the conventions there (ReLU'' = 0, ties split evenly) are tested at
the end, with exact values.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import autograd, functional as F, nn
from tinygrad_nn.engine import ops
from hypothesis.extra import numpy as hnp

from engine_strategies import broadcastable_shapes, shapes
from second_order import assert_derivative


# ------------------------------------------------------------------ strategies: (arrays, options)
def float_arrays(shape, low=-2.0, high=2.0, avoid=(), margin=0.05):
    """Arrays of ``shape`` in [low, high], ``margin`` away from ``avoid``, and never tiny but nonzero
    (|x| < 1e-6 becomes 0: finite differences cannot resolve derivatives of a**b there)."""
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False).map(
        lambda v: 0.0 if abs(v) < 1e-6 else v)
    if avoid:
        elements = elements.filter(lambda v: all(abs(v - k) > margin for k in avoid))
    return hnp.arrays(np.float64, shape, elements=elements)


def inputs(*arrays, **options):
    """A strategy of ``(tuple of arrays, options)`` from strategies of arrays and of option values."""
    return st.tuples(st.tuples(*arrays), st.fixed_dictionaries(options))


def small(low=-2.0, high=2.0, avoid=(), min_dims=0, max_dims=2):
    """One array of 0 to 2 axes of 1 to 3 elements."""
    return shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=3).flatmap(
        lambda shape: float_arrays(shape, low, high, avoid=avoid))


def unary(low=-2.0, high=2.0, avoid=()):
    return inputs(small(low, high, avoid))


@st.composite
def _pair(draw, low, high, low_b, high_b, avoid_b):
    a_shape, b_shape = draw(broadcastable_shapes(2, min_side=1, max_side=3, max_dims=2)).input_shapes
    return draw(float_arrays(a_shape, low, high)), draw(float_arrays(b_shape, low_b, high_b, avoid_b, 0.3))


def binary(low=-2.0, high=2.0, low_b=None, high_b=None, avoid_b=()):
    """Two arrays of mutually broadcastable shapes (the second kept off ``avoid_b``)."""
    pair = _pair(low, high, low if low_b is None else low_b, high if high_b is None else high_b, avoid_b)
    return st.tuples(pair, st.just({}))


def fixed(*shapes_, low=-2.0, high=2.0, **options):
    """Arrays of the given shapes (values drawn)."""
    return inputs(*(float_arrays(shape, low, high) for shape in shapes_), **options)


def untied(shape, offset=0.0):
    """Distinct multiples of 1/32 (plus ``offset``): no two entries tie for max or min."""
    from engine_strategies import tie_free_arrays
    return tie_free_arrays(shape).map(lambda a: a * 0.25 + offset)


def axes(ndim):
    return st.sampled_from([None] + list(range(-ndim, ndim)))


def labels(n, classes):
    return st.lists(st.integers(0, classes - 1), min_size=n, max_size=n).map(np.array)


# ------------------------------------------------------------------ functions of several inputs
@st.composite
def maxout_inputs(draw):
    """x, weight, bias of an nn.Maxout(3, 2, pieces=2) whose two pieces never tie (a tie is a jump)."""
    x = draw(float_arrays((1, 3), 0.5, 1.0))
    weight, bias = draw(float_arrays((2, 2, 3), -1.0, 1.0)), draw(float_arrays((2, 2), -1.0, 1.0))
    scores = np.einsum("ni,upi->nup", x, weight) + bias
    assume(np.all(np.abs(scores[..., 0] - scores[..., 1]) > 0.05))
    return (x, weight, bias), {}


def maxout_module(x, weight, bias):
    layer = nn.Maxout(3, 2, pieces=2)
    layer.weight, layer.bias = weight, bias
    return layer(x)


def linear_module(x, weight, bias):
    layer = nn.Linear(3, 2)
    layer.weight, layer.bias = weight, bias
    return layer(x)


def mlp(x, w0, b0, w1, b1, activation=nn.Tanh):
    net = nn.MLP([3, 2, 2], activation=activation)
    first, last = net.layers[0], net.layers[2]
    first.weight, first.bias, last.weight, last.bias = w0, b0, w1, b1
    return net(x)


MLP_SHAPES = ((2, 3), (2, 3), (2,), (2, 2), (2,))

CASES = [
    # arithmetic and matrix products
    ("add", lambda a, b: a + b, binary()),
    ("sub", lambda a, b: a - b, binary()),
    ("mul", lambda a, b: a * b, binary()),
    ("div", lambda a, b: a / b, binary(low_b=0.5, high_b=2.0)),
    ("div negative divisor", lambda a, b: a / b, binary(low_b=-2.0, high_b=-0.5)),
    ("pow", lambda a, b: a ** b, binary(0.5, 2.0, -2.0, 2.0, avoid_b=(0.0, 1.0))),  # b = 0, 1: see the edge cases
    ("pow integer exponent", lambda a: a ** 3, unary()),
    ("neg", lambda a: -a, unary()),
    ("matmul", lambda a, b: a @ b, fixed((2, 3), (3, 2))),
    ("matmul vector", lambda a, b: a @ b, fixed((3,), (3, 2))),
    ("matmul batched", lambda a, b: a @ b, fixed((2, 1, 3), (2, 3, 2))),
    ("affine", lambda x, w, b: ops.Affine.apply(x, w, b), fixed((2, 3), (2, 3), (2,))),
    ("affine batched no bias", lambda x, w: ops.Affine.apply(x, w), fixed((2, 2, 3), (2, 3))),
    # elementwise
    ("exp", lambda x: x.exp(), unary()),
    ("log", lambda x: x.log(), unary(0.3, 3.0)),
    ("sqrt", lambda x: x.sqrt(), unary(0.3, 3.0)),
    ("abs", lambda x: x.abs(), unary(avoid=(0.0,))),
    ("sign", lambda x: x.sign() * x, unary(avoid=(0.0,))),
    ("sigmoid", lambda x: x.sigmoid(), unary(-4.0, 4.0)),
    ("tanh", lambda x: x.tanh(), unary()),
    ("relu", lambda x: x.relu() * x, unary(avoid=(0.0,))),
    ("leaky_relu", lambda x: x.leaky_relu(0.1) * x, unary(avoid=(0.0,))),
    ("clip", lambda x: x.clip(-1.0, 1.0) * x, unary(avoid=(-1.0, 1.0))),
    ("maximum", lambda a, b: tg.maximum(a, b) * a, inputs(untied((2, 2)), untied((2,), offset=1 / 64))),
    ("where", lambda a, b, condition=None: tg.where(condition, a * a, b * a), inputs(
        float_arrays((2, 3), -2.0, 2.0), float_arrays((3,), -2.0, 2.0),
        condition=st.lists(st.booleans(), min_size=3, max_size=3).map(np.array))),
    # reductions and the softmax family
    ("sum", lambda x, axis=None: x.sum(axis=axis) ** 2, inputs(float_arrays((2, 3), -2.0, 2.0), axis=axes(2))),
    ("mean", lambda x, axis=None: x.mean(axis=axis, keepdims=True) * x, inputs(float_arrays((2, 3), -2.0, 2.0),
                                                                              axis=axes(2))),
    ("max", lambda x, axis=None: x.max(axis=axis) ** 2, inputs(untied((2, 3)), axis=axes(2))),
    ("min", lambda x, axis=None: x.min(axis=axis) ** 3, inputs(untied((2, 3)), axis=axes(2))),
    ("softmax", lambda x, axis=-1: x.softmax(axis=axis), inputs(float_arrays((2, 3), -2.0, 2.0), axis=axes(2).filter(
        lambda a: a is not None))),
    ("log_softmax", lambda x, axis=-1: x.log_softmax(axis=axis), inputs(
        float_arrays((2, 3), -2.0, 2.0), axis=st.sampled_from([0, 1, -1]))),
    # shapes and indexing
    ("reshape", lambda x: x.reshape(3, 2) ** 2, fixed((2, 3))),
    ("transpose", lambda x: x.transpose(1, 0, 2) * x.transpose(1, 0, 2).sum(), fixed((2, 3, 1))),
    ("getitem basic", lambda x: x[1:, ::2] ** 2, fixed((3, 3))),
    ("getitem repeated indices", lambda x: x[np.array([0, 2, 0])] ** 3, fixed((3, 2))),
    ("scatter_add", lambda g: ops.ScatterAdd.apply(g, shape=(3,), index=np.array([0, 2, 0])) ** 2, fixed((3,))),
    ("concatenate", lambda a, b: tg.concatenate([a, b * a], axis=1), fixed((2, 1), (2, 1))),
    ("stack", lambda a, b: tg.stack([a * b, b], axis=0) ** 2, fixed((2,), (2,))),
    ("broadcast_to", lambda x: x.broadcast_to((2, 3)) * x, fixed((3,))),
    ("cast", lambda x: ops.Cast.apply(x, dtype=np.float64) ** 2, unary()),
    # F: activations, layers and losses
    ("F.softmax", lambda x: F.softmax(x, axis=0) * x, fixed((3, 2))),
    ("F.maxout", lambda x: F.maxout(x, 2) ** 2, inputs(untied((2, 4)))),
    ("F.linear", lambda x, w, b: F.linear(x, w, b) ** 2, fixed((2, 3), (2, 3), (2,))),
    ("F.cross_entropy", lambda x, y=None: F.cross_entropy(x, y), inputs(float_arrays((3, 4), -2.0, 2.0),
                                                                         y=labels(3, 4))),
    ("F.binary_cross_entropy_with_logits", lambda x, t=None: F.binary_cross_entropy_with_logits(x, t),
     inputs(float_arrays((2, 2), -2.0, 2.0, avoid=(0.0,), margin=0.05),
            t=st.lists(st.sampled_from([0.0, 1.0]), min_size=4, max_size=4).map(lambda v: np.reshape(v, (2, 2))))),
    ("F.hinge_loss", lambda s, t=None: F.hinge_loss(s * s, t), inputs(
        float_arrays((3,), 0.2, 0.8), t=st.lists(st.sampled_from([-1, 1]), min_size=3, max_size=3).map(np.array))),
    ("F.multiclass_hinge_loss", lambda s, y=None: F.multiclass_hinge_loss(s * s, y, delta=10.0),
     inputs(float_arrays((2, 3), -2.0, 2.0), y=labels(2, 3))),
    ("F.mse_loss", lambda a, b: F.mse_loss(a * a, b), fixed((2, 3), (2, 3))),
    ("F.l2_penalty", lambda a, b: F.l2_penalty([a, b]) * a.sum(), fixed((2,), (3, 1))),
    # nn layers
    ("nn.Linear", linear_module, fixed((2, 3), (2, 3), (2,))),
    ("nn.Maxout", maxout_module, maxout_inputs()),
    ("nn.MLP tanh", mlp, fixed(*MLP_SHAPES)),
    ("nn.MLP sigmoid", lambda *args: mlp(*args, activation=nn.Sigmoid), fixed(*MLP_SHAPES)),
    ("nn.Sigmoid", lambda x: nn.Sigmoid()(x), unary()),
    ("nn.Tanh", lambda x: nn.Tanh()(x), unary()),
    ("nn.ReLU", lambda x: nn.ReLU()(x) ** 2, unary(avoid=(0.0,))),
    ("nn.LeakyReLU", lambda x: nn.LeakyReLU(0.2)(x) ** 2, unary(avoid=(0.0,))),
    ("nn.Identity", lambda x: nn.Identity()(x) ** 3, unary()),
    ("nn.Dropout", lambda x: nn.Dropout(0.5, rng=0)(x) ** 2, fixed((3, 2)), "dropout"),
    ("nn.Sequential", lambda x: nn.Sequential(nn.Tanh(), nn.Sigmoid())(x), unary()),
]


@st.composite
def clamp_inputs(draw):
    """x and Tensor bounds lo < hi, x kept 0.05 away from both (where the gradient jumps)."""
    x = draw(float_arrays((2, 3), -2.0, 2.0))
    lo, hi = draw(float_arrays((3,), -1.5, -0.5)), draw(float_arrays((3,), 0.5, 1.5))
    assume(np.all(np.abs(x - lo) > 0.05) and np.all(np.abs(x - hi) > 0.05))
    return (x, lo, hi), {}


INTEGERS = (-2.0, -1.0, 0.0, 1.0, 2.0)
LATER_CASES = [   # (name, fn, strategy, the name it needs)
    ("sin", lambda x: x.sin(), unary(-3.0, 3.0), "Tensor.sin"),
    ("cos", lambda x: x.cos(), unary(-3.0, 3.0), "Tensor.cos"),
    ("tan", lambda x: x.tan(), unary(-1.2, 1.2), "Tensor.tan"),
    ("arcsin", lambda x: x.arcsin(), unary(-0.8, 0.8), "Tensor.arcsin"),
    ("arccos", lambda x: x.arccos(), unary(-0.8, 0.8), "Tensor.arccos"),
    ("arctan", lambda x: x.arctan(), unary(-3.0, 3.0), "Tensor.arctan"),
    ("sinh", lambda x: x.sinh(), unary(), "Tensor.sinh"),
    ("cosh", lambda x: x.cosh(), unary(), "Tensor.cosh"),
    ("arcsinh", lambda x: x.arcsinh(), unary(-3.0, 3.0), "Tensor.arcsinh"),
    ("arccosh", lambda x: x.arccosh(), unary(1.2, 4.0), "Tensor.arccosh"),
    ("arctanh", lambda x: x.arctanh(), unary(-0.8, 0.8), "Tensor.arctanh"),
    ("log1p", lambda x: x.log1p(), unary(-0.8, 3.0), "Tensor.log1p"),
    ("expm1", lambda x: x.expm1(), unary(), "Tensor.expm1"),
    ("log2", lambda x: x.log2(), unary(0.3, 3.0), "Tensor.log2"),
    ("log10", lambda x: x.log10(), unary(0.3, 3.0), "Tensor.log10"),
    ("exp2", lambda x: x.exp2(), unary(), "Tensor.exp2"),
    ("rsqrt", lambda x: x.rsqrt(), unary(0.3, 3.0), "Tensor.rsqrt"),
    ("reciprocal", lambda x: x.reciprocal(), unary(0.4, 3.0), "Tensor.reciprocal"),
    ("square", lambda x: x.square() * x, unary(), "Tensor.square"),
    ("erf", lambda x: x.erf(), unary(-2.5, 2.5), "Tensor.erf"),
    ("erfc", lambda x: x.erfc(), unary(-2.5, 2.5), "Tensor.erfc"),
    ("floor", lambda x: x.floor() * x * x, unary(avoid=INTEGERS), "Tensor.floor"),
    ("ceil", lambda x: x.ceil() * x * x, unary(avoid=INTEGERS), "Tensor.ceil"),
    ("trunc", lambda x: x.trunc() * x * x, unary(avoid=INTEGERS), "Tensor.trunc"),
    ("round", lambda x: x.round() * x * x, unary(avoid=(-1.5, -0.5, 0.5, 1.5)), "Tensor.round"),
    ("frac", lambda x: x.frac() * x, unary(avoid=INTEGERS), "Tensor.frac"),
    ("clamp tensor bounds", lambda x, lo, hi: x.clamp(lo, hi) * x, clamp_inputs(), "Tensor.clamp"),
    ("minimum", lambda a, b: tg.minimum(a, b) * b, inputs(untied((2, 2)), untied((2,), offset=1 / 64)),
     "tg.minimum"),
    ("F.gelu", lambda x: F.gelu(x), unary(-3.0, 3.0), "F.gelu"),
    ("F.gelu tanh", lambda x: F.gelu(x, approximate="tanh"), unary(-3.0, 3.0), "F.gelu"),
    ("F.silu", lambda x: F.silu(x), unary(-3.0, 3.0), "F.silu"),
    ("F.mish", lambda x: F.mish(x), unary(-3.0, 3.0), "F.mish"),
    ("F.elu", lambda x: F.elu(x, alpha=0.5), unary(avoid=(0.0,)), "F.elu"),
    ("F.selu", lambda x: F.selu(x), unary(avoid=(0.0,)), "F.selu"),
    ("F.celu", lambda x: F.celu(x, alpha=2.0), unary(avoid=(0.0,)), "F.celu"),
    ("F.softplus", lambda x: F.softplus(x, beta=2.0), unary(), "F.softplus"),
    ("F.softsign", lambda x: F.softsign(x), unary(avoid=(0.0,)), "F.softsign"),
    ("F.logsigmoid", lambda x: F.logsigmoid(x), unary(-4.0, 4.0), "F.logsigmoid"),
    ("F.hardtanh", lambda x: F.hardtanh(x) * x, unary(avoid=(-1.0, 1.0)), "F.hardtanh"),
    ("F.relu6", lambda x: F.relu6(x * 4.0) * x, unary(avoid=(0.0, 1.5)), "F.relu6"),
    ("F.hardsigmoid", lambda x: F.hardsigmoid(x * 2.0) * x, unary(avoid=(-1.5, 1.5)), "F.hardsigmoid"),
    ("F.hardswish", lambda x: F.hardswish(x * 2.0), unary(avoid=(-1.5, 1.5)), "F.hardswish"),
    ("F.prelu", lambda x, w: F.prelu(x, w) * x, inputs(float_arrays((2, 3), avoid=(0.0,)), float_arrays((3,))),
     "F.prelu"),
    ("F.softmin", lambda x: F.softmin(x, axis=1), fixed((2, 3)), "F.softmin"),
    ("F.tanhshrink", lambda x: F.tanhshrink(x), unary(), "F.tanhshrink"),
]


def _exists(name):
    """Whether ``"Tensor.sin"``, ``"F.gelu"``, ``"tg.minimum"`` exists in this version of tinygrad_nn."""
    owner, attribute = name.split(".")
    return hasattr({"Tensor": tg.Tensor, "F": F, "tg": tg}[owner], attribute)


PARAMS = ([pytest.param(*case[:3], id=case[0]) for case in CASES]
          + [pytest.param(*case[:3], id=case[0], marks=pytest.mark.skipif(not _exists(case[3]), reason=(
              f"{case[3]} is not in this version of tinygrad_nn"))) for case in LATER_CASES])


@st.composite
def drawn(draw, strategy):
    """``(arrays, options, wrt)``: the inputs, the options, and a non-empty set of inputs that need a gradient."""
    arrays, options = draw(strategy)
    wrt = draw(st.sets(st.integers(0, len(arrays) - 1), min_size=1).map(sorted))
    return arrays, options, wrt


def check(fn, strategy, data, order):
    arrays, options, wrt = data.draw(drawn(strategy))
    assert_derivative(lambda *xs: fn(*xs, **options), arrays, order, wrt=wrt, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name, fn, strategy", PARAMS)
@settings(max_examples=40)
@given(data=st.data())
def test_second_derivative(name, fn, strategy, data):
    check(fn, strategy, data, order=2)


@pytest.mark.parametrize("name, fn, strategy", PARAMS)
@settings(max_examples=15)
@given(data=st.data())
def test_third_derivative(name, fn, strategy, data):
    check(fn, strategy, data, order=3)


# ------------------------------------------------------------------ conventions at kinks and ties
def hessian_of(fn, x):
    """The Hessian of a scalar ``fn`` at ``x``, row by row as the gradient of (gradient . unit vector).

    A gradient that does not depend on ``x`` (no graph) has a zero derivative.
    """
    x = np.asarray(x, dtype=np.float64)
    t = tg.Tensor(x, requires_grad=True)
    (g,) = autograd.grad(fn(t), t, create_graph=True)
    rows = []
    for k in range(x.size):
        unit = np.zeros(x.size)
        unit[k] = 1.0
        if g.grad_fn is None:
            rows.append(np.zeros(x.size))
            continue
        (row,) = autograd.grad((g * unit).sum(), t, retain_graph=True, allow_unused=True)
        rows.append(np.zeros(x.size) if row is None else row.data)
    return np.array(rows)


@pytest.mark.parametrize("activation", [lambda t: t.relu(), lambda t: t.leaky_relu(0.1), lambda t: t.abs(),
                                        lambda t: t.clip(-1.0, 0.0), lambda t: F.relu(t), lambda t: nn.ReLU()(t)])
def test_piecewise_linear_activations_have_zero_second_derivative_also_on_their_kinks(activation):
    x = np.array([-1.0, 0.0, 1.0])                   # 0 is the kink (and a bound of the clip)
    assert np.array_equal(hessian_of(lambda t: activation(t).sum(), x), np.zeros((3, 3)))


def test_the_curvature_of_x_relu_x_at_zero_follows_relu_prime_of_zero_being_zero():
    # d/dx (x relu(x)) = relu(x) + x [x > 0];  d2 = 2 [x > 0]: 0 at the kink
    assert np.array_equal(np.diag(hessian_of(lambda t: (t * t.relu()).sum(), [-1.0, 0.0, 1.0])), [0.0, 0.0, 2.0])


def test_tied_maxima_split_the_second_derivative_evenly():
    # max(x)**2 at a tie of two: the gradient 2 m (1/2, 1/2, 0) changes along each tied entry by half
    expected = 2 * np.outer([0.5, 0.5, 0.0], [0.5, 0.5, 0.0])
    assert np.array_equal(hessian_of(lambda t: t.max() ** 2, [1.0, 1.0, 0.0]), expected)
    assert np.array_equal(hessian_of(lambda t: (-t).min() ** 2, [1.0, 1.0, 0.0]), expected)
    assert np.array_equal(hessian_of(lambda t: (F.maxout(t.reshape(1, 3), 3) ** 2).sum(), [1.0, 1.0, 0.0]),
                          expected)


def test_a_tie_of_maximum_splits_the_second_derivative_evenly_between_its_inputs():
    a, b = tg.Tensor(np.array([2.0]), requires_grad=True), tg.Tensor(np.array([2.0]), requires_grad=True)
    (ga, gb) = autograd.grad((tg.maximum(a, b) ** 2).sum(), [a, b], create_graph=True)
    assert ga.item() == gb.item() == 2.0             # 2 * 2 * 1/2 each
    second = autograd.grad(ga.sum(), [a, b])          # d ga = 2 * (1/2) * d max = 2 * 1/2 * (1/2 da + 1/2 db)
    assert [g.item() for g in second] == [0.5, 0.5]


@settings(max_examples=1)
@given(data=st.data())
def test_every_op_of_the_engine_is_in_the_table_or_reached_through_it(data):
    used = set()
    for case in CASES + LATER_CASES:
        name, fn, strategy, *needs = case
        if needs and needs[0] != "dropout" and not _exists(needs[0]):
            continue
        arrays, options = data.draw(strategy)
        xs = [tg.Tensor(a, requires_grad=True) for a in arrays]
        out = fn(*xs, **options)
        recorded = [out]
        if needs != ["dropout"] or not hasattr(ops, "Dropout"):  # the backward of ops reached only there
            grads = autograd.grad(out.sum(), xs, create_graph=True, allow_unused=True)
            recorded += [g for g in grads if g is not None and g.grad_fn is not None]
        used.update(node.function.__name__ for node in tg.engine.topological_order(recorded))
    missing = set(ops.__all__) - used
    assert not missing, f"ops without a second- and third-derivative case: add a line to CASES for {sorted(missing)}"


# ------------------------------------------------------------------ edge cases
@pytest.mark.parametrize("fn", [lambda x: x.exp(), lambda x: x.sqrt(), lambda x: x.tanh(), lambda x: x.sigmoid()],
                         ids=["exp", "sqrt", "tanh", "sigmoid"])
def test_second_derivatives_of_zero_dimensional_inputs(fn):
    assert_derivative(fn, [np.array(1.0)], 2)


def test_the_mixed_second_derivative_of_pow_at_exponent_zero():
    assert_derivative(lambda a, b: a ** b, [np.array([1.5, 2.0]), np.array([0.0, 1.0])], 2)


def test_the_third_derivative_of_pow_at_exponent_one():
    assert_derivative(lambda a, b: a ** b, [np.array([1.5]), np.array([1.0])], 3)


def test_the_third_derivative_of_a_square_at_a_tiny_input_warns_nothing():
    with np.errstate(over="raise"):
        assert_derivative(lambda x: x ** 2, [np.array([4e-309, 1.0])], 3)


def test_the_hessian_and_hvp_of_a_piecewise_linear_function_are_zero():
    x = tg.Tensor(np.array([-1.0, 0.0, 1.0]))
    assert np.array_equal(autograd.hessian(lambda t: t.relu().sum(), x).data, np.zeros((3, 3)))
    assert np.array_equal(autograd.hvp(lambda t: (2 * t).sum(), x, tg.Tensor(np.ones(3)))[1].data, np.zeros(3))


def test_the_curvature_of_the_logistic_loss_at_a_zero_logit_is_one_quarter():
    logits = tg.Tensor(np.zeros(4))
    hessian = autograd.hessian(lambda t: F.binary_cross_entropy_with_logits(t, np.array([0, 1, 0, 1])), logits)
    assert np.allclose(hessian.data, np.eye(4) * 0.25 / 4)

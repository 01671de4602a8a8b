"""tg.gradcheck on every built-in op: each passes over drawn inputs, through the engine and called directly."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import functional as F
from tinygrad_nn import testing


def arrays(**options):
    """Small drawn arrays (at most 2 axes of 4) keep the sweep over every op fast."""
    return testing.arrays(**dict(dict(max_dims=2, max_side=4), **options))


def broadcastable_arrays(**options):
    return testing.broadcastable_arrays(max_dims=2, **options)


# the sweep over every op runs a third of the profile's examples per op (35 ops: still ~1000 in ci)
SWEEP = settings(max_examples=max(10, settings().max_examples // 3))


def positive(low=0.1, high=100.0, **options):
    return arrays(elements=st.floats(low, high), **options)


# name -> (fn of the drawn arrays, strategies of its inputs)
UNARY = {
    "neg": (lambda x: -x, arrays()),
    "exp": (lambda x: x.exp(), arrays(max_magnitude=20.0)),
    "log": (lambda x: x.log(), positive()),
    "sqrt": (lambda x: x.sqrt(), positive()),
    "abs": (lambda x: x.abs(), arrays()),
    "sigmoid": (lambda x: x.sigmoid(), arrays()),
    "tanh": (lambda x: x.tanh(), arrays()),
    "relu": (lambda x: x.relu(), arrays()),
    "leaky_relu": (lambda x: x.leaky_relu(0.1), arrays()),
    "clip": (lambda x: x.clip(-1.0, 2.0), arrays(max_magnitude=5.0)),
    "softmax": (lambda x: x.softmax(axis=-1), arrays(max_magnitude=30.0)),
    "log_softmax": (lambda x: x.log_softmax(axis=0), arrays(max_magnitude=30.0)),
    "sum": (lambda x: x.sum(axis=0), arrays()),
    "mean": (lambda x: x.mean(), arrays()),
    "max": (lambda x: x.max(axis=-1), arrays()),
    "min": (lambda x: x.min(axis=0, keepdims=True), arrays()),
    "reshape": (lambda x: x.reshape(-1), arrays()),
    "transpose": (lambda x: x.T, arrays()),
    "getitem_basic": (lambda x: x[..., :1] * 3.0, arrays()),
    "getitem_repeated": (lambda x: x[np.array([0, 0, -1])], arrays()),
    "pow_const": (lambda x: x ** 3, arrays(max_magnitude=50.0)),
    "functional_maxout": (lambda x: F.maxout(x, 2), arrays(shape=st.sampled_from([(3, 4), (2, 6)]))),
    "functional_sigmoid": (lambda x: F.sigmoid(x), arrays()),
}

BINARY = {
    "add": (lambda a, b: a + b, broadcastable_arrays()),
    "sub": (lambda a, b: a - b, broadcastable_arrays()),
    "mul": (lambda a, b: a * b, broadcastable_arrays(max_magnitude=100.0)),
    "div": (lambda a, b: a / b, broadcastable_arrays(elements=st.floats(0.1, 10.0))),
    "pow": (lambda a, b: a ** b, st.tuples(positive(0.1, 10.0, shape=(2, 3)),
                                           arrays(shape=(3,), max_magnitude=3.0))),
    "maximum": (lambda a, b: tg.maximum(a, b), broadcastable_arrays()),
    "where": (lambda a, b: tg.where(a.data > 0, a, b), broadcastable_arrays()),
    "matmul": (lambda a, b: a @ b, st.sampled_from([((2, 3), (3, 4)), ((3,), (3, 2)), ((2, 2, 3), (3,))]).flatmap(
        lambda shapes: st.tuples(arrays(shape=shapes[0], max_magnitude=10.0),
                                 arrays(shape=shapes[1], max_magnitude=10.0)))),
    "concatenate": (lambda a, b: tg.concatenate([a, b], axis=0),
                    st.tuples(arrays(shape=(2, 3)), arrays(shape=(1, 3)))),
    "stack": (lambda a, b: tg.stack([a, b], axis=1), st.tuples(arrays(shape=(2, 3)), arrays(shape=(2, 3)))),
    "mse_loss": (lambda a, b: F.mse_loss(a, b), st.tuples(arrays(shape=(3, 2)), arrays(shape=(3, 2)))),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@SWEEP
@given(data=st.data())
def test_every_unary_op_passes_over_drawn_inputs(name, data):
    fn, strategy = UNARY[name]
    x = data.draw(strategy, label="x")
    assert tg.gradcheck(fn, (x,))


@pytest.mark.parametrize("name", sorted(BINARY))
@SWEEP
@given(data=st.data())
def test_every_binary_op_passes_over_drawn_inputs(name, data):
    fn, strategy = BINARY[name]
    a, b = data.draw(strategy, label="a, b")
    assert tg.gradcheck(fn, (a, b))


@given(logits=arrays(shape=(4, 3), max_magnitude=30.0), labels=arrays(
    shape=(4,), elements=st.integers(0, 2), dtype=np.int64))
def test_losses_pass_over_drawn_inputs(logits, labels):
    assert tg.gradcheck(lambda s: F.cross_entropy(s, labels), (logits,))
    targets = (labels > 0).astype(np.float64)
    assert tg.gradcheck(lambda s: F.binary_cross_entropy_with_logits(s[:, 0], targets), (logits,))
    assert tg.gradcheck(lambda s: F.multiclass_hinge_loss(s, labels), (logits,))
    assert tg.gradcheck(lambda s: F.hinge_loss(s[:, 1], 2 * targets - 1), (logits,))
    assert tg.gradcheck(lambda s: F.l2_penalty([s]), (logits,))


def test_float64_inputs_give_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tg.gradcheck(lambda t: t.exp(), (np.ones(3),))


def _ops_called_directly():
    ops = tg.engine.ops
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    positive = rng.uniform(0.5, 2.0, size=(3, 4))
    return [
        (ops.Add, (a, b), {}), (ops.Sub, (a, b), {}), (ops.Mul, (a, b), {}), (ops.Div, (a, positive), {}),
        (ops.Pow, (positive, b), {}), (ops.Neg, (a,), {}), (ops.MatMul, (a, rng.normal(size=(4, 2))), {}),
        (ops.Affine, (a, rng.normal(size=(2, 4)), rng.normal(size=(2,))), {}),
        (ops.Exp, (a,), {}), (ops.Log, (positive,), {}), (ops.Sqrt, (positive,), {}), (ops.Abs, (a,), {}),
        (ops.Sigmoid, (a,), {}), (ops.Tanh, (a,), {}), (ops.ReLU, (a,), {}),
        (ops.LeakyReLU, (a,), {"negative_slope": 0.2}), (ops.Clip, (a,), {"lo": -0.5, "hi": 0.5}),
        (ops.Softmax, (a,), {"axis": 0}), (ops.LogSoftmax, (a,), {"axis": -1}),
        (ops.Sum, (a,), {"axis": 1}), (ops.Mean, (a,), {"axis": None}), (ops.Max, (a,), {"axis": 0}),
        (ops.Min, (a,), {"axis": 1, "keepdims": True}), (ops.Reshape, (a,), {"shape": (4, 3)}),
        (ops.Transpose, (a,), {"axes": (1, 0)}), (ops.GetItem, (a,), {"index": (np.array([0, 0, 2]), 1)}),
        (ops.Concatenate, (a, positive), {"axis": 1}), (ops.Stack, (a, positive), {"axis": 0}),
        (ops.Maximum, (a, positive), {}), (ops.Where, (a, b), {"condition": a > 0}),
    ]


@pytest.mark.parametrize("op, inputs, kwargs", _ops_called_directly(),
                         ids=[case[0].__name__ for case in _ops_called_directly()])
def test_every_built_in_function_passes_when_called_directly(op, inputs, kwargs):
    # forward/backward on a fresh Context: also checks the count, dtype and shape backward returns
    result = tg.gradcheck(op, inputs, kwargs=kwargs)
    assert result and not any(report.problems for report in result.inputs)

"""tg.gradcheck: every built-in op passes over drawn inputs, a gallery of wrong backwards is caught at
the right input and element, float32 warns and still gets the right verdict, the cost stays flat."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import functional as F
from tinygrad_nn.checks import GradcheckPrecisionWarning, error_band
from tinygrad_nn import testing
from faulty_functions import NanAtLastElement


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


# ------------------------------------------------------------------ a gallery of wrong backwards

class MissingTermSwish(tg.Function):
    """Swish whose backward forgot the x * s * (1 - s) term."""

    @staticmethod
    def forward(ctx, x):
        s = 1.0 / (1.0 + np.exp(-x))
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return grad * s


def test_missing_term_is_caught_where_it_matters():
    # the forgotten term x*s*(1-s) is below atol at 0, -25 and 30: only element 3 is wrong
    x = np.array([0.0, -25.0, 30.0, 3.0])
    result = tg.gradcheck(MissingTermSwish, (x,), raise_exception=False)
    assert not result
    (report,) = result.inputs
    assert report.index == (3,) and report.mismatches == 1
    s = 1 / (1 + np.exp(-3.0))
    assert report.analytic / report.numerical == pytest.approx(s / (s + 3 * s * (1 - s)), rel=1e-6)
    assert report.band == "wrong"


class WrongSignAbs(tg.Function):
    """|x| whose backward has the wrong sign on the negative branch."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.where(x > 0, 1.0, 1.0)


def test_wrong_sign_is_caught_at_the_one_negative_element():
    x = np.array([[0.5, 2.0], [-1.5, 3.0]])
    with pytest.raises(tg.GradcheckError) as caught:
        tg.gradcheck(WrongSignAbs, (x,))
    report = caught.value.result.inputs[0]
    assert report.index == (1, 0) and report.mismatches == 1
    assert report.analytic == pytest.approx(-report.numerical)
    assert "(1, 0)" in str(caught.value) and "input 0" in str(caught.value)


class BiasAddFirstRow(tg.Function):
    """x + b for a batch of rows whose backward forgot to sum the bias gradient over the batch."""

    @staticmethod
    def forward(ctx, x, b):
        return x + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad[0]


def test_missing_broadcast_reduction_is_caught_on_the_bias():
    weights = np.array([[1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    x, b = np.zeros((4, 3)), np.zeros(3)
    result = tg.gradcheck(lambda x, b: (BiasAddFirstRow.apply(x, b) * weights).sum(), (x, b),
                          raise_exception=False)
    x_report, b_report = result.inputs
    assert x_report.passed and not b_report.passed
    # true bias gradient: column sums 1, 2, 4; the bug gives row 0: 1, 1, 1 -> column 2 is worst
    assert b_report.index == (2,)
    assert (b_report.analytic, b_report.numerical) == (pytest.approx(1.0), pytest.approx(4.0))
    assert b_report.mismatches == 2


class TransposedMatMul(tg.Function):
    """a @ b whose gradient for a uses b instead of b.T."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad @ b, a.T @ grad


def test_transposed_matmul_gradient_is_caught_at_the_asymmetric_element():
    b = np.eye(3)
    b[0, 2] = 5.0                      # b is symmetric except at (0, 2)
    upstream = np.zeros((3, 3))
    upstream[1, 0] = 1.0               # only row 1 of the output matters
    result = tg.gradcheck(lambda a, b: (TransposedMatMul.apply(a, b) * upstream).sum(),
                          (np.ones((3, 3)), b), raise_exception=False)
    a_report, b_report = result.inputs
    assert not a_report.passed and b_report.passed
    assert a_report.index == (1, 2) and a_report.mismatches == 1
    assert (a_report.analytic, a_report.numerical) == (pytest.approx(5.0), pytest.approx(0.0, abs=1e-8))


class SquareIgnoringGrad(tg.Function):
    """x**2 whose backward returns 2x without multiplying by grad."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x


def test_backward_ignoring_grad_is_caught_by_the_random_upstream_gradient():
    x = np.zeros((3, 4))
    x[2, 1] = 1.5                      # 2x = grad*2x = 0 elsewhere
    result = tg.gradcheck(lambda t: SquareIgnoringGrad.apply(t), (x,), raise_exception=False)
    assert not result and result.inputs[0].index == (2, 1) and result.inputs[0].mismatches == 1
    assert result.inputs[0].analytic == pytest.approx(3.0)


class Float32Gradient(tg.Function):
    """2x whose backward returns a float32 gradient whatever the input's dtype."""

    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, grad):
        return (2 * grad).astype(np.float32)


def test_wrong_gradient_dtype_is_caught_on_its_input():
    result = tg.gradcheck(Float32Gradient, (np.ones((2, 2)),), raise_exception=False)
    assert not result
    (report,) = result.inputs
    assert report.input_index == 0
    assert any("float32 gradient for input 0 of dtype float64" in problem for problem in report.problems)
    assert "float32" in result.message()


def test_backward_returning_none_or_a_bad_shape_fails_with_a_note():
    class NoGradient(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, grad):
            return None

    class BadShape(NoGradient):
        @staticmethod
        def backward(ctx, grad):
            return grad[:1]

    for function, words in ((NoGradient, "returned None"), (BadShape, "of shape (1, 2)")):
        result = tg.gradcheck(function, (np.ones((3, 2)),), raise_exception=False)
        assert not result and words in result.message()


# ------------------------------------------------------------------ precision, report, modes

def test_float32_inputs_warn_and_get_the_right_verdict():
    x32 = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    with pytest.warns(GradcheckPrecisionWarning, match="input 0 is float32"):
        good = tg.gradcheck(lambda t: t * t.sigmoid(), (x32,))
    assert good and good.inputs[0].dtype == np.float32
    with pytest.warns(GradcheckPrecisionWarning):
        bad = tg.gradcheck(MissingTermSwish, (x32,), raise_exception=False)
    assert not bad


def test_float32_differences_would_have_given_a_false_alarm():
    # what the float64 promotion protects from: a float32 central difference of a correct swish
    x = np.float32(0.7)
    eps = np.float32(1e-6)
    swish = lambda v: v / (np.float32(1) + np.exp(-v))
    numerical = (swish(x + eps) - swish(x - eps)) / (2 * eps)
    s = 1 / (1 + np.exp(-0.7))
    assert abs(numerical - (s + 0.7 * s * (1 - s))) > 1e-2


def test_the_report_names_input_element_values_and_band():
    x = np.array([0.0, -25.0, 30.0, 3.0])
    with pytest.raises(tg.GradcheckError) as caught:
        tg.gradcheck(MissingTermSwish, (x,))
    message = str(caught.value)
    assert "MissingTermSwish" in message and "input 0 (4,)" in message and "element (3,)" in message
    assert "analytic" in message and "numerical" in message and "wrong" in message
    assert isinstance(caught.value, AssertionError) and isinstance(caught.value, RuntimeError)
    text = str(caught.value.result)
    assert "FAILED" in text and "max abs error" in text and "max rel error" in text


def test_a_passing_result_is_truthy_and_prints_the_worst_element():
    result = tg.gradcheck(lambda t: t.tanh(), (np.linspace(-2, 2, 5),))
    assert result and result.passed
    report = result.inputs[0]
    assert report.index is not None and report.band == "excellent"
    assert "passed" in str(result) and "passed" in repr(result)


@pytest.mark.parametrize("rel, band", [(0.5, "wrong"), (2e-2, "wrong"), (5e-3, "uncomfortable"),
                                       (1e-4, "acceptable with kinks"), (1e-6, "acceptable with kinks"),
                                       (1e-8, "excellent"), (0.0, "excellent")])
def test_error_bands_follow_the_notes(rel, band):
    assert error_band(rel) == band


@pytest.mark.parametrize("side", [4, 64])
def test_elementwise_check_costs_the_same_whatever_the_size(side):
    x = np.random.default_rng(0).normal(size=(side, side))
    result = tg.gradcheck(lambda t: t * t.sigmoid(), (x,))
    assert result.inputs[0].method == "elementwise"
    # 1 for the backward, 1 to see that forward is repeatable, 2 for the check, 2 to verify elementwise
    assert result.forward_calls == 6


def test_projection_costs_the_same_whatever_the_size():
    for side in (40, 80):
        x = np.random.default_rng(1).normal(size=(side, side))
        result = tg.gradcheck(lambda t: t.softmax(axis=-1), (x,), mode="fast")
        assert result.inputs[0].method == "projection" and result.forward_calls == 6


def test_fast_mode_falls_back_to_locate_the_wrong_element():
    x = np.zeros((50, 50))
    x[17, 33] = 1.5
    result = tg.gradcheck(lambda t: SquareIgnoringGrad.apply(t).sum(axis=1), (x,), mode="fast",
                          raise_exception=False)
    report = result.inputs[0]
    assert not result and report.method == "per-element" and report.index == (17, 33)
    assert any("projection" in note for note in report.notes)


class GramWithOneWrongElement(tg.Function):
    """x @ x.T whose backward is off at element (7, 23) by 1% of a typical gradient element."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x @ x.T

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        gradient = (grad + grad.T) @ x
        gradient[7, 23] += 0.01 * np.sqrt(np.mean(gradient ** 2))
        return gradient


@pytest.mark.parametrize("seed", range(4))
def test_auto_mode_catches_one_element_one_percent_off_in_a_dense_input(seed):
    # 1600 elements: auto mode checks by projections; a tolerance summed over the elements let this pass
    x = np.random.default_rng(seed).normal(size=(40, 40))
    result = tg.gradcheck(GramWithOneWrongElement, (x,), raise_exception=False, seed=seed)
    report = result.inputs[0]
    assert not result and report.method == "per-element" and report.index == (7, 23)
    assert report.mismatches == 1 and any("random projection disagreed" in note for note in report.notes)


DENSE = {
    "gram": lambda t: t @ t.T,
    "softmax": lambda t: t.softmax(axis=-1),
    "log_softmax_of_affine": lambda t: (t @ tg.Tensor(np.eye(48)[::-1] * 0.5)).log_softmax(axis=0),
    "cross_entropy": lambda t: F.cross_entropy(t, np.arange(48) % 5),
    "max": lambda t: t.max(axis=1),
    "maxout": lambda t: F.maxout(t, 3),
    "relu_of_matmul": lambda t: (t @ t.T).relu().sum(axis=0),
    "multiclass_hinge": lambda t: F.multiclass_hinge_loss(t, np.arange(48) % 7),
    "l2_penalty": lambda t: F.l2_penalty([t]),
}


@pytest.mark.parametrize("name", sorted(DENSE))
@pytest.mark.parametrize("scale", [0.01, 1.0, 100.0])
def test_projections_agree_on_correct_ops_without_falling_back(name, scale):
    # the projection's tolerance is tight, but a correct gradient agrees to rounding: no needless fallback
    x = np.random.default_rng(11).normal(size=(48, 48)) * scale
    result = tg.gradcheck(DENSE[name], (x,))
    assert result.inputs[0].method == "projection" and result.forward_calls <= 14


def test_elements_where_the_function_is_not_finite_are_not_checkable_rather_than_wrong():
    result = tg.gradcheck(lambda t: t.log(), (np.array([0.0, 4.0]),))       # log(0) = -inf
    report = result.inputs[0]
    assert result and report.not_checkable_count == 1 and report.not_checkable_indices == [(0,)]
    assert report.index == (1,) and "not checkable: 1 element(s)" in str(result)
    result = tg.gradcheck(lambda t: t.sqrt().sum(), (np.array([-1.0, 4.0]),))  # a NaN sum: nothing to check
    assert result and result.not_checkable_count == 2


def test_a_nan_gradient_where_the_function_is_finite_still_fails():
    result = tg.gradcheck(NanAtLastElement, (np.array([0.5, 1.5, 2.5]),), raise_exception=False)
    report = result.inputs[0]
    assert not result and report.index == (2,) and report.not_checkable_count == 0
    assert "rel error inf" in result.message()


def test_non_elementwise_functions_are_not_taken_for_elementwise():
    x = np.random.default_rng(2).normal(size=(3, 4))
    for fn in (lambda t: t.softmax(axis=-1), lambda t: t[::-1] * 1.0, lambda t: t * t.sum()):
        result = tg.gradcheck(fn, (x,))
        assert result and result.inputs[0].method == "per-element"


class DiagonalSoftmax(tg.Function):
    """softmax whose backward keeps only the diagonal of the Jacobian: g * s * (1 - s)."""

    @staticmethod
    def forward(ctx, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        s = e / e.sum(axis=-1, keepdims=True)
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return grad * s * (1 - s)


@given(x=arrays(shape=(2, 3), max_magnitude=10.0))
def test_a_backward_that_forgot_off_diagonal_terms_is_not_excused_as_elementwise(x):
    # the all-at-once check would agree with this bug; verifying elementwise-ness must refuse it
    result = tg.gradcheck(DiagonalSoftmax, (x,), raise_exception=False)
    u = result.upstream
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    s = e / e.sum(axis=-1, keepdims=True)
    true_gradient = s * (u - (u * s).sum(axis=-1, keepdims=True))
    bug = np.abs(true_gradient - u * s * (1 - s))
    if (bug > 1e-5 + 1e-3 * np.abs(true_gradient)).any():       # the bug shows at this input
        assert not result and result.inputs[0].method == "per-element"
    assert np.allclose(result.inputs[0].numerical_grad, true_gradient, rtol=1e-4, atol=1e-7)


def test_a_wrong_elementwise_claim_is_caught_and_reported():
    x = np.random.default_rng(3).normal(size=(3, 4))
    result = tg.gradcheck(lambda t: t.softmax(axis=-1), (x,), elementwise=True)
    report = result.inputs[0]
    assert result and report.method == "per-element"
    assert any("declared elementwise, but it is not" in note for note in report.notes)


def test_broadcast_inputs_of_elementwise_functions_are_checked_exactly():
    a, b = np.random.default_rng(4).normal(size=(5, 3)), np.array([0.3, -0.2, 1.0])
    result = tg.gradcheck(lambda a, b: (a * b).tanh(), (a, b))
    assert [r.method for r in result.inputs] == ["elementwise", "elementwise"]


def test_inputs_are_picked_by_dtype_or_by_wrt():
    labels = np.array([0, 2, 1])
    logits = np.random.default_rng(5).normal(size=(3, 3))
    result = tg.gradcheck(F.cross_entropy, (logits, labels))
    assert [r.input_index for r in result.inputs] == [0]
    result = tg.gradcheck(lambda a, b: a * b, (np.ones(3), np.arange(3.0)), wrt=1)
    assert [r.input_index for r in result.inputs] == [1]
    with pytest.raises(ValueError, match="no gradient to check"):
        tg.gradcheck(lambda i: tg.Tensor(i) * 2.0, (np.arange(3),))


def test_python_ints_and_other_arguments_are_passed_unchanged():
    x = np.random.default_rng(6).normal(size=(3, 4))
    result = tg.gradcheck(F.maxout, (x, 2))                     # pieces must stay a Python int
    assert result and [r.input_index for r in result.inputs] == [0]
    seen = []
    assert tg.gradcheck(lambda t, flag, name: seen.append((flag, name)) or t * 2.0, (x, True, "label"))
    assert set(seen) == {(True, "label")}
    result = tg.gradcheck(lambda t, s: t * s, (x, 2.5))           # a Python float is checked
    assert [r.input_index for r in result.inputs] == [0, 1]
    with pytest.raises(TypeError, match="input 1 is the int 2"):
        tg.gradcheck(lambda t, k: t * k, (x, 2), wrt=1)


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(TypeError, match="must return a Tensor"):
        tg.gradcheck(lambda t: t.data * 2, (np.ones(2),))
    with pytest.raises(ValueError, match="mode"):
        tg.gradcheck(lambda t: t, (np.ones(2),), mode="slow")


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


def test_jupyter_shows_the_full_report():
    class Printer:
        def __init__(self):
            self.shown = ""

        def text(self, text):
            self.shown += text

    printer = Printer()
    result = tg.gradcheck(lambda t: t.tanh(), (np.ones(3),))
    result._repr_pretty_(printer, False)
    assert printer.shown == str(result) and "worst element" in printer.shown


def test_a_random_forward_is_refused_rather_than_judged():
    rng = np.random.default_rng(0)
    noisy = lambda t: t * rng.uniform(0.9, 1.1)
    result = tg.gradcheck(noisy, (np.ones(3),), raise_exception=False)
    assert not result and "different output when called again" in result.message()

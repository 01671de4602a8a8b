"""Edge inputs of the Tensor ops against PyTorch's behaviour: integer and bool data, empty tensors, NaN and inf.

Each case states what PyTorch does; where torch is importable the torch
comparisons run as well (they skip without it).
"""

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import autograd
from tinygrad_nn import functional as F


@pytest.fixture(autouse=True)
def _numpy_warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ----------------------------------------------------------------- integer and bool data in real-valued ops

REAL_VALUED = {
    "sigmoid": lambda t: t.sigmoid(), "reciprocal": lambda t: t.reciprocal(), "exp": lambda t: t.exp(),
    "tanh": lambda t: t.tanh(), "sin": lambda t: t.sin(), "erf": lambda t: t.erf(), "log1p": lambda t: t.log1p(),
    "hardsigmoid": F.hardsigmoid, "hardswish": F.hardswish, "gelu": F.gelu, "silu": F.silu,
    "softplus": F.softplus, "logsigmoid": F.logsigmoid, "softmax": lambda t: t.softmax(-1),
    "log_softmax": lambda t: t.log_softmax(-1), "logsumexp": lambda t: t.logsumexp(-1), "var": lambda t: t.var(),
    "std": lambda t: t.std(correction=0),
}


@pytest.mark.parametrize("name", sorted(REAL_VALUED))
@pytest.mark.parametrize("values", [np.array([3, 0, 2, 1], np.int64), np.array([True, False, True, True]),
                                    np.array([2, 1, 4, 3], np.int32)], ids=["int64", "bool", "int32"])
def test_integer_and_bool_data_compute_in_float64(name, values):
    # sigmoid of an int64 tensor was int64 zeros, reciprocal the integer 1 // x, exp of bool float16,
    # hardswish truncated, the variance of a bool tensor wrong: now each is the float64 result
    if values.dtype == bool and name in ("exp", "tanh"):
        pytest.skip("exp, tanh, log and sqrt of bool data follow numpy (float16): no dtype check on their hot path")
    op = REAL_VALUED[name]
    out = op(tg.Tensor(values, dtype=values.dtype))
    expected = op(tg.Tensor(values.astype(np.float64)))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected.data, rtol=1e-12)


def test_sigmoid_of_an_integer_tensor_matches_pytorch():
    torch = pytest.importorskip("torch")
    labels = np.array([-2, 0, 3])
    out = tg.from_numpy(labels).sigmoid()
    np.testing.assert_allclose(out.data, torch.from_numpy(labels).double().sigmoid().numpy(), rtol=1e-12)


# ----------------------------------------------------------------- a bool mask under create_graph

@pytest.mark.parametrize("op, curvature", [(lambda x: x * x * (x > 0), [2.0, 0.0]),
                                           (lambda x: (x > 0) * (x * x), [2.0, 0.0]),
                                           (lambda x: x * x / (x > -5), [2.0, 2.0])], ids=["x*mask", "mask*x", "x/mask"])
def test_a_mask_factor_keeps_float32_under_create_graph(op, curvature):
    # was: TypeError 'Mul.backward returned a gradient of dtype float64 for input 0 of dtype float32'
    x = tg.Tensor(np.array([1.5, -2.0], np.float32), requires_grad=True)
    (slope,) = autograd.grad(op(x).sum(), [x], create_graph=True)
    assert slope.dtype == np.float32
    (second,) = autograd.grad(slope.sum(), [x])
    assert second.dtype == np.float32
    np.testing.assert_array_equal(second, curvature)


# ----------------------------------------------------------------- empty tensors

@pytest.mark.parametrize("shape, dim", [((2, 0), 0), ((0, 3), 1), ((0, 3), -1)])
@pytest.mark.parametrize("name", ["argmax", "argmin", "max", "min"])
def test_arg_reductions_of_an_empty_result_are_empty(shape, dim, name):
    # the reduced axis has entries, so the result is empty (PyTorch's shape (0,)); it was a ValueError
    x = tg.Tensor(np.zeros(shape), requires_grad=True)
    out = getattr(x, name)(dim=dim)
    values, indices = (out if name in ("max", "min") else (None, out))
    assert indices.shape == (0,) and indices.dtype == np.int64
    if values is not None:
        assert values.shape == (0,)
        values.sum().backward()
        assert x.grad.shape == shape


@pytest.mark.parametrize("name", ["argmax", "max"])
def test_arg_reductions_along_an_empty_axis_still_refuse(name):
    with pytest.raises(ValueError, match="no entries along axis 1"):
        getattr(tg.zeros(2, 0), name)(dim=1)


def test_unflatten_infers_minus_one_on_an_empty_tensor():
    out = tg.zeros(2, 0).unflatten(0, (1, -1))
    assert out.shape == (1, 2, 0)  # PyTorch's; reshape alone cannot infer -1 with zero elements


# ----------------------------------------------------------------- NaN is never hidden by a gradient convention

@pytest.mark.parametrize("op", [lambda t: t.logsumexp(0), lambda t: t.norm(), lambda t: t.norm(p=3)],
                         ids=["logsumexp", "norm", "norm3"])
def test_a_nan_input_gives_nan_gradients(op):
    # logsumexp's 0 for infinite results, and norm's 0 at the zero vector, gave 0 (or x) where the result is NaN
    x = tg.Tensor([np.nan, 1.0], requires_grad=True)
    op(x).backward()
    assert np.isnan(x.grad).all()


def test_std_of_nan_keeps_nan_in_the_second_derivative():
    x = tg.Tensor([np.nan, 1.0, 2.0], requires_grad=True)
    (slope,) = autograd.grad(x.std(), [x], create_graph=True)
    assert np.isnan(slope.data).all()
    (curvature,) = autograd.grad(slope.sum(), [x])
    assert np.isnan(curvature).all()


def test_logsumexp_of_infinite_groups_keeps_its_zero_gradient():
    x = tg.Tensor([[-np.inf, -np.inf], [np.inf, 1.0]], requires_grad=True)
    x.logsumexp(1).backward(np.ones(2))
    np.testing.assert_array_equal(x.grad, np.zeros((2, 2)))


@pytest.mark.parametrize("loss", [F.smooth_l1_loss, F.huber_loss, lambda a, b: F.smooth_l1_loss(a, b, beta=0.5)],
                         ids=["smooth_l1", "huber", "smooth_l1_beta"])
def test_smooth_l1_and_huber_at_an_infinite_difference(loss):
    # the quadratic piece's 0 * inf made the gradient NaN; the linear piece's slope is sign(d)
    x = tg.Tensor([0.0, 0.0, 0.2], requires_grad=True)
    out = loss(x, tg.Tensor([np.inf, -np.inf, 0.0]))
    out.backward()
    assert out.item() == np.inf
    np.testing.assert_allclose(x.grad[:2], [-1 / 3, 1 / 3])
    assert np.isfinite(x.grad).all()


# ----------------------------------------------------------------- shapes PyTorch gives

@pytest.mark.parametrize("call", [lambda t: t.flip(()), lambda t: t.flip(dims=[]), lambda t: np.flip(t, axis=())],
                         ids=["flip(())", "flip(dims=[])", "np.flip"])
def test_flip_of_no_axes_reverses_nothing(call):
    # flip(()) reversed every axis (as flip() does); PyTorch and numpy reverse none
    x = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = call(x)
    np.testing.assert_array_equal(out.data, x.data)
    (out * tg.Tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad, [[1.0, 2.0], [3.0, 4.0]])


def test_flip_without_axes_still_reverses_every_axis():
    np.testing.assert_array_equal(tg.Tensor([[1.0, 2.0], [3.0, 4.0]]).flip().data, [[4.0, 3.0], [2.0, 1.0]])


def test_topk_of_a_0d_tensor_is_0d():
    x = tg.Tensor(2.5, requires_grad=True)
    values, indices = x.topk(1)
    assert values.shape == () and indices.shape == ()  # PyTorch's; was (1,)
    values.backward()
    assert x.grad == 1.0


def test_index_select_takes_a_0d_index():
    x = tg.Tensor(np.arange(12.0).reshape(3, 4))
    out = x.index_select(0, np.array(1))
    assert out.shape == (1, 4)  # PyTorch's; was a ShapeError
    np.testing.assert_array_equal(out.data, [[4.0, 5.0, 6.0, 7.0]])


# ----------------------------------------------------------------- the same cases against PyTorch itself

def _torch_cases(torch):
    TF = torch.nn.functional
    return [
        ("argmax (2, 0) dim 0", lambda t: t.max(dim=0).values, lambda t: t.max(dim=0).values, np.zeros((2, 0))),
        ("logsumexp nan", lambda t: t.logsumexp(0), lambda t: t.logsumexp(0), np.array([np.nan, 1.0])),
        ("norm nan", lambda t: t.norm(), lambda t: t.norm(), np.array([np.nan, 1.0])),
        ("smooth_l1 inf", lambda t: F.smooth_l1_loss(t, tg.Tensor([np.inf, -np.inf, 0.3])),
         lambda t: TF.smooth_l1_loss(t, torch.tensor([np.inf, -np.inf, 0.3], dtype=torch.float64)),
         np.array([0.0, 0.0, 0.2])),
        ("huber inf", lambda t: F.huber_loss(t, tg.Tensor([np.inf, 0.3])),
         lambda t: TF.huber_loss(t, torch.tensor([np.inf, 0.3], dtype=torch.float64)), np.array([0.0, 0.2])),
        ("flip(())", lambda t: t.flip(()) * tg.Tensor([1.0, 2.0, 3.0]),
         lambda t: t.flip(()) * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64), np.array([1.0, 2.0, 3.0])),
        ("topk 0-d", lambda t: t.topk(1).values, lambda t: t.topk(1).values, np.array(2.0)),
    ]


@pytest.mark.parametrize("index", range(7))
def test_against_pytorch(index):
    torch = pytest.importorskip("torch")
    label, ours, theirs, data = _torch_cases(torch)[index]
    x, tx = tg.Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, tout = ours(x), theirs(tx)
    assert out.shape == tuple(tout.shape), label
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, err_msg=label)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12, err_msg=label)


def test_a_bool_or_integer_array_operand_follows_numpys_promotion():
    # it was made a float64 constant first, so float32 * a bool mask gave float64 (numpy and PyTorch: float32)
    x = tg.Tensor(np.ones(3, np.float32), requires_grad=True)
    mask = np.array([True, False, True])
    assert (x * mask).dtype == np.float32 and (mask * x).dtype == np.float32
    assert (x * np.array([1, 2, 3], np.int8)).dtype == np.float32
    assert (x + np.array([1, 2, 3])).dtype == np.result_type(np.float32, np.int64)  # numpy: float64
    (x * mask).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [1.0, 0.0, 1.0]

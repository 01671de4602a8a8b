"""Edge values where the ops follow PyTorch: bool inputs of sign and round, NaN clamp bounds,
acosh's second derivative at 1, and the op named by max(dim) / min(dim) of an empty axis."""

import math

import numpy as np
import pytest

import tinygrad_nn as tg

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not importable")


@pytest.mark.parametrize("method", ["sign", "round"])
def test_sign_and_round_of_bool_stay_bool(method):
    mask = tg.Tensor([1.0, -2.0, 0.0]) > 0
    out = getattr(mask, method)()
    assert out.dtype == np.bool_
    np.testing.assert_array_equal(out.numpy(), [True, False, False])
    assert not np.shares_memory(out.numpy(), mask.numpy())


@pytest.mark.parametrize("lo, hi, expected", [
    (math.nan, 3.0, [math.nan, math.nan, math.nan]),
    (0.0, math.nan, [math.nan, math.nan, math.nan]),
    ([0.0, math.nan, 0.0], [2.0, 2.0, 2.0], [1.0, math.nan, 2.0]),
    (2.0, 3.0, [2.0, 3.0, 3.0]),
])
def test_clamp_with_a_nan_tensor_bound_gives_nan_there(lo, hi, expected):
    x = tg.Tensor([1.0, 5.0, 7.0], requires_grad=True)
    out = x.clamp(tg.Tensor(lo), tg.Tensor(hi))
    np.testing.assert_array_equal(out.numpy(), expected)
    # the number bounds (Clip) agree with the Tensor bounds (Clamp)
    if np.ndim(lo) == 0 and np.ndim(hi) == 0:
        np.testing.assert_array_equal(x.clamp(lo, hi).numpy(), expected)


def test_clamp_gradient_with_finite_tensor_bounds_is_unchanged():
    x = tg.Tensor([1.0, 2.5, 7.0], requires_grad=True)
    lo = tg.Tensor([2.0, 2.0, 2.0], requires_grad=True)
    hi = tg.Tensor([3.0, 3.0, 3.0], requires_grad=True)
    x.clamp(lo, hi).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(lo.grad, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(hi.grad, [0.0, 0.0, 1.0])


def test_acosh_second_derivative_at_one_is_minus_inf():
    x = tg.Tensor([1.0, 1.5, 3.0], requires_grad=True)
    (slope,) = tg.autograd.grad(x.acosh().sum(), x, create_graph=True)
    with np.errstate(divide="ignore"):  # the recorded 1 / sqrt(0) divides by zero, as 1 / x at 0 does
        (curvature,) = tg.autograd.grad(slope.sum(), x)
    assert slope.numpy()[0] == math.inf
    assert curvature.numpy()[0] == -math.inf
    # d2/dx2 acosh x = -x / (x**2 - 1) ** 1.5
    np.testing.assert_allclose(curvature.numpy()[1:], [-1.5 / 1.25 ** 1.5, -3.0 / 8.0 ** 1.5])


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_along_an_empty_dim_name_themselves(name):
    with pytest.raises(ValueError, match=rf"^{name}: the tensor of shape \(2, 0\) has no entries along axis 1"):
        getattr(tg.zeros(2, 0), name)(dim=1)


@needs_torch
def test_these_edges_match_torch():
    mask = torch.tensor([True, False])
    assert torch.sign(mask).dtype == torch.bool
    assert tg.Tensor([1.0, -1.0]).__gt__(0).sign().dtype == np.bool_
    got = tg.Tensor([1.0, 5.0]).clamp(tg.Tensor(math.nan), tg.Tensor(3.0)).numpy()
    want = torch.tensor([1.0, 5.0]).clamp(torch.tensor(math.nan), torch.tensor(3.0)).numpy()
    np.testing.assert_array_equal(got, want)
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(torch.acosh(x), x, create_graph=True)
    (h,) = torch.autograd.grad(g, x)
    t = tg.Tensor(1.0, requires_grad=True)
    (tg_g,) = tg.autograd.grad(t.acosh(), t, create_graph=True)
    with np.errstate(divide="ignore"):
        (tg_h,) = tg.autograd.grad(tg_g, t)
    assert tg_h.item() == h.item() == -math.inf

"""Edge points where a first or second derivative disagreed with PyTorch 2.13 (float64) and ours was wrong:
clamp with Tensor bounds at NaN, the second derivative of a p-norm (1 < p < 2) of a vector with a zero entry,
and the second derivative of a ** b for a huge exponent. Each is pinned by exact values; the PyTorch
comparisons run only where torch is importable."""

import math

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import autograd

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not importable")


def _clamp_grads(x, lo, hi):
    xt, lot, hit = (tg.Tensor(np.array(v, dtype=np.float64), requires_grad=True) for v in (x, lo, hi))
    return [g.numpy() for g in autograd.grad(xt.clamp(lot, hit).sum(), [xt, lot, hit])]


# ------------------------------------------------------------------ clamp with Tensor bounds at NaN
@pytest.mark.parametrize("x, lo, hi", [
    ([math.nan, 0.5], [0.0, 0.0], [1.0, 1.0]),            # a NaN input
    ([0.5, 0.5], [math.nan, 0.0], [1.0, 1.0]),            # a NaN lower bound
    ([0.5, 0.5], [0.0, 0.0], [1.0, math.nan]),            # a NaN upper bound
])
def test_clamp_with_tensor_bounds_gives_no_gradient_where_something_is_nan(x, lo, hi):
    gx, glo, ghi = _clamp_grads(x, lo, hi)
    nan = np.isnan(x) | np.isnan(lo) | np.isnan(hi)
    np.testing.assert_array_equal(gx, np.where(nan, 0.0, 1.0))   # the ordinary entry is inside: 1
    np.testing.assert_array_equal(glo, [0.0, 0.0])
    np.testing.assert_array_equal(ghi, [0.0, 0.0])


def test_clamp_with_tensor_bounds_at_nan_agrees_with_number_bounds():
    x = tg.Tensor([math.nan, 0.5, -2.0, 2.0], requires_grad=True)
    (by_numbers,) = autograd.grad(x.clamp(0.0, 1.0).sum(), x)
    (by_tensors,) = autograd.grad(x.clamp(tg.Tensor(0.0), tg.Tensor(1.0)).sum(), x)
    np.testing.assert_array_equal(by_tensors.numpy(), by_numbers.numpy())
    np.testing.assert_array_equal(by_numbers.numpy(), [0.0, 1.0, 0.0, 0.0])


# ------------------------------------------------------------------ p-norm, 1 < p < 2, a zero entry
def _norm_hessian(x, p):
    """The analytic Hessian of (sum |x|**p)**(1/p) over the nonzero entries of x (the zero entries' rows and
    columns are 0 off the diagonal)."""
    norm = (np.abs(x) ** p).sum() ** (1 / p)
    with np.errstate(divide="ignore"):
        diagonal = (p - 1) * np.abs(x) ** (p - 2) * norm ** (1 - p)
    slope = np.sign(x) * np.abs(x) ** (p - 1)
    return np.diag(diagonal) + (1 - p) * norm ** (1 - 2 * p) * np.outer(slope, slope)


def test_norm_second_derivative_with_a_zero_entry_stays_finite_at_the_others():
    x0 = np.array([0.0, 1.0, -2.0, 3.0])
    v = np.array([0.7, -0.3, 0.5, 0.2])
    x = tg.Tensor(x0, requires_grad=True)
    (g,) = autograd.grad(x.norm(p=1.5), x, create_graph=True)
    with np.errstate(invalid="ignore"):  # the zero entry's own curvature is infinite: 0 * inf there
        (h,) = autograd.grad((g * tg.Tensor(v)).sum(), x)
    h = h.numpy()
    assert math.isnan(h[0])  # as PyTorch
    want = _norm_hessian(x0[1:], 1.5) @ v[1:]
    np.testing.assert_allclose(h[1:], want, rtol=1e-12)


def test_norm_second_derivative_with_a_zero_entry_along_a_dim():
    x0 = np.array([[1.0, 0.0, 2.0], [0.5, -1.5, 1.0]])
    x = tg.Tensor(x0, requires_grad=True)
    (g,) = autograd.grad(x.norm(p=1.25, dim=1).sum(), x, create_graph=True)
    v = np.array([[0.3, 0.0, -0.4], [0.2, 0.6, -0.1]])  # no push along the zero entry
    with np.errstate(invalid="ignore"):
        (h,) = autograd.grad((g * tg.Tensor(v)).sum(), x)
    h = h.numpy()
    np.testing.assert_allclose(h[0, [0, 2]], _norm_hessian(x0[0, [0, 2]], 1.25) @ v[0, [0, 2]], rtol=1e-12)
    np.testing.assert_allclose(h[1], _norm_hessian(x0[1], 1.25) @ v[1], rtol=1e-12)  # the other row untouched


# ------------------------------------------------------------------ a ** b with a huge exponent
@pytest.mark.parametrize("base", [0.5, 1e-30, 0.0])
@pytest.mark.parametrize("exponent_requires_grad", [False, True])
def test_pow_second_derivative_with_a_huge_exponent_is_zero_not_nan(base, exponent_requires_grad):
    a = tg.Tensor(base, requires_grad=True)
    b = tg.Tensor(1e300, requires_grad=exponent_requires_grad)
    (slope,) = autograd.grad(a ** b, a, create_graph=True)
    (curvature,) = autograd.grad(slope, a)
    assert slope.item() == 0.0
    assert curvature.item() == 0.0  # b (b - 1) a**(b - 2) underflows to 0; (g * b) * ... made it inf * 0


def test_pow_second_derivatives_are_unchanged_at_ordinary_points():
    a = tg.Tensor([0.5, 1.5, 2.0], requires_grad=True)
    b = tg.Tensor([3.0, -0.5, 2.5], requires_grad=True)
    ga, gb = autograd.grad((a ** b).sum(), [a, b], create_graph=True)
    haa, hab = autograd.grad(ga.sum(), [a, b])
    av, bv = a.numpy(), b.numpy()
    np.testing.assert_allclose(haa.numpy(), bv * (bv - 1) * av ** (bv - 2), rtol=1e-13)
    np.testing.assert_allclose(hab.numpy(), av ** (bv - 1) * (1 + bv * np.log(av)), rtol=1e-13)


# ------------------------------------------------------------------ the same points in PyTorch
def _torch_hvp(fn, x0, v):
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(fn(x), x, create_graph=True)
    (h,) = torch.autograd.grad((g * torch.tensor(v)).sum(), x)
    return g.detach().numpy(), h.numpy()


@needs_torch
def test_clamp_at_nan_matches_torch():
    for x0, lo0, hi0 in [([math.nan, 0.5], [0.0, 0.0], [1.0, 1.0]), ([0.5, 0.5], [math.nan, 0.0], [1.0, math.nan])]:
        ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (x0, lo0, hi0)]
        want = torch.autograd.grad(ts[0].clamp(ts[1], ts[2]).sum(), ts)
        for got, w in zip(_clamp_grads(x0, lo0, hi0), want):
            np.testing.assert_array_equal(got, w.numpy())


@needs_torch
def test_norm_with_a_zero_entry_matches_torch():
    x0, v = np.array([0.0, 1.0, -2.0, 3.0]), np.array([0.7, -0.3, 0.5, 0.2])
    want_g, want_h = _torch_hvp(lambda x: x.norm(p=1.5), x0, v)
    x = tg.Tensor(x0, requires_grad=True)
    (g,) = autograd.grad(x.norm(p=1.5), x, create_graph=True)
    with np.errstate(invalid="ignore"):
        (h,) = autograd.grad((g * tg.Tensor(v)).sum(), x)
    np.testing.assert_allclose(g.numpy(), want_g, rtol=1e-13)
    np.testing.assert_allclose(h.numpy(), want_h, rtol=1e-12, equal_nan=True)


@needs_torch
def test_pow_with_a_huge_exponent_matches_torch():
    for base in (0.5, 0.0):
        _, want = _torch_hvp(lambda a: a ** 1e300, np.array(base), np.array(1.0))
        a = tg.Tensor(base, requires_grad=True)
        (slope,) = autograd.grad(a ** 1e300, a, create_graph=True)
        assert autograd.grad(slope, a)[0].item() == want.item() == 0.0

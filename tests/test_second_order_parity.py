"""Edge points where a first or second derivative disagreed with PyTorch 2.13 (float64) and ours was wrong,
each pinned by exact values; the PyTorch comparisons run only where torch is importable."""

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


# ------------------------------------------------------------------ the same points in PyTorch
@needs_torch
def test_clamp_at_nan_matches_torch():
    for x0, lo0, hi0 in [([math.nan, 0.5], [0.0, 0.0], [1.0, 1.0]), ([0.5, 0.5], [math.nan, 0.0], [1.0, math.nan])]:
        ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (x0, lo0, hi0)]
        want = torch.autograd.grad(ts[0].clamp(ts[1], ts[2]).sum(), ts)
        for got, w in zip(_clamp_grads(x0, lo0, hi0), want):
            np.testing.assert_array_equal(got, w.numpy())

"""Values and gradients against PyTorch itself, kinks included (runs only where torch is importable).

torch is never a dependency of tinygrad_nn: this file is skipped without it.
The inputs include every kink and bound of the functions, where both
libraries must pick the same gradient, and extreme values; float64 throughout.
"""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

POINTS = np.array([-1e4, -30.0, -6.0, -3.0, -2.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 6.0, 7.5, 25.0, 1e4])
INSIDE_ONE = np.array([-1.0, -0.75, -0.3, 0.0, 0.3, 0.75, 1.0])

# name: (ours, torch's, inputs)
PAIRS = {
    "gelu": (F.gelu, TF.gelu, POINTS),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh"), POINTS),
    "silu": (F.silu, TF.silu, POINTS), "mish": (F.mish, TF.mish, POINTS),
    "elu": (lambda x: F.elu(x, 0.7), lambda x: TF.elu(x, 0.7), POINTS), "selu": (F.selu, TF.selu, POINTS),
    "celu": (lambda x: F.celu(x, 1.5), lambda x: TF.celu(x, 1.5), POINTS),
    "softplus": (F.softplus, TF.softplus, POINTS),
    "softplus_beta": (lambda x: F.softplus(x, 2.0, 3.0), lambda x: TF.softplus(x, 2.0, 3.0), POINTS),
    "softsign": (F.softsign, TF.softsign, POINTS), "logsigmoid": (F.logsigmoid, TF.logsigmoid, POINTS),
    "tanhshrink": (F.tanhshrink, TF.tanhshrink, POINTS),
    "hardtanh": (lambda x: F.hardtanh(x, -1.0, 2.0), lambda x: TF.hardtanh(x, -1.0, 2.0), POINTS),
    "relu6": (F.relu6, TF.relu6, POINTS), "hardsigmoid": (F.hardsigmoid, TF.hardsigmoid, POINTS),
    "hardswish": (F.hardswish, TF.hardswish, POINTS), "relu": (F.relu, TF.relu, POINTS),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2), POINTS),
    "sigmoid": (F.sigmoid, torch.sigmoid, POINTS),
    "prelu": (lambda x: F.prelu(x, np.array([0.3])),
              lambda x: TF.prelu(x, torch.tensor([0.3], dtype=torch.float64)), POINTS),
    "erf": (tg.erf, torch.erf, POINTS), "erfc": (tg.erfc, torch.erfc, POINTS[1:-1]),
    "sin": (tg.sin, torch.sin, POINTS[1:-1]), "tan": (tg.tan, torch.tan, POINTS[1:-1]),
    "arcsin": (tg.asin, torch.asin, INSIDE_ONE), "arccos": (tg.acos, torch.acos, INSIDE_ONE),
    "arctanh": (tg.atanh, torch.atanh, INSIDE_ONE), "arcsinh": (tg.asinh, torch.asinh, POINTS),
    "log1p": (tg.log1p, torch.log1p, np.abs(POINTS) - 1), "expm1": (tg.expm1, torch.expm1, POINTS[1:-1]),
    "rsqrt": (tg.rsqrt, torch.rsqrt, np.abs(POINTS)), "reciprocal": (tg.reciprocal, torch.reciprocal, POINTS),
    "floor": (tg.floor, torch.floor, POINTS), "round": (tg.round, torch.round, POINTS),
    "frac": (tg.frac, torch.frac, POINTS), "clamp": (lambda x: tg.clamp(x, -1.0, 2.0),
                                                     lambda x: torch.clamp(x, -1.0, 2.0), POINTS),
}

# where torch is the less exact one: its gelu computes 1 + erf(x / sqrt 2), which loses the left tail's digits
# (gelu(-30) = -1.5e-196, torch gives -0), and its hardsigmoid slope is 1/6 rounded to float32 (0.16666667163)
LOOSER = {"gelu": dict(rtol=1e-10, atol=1e-15), "hardsigmoid": dict(rtol=3e-8, atol=1e-300)}


@pytest.mark.parametrize("name", PAIRS)
def test_values_and_gradients_match_pytorch(name):
    ours, theirs, points = PAIRS[name]
    x = tg.Tensor(points, requires_grad=True)
    out = ours(x)
    out.backward(np.ones(out.shape))
    t = torch.tensor(points, dtype=torch.float64, requires_grad=True)
    expected = theirs(t)
    expected.backward(torch.ones_like(expected))
    tolerance = LOOSER.get(name, dict(rtol=1e-10, atol=1e-300))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **tolerance)
    np.testing.assert_allclose(x.grad, t.grad.numpy(), **tolerance)


def test_clamp_with_tensor_bounds_matches_pytorch():
    x, lo, hi = np.array([-2.0, 0.0, 1.0, 2.0, 0.5]), np.array([-1.0, 0.0, 1.0, 1.5, 0.0]), np.array([1.0, 1.0, 1.0,
                                                                                                   2.5, 0.5])
    ours = [tg.Tensor(a, requires_grad=True) for a in (x, lo, hi)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, lo, hi)]
    ours[0].clamp(ours[1], ours[2]).sum().backward()
    torch.clamp(*theirs).sum().backward()
    for mine, reference in zip(ours, theirs):
        np.testing.assert_array_equal(mine.grad, reference.grad.numpy())


def test_prelu_per_channel_and_minimum_ties_match_pytorch():
    x = np.array([[-1.0, 0.0, 2.0], [-3.0, 1.0, 0.0]])
    weight = np.array([0.1, 0.2, 0.3])
    ours_x, ours_w = tg.Tensor(x, requires_grad=True), tg.Tensor(weight, requires_grad=True)
    theirs_x, theirs_w = torch.tensor(x, requires_grad=True), torch.tensor(weight, requires_grad=True)
    F.prelu(ours_x, ours_w).sum().backward()
    TF.prelu(theirs_x, theirs_w).sum().backward()
    np.testing.assert_allclose(ours_w.grad, theirs_w.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours_x.grad, theirs_x.grad.numpy(), rtol=1e-12)
    a, b = tg.Tensor([1.0, 2.0], requires_grad=True), tg.Tensor([1.0, 3.0], requires_grad=True)
    ta, tb = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 3.0], requires_grad=True)
    tg.minimum(a, b).sum().backward()
    torch.minimum(ta, tb).sum().backward()
    np.testing.assert_array_equal(a.grad, ta.grad.numpy())
    np.testing.assert_array_equal(b.grad, tb.grad.numpy())

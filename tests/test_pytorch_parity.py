"""Places where a program ported from PyTorch once met a different answer, each checked without torch.

* float32 stays float32 in second derivatives (``create_graph=True``) of the ops whose backward
  applies a bool mask (clamp, max/min over axes, the multiclass hinge loss);
* the second derivative of ``std`` at a constant group and of ``norm`` at the zero vector is 0,
  the derivative of the gradient's convention there (0), as PyTorch's ``std``;
* huge inputs give the right limits without numpy warnings (the suite turns warnings into errors),
  and ``gelu(approximate="tanh")`` has slope 1 / 0 there instead of NaN;
* PyTorch's keyword arguments: ``flip(dims=)``, ``sort(stable=)``, ``tg.stack(dim=)``,
  ``new_zeros(dtype=)``.
"""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import autograd, functional as F

LABELS = np.array([0, 2, 1])

# name: a function of one (3, 4) tensor whose backward multiplies by a mask
MASKED = {
    "clamp": lambda x: x.clamp(-0.5, 0.5),
    "clamp_min": lambda x: x.clamp(min=0.0),
    "clip_max": lambda x: x.clip(None, 0.2),
    "amax_dim": lambda x: x.amax(dim=1),
    "amin_dims": lambda x: x.amin(dim=(0, 1)),
    "max_all": lambda x: x.max(),
    "min_axis": lambda x: x.min(axis=0),
    "norm_inf": lambda x: x.norm(p=float("inf"), dim=1),
    "multiclass_hinge": lambda x: F.multiclass_hinge_loss(x[:, :3], LABELS),
}


def _two_derivatives(fn, values):
    x = tg.Tensor(values, requires_grad=True)
    out = fn(x.expm1())  # expm1 first, so that the slope depends on x and has a derivative
    (slope,) = autograd.grad(out, [x], tg.Tensor(np.ones(out.shape, values.dtype)), create_graph=True)
    (curvature,) = autograd.grad((slope * slope).sum(), [x], allow_unused=True)
    return slope, curvature


@pytest.mark.parametrize("name", MASKED)
def test_float32_gradients_of_masked_ops_stay_float32_when_recorded(name):
    values = np.random.default_rng(0).standard_normal((3, 4))
    slope32, curvature32 = _two_derivatives(MASKED[name], values.astype(np.float32))
    slope64, curvature64 = _two_derivatives(MASKED[name], values)
    assert slope32.dtype == curvature32.dtype == np.float32
    np.testing.assert_allclose(slope32.data, slope64.data, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(curvature32.data, curvature64.data, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduce, kink_row", [
    (lambda x: x.std(dim=1), [2.0, 2.0, 2.0]),      # std = 0: the row is constant
    (lambda x: x.norm(dim=1), [0.0, 0.0, 0.0]),     # norm = 0: the zero vector
    (lambda x: x.norm(p=3, dim=1), [0.0, 0.0, 0.0]),
])
def test_second_derivative_at_the_kink_of_std_and_norm_is_zero(reduce, kink_row):
    other_row = [1.0, -2.0, 4.0]
    direction = np.array([[0.3, -1.0, 0.7], [0.5, 0.2, -0.4]])

    def curvature(rows):
        x = tg.Tensor(np.array(rows), requires_grad=True)
        (slope,) = autograd.grad(reduce(x).sum(), [x], create_graph=True)
        (result,) = autograd.grad((slope * direction[:len(rows)]).sum(), [x])
        return result.data

    both = curvature([kink_row, other_row])
    assert both[0].tolist() == [0.0, 0.0, 0.0]
    alone = curvature([other_row, other_row])  # the other row's curvature does not depend on its neighbour
    np.testing.assert_allclose(both[1], alone[1], rtol=1e-12)


# name: (function, huge inputs, the values, the slopes at them)
LIMITS = {
    "exp": (tg.exp, [1e4, -1e4], [np.inf, 0.0], [np.inf, 0.0]),
    "square": (tg.square, [1e200, -1e200], [np.inf, np.inf], [2e200, -2e200]),
    "atan": (tg.atan, [1e300, -1e300], [np.pi / 2, -np.pi / 2], [0.0, 0.0]),
    "asinh": (tg.asinh, [1e300], [np.arcsinh(1e300)], [0.0]),
    "acosh": (tg.acosh, [1e300], [np.arccosh(1e300)], [0.0]),
    "erf": (tg.erf, [1e300, -1e300], [1.0, -1.0], [0.0, 0.0]),
    "erfc": (tg.erfc, [1e300, -1e300], [0.0, 2.0], [0.0, 0.0]),
    "softsign": (F.softsign, [1e300, -1e300], [1.0, -1.0], [0.0, 0.0]),
    "gelu": (F.gelu, [1e300, -1e300], [1e300, 0.0], [1.0, 0.0]),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), [1e200, -1e200, 1e8], [1e200, 0.0, 1e8], [1.0, 0.0, 1.0]),
}


@pytest.mark.parametrize("name", LIMITS)
def test_huge_inputs_give_the_limits_without_warnings(name):
    fn, inputs, values, slopes = LIMITS[name]
    x = tg.Tensor(np.array(inputs), requires_grad=True)
    out = fn(x)
    out.sum().backward()
    np.testing.assert_allclose(out.data, values, rtol=1e-12)
    np.testing.assert_allclose(x.grad, slopes, rtol=1e-12)


def test_gelu_tanh_slope_is_finite_for_huge_float32_inputs():
    x = tg.Tensor(np.array([1e20, -1e20, 3e38], dtype=np.float32), requires_grad=True)
    F.gelu(x, approximate="tanh").sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]


def test_pytorch_keyword_arguments_of_shape_ops():
    x = tg.arange(6.0).reshape(2, 3)
    assert x.flip(dims=(0, 1)).tolist() == [[5.0, 4.0, 3.0], [2.0, 1.0, 0.0]]
    assert x.flip(dims=1).tolist() == x.flip(1).tolist()
    with pytest.raises(TypeError, match="flip"):
        x.flip(0, dims=1)
    assert tg.stack([x, x], dim=1).shape == (2, 2, 3)
    assert tg.stack([x, x], axis=2).shape == tg.stack([x, x], 2).shape == (2, 3, 2)
    with pytest.raises(TypeError, match="stack"):
        tg.stack([x, x], 1, dim=2)


def test_sort_is_stable_and_takes_pytorch_stable_argument():
    ties = tg.Tensor([2.0, 1.0, 2.0, 1.0])
    values, indices = ties.sort(stable=True)
    assert values.tolist() == [1.0, 1.0, 2.0, 2.0] and indices.tolist() == [1, 3, 0, 2]
    assert ties.sort(descending=True, stable=True).indices.tolist() == [0, 2, 1, 3]
    assert ties.argsort(stable=True).tolist() == [1, 3, 0, 2]
    with pytest.raises(TypeError, match="stable"):
        ties.sort(stable="yes")


def test_new_zeros_and_new_ones_take_dtype():
    x = tg.ones(2, dtype=tg.float32)
    assert x.new_zeros(3).dtype == np.float32
    made = x.new_zeros(2, 3, dtype=tg.float64, requires_grad=True)
    assert (made.shape, made.dtype, made.requires_grad) == ((2, 3), np.float64, True)
    assert x.new_ones((2,), dtype="int64").tolist() == [1, 1]
    with pytest.raises(TypeError, match="new_zeros: dtype"):
        x.new_zeros(2, dtype="cuda")

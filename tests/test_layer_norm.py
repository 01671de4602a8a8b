"""F.layer_norm and nn.LayerNorm: values, first and second derivatives against numerical differences and
PyTorch, dtypes, errors, and the conversion to PyTorch."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import functional as F, interop, nn


def reference(x, axes, weight=None, bias=None, eps=1e-5):
    """The formula in numpy."""
    mean = x.mean(axis=axes, keepdims=True)
    out = (x - mean) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    return out * (1 if weight is None else weight) + (0 if bias is None else bias)


@given(st.integers(1, 3), st.integers(1, 2), st.integers(0, 2 ** 31 - 1), st.booleans())
def test_values_and_gradients_by_numerical_differences(leading, normalized, seed, affine):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(1, 4, size=leading + normalized))
    normalized_shape = shape[leading:]
    x = rng.standard_normal(shape)
    weight, bias = rng.standard_normal(normalized_shape), rng.standard_normal(normalized_shape)
    axes = tuple(range(leading, len(shape)))
    got = F.layer_norm(tg.Tensor(x), normalized_shape, tg.Tensor(weight) if affine else None,
                       tg.Tensor(bias) if affine else None, eps=1e-3)
    np.testing.assert_allclose(got.numpy(), reference(x, axes, weight if affine else None,
                                                      bias if affine else None, 1e-3), rtol=1e-10, atol=1e-12)
    inputs = (x, weight, bias) if affine else (x,)
    function = (lambda x, w, b: F.layer_norm(x, normalized_shape, w, b, eps=1e-3)) if affine else (
        lambda x: F.layer_norm(x, normalized_shape, eps=1e-3))
    assert tg.gradcheck(function, inputs)
    assert tg.gradgradcheck(function, inputs)


@pytest.mark.parametrize("needs", [(True, False, False), (False, True, False), (False, False, True), (True, True, True)])
def test_each_combination_of_inputs_that_need_a_gradient(needs):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal(3)]
    tensors = [tg.Tensor(a, requires_grad=need) for a, need in zip(arrays, needs)]
    F.layer_norm(tensors[0], 3, tensors[1], tensors[2]).sum().backward()
    for tensor, need in zip(tensors, needs):
        assert (tensor.grad is not None) == need


def test_float32_stays_float32_and_a_constant_row_gives_zeros_without_warnings():
    x = tg.Tensor(np.full((2, 4), 3.0, dtype=np.float32), requires_grad=True)
    out = nn.LayerNorm(4, dtype=np.float32)(x)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), 0)
    out.sum().backward()
    assert np.isfinite(x.grad).all()


def test_the_module_learns_its_scale_and_shift():
    norm = nn.LayerNorm(3)
    assert [name for name, _ in norm.named_parameters()] == ["weight", "bias"]
    np.testing.assert_array_equal(norm.weight.numpy(), 1)
    np.testing.assert_array_equal(norm.bias.numpy(), 0)
    assert repr(norm) == "LayerNorm((3,), eps=1e-05, elementwise_affine=True, bias=True)"
    assert list(nn.LayerNorm(3, bias=False).state_dict()) == ["weight"]
    assert list(nn.LayerNorm((2, 3), elementwise_affine=False).state_dict()) == []
    x = tg.Tensor(np.random.default_rng(0).standard_normal((8, 3)))
    target = tg.Tensor(np.random.default_rng(0).standard_normal((8, 3)) * 0.1 + 2.0)
    optimizer = tg.optim.Adam(norm.parameters(), lr=0.05)
    for _ in range(200):
        optimizer.zero_grad()
        loss = F.mse_loss(norm(x), target)
        loss.backward()
        optimizer.step()
    assert abs(norm.bias.numpy().mean() - 2.0) < 0.1


@pytest.mark.parametrize("call, error, words", [
    (lambda: F.layer_norm(tg.ones(2, 3), 4), tg.ShapeError, "last axes have the sizes \\(4,\\)"),
    (lambda: F.layer_norm(tg.ones(3), (2, 3)), tg.ShapeError, "got shape \\(3,\\)"),
    (lambda: F.layer_norm(tg.ones(2, 3), 3, tg.ones(2)), tg.ShapeError, "weight must have shape \\(3,\\)"),
    (lambda: F.layer_norm(tg.ones(2, 3), 3.0), TypeError, "normalized_shape must be an int"),
    (lambda: F.layer_norm(tg.ones(2, 3), ()), TypeError, "non-empty tuple"),
    (lambda: F.layer_norm(tg.ones(2, 3), 3, eps=-1.0), ValueError, "eps must be >= 0"),
    (lambda: nn.LayerNorm(0), ValueError, "LayerNorm: normalized_shape must hold sizes >= 1"),
    (lambda: nn.LayerNorm(3, elementwise_affine=1), TypeError, "elementwise_affine must be True or False"),
    (lambda: nn.LayerNorm(3, device="cuda"), ValueError, "device 'cuda' is not available"),
])
def test_bad_input_is_a_clear_error(call, error, words):
    with pytest.raises(error, match=words):
        call()


@pytest.mark.parametrize("shape, normalized", [((4, 5), 5), ((2, 3, 4), (3, 4)), ((6,), 6)])
def test_matches_torch_to_the_second_derivative(shape, normalized):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    norm = nn.LayerNorm(normalized)
    norm.weight.data = rng.standard_normal(norm.weight.shape)
    norm.bias.data = rng.standard_normal(norm.bias.shape)
    theirs = interop.to_torch(norm)
    assert type(theirs) is torch.nn.LayerNorm and list(theirs.state_dict()) == ["weight", "bias"]
    mine, reference_x = tg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = norm(mine), theirs(reference_x)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = rng.standard_normal(out.shape)
    (slope,) = tg.autograd.grad(out, mine, tg.Tensor(upstream), create_graph=True)
    (torch_slope,) = torch.autograd.grad(expected, reference_x, torch.tensor(upstream), create_graph=True)
    np.testing.assert_allclose(slope.numpy(), torch_slope.detach().numpy(), rtol=1e-9, atol=1e-11)
    (curvature,) = tg.autograd.grad((slope * slope).sum(), mine)
    (torch_curvature,) = torch.autograd.grad((torch_slope * torch_slope).sum(), reference_x)
    np.testing.assert_allclose(curvature.numpy(), torch_curvature.numpy(), rtol=1e-8, atol=1e-10)
    back = interop.from_torch(torch.nn.LayerNorm(normalized, bias=False, dtype=torch.float32))
    assert type(back) is nn.LayerNorm and back.bias is None and back.weight.dtype == np.float32

"""Factories (tg.zeros, tg.randn, tg.arange ...) and the tensor basics a PyTorch program uses:
float(t), int(t), tolist(), requires_grad_(), .to(), .float(), numel(), dim()."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_nn as tg

sizes = st.lists(st.integers(0, 3), max_size=3).map(tuple)


@given(sizes, st.sampled_from(["zeros", "ones", "empty"]))
def test_sizes_are_varargs_or_one_tuple_and_the_default_dtype_is_float64(size, name):
    factory = getattr(tg, name)
    for t in (factory(*size), factory(size), factory(list(size))):
        assert t.shape == size and t.dtype == np.float64 and not t.requires_grad
    if name != "empty":
        assert np.all(factory(size).data == (name == "ones"))
    assert np.all(tg.empty(size).data == 0)  # unspecified values, here zeros: nothing stale to read


@pytest.mark.parametrize("dtype", [np.float32, "float32", tg.float32])
def test_dtype_and_requires_grad(dtype):
    t = tg.ones(2, 3, dtype=dtype, requires_grad=True)
    assert t.dtype == np.float32 and t.requires_grad and t.is_leaf
    (t * 2).sum().backward()
    assert t.grad.dtype == np.float32
    with pytest.raises(TypeError, match="zeros: requires_grad=True needs a floating dtype, got int64"):
        tg.zeros(2, dtype=tg.int64, requires_grad=True)


def test_full_and_the_like_factories():
    assert tg.full((2, 2), 7).tolist() == [[7.0, 7.0], [7.0, 7.0]] and tg.full(3, 1.5).shape == (3,)
    assert tg.full((2,), 3).dtype == np.float64  # an int fill value still gives float64 (our rule)
    source = tg.Tensor(np.zeros((2, 3), dtype=np.float32))
    for made in (tg.zeros_like(source), tg.ones_like(source), tg.full_like(source, 4.0)):
        assert made.shape == (2, 3) and made.dtype == np.float32
    assert tg.ones_like(source, dtype=np.float64).dtype == np.float64
    assert tg.full_like(np.zeros(2), 2.0, requires_grad=True).requires_grad


def test_arange_gives_int64_for_ints_and_float64_otherwise():
    assert tg.arange(4).tolist() == [0, 1, 2, 3] and tg.arange(4).dtype == np.int64
    assert tg.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert tg.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75] and tg.arange(0.0, 2).dtype == np.float64
    assert tg.arange(3, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="arange: step must not be 0"):
        tg.arange(0, 3, 0)


def test_linspace_and_eye():
    np.testing.assert_array_equal(tg.linspace(0, 1, 5).data, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_array_equal(tg.eye(2).data, [[1, 0], [0, 1]])
    assert tg.eye(2, 3).shape == (2, 3) and tg.eye(3, dtype=tg.float32).dtype == np.float32


@pytest.mark.parametrize("name", ["rand", "randn"])
def test_random_factories_follow_manual_seed_and_rng(name):
    factory = getattr(tg, name)
    tg.manual_seed(7)
    first = factory(3, 4).data
    tg.manual_seed(7)
    again = factory((3, 4)).data
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(factory(5, rng=3).data, factory(5, rng=3).data)
    assert factory(2, dtype=np.float32).dtype == np.float32 and factory(2, dtype=np.float16).dtype == np.float16
    with pytest.raises(TypeError, match=f"{name}: draws floating values"):
        factory(2, dtype=np.int64)


def test_rand_is_uniform_in_zero_one_and_randn_is_standard_normal():
    tg.manual_seed(0)
    uniform, normal = tg.rand(20000).data, tg.randn(20000).data
    assert uniform.min() >= 0 and uniform.max() < 1 and abs(uniform.mean() - 0.5) < 0.01
    assert abs(normal.mean()) < 0.03 and abs(normal.std() - 1) < 0.03


def test_bad_sizes_are_refused_naming_the_factory():
    with pytest.raises(ValueError, match=r"ones: sizes must be non-negative, got \(2, -1\)"):
        tg.ones(2, -1)
    with pytest.raises(TypeError, match="zeros: sizes must be ints"):
        tg.zeros(2.5)


# ---------------------------------------------------------------- basics
def test_python_numbers_from_one_element_tensors():
    t = tg.Tensor([[2.75]], requires_grad=True)
    assert float(t) == 2.75 and int(t) == 2 and t.item() == 2.75
    assert tg.Tensor([[1.0, 2.0], [3.0, 4.0]]).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(tg.ShapeError, match=r"float: only one-element tensors .* shape \(2,\)"):
        float(tg.Tensor([1.0, 2.0]))


def test_requires_grad_underscore_turns_a_tensor_into_a_leaf_parameter():
    w = tg.randn(2, 2).requires_grad_()
    assert w.requires_grad and w.is_leaf and w.requires_grad_(False) is w and not w.requires_grad


def test_dtype_conversions_and_counts():
    t = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    assert t.float().dtype == np.float32 and t.float().grad_fn is not None
    assert t.half().dtype == np.float16 and t.float().double().dtype == np.float64
    assert t.to(np.float32).dtype == np.float32 and t.to("cpu") is t and t.to("cpu", tg.float32).dtype == np.float32
    assert t.to(tg.zeros(1, dtype=np.float32)).dtype == np.float32
    assert tg.Tensor([1.5, 2.5]).long().tolist() == [1, 2]
    assert t.numel() == t.size == 6 and t.dim() == t.ndim == 2  # size stays numpy's int (see coming_from_pytorch)
    with pytest.raises(ValueError, match="numpy on the CPU only"):
        t.to("cuda")
    t.float().sum().backward()
    assert t.grad.dtype == np.float64

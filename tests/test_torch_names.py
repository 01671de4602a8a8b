"""PyTorch's names for what tensors already do: methods (``x.pow``, ``x.mm``, ``x.eq``, ``x.masked_fill`` ...)
and functions of the package (``tg.cat``, ``tg.sum(x, dim=1)``, ``tg.tensor`` ...). Each must give the values
and gradients of the operator or method it names; PyTorch code using them runs with ``torch`` renamed."""

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_nn as tg
from tinygrad_nn import ShapeError

matrices = hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 3)),
                      elements=st.floats(-3, 3, allow_subnormal=False))


def values_and_gradients(fn, *arrays):
    """fn's output values and the gradient of its sum with respect to each input."""
    tensors = [tg.Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    out.sum().backward()
    return out.data, [t.grad for t in tensors]


def assert_same(fn, reference, *arrays):
    got, expected = values_and_gradients(fn, *arrays), values_and_gradients(reference, *arrays)
    np.testing.assert_array_equal(got[0], expected[0])
    for a, b in zip(got[1], expected[1]):
        np.testing.assert_array_equal(a, b)


@given(matrices, matrices)
def test_arithmetic_methods_are_the_operators(a, b):
    b = b[:1, :1] + 4.0  # broadcasts against a, and keeps away from 0 for div
    assert_same(lambda x, y: x.add(y), lambda x, y: x + y, a, b)
    assert_same(lambda x, y: x.add(y, alpha=2.0), lambda x, y: x + y * 2.0, a, b)
    assert_same(lambda x, y: x.sub(y, alpha=3), lambda x, y: x - y * 3.0, a, b)
    assert_same(lambda x, y: x.mul(y), lambda x, y: x * y, a, b)
    assert_same(lambda x, y: x.div(y), lambda x, y: x / y, a, b)
    assert_same(lambda x, y: tg.pow(y, x), lambda x, y: y ** x, a, b)
    assert_same(lambda x: x.pow(2), lambda x: x ** 2, a)
    assert_same(lambda x: x.neg(), lambda x: -x, a)
    assert_same(lambda x, y: tg.mul(x, y), lambda x, y: x * y, a, b)


@given(matrices)
def test_matrix_products_and_t(a):
    w = np.arange(a.shape[1] * 2, dtype=np.float64).reshape(a.shape[1], 2)
    assert_same(lambda x, y: x.mm(y), lambda x, y: x @ y, a, w)
    assert_same(lambda x, y: tg.matmul(x, y), lambda x, y: x @ y, a, w)
    assert_same(lambda x: x.t(), lambda x: x.swapaxes(0, 1), a)
    v = a[0]
    assert_same(lambda x, y: x.dot(y), lambda x, y: x @ y, v, v[::-1].copy())


def test_add_with_alpha_keeps_float32_for_a_python_number():
    x = tg.Tensor(np.ones(2, dtype=np.float32))
    assert x.add(3, alpha=2).dtype == np.float32 and x.add(3, alpha=2).data.tolist() == [7.0, 7.0]
    assert x.sub(tg.Tensor(np.ones(2, dtype=np.float32)), alpha=0.5).dtype == np.float32


def test_mm_dot_and_t_refuse_the_wrong_number_of_dimensions():
    v, m = tg.Tensor([1.0, 2.0]), tg.Tensor(np.ones((2, 2)))
    with pytest.raises(ShapeError, match=r"mm: expects two 2-D tensors \(matrices\), got \(2,\) and \(2, 2\)"):
        v.mm(m)
    with pytest.raises(ShapeError, match="dot: expects two 1-D tensors"):
        m.dot(m)
    with pytest.raises(ShapeError, match="same length"):
        v.dot(tg.Tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ShapeError, match="at most 2 dimensions"):
        tg.Tensor(np.ones((2, 2, 2))).t()
    assert v.t() is v


def test_comparisons_give_bool_tensors_without_gradient():
    a, b = tg.Tensor([1.0, 2.0, np.nan], requires_grad=True), tg.Tensor([1.0, 3.0, 0.0])
    for method, ufunc in [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                          ("gt", np.greater), ("ge", np.greater_equal)]:
        out = getattr(a, method)(b)
        assert out.dtype == np.bool_ and not out.requires_grad
        np.testing.assert_array_equal(out.data, ufunc(a.data, b.data))
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(a.isnan().data, [False, False, True])
        np.testing.assert_array_equal(tg.isfinite(a).data, [True, True, False])
        np.testing.assert_array_equal(tg.isinf(tg.Tensor([np.inf, 1.0])).data, [True, False])


def test_masked_fill_puts_the_value_where_the_mask_is_and_no_gradient_there():
    x = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = x.masked_fill(x.data > 2.5, -1.0)
    (out * tg.Tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    np.testing.assert_array_equal(out.data, [[1.0, 2.0], [-1.0, -1.0]])
    np.testing.assert_array_equal(x.grad, [[1.0, 2.0], [0.0, 0.0]])
    np.testing.assert_array_equal(x.masked_fill(tg.Tensor([True, False]) == 1, 0.0).data, [[0.0, 2.0], [0.0, 4.0]])
    with pytest.raises(TypeError, match="must be boolean"):
        x.masked_fill(np.ones((2, 2)), 0.0)
    with pytest.raises(TypeError, match="masked_fill: the mask must be an array"):
        x.masked_fill([[True], [True, False]], 0.0)  # ragged
    with pytest.raises(ShapeError, match="does not broadcast"):
        x.masked_fill(np.ones((3, 2, 2), dtype=bool), 0.0)


@given(matrices, st.booleans())
def test_gather_index_select_sort_and_topk_select_and_scatter_the_gradient_back(a, descending):
    rng = np.random.default_rng(0)
    index = rng.integers(0, a.shape[1], size=(a.shape[0], 4))
    weights = tg.Tensor(rng.standard_normal((a.shape[0], 4)))
    assert_same(lambda x: x.gather(1, index) * weights, lambda x: x[np.arange(a.shape[0])[:, None], index] * weights, a)
    np.testing.assert_array_equal(tg.Tensor(a).gather(1, index).data, np.take_along_axis(a, index, axis=1))
    rows = np.array([a.shape[0] - 1, 0])
    assert_same(lambda x: x.index_select(0, rows), lambda x: x[rows], a)
    values, indices = tg.Tensor(a).sort(dim=1, descending=descending)
    expected = np.argsort(-a if descending else a, axis=1, kind="stable")
    np.testing.assert_array_equal(indices.data, expected)
    np.testing.assert_array_equal(values.data, np.take_along_axis(a, expected, axis=1))
    assert indices.dtype == np.int64 and not indices.requires_grad
    k = a.shape[1] - 1
    top, _ = tg.Tensor(a).topk(k, dim=1)
    np.testing.assert_array_equal(top.data, np.take_along_axis(a, np.argsort(-a, axis=1, kind="stable")[:, :k], 1))
    x = tg.Tensor(a, requires_grad=True)
    best, where = x.topk(1, dim=1)
    best.sum().backward()  # 1 at each row's (first) largest entry, 0 elsewhere
    expected_grad = np.zeros_like(a)
    expected_grad[np.arange(a.shape[0]), where.data[:, 0]] = 1
    np.testing.assert_array_equal(x.grad, expected_grad)


def test_selection_refuses_bad_arguments():
    x = tg.Tensor(np.ones((2, 3)))
    with pytest.raises(ShapeError, match="as many dimensions"):
        x.gather(1, np.array([0, 1]))
    with pytest.raises(TypeError, match="index must hold integers"):
        x.gather(1, np.ones((2, 1)))
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        x.index_select(2, np.array([0]))
    with pytest.raises(ValueError, match=r"k must be an int in \[0, 3\]"):
        x.topk(4)
    with pytest.raises(TypeError, match="descending must be True or False"):
        x.sort(descending="yes")


def test_new_tensors_and_helpers_keep_the_dtype():
    x = tg.Tensor(np.ones((2, 3), dtype=np.float32))
    zeros, ones = x.new_zeros(4, 2), x.new_ones((3,), requires_grad=True)
    assert zeros.dtype == ones.dtype == np.float32 and zeros.shape == (4, 2) and ones.requires_grad
    assert not zeros.data.any() and (ones.data == 1).all()
    assert x.type_as(tg.Tensor([1.0])).dtype == np.float64
    assert x.expand_as(tg.zeros(5, 2, 3)).shape == (5, 2, 3)
    assert x.contiguous() is x and x.cpu() is x
    with pytest.raises(ValueError, match="sizes must be >= 0"):
        x.new_zeros(-1)
    with pytest.raises(ValueError, match="new_ones: a tensor of shape .* needs .*, more than this machine's memory"):
        x.new_ones(10 ** 6, 10 ** 7)


@given(matrices)
def test_package_functions_are_the_methods_with_their_arguments(a):
    for fn, reference in [
        (lambda x: tg.sum(x, dim=1), lambda x: x.sum(dim=1)),
        (lambda x: tg.mean(x, 0, keepdims=True), lambda x: x.mean(0, keepdims=True)),
        (lambda x: tg.prod(x), lambda x: x.prod()),
        (lambda x: tg.logsumexp(x, dim=1), lambda x: x.logsumexp(dim=1)),
        (lambda x: tg.norm(x), lambda x: x.norm()),
        (lambda x: tg.cumsum(x, dim=0), lambda x: x.cumsum(dim=0)),
        (lambda x: tg.amax(x, dim=1), lambda x: x.amax(dim=1)),
        (lambda x: tg.softmax(x, dim=1), lambda x: x.softmax(dim=1)),
        (lambda x: tg.log_softmax(x, dim=0), lambda x: x.log_softmax(dim=0)),
        (lambda x: tg.flatten(x), lambda x: x.flatten()),
        (lambda x: tg.reshape(x, (-1,)), lambda x: x.reshape(-1)),
        (lambda x: tg.unsqueeze(x, 0), lambda x: x.unsqueeze(0)),
        (lambda x: tg.squeeze(tg.unsqueeze(x, 0), 0), lambda x: x),
        (lambda x: tg.t(x), lambda x: x.swapaxes(0, 1)),
        (lambda x: tg.cat([x, x * 2], dim=1), lambda x: tg.concatenate([x, x * 2], axis=1)),
        (lambda x: tg.concat([x, x], 0), lambda x: tg.concatenate([x, x], axis=0)),
        (lambda x: tg.split(x, 1)[0], lambda x: x[:1]),
    ]:
        assert_same(fn, reference, a)
    if a.shape[0] > 1:
        assert_same(lambda x: tg.var(x, dim=0), lambda x: x.var(dim=0), a)
        assert_same(lambda x: tg.std(x), lambda x: x.std(), a)
    assert tg.numel(tg.Tensor(a)) == a.size
    assert np.array_equal(tg.argmax(tg.Tensor(a), dim=1).data, a.argmax(axis=1))


def test_tensor_copies_and_from_numpy_shares():
    data = np.array([1, 2, 3])
    copied, shared = tg.tensor(data, dtype=np.float32, requires_grad=True), tg.from_numpy(data)
    data[0] = 7
    assert copied.data.tolist() == [1.0, 2.0, 3.0] and copied.dtype == np.float32 and copied.requires_grad
    assert shared.data.tolist() == [7, 2, 3] and shared.dtype == data.dtype
    assert tg.tensor([[1, 2]]).dtype == np.float64  # the library's dtype rule for Python numbers
    with pytest.raises(TypeError, match="from_numpy: expected a numpy array, got list"):
        tg.from_numpy([1, 2])
    assert tg.is_tensor(copied) and not tg.is_tensor(data)


def test_rand_like_and_randn_like_follow_the_seed_and_the_shape():
    like = tg.Tensor(np.zeros((3, 2), dtype=np.float32))
    tg.manual_seed(5)
    first = tg.randn_like(like)
    tg.manual_seed(5)
    assert np.array_equal(first.data, tg.randn_like(like).data) and first.dtype == np.float32
    uniform = tg.rand_like(tg.Tensor(np.zeros(4, dtype=np.int64)))
    assert uniform.dtype == np.float64 and ((uniform.data >= 0) & (uniform.data < 1)).all()


def test_allclose_and_isclose():
    a, b = tg.Tensor([1.0, 2.0]), tg.Tensor([1.0, 2.0 + 1e-9])
    assert tg.allclose(a, b) is True and tg.allclose(a, b, rtol=0, atol=0) is False
    np.testing.assert_array_equal(tg.isclose(a, b, rtol=0, atol=0).data, [True, False])
    with pytest.raises(ShapeError, match="cannot compare shapes"):
        tg.allclose(a, tg.Tensor([1.0, 2.0, 3.0]))


def test_the_names_agree_with_torch():
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    ours, theirs = tg.Tensor(x), torch.tensor(x)
    for fn in [lambda m, t: t.pow(3), lambda m, t: t.add(t, alpha=2), lambda m, t: t.mm(t.t()),
               lambda m, t: m.sum(t, dim=1), lambda m, t: m.cat([t, t], dim=0), lambda m, t: t.masked_fill(t > 0, -1.0),
               lambda m, t: t.new_ones(2, 3), lambda m, t: m.logsumexp(t, dim=0), lambda m, t: t[0].dot(t[1]),
               lambda m, t: t.gather(1, m.tensor([[1, 0], [0, 0]], dtype=m.int64)),
               lambda m, t: t.index_select(0, m.tensor([1], dtype=m.int64)),
               lambda m, t: t.sort(dim=0, descending=True)[0], lambda m, t: t.topk(1, dim=1)[0]]:
        np.testing.assert_allclose(fn(tg, ours).data, fn(torch, theirs).numpy(), rtol=1e-12)
    assert ours.size() == tuple(theirs.size()) and ours.size(1) == theirs.size(1)


def test_descending_sorts_of_unsigned_and_bool_values_do_not_wrap_around():
    unsigned = tg.Tensor(np.array([1, 3, 2], dtype=np.uint8), dtype=np.uint8)
    assert unsigned.argsort(descending=True).data.tolist() == [1, 2, 0]
    assert tg.Tensor(np.array([True, False, True])).argsort(descending=True).data.tolist() == [0, 2, 1]


@pytest.mark.parametrize("spell", [lambda m, t: t.max(dim=1), lambda m, t: t.min(dim=0, keepdim=True),
                                   lambda m, t: m.max(t, 1), lambda m, t: m.min(t, dim=-1),
                                   lambda m, t: t.sort(dim=1, descending=True), lambda m, t: t.topk(2, dim=1)])
def test_max_min_sort_and_topk_over_dim_give_torchs_values_indices_and_gradients(spell):
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, 5.0, 5.0], [7.0, 2.0, 0.0]])
    ours, theirs = tg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    mine, reference = spell(tg, ours), spell(torch, theirs)
    np.testing.assert_array_equal(mine.values.data, reference.values.detach().numpy())
    np.testing.assert_array_equal(mine.indices.data, reference.indices.numpy())
    weights = np.arange(1.0, mine.values.size + 1).reshape(mine.values.shape)
    (mine.values * tg.Tensor(weights)).sum().backward()
    (reference.values * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())

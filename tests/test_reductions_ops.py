"""var, std, prod, logsumexp, norm, cumsum, argmax/argmin, all/any: values against numpy, gradients against
central differences and tg.gradcheck, second derivatives, the conventions where no derivative exists,
float32, extreme inputs, and PyTorch's and numpy's spellings of the arguments."""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import tinygrad_nn as tg
from engine_strategies import check_op, float_arrays, reduced_axes, reduction_axes, shapes, tie_free_arrays
from second_order import assert_second_derivative


def numpy_quietly(fn):
    """``fn`` with numpy's warnings for empty groups silenced (the expected output is then empty)."""
    def run(*arrays):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*arrays)
    return run


def group_size(shape, axis):
    return int(np.prod([shape[a] for a in reduced_axes(axis, len(shape))]))


def output_is_empty(shape, axis):
    axes = reduced_axes(axis, len(shape))
    return any(n == 0 for i, n in enumerate(shape) if i not in axes)


# ------------------------------------------------------------- var and std
@given(st.data(), st.booleans(), st.sampled_from([0, 1, 2]), st.sampled_from(["var", "std"]))
def test_var_and_std_match_numpy_with_ddof_equal_to_correction(data, keepdims, correction, op):
    x = data.draw(float_arrays(data.draw(shapes())))
    axis = data.draw(reduction_axes(x.ndim))
    assume(group_size(x.shape, axis) > correction or output_is_empty(x.shape, axis))
    if op == "std":  # keep away from std = 0, where the gradient is the convention, not the limit
        assume(output_is_empty(x.shape, axis) or np.all(np.var(x, axis=reduced_axes(axis, x.ndim)) > 1e-3))
    reference = getattr(np, op)
    check_op(lambda t: getattr(t, op)(axis=axis, correction=correction, keepdims=keepdims),
             numpy_quietly(lambda a: reference(a, axis=reduced_axes(axis, a.ndim), ddof=correction,
                                               keepdims=keepdims)), [x], data, rtol=1e-5)


def test_var_defaults_to_pytorchs_correction_and_takes_every_spelling():
    x = tg.Tensor([[1.0, 2.0, 4.0], [0.0, 0.0, 3.0]])
    unbiased = np.var(x.data, axis=1, ddof=1)
    for spelled in (x.var(1), x.var(dim=1), x.var(axis=1), x.var(1, True), x.var(1, correction=1),
                    x.var(1, unbiased=True), x.var(1, ddof=1)):
        np.testing.assert_allclose(spelled.data, unbiased, rtol=1e-14)
    np.testing.assert_allclose(x.var(1, False).data, np.var(x.data, axis=1), rtol=1e-14)
    np.testing.assert_allclose(x.std(dim=0, keepdim=True).data, np.std(x.data, axis=0, ddof=1, keepdims=True))
    assert x.var(dim=1, keepdim=True).shape == x.var(axis=1, keepdims=True).shape == (2, 1)
    with pytest.raises(TypeError, match="var: give one of unbiased=, correction="):
        x.var(1, unbiased=True, correction=0)
    with pytest.raises(TypeError, match="dim= .* or axis="):
        x.var(dim=0, axis=1)


def test_var_of_one_element_with_correction_1_is_an_error_not_nan():
    with pytest.raises(ValueError, match=r"var: correction=1 needs more than 1 element.*\(3, 1\).*correction=0"):
        tg.Tensor(np.ones((3, 1))).var(dim=1)
    assert tg.Tensor(np.ones((3, 1))).var(dim=1, correction=0).tolist() == [0.0, 0.0, 0.0]


def test_std_of_a_constant_group_has_gradient_zero():
    x = tg.Tensor([[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]], requires_grad=True)
    std = x.std(dim=1)
    std.sum().backward()
    assert std.data[0] == 0.0
    np.testing.assert_allclose(x.grad, [[0.0, 0.0, 0.0], [-0.5, 0.0, 0.5]])  # (x - mean) / ((n - 1) std)


# --------------------------------------------------------------------- prod
@given(st.data(), st.booleans())
def test_prod_matches_numpy(data, keepdims):
    x = data.draw(float_arrays(data.draw(shapes()), -2.0, 2.0))
    axis = data.draw(reduction_axes(x.ndim))
    check_op(lambda t: t.prod(dim=axis, keepdim=keepdims),
             lambda a: np.prod(a, axis=reduced_axes(axis, a.ndim), keepdims=keepdims), [x], data, rtol=1e-5)


def test_prod_gradient_with_zeros_is_the_product_of_the_others():
    x = tg.Tensor([[2.0, 0.0, 3.0, 4.0], [2.0, 0.0, 3.0, 0.0], [2.0, 5.0, 3.0, 4.0]], requires_grad=True)
    x.prod(dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 24.0, 0.0, 0.0],      # one zero: only it gets a gradient
                                           [0.0, 0.0, 0.0, 0.0],       # two zeros: nothing changes the product
                                           [60.0, 24.0, 40.0, 30.0]])  # no zero: prod / x


def test_prod_over_several_axes_and_empty_groups():
    x = tg.Tensor(np.arange(1.0, 13.0).reshape(2, 3, 2), requires_grad=True)
    x.prod(dim=(0, 2)).sum().backward()
    others = np.prod(x.data, axis=(0, 2), keepdims=True) / x.data
    np.testing.assert_allclose(x.grad, others, rtol=1e-14)
    assert tg.Tensor(np.zeros((2, 0))).prod(dim=1).tolist() == [1.0, 1.0]


# ---------------------------------------------------------------- logsumexp
@given(st.data(), st.booleans())
def test_logsumexp_matches_numpy(data, keepdims):
    x = data.draw(float_arrays(data.draw(shapes())))
    axis = data.draw(reduction_axes(x.ndim))
    assume(group_size(x.shape, axis) > 0)
    check_op(lambda t: t.logsumexp(dim=axis, keepdim=keepdims),
             lambda a: np.log(np.sum(np.exp(a), axis=reduced_axes(axis, a.ndim), keepdims=keepdims)),
             [x], data, rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logsumexp_is_stable_at_huge_values_and_its_gradient_is_the_softmax(dtype):
    x = tg.Tensor(np.array([[1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]], dtype=dtype), requires_grad=True)
    out = x.logsumexp(dim=1)
    out.sum().backward()
    assert out.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_allclose(out.data, [1e4 + np.log(2), -1e4 + np.log(3)], rtol=1e-6)
    np.testing.assert_allclose(x.grad, [[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)


def test_logsumexp_of_an_infinite_result_gives_gradient_zero_and_an_empty_group_minus_infinity():
    x = tg.Tensor([[-np.inf, -np.inf], [np.inf, 1.0], [0.0, 0.0]], requires_grad=True)
    out = x.logsumexp(dim=1)
    out.backward(np.ones(3))
    assert out.data[0] == -np.inf and out.data[1] == np.inf
    np.testing.assert_allclose(x.grad, [[0.0, 0.0], [0.0, 0.0], [0.5, 0.5]])
    assert tg.Tensor(np.zeros((2, 0))).logsumexp(dim=1).tolist() == [-np.inf, -np.inf]


# --------------------------------------------------------------------- norm
@given(st.data(), st.booleans(), st.sampled_from([2, "fro", 3, 1.5, 1]))
def test_p_norms_match_numpy(data, keepdims, p):
    x = data.draw(float_arrays(data.draw(shapes()), avoid=(0.0,), margin=0.1))
    axis = data.draw(reduction_axes(x.ndim))
    order = 2.0 if p == "fro" else float(p)
    check_op(lambda t: t.norm(p, dim=axis, keepdim=keepdims),
             lambda a: np.sum(np.abs(a) ** order, axis=reduced_axes(axis, a.ndim), keepdims=keepdims) ** (1 / order),
             [x], data, rtol=1e-5)


@given(st.data(), st.sampled_from([np.inf, -np.inf]))
def test_infinity_norms_match_numpy(data, p):
    x = data.draw(tie_free_arrays(data.draw(shapes(min_dims=1, min_side=1))))
    assume(np.all(np.abs(x) > 0) and len(np.unique(np.abs(x))) == x.size)  # no ties of |x|
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    check_op(lambda t: t.norm(p, dim=axis), lambda a: np.linalg.norm(a, ord=p, axis=axis), [x], data)


@pytest.mark.parametrize("p", [2, 3, 1, np.inf, "fro"])
def test_norm_gradient_at_the_zero_vector_is_zero(p):
    x = tg.Tensor(np.zeros((2, 3)), requires_grad=True)
    out = x.norm(p, dim=1)
    out.sum().backward()
    assert out.tolist() == [0.0, 0.0]
    np.testing.assert_array_equal(x.grad, np.zeros((2, 3)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p", [2, 10])
def test_norm_does_not_overflow_where_the_powers_would(dtype, p):
    values = np.array([1e4, -1e4, 3e4], dtype=dtype)
    x = tg.Tensor(values, requires_grad=True)
    out = x.norm(p)
    out.backward()
    expected = 3e4 * (1 + 2 / 3.0 ** p) ** (1 / p)
    assert out.dtype == dtype and out.item() == pytest.approx(expected, rel=1e-5)
    assert x.grad.dtype == dtype and np.all(np.isfinite(x.grad))


def test_norm_refuses_matrix_norms_and_p_below_one():
    with pytest.raises(ValueError, match="nuc"):
        tg.Tensor(np.ones((2, 2))).norm("nuc")
    with pytest.raises(ValueError, match="norm: p must be"):
        tg.Tensor(np.ones(2)).norm(0.5)


# ------------------------------------------------------------------- cumsum
@given(st.data())
def test_cumsum_matches_numpy(data):
    x = data.draw(float_arrays(data.draw(shapes())))
    axis = data.draw(st.none() | st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1))
    if x.ndim == 0 and axis is not None:  # PyTorch keeps a 0-d tensor 0-d
        check_op(lambda t: t.cumsum(dim=axis), lambda a: a.copy(), [x], data)
        return
    check_op(lambda t: t.cumsum(axis), lambda a: np.cumsum(a, axis=axis), [x], data)


# ------------------------------------------------------------ second order
small_shapes = shapes(min_dims=1, max_dims=2, min_side=1, max_side=3)
SECOND_ORDER = {
    "var": lambda t, axis: t.var(dim=axis),
    "std": lambda t, axis: t.std(dim=axis, correction=0),
    "prod": lambda t, axis: t.prod(dim=axis),
    "logsumexp": lambda t, axis: t.logsumexp(dim=axis),
    "norm2": lambda t, axis: t.norm(dim=axis),
    "norm3": lambda t, axis: t.norm(3, dim=axis),
    "cumsum": lambda t, axis: t.cumsum(dim=axis) ** 2,  # squared, so the second derivative is not zero
}


@settings(max_examples=8)
@given(st.data(), st.sampled_from(sorted(SECOND_ORDER)))
def test_second_derivatives_match_differences_of_the_first(data, name):
    x = data.draw(float_arrays(data.draw(small_shapes), 0.5, 2.0))
    axis = data.draw(st.integers(0, x.ndim - 1))
    if name in ("var", "std"):
        assume(x.shape[axis] > 1 and np.all(np.std(x, axis=axis) > 0.1))
    assert_second_derivative(lambda t: SECOND_ORDER[name](t, axis), [x])


def test_second_derivative_of_prod_through_zeros():
    assert_second_derivative(lambda t: t.prod(dim=1), [np.array([[0.0, 2.0, 0.0], [1.5, 0.0, -1.0]])])


# ------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_gradcheck_passes(name):
    x = np.random.default_rng(1).uniform(0.5, 2.0, (3, 4))
    assert tg.gradcheck(lambda t: SECOND_ORDER[name](t, 1), (x,))


# --------------------------------------------------------- dtypes and extremes
@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_float32_is_kept_and_huge_inputs_raise_no_warning(name, scale):
    values = np.random.default_rng(2).uniform(0.5, 2.0, (3, 4)) * scale
    values[0, 0] = -values[0, 0]
    x = tg.Tensor(values.astype(np.float32), requires_grad=True)
    out = SECOND_ORDER[name](x, 1)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    if name != "prod" and name != "cumsum":  # (1e4)**4 = 1e16 and 1e8 squared overflow float32: inf, quietly
        assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad))


# --------------------------------------------------------------- arg- and logical reductions
@given(st.data(), st.sampled_from(["argmax", "argmin"]), st.booleans())
def test_argmax_argmin_match_numpy_and_take_the_first_index_on_ties(data, op, keepdims):
    grid = st.integers(-2, 2).map(float)  # few values: ties are common
    from hypothesis.extra.numpy import arrays
    x = data.draw(arrays(np.float64, data.draw(shapes(min_dims=1, min_side=1)), elements=grid))
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1))
    result = getattr(tg.Tensor(x, requires_grad=True), op)(dim=axis, keepdim=keepdims)
    expected = getattr(np, op)(x, axis=axis, keepdims=keepdims)
    assert result.dtype == np.int64 and not result.requires_grad
    np.testing.assert_array_equal(result.data, expected)


def test_argmax_of_nothing_is_an_error_naming_the_shape():
    with pytest.raises(ValueError, match=r"argmax: the tensor of shape \(2, 0\) has no entries along axis 1"):
        tg.Tensor(np.zeros((2, 0))).argmax(dim=1)


@given(st.data(), st.sampled_from(["all", "any"]), st.booleans())
def test_all_any_match_numpy_and_give_bool_tensors(data, op, keepdims):
    from hypothesis.extra.numpy import arrays
    x = data.draw(arrays(np.float64, data.draw(shapes()), elements=st.sampled_from([0.0, 1.0, -2.0])))
    axis = data.draw(reduction_axes(x.ndim))
    result = getattr(tg.Tensor(x), op)(dim=axis, keepdim=keepdims)
    assert result.dtype == np.bool_
    np.testing.assert_array_equal(result.data, getattr(np, op)(x, axis=reduced_axes(axis, x.ndim),
                                                              keepdims=keepdims))


# ------------------------------------------------------------ spellings
@given(st.data(), st.booleans(), st.sampled_from(["sum", "mean", "max", "min", "amax", "amin", "prod",
                                                   "logsumexp", "norm", "var", "std"]))
def test_dim_keepdim_and_axis_keepdims_are_the_same(data, keepdims, op):
    x = data.draw(tie_free_arrays(data.draw(shapes(min_dims=1, min_side=2, max_side=3))))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    t = tg.Tensor(x)
    torch_style = getattr(t, op)(dim=axis, keepdim=keepdims)
    if op in ("max", "min"):  # over dim=, PyTorch's (values, indices)
        torch_style = torch_style.values
    numpy_style = getattr(t, op)(axis=axis, keepdims=keepdims)
    np.testing.assert_array_equal(torch_style.data, numpy_style.data)
    if op != "norm":  # norm's first argument is p, as in PyTorch
        by_dim = getattr(t, op)(dim=axis)
        assert getattr(t, op)(axis).shape == (by_dim.values if op in ("max", "min") else by_dim).shape


def test_max_over_axis_gives_the_values_and_over_dim_pytorchs_values_and_indices():
    x = tg.Tensor([[1.0, 5.0, 5.0], [7.0, 2.0, 0.0]], requires_grad=True)
    assert x.max(axis=1).tolist() == [5.0, 7.0] and x.amax(1).tolist() == [5.0, 7.0]  # numpy's meaning
    values, indices = x.max(dim=1)                                                    # torch.max(x, dim)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0] and indices.dtype == np.int64
    assert x.max(dim=1).values.tolist() == [5.0, 7.0] and x.max(dim=1)[1].tolist() == [1, 0]
    values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]  # the first maximum takes it all, as in PyTorch
    low = x.min(dim=0, keepdim=True)
    assert low.values.tolist() == [[1.0, 2.0, 0.0]] and low.indices.tolist() == [[0, 1, 1]]
    assert tg.max(x).item() == 7.0 and tg.max(x, 1).indices.tolist() == [1, 0]
    assert tg.min(x, tg.Tensor([2.0, 2.0, 2.0])).tolist() == [[1.0, 2.0, 2.0], [2.0, 2.0, 0.0]]
    with pytest.raises(TypeError, match="max: dim must be an int"):
        x.max(dim=(0, 1))
    with pytest.raises(TypeError, match="keepdim needs a dim"):
        tg.max(x, keepdim=True)


# ----------------------------------------------------------- numpy dispatch
def test_numpy_reductions_on_tensors_record_our_ops_with_numpys_defaults():
    values = np.array([[1.0, 2.0, 4.0], [3.0, -1.0, 0.5]])
    x = tg.Tensor(values, requires_grad=True)
    for got, expected in [(np.var(x), np.var(values)), (np.std(x, axis=1, ddof=1), np.std(values, axis=1, ddof=1)),
                          (np.prod(x, axis=0), np.prod(values, axis=0)), (np.cumsum(x, axis=1), np.cumsum(values, 1)),
                          (np.linalg.norm(x), np.linalg.norm(values)),
                          (np.linalg.norm(x, ord=1, axis=1), np.linalg.norm(values, ord=1, axis=1))]:
        assert isinstance(got, tg.Tensor) and got.grad_fn is not None
        np.testing.assert_allclose(got.data, expected, rtol=1e-14)
    assert np.argmax(x, axis=1).tolist() == [2, 0] and np.argmin(x).item() == 4
    with pytest.raises(TypeError, match="matrix norm ord=2"):
        np.linalg.norm(x, ord=2)

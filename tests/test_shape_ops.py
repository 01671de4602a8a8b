"""Shape ops with PyTorch's names: values against numpy, gradients against central differences, second
derivatives, float32, 0-d and empty arrays, and the errors for shapes that do not fit."""

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import functional as F
from engine_strategies import check_op, float_arrays, shapes
from second_order import assert_second_derivative


def array_and_axis(data, min_dims=1, **kwargs):
    x = data.draw(float_arrays(data.draw(shapes(min_dims=min_dims, **kwargs))))
    return x, data.draw(st.integers(-x.ndim, x.ndim - 1))


# ---------------------------------------------------------------- reshapes
@given(st.data())
def test_flatten_merges_start_dim_to_end_dim(data):
    x = data.draw(float_arrays(data.draw(shapes(min_dims=1))))
    start = data.draw(st.integers(0, x.ndim - 1))
    end = data.draw(st.integers(start, x.ndim - 1))
    expected_shape = x.shape[:start] + (int(np.prod(x.shape[start:end + 1])),) + x.shape[end + 1:]
    check_op(lambda t: t.flatten(start, end - x.ndim), lambda a: a.reshape(expected_shape), [x], data)


def test_flatten_of_a_0d_tensor_has_one_element_and_view_minus_one_flattens():
    assert tg.Tensor(3.0).flatten().shape == (1,)
    x = tg.Tensor(np.arange(6.0).reshape(2, 3))
    assert x.view(-1).tolist() == x.reshape(-1).tolist() == x.flatten().tolist()
    assert x.view(3, 2).shape == x.view((3, 2)).shape == (3, 2)
    with pytest.raises(tg.ShapeError, match="flatten: start_dim 1 comes after end_dim 0"):
        x.flatten(1, 0)


@given(st.data())
def test_unflatten_is_the_inverse_of_flatten(data):
    x, axis = array_and_axis(data, min_side=1)
    length = x.shape[axis]
    first = data.draw(st.sampled_from([d for d in range(1, length + 1) if length % d == 0]))
    sizes = data.draw(st.sampled_from([(first, length // first), (-1, length // first), (first, -1)]))
    expected = x.shape[:axis % x.ndim] + (first, length // first) + x.shape[axis % x.ndim + 1:]
    check_op(lambda t: t.unflatten(axis, sizes), lambda a: a.reshape(expected), [x], data)
    with pytest.raises(tg.ShapeError, match="unflatten: sizes"):
        tg.Tensor(x).unflatten(axis, (length + 1, 1))


@given(st.data())
def test_squeeze_removes_named_size_one_axes_and_keeps_the_others_as_pytorch(data):
    x = data.draw(float_arrays(data.draw(shapes(min_side=0, max_side=2))))
    dim = data.draw(st.none() | st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1))
    if dim is None:
        expected = np.squeeze(x).shape
    else:
        axis = dim % max(x.ndim, 1)
        expected = tuple(n for i, n in enumerate(x.shape) if not (i == axis and n == 1))
    check_op(lambda t: t.squeeze(dim), lambda a: a.reshape(expected), [x], data)


@given(st.data())
def test_unsqueeze_inserts_an_axis_at_any_position(data):
    x = data.draw(float_arrays(data.draw(shapes())))
    dim = data.draw(st.integers(-x.ndim - 1, x.ndim))
    check_op(lambda t: t.unsqueeze(dim), lambda a: np.expand_dims(a, dim), [x], data)


def test_np_squeeze_keeps_numpys_rule_with_a_shape_error():
    with pytest.raises(tg.ShapeError, match=r"np.squeeze: cannot squeeze axis 0 of a tensor of shape \(2, 1\)"):
        np.squeeze(tg.Tensor(np.zeros((2, 1))), axis=0)
    assert tg.Tensor(np.zeros((2, 1))).squeeze(0).shape == (2, 1)  # PyTorch's rule: nothing to squeeze


# ---------------------------------------------------------------- axis orders
@given(st.data())
def test_permute_and_swapaxes_match_numpy(data):
    x = data.draw(float_arrays(data.draw(shapes(min_dims=1))))
    order = data.draw(st.permutations(range(x.ndim)))
    check_op(lambda t: t.permute(*order), lambda a: np.transpose(a, order), [x], data)
    a, b = data.draw(st.integers(-x.ndim, x.ndim - 1)), data.draw(st.integers(-x.ndim, x.ndim - 1))
    np.testing.assert_array_equal(tg.Tensor(x).swapaxes(a, b).data, np.swapaxes(x, a, b))


def test_transpose_of_two_axes_on_a_3d_tensor_points_to_swapaxes():
    with pytest.raises(tg.ShapeError, match=r"\(0, 1\) are not a permutation of the 3 axes .* use swapaxes\(0, 1\)"):
        tg.Tensor(np.zeros((2, 3, 4))).transpose(0, 1)


@given(st.data())
def test_flip_matches_numpy(data):
    x = data.draw(float_arrays(data.draw(shapes())))
    dims = data.draw(st.lists(st.integers(0, max(x.ndim - 1, 0)), unique=True, max_size=x.ndim)) if x.ndim else []
    check_op(lambda t: t.flip(dims), lambda a: np.flip(a, tuple(dims)), [x], data)


# ---------------------------------------------------------------- bigger shapes
@given(st.data())
def test_expand_broadcasts_size_one_axes_with_minus_one_keeping_an_axis(data):
    x = data.draw(float_arrays(data.draw(shapes(max_side=2))))
    lead = data.draw(st.lists(st.integers(0, 3), max_size=2))
    sizes = lead + [data.draw(st.integers(0, 3)) if n == 1 else data.draw(st.sampled_from([n, -1]))
                    for n in x.shape]
    target = tuple(lead) + tuple(n if s == -1 else s for n, s in zip(x.shape, sizes[len(lead):]))
    check_op(lambda t: t.expand(*sizes), lambda a: np.broadcast_to(a, target), [x], data)


def test_expand_refuses_what_broadcasting_cannot_do():
    x = tg.Tensor(np.zeros((2, 1)))
    with pytest.raises(tg.ShapeError, match=r"expand: cannot expand the tensor of shape \(2, 1\) to \(3, 4\)"):
        x.expand(3, 4)
    with pytest.raises(tg.ShapeError, match="-1 is allowed only for existing axes"):
        x.expand(-1, 2, 1)


@given(st.data())
def test_repeat_and_tile_match_np_tile(data):
    x = data.draw(float_arrays(data.draw(shapes(max_side=3))))
    reps = data.draw(st.lists(st.integers(0, 3), min_size=x.ndim, max_size=x.ndim + 2))
    check_op(lambda t: t.repeat(*reps), lambda a: np.tile(a, reps), [x], data)
    short = reps[:max(x.ndim - 1, 0)]
    check_op(lambda t: t.tile(short), lambda a: np.tile(a, short), [x], data)


def test_repeat_needs_one_count_per_axis_as_pytorch():
    with pytest.raises(tg.ShapeError, match="repeat: 1 repeat count.*at least 2.*repeat_interleave"):
        tg.Tensor(np.zeros((2, 3))).repeat(2)


@given(st.data())
def test_repeat_interleave_matches_np_repeat(data):
    x, axis = array_and_axis(data)
    repeats = data.draw(st.integers(0, 3) | st.lists(st.integers(0, 2), min_size=x.shape[axis],
                                                     max_size=x.shape[axis]))
    check_op(lambda t: t.repeat_interleave(repeats, dim=axis), lambda a: np.repeat(a, repeats, axis=axis), [x], data)
    flat = data.draw(st.integers(0, 2))
    check_op(lambda t: t.repeat_interleave(flat), lambda a: np.repeat(a, flat), [x], data)


@given(st.data())
def test_f_pad_takes_pytorchs_order_last_axis_first_and_crops_with_negative_widths(data):
    x = data.draw(float_arrays(data.draw(shapes(min_dims=1, max_side=3))))
    pairs = data.draw(st.integers(1, x.ndim))
    widths = [data.draw(st.integers(-1, 2)) for _ in range(2 * pairs)]
    numpy_pairs = [(0, 0)] * (x.ndim - pairs) + [(widths[2 * i], widths[2 * i + 1]) for i in reversed(range(pairs))]
    assume(all(n + b + a >= 0 for n, (b, a) in zip(x.shape, numpy_pairs)))

    def reference(a):
        cropped = a[tuple(slice(max(-b, 0), n - max(-e, 0)) for n, (b, e) in zip(a.shape, numpy_pairs))]
        return np.pad(cropped, [(max(b, 0), max(e, 0)) for b, e in numpy_pairs], constant_values=1.5)
    check_op(lambda t: F.pad(t, widths, value=1.5), reference, [x], data)


def test_np_pad_on_a_tensor_records_the_pad_op_with_numpys_order():
    x = tg.Tensor(np.ones((1, 2)), requires_grad=True)
    padded = np.pad(x, ((1, 0), (0, 2)), constant_values=-1.0)
    assert padded.grad_fn.name == "Pad"
    np.testing.assert_array_equal(padded.data, [[-1, -1, -1, -1], [1, 1, -1, -1]])
    with pytest.raises(TypeError, match="mode="):
        np.pad(x, 1, mode="reflect")


# ---------------------------------------------------------------- pieces
def test_split_and_chunk_give_pytorchs_pieces():
    x = tg.Tensor(np.arange(5.0))
    assert [p.tolist() for p in x.split(2)] == [[0, 1], [2, 3], [4]]
    assert [p.tolist() for p in x.split([1, 4])] == [[0], [1, 2, 3, 4]]
    assert [p.tolist() for p in x.chunk(3)] == [[0, 1], [2, 3], [4]]
    assert [p.shape for p in tg.Tensor(np.zeros(6)).chunk(4)] == [(2,), (2,), (2,)]  # fewer pieces, as PyTorch
    assert isinstance(x.split(2), tuple)
    with pytest.raises(tg.ShapeError, match=r"split: sections \[1, 1\] must .* add up to 5"):
        x.split([1, 1])


@given(st.data())
def test_split_pieces_carry_their_gradient_slices(data):
    x, axis = array_and_axis(data, min_side=1)
    size = data.draw(st.integers(1, x.shape[axis]))
    weights = [data.draw(float_arrays(p.shape)) for p in tg.Tensor(x).split(size, axis)]
    check_op(lambda t: sum(((p * w).sum() for p, w in zip(t.split(size, axis), weights)), tg.Tensor(0.0)),
             lambda a: sum(np.sum(p * w) for p, w in zip(np.array_split(a, range(size, a.shape[axis], size), axis),
                                                         weights)), [x], data)


# ---------------------------------------------------------------- clone
def test_clone_is_a_copy_that_stays_in_the_graph():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.grad_fn.name == "Clone" and not np.shares_memory(y.data, x.data)
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


# ------------------------------------------------------ second order, float32
LINEAR_OPS = {
    "flip": lambda t: t.flip(0),
    "pad": lambda t: F.pad(t, (1, 2)),
    "repeat": lambda t: t.repeat(2, 1),
    "repeat_interleave": lambda t: t.repeat_interleave(2, dim=1),
    "clone": lambda t: t.clone(),
    "expand": lambda t: t[:1].expand(3, -1),
    "permute": lambda t: t.permute(1, 0),
    "flatten": lambda t: t.flatten(),
}


@settings(max_examples=5)
@given(st.data(), st.sampled_from(sorted(LINEAR_OPS)))
def test_second_derivatives_through_shape_ops(data, name):
    x = data.draw(float_arrays(data.draw(shapes(min_dims=2, max_dims=2, min_side=1, max_side=3))))
    op = LINEAR_OPS[name]
    assert_second_derivative(lambda t: op(t) * op(t).exp(), [x])


@pytest.mark.parametrize("name", sorted(LINEAR_OPS))
def test_shape_ops_keep_float32_and_pass_gradcheck(name):
    x = tg.Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    out = LINEAR_OPS[name](x)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    assert tg.gradcheck(LINEAR_OPS[name], (np.random.default_rng(0).standard_normal((2, 3)),))

"""Tensor: construction, dtype rules, operators on both sides, properties, repr, float32 end to end."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_nn as tg
from tinygrad_nn import Tensor
from tinygrad_nn.engine import topological_order
from engine_strategies import broadcastable_shapes, float_arrays, shapes


# ------------------------------------------------------------ dtype rules
@given(hnp.arrays(st.sampled_from([np.float16, np.float32, np.float64]), shapes()))
def test_float_arrays_keep_their_dtype_and_are_not_copied(array):
    t = Tensor(array)
    assert t.dtype == array.dtype and t.shape == array.shape
    assert t.data is array or np.shares_memory(t.data, array) or array.size == 0


@given(st.one_of(st.integers(-10**6, 10**6), st.booleans(),
                 st.lists(st.integers(-100, 100), min_size=1, max_size=4),
                 hnp.arrays(st.sampled_from([np.int8, np.int32, np.int64, np.uint8, bool]), shapes())))
def test_python_numbers_lists_and_integer_arrays_become_float64(value):
    t = Tensor(value)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.asarray(value, dtype=np.float64))


@pytest.mark.parametrize("value, message", [
    ("abc", "strings"), (["a", "b"], "strings"), (b"xy", "bytes"), ([1j, 2.0], "complex"),
    (np.ones(2, dtype=np.complex64), "complex"), (object(), "object"), ([[1.0], [1.0, 2.0]], "nested lists have different lengths"),
    (None, "object"),
])
def test_strings_objects_and_complex_are_refused(value, message):
    with pytest.raises(TypeError, match=message):
        Tensor(value)


def test_integers_beyond_int64_need_a_float_dtype_as_in_pytorch():
    assert Tensor([2 ** 70, 1], dtype=np.float64).data.tolist() == [2.0 ** 70, 1.0]
    assert Tensor([[2 ** 64]], dtype=np.float32).data.dtype == np.float32
    with pytest.raises(TypeError, match="integers beyond int64 without a float dtype="):
        Tensor([2 ** 70])
    with pytest.raises(TypeError, match="objects"):
        Tensor([2 ** 70], dtype=np.int64)
    with pytest.raises(ValueError, match="too large for float64"):
        Tensor([2 ** 1100], dtype=np.float64)
    with pytest.raises(TypeError, match="objects"):  # None is no number, whatever the dtype
        Tensor([None, 1], dtype=np.float64)


@pytest.mark.parametrize("shape", [(), (5,), (4, 3), (2, 0, 3)])
def test_size_is_numpys_count_and_callable_as_pytorchs_method(shape):
    t = Tensor(np.zeros(shape))
    assert t.size == int(np.prod(shape)) and isinstance(t.size, int) and np.zeros(t.size).shape == (t.size,)
    assert t.size() == shape and all(t.size(d) == shape[d] for d in range(-len(shape), len(shape)))
    with pytest.raises(IndexError, match="out of range"):
        t.size(len(shape))
    with pytest.raises(TypeError, match="dim must be an int"):
        t.size(0.5)


def test_requires_grad_needs_a_float_tensor():
    with pytest.raises(TypeError, match="int64"):
        Tensor(np.arange(3), dtype=np.int64, requires_grad=True)
    t = Tensor([1, 2])  # an int list became float64, so this one may
    t.requires_grad = True
    assert t.requires_grad and t.is_leaf


@given(float_arrays(shapes(), dtype=np.float32), st.floats(-4, 4, width=32),
       st.sampled_from(["add", "radd", "sub", "rsub", "mul", "rmul", "div", "pow"]))
def test_python_scalars_never_upcast_float32(array, scalar, op):
    t = Tensor(array, requires_grad=True)
    out = {"add": lambda: t + scalar, "radd": lambda: scalar + t, "sub": lambda: t - scalar,
           "rsub": lambda: scalar - t, "mul": lambda: t * scalar, "rmul": lambda: scalar * t,
           "div": lambda: t / 2.5, "pow": lambda: t ** 2}[op]()
    assert out.dtype == np.float32
    out.backward(grad=np.ones(out.shape, dtype=np.float32))
    assert t.grad.dtype == np.float32


@given(st.data())
def test_operators_work_on_both_sides_with_arrays_and_scalars(data):
    a_shape, b_shape = data.draw(broadcastable_shapes(2)).input_shapes
    a = data.draw(float_arrays(a_shape))
    b = data.draw(float_arrays(b_shape, avoid=(0.0,), margin=0.5))
    t = Tensor(a)
    cases = [(t + b, a + b), (b + t, b + a), (t - b, a - b), (b - t, b - a), (t * b, a * b),
             (b * t, b * a), (t / b, a / b), (b / t.abs().clip(0.5, None), b / np.clip(np.abs(a), 0.5, None)),
             (2 - t, 2 - a), (3.0 * t, 3.0 * a), (t.abs() ** 1.5, np.abs(a) ** 1.5), (2 ** t, 2.0 ** a), (-t, -a)]
    for result, expected in cases:
        assert isinstance(result, Tensor)
        np.testing.assert_allclose(result.data, expected, rtol=1e-12)


def test_array_on_the_left_gives_a_tensor_and_a_gradient():
    w = Tensor([1.0, 2.0], requires_grad=True)
    for out in (np.array([3.0, 4.0]) * w, np.array([3.0, 4.0]) + w, np.array([[1.0, 0.0]]) @ w):
        assert isinstance(out, Tensor) and out.grad_fn is not None
    w.grad = None
    (np.array([3.0, 4.0]) * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 4.0])


# ------------------------------------------------------ properties, methods
def test_properties():
    t = Tensor(np.zeros((2, 3), dtype=np.float32), requires_grad=True, name="w")
    assert (t.shape, t.ndim, t.size, t.dtype, t.name) == ((2, 3), 2, 6, np.float32, "w")
    assert t.is_leaf and t.grad is None and t.numpy() is t.data and len(t) == 2
    y = t * 2
    assert not y.is_leaf and y.requires_grad and y.grad_fn.name == "Mul"
    assert y.grad_fn.inputs[0] is t
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.data is y.data
    assert Tensor([[4.5]]).item() == 4.5
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        t.item()


def test_comparisons_give_masks_without_gradients():
    t = Tensor([1.0, -1.0, 0.0], requires_grad=True)
    mask = t > 0
    assert mask.dtype == bool and not mask.requires_grad
    np.testing.assert_array_equal((t <= 0).data, [False, True, True])
    np.testing.assert_array_equal(tg.where(mask, t, 0.0).data, [1.0, 0.0, 0.0])


def test_repr_shows_data_shape_dtype_and_the_op():
    x = Tensor([1.0, 2.0], requires_grad=True)
    text = repr(x * 3)
    assert "[3., 6.]" in text and "shape=(2,)" in text and "dtype=float64" in text and "grad_fn=<Mul>" in text
    assert "grad_fn=<MatMul>" in repr(Tensor(np.eye(2, dtype=np.float32)) @ x.reshape(2, 1))
    assert "requires_grad=True" in repr(x)
    assert "float32" in repr(Tensor(np.ones(3, dtype=np.float32)))


def test_reshape_and_transpose_accept_tuples_and_varargs():
    t = Tensor(np.arange(6.0))
    assert t.reshape(2, 3).shape == t.reshape((2, 3)).shape == (2, 3)
    m = t.reshape(1, 2, 3)
    assert m.transpose(2, 0, 1).shape == m.transpose((2, 0, 1)).shape == (3, 1, 2)
    assert m.transpose().shape == m.T.shape == (3, 2, 1)


# ------------------------------------------------- float32 for every op
FLOAT32_OPS = {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y, "pow": lambda x, y: x ** y, "neg": lambda x, y: -x,
    "matmul": lambda x, y: x @ y, "exp": lambda x, y: x.exp(), "log": lambda x, y: x.log(),
    "sqrt": lambda x, y: x.sqrt(), "abs": lambda x, y: x.abs(), "sigmoid": lambda x, y: x.sigmoid(),
    "tanh": lambda x, y: x.tanh(), "relu": lambda x, y: x.relu(), "leaky_relu": lambda x, y: x.leaky_relu(0.1),
    "clip": lambda x, y: x.clip(0.7, 1.5), "softmax": lambda x, y: x.softmax(axis=0),
    "log_softmax": lambda x, y: x.log_softmax(), "sum": lambda x, y: x.sum(axis=1),
    "mean": lambda x, y: x.mean(), "max": lambda x, y: x.max(axis=0), "min": lambda x, y: x.min(),
    "reshape": lambda x, y: x.reshape(-1), "transpose": lambda x, y: x.T,
    "getitem": lambda x, y: x[np.array([0, 0, 2]), 1:], "getitem_mask": lambda x, y: x[x.data > 1.0],
    "concatenate": lambda x, y: tg.concatenate([x, y], axis=1), "stack": lambda x, y: tg.stack([x, y]),
    "maximum": lambda x, y: tg.maximum(x, y), "where": lambda x, y: tg.where(x.data > 1.0, x, y),
}


@pytest.mark.parametrize("name", sorted(FLOAT32_OPS))
@settings(max_examples=10)  # x 30 ops; the dtype rule does not depend on the values
@given(a=float_arrays((3, 3), 0.5, 2.0, dtype=np.float32), b=float_arrays((3, 3), 0.5, 2.0, dtype=np.float32))
def test_float32_inputs_give_float32_outputs_and_gradients(name, a, b):
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = FLOAT32_OPS[name](x, y)
    assert out.dtype == np.float32, name
    out.backward(grad=np.ones(out.shape, dtype=np.float32))
    for leaf in (x, y):
        assert leaf.grad is None or (leaf.grad.dtype == np.float32 and leaf.grad.shape == (3, 3)), name
    x64, y64 = Tensor(a.astype(np.float64)), Tensor(b.astype(np.float64))
    np.testing.assert_allclose(out.data, FLOAT32_OPS[name](x64, y64).data, rtol=1e-5, atol=1e-6)


def test_a_float32_graph_stays_float32_end_to_end():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((5, 4)).astype(np.float32))
    w1 = Tensor(rng.standard_normal((4, 8)).astype(np.float32) * 0.5, requires_grad=True)
    b1 = Tensor(np.zeros(8, dtype=np.float32), requires_grad=True)
    w2 = Tensor(rng.standard_normal((8, 3)).astype(np.float32) * 0.5, requires_grad=True)
    hidden = (x @ w1 + b1).relu()
    scores = (hidden @ w2).tanh() * 2.0 - 0.5
    loss = -scores.log_softmax(axis=1)[np.arange(5), np.array([0, 1, 2, 0, 1])].mean() \
        + 1e-3 * (w1 * w1).sum() + 0.5 * (w2 ** 2).sum() / 2
    for node in topological_order(loss):
        for tensor in node.inputs:
            assert tensor.dtype == np.float32, f"{node.name} has an input of dtype {tensor.dtype}"
    loss.backward()
    assert loss.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in (w1, b1, w2))


def test_numpy_conversion_matching_ufuncs_record_and_others_are_refused():
    t = Tensor([1.0, 2.0], requires_grad=True)
    assert np.asarray(t) is t.data and np.asarray(t, dtype=np.float32).dtype == np.float32
    assert Tensor([t, t]).shape == (2, 2)  # a list of tensors becomes one array
    y = np.exp(t)  # the recorded op, as t.exp()
    assert isinstance(y, Tensor) and y.grad_fn.name == "Exp"
    with pytest.raises(TypeError, match="np.arctan2 has no recorded op"):
        np.arctan2(t, t)  # numpy would drop the graph


def test_python_number_constants_keep_the_dtype_and_the_sign_of_zero():
    t = Tensor(np.float32([1.0, 2.0]), requires_grad=True)
    for value in (0.0, -0.0, 2.5, 2.5, 3, True):
        assert (t * value).dtype == np.float32
    assert np.signbit((t * -0.0).data).all() and not np.signbit((t * 0.0).data).any()
    (t * 2.5 + t * 2.5).sum().backward()  # the same constant reused twice
    np.testing.assert_array_equal(t.grad, np.float32([5.0, 5.0]))


def test_numpy_scalars_count_as_numbers_and_never_upcast_but_arrays_promote():
    t = Tensor(np.float32([1.0, 4.0]), requires_grad=True)
    for result in (t * np.float64(2), t / np.sqrt(np.float64(4)), np.float64(2) - t, t + np.int64(3)):
        assert result.dtype == np.float32
    assert (t * np.array(2.0)).dtype == np.float64  # a 0-d array follows numpy's promotion
    (t / np.sqrt(np.float64(4))).sum().backward()
    assert t.grad.dtype == np.float32

"""What the fuzz test (tests/test_reliability_fuzz.py) found beyond raw errors, as specifications.

* Options of the activations keep their value on integer tensors: ``elu(x, alpha=1.5)`` of an int64 tensor
  is the elu of its float64 copy (numpy's promotion, the library's rule), not of ``alpha`` truncated to 1.
* ``Tensor(data, dtype=)`` checks that ``data`` holds numbers before converting it, and ``backward`` checks
  that its flags are booleans.
"""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import functional as F
from fuzz_outcome import judge

ACTIVATIONS_WITH_OPTIONS = {
    "elu": lambda x: F.elu(x, alpha=1.5),
    "celu": lambda x: F.celu(x, alpha=2.0),
    "selu": F.selu,
    "softplus": lambda x: F.softplus(x, beta=1.5),
    "hardtanh": lambda x: F.hardtanh(x, -0.5, 1.5),
    "leaky_relu": lambda x: F.leaky_relu(x, 0.5),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS_WITH_OPTIONS))
@given(values=st.lists(st.integers(-4, 4), min_size=1, max_size=6))
def test_an_integer_tensor_gets_the_values_of_its_float_copy(name, values):
    function = ACTIVATIONS_WITH_OPTIONS[name]
    integers = tg.Tensor(np.array(values, dtype=np.int64), dtype=np.int64)
    floats = tg.Tensor(np.array(values, dtype=np.float64))
    np.testing.assert_allclose(function(integers).data, function(floats).data, rtol=1e-12)


def test_a_tensor_of_a_dict_in_a_given_dtype_is_refused_in_the_library_s_words():
    problem = judge("Tensor", ("Tensor",), tg.Tensor, ({"a": 1},), {"dtype": np.float32})
    assert problem is None, problem


def test_a_garbage_dtype_of_tensor_is_refused_in_the_library_s_words():
    problem = judge("Tensor", ("Tensor",), tg.Tensor, (lambda: None,), {"dtype": tg.Tensor(1.0)})
    assert problem is None, problem


def test_none_in_a_list_with_a_dtype_is_refused():
    with pytest.raises(TypeError, match="Tensor"):
        tg.Tensor([None, 1.0], dtype=np.float32)


def _drawing():
    return tg.viz.draw_graph((tg.Tensor([1.0, 2.0], requires_grad=True) * 2.0).sum())


FOUND = [  # (label, the names one of which the message must hold, a call the fuzz test once saw fail raw)
    ("Tensor.argmax", ("argmax",), lambda: tg.Tensor(np.ones((2, 3))).argmax(axis=1.0)),
    ("Tensor.cumsum", ("cumsum",), lambda: tg.Tensor(np.ones((2, 3))).cumsum(1.5)),
    ("Tensor.sum", ("sum",), lambda: tg.Tensor(np.ones((2, 3))).sum(keepdims=np.ones(2))),
    ("Tensor.var", ("var",), lambda: tg.Tensor(np.ones((2, 3))).var(unbiased=np.ones(2))),
    ("Tensor.norm", ("norm",), lambda: tg.Tensor(np.ones(3)).norm(10 ** 400)),
    ("Tensor.repeat_interleave", ("repeat_interleave",), lambda: tg.Tensor(np.ones(3)).repeat_interleave(None)),
    ("Tensor.repeat_interleave", ("repeat_interleave",), lambda: tg.Tensor(np.ones(3)).repeat_interleave(2 ** 40)),
    ("Tensor.round", ("round",), lambda: tg.Tensor(np.ones(3)).round(decimals=None)),
    ("tg.round", ("round",), lambda: tg.round(tg.Tensor(np.ones(3)), 10 ** 400)),
    ("Tensor.split", ("split",), lambda: tg.Tensor(np.ones(4)).split(None)),
    ("Tensor.split", ("split",), lambda: tg.Tensor(1.0).split(1)),
    ("Tensor.tile", ("tile",), lambda: tg.Tensor(np.ones(3)).tile(2 ** 63)),
    ("Tensor.broadcast_to", ("broadcast_to",), lambda: tg.Tensor(1.0).broadcast_to((2 ** 40,))),
    ("tg.zeros", ("zeros",), lambda: tg.zeros(2 ** 40)),
    ("tg.zeros", ("zeros",), lambda: tg.zeros(0, 2 ** 40, 2 ** 40)),  # empty, yet numpy refuses the shape
    ("tg.arange", ("arange",), lambda: tg.arange(np.int64(0), 2 ** 64)),
    ("tg.ones", ("ones",), lambda: tg.ones(2, requires_grad=np.ones(2))),
    ("tg.arange", ("arange",), lambda: tg.arange(float("inf"))),
    ("tg.linspace", ("linspace",), lambda: tg.linspace(None, 1.0, 3)),
    ("tg.full_like", ("full_like",), lambda: tg.full_like(np.ones(2), 10 ** 400)),
    ("F.elu", ("elu",), lambda: F.elu(tg.Tensor(np.ones(2)), 10 ** 400)),
    ("F.pad", ("pad",), lambda: F.pad(tg.Tensor(np.ones(2)), None)),
    ("F.cross_entropy", ("cross_entropy",),
     lambda: F.cross_entropy(tg.Tensor(np.ones((2, 3))), np.array([0, 1]), label_smoothing=None)),
    ("F.mse_loss", ("mse_loss",), lambda: F.mse_loss(tg.Tensor(np.ones(2)), np.ones(2), reduction=np.ones(2))),
    ("F.huber_loss", ("huber_loss",), lambda: F.huber_loss(tg.Tensor(np.ones(2)), np.ones(2), delta="abc")),
    ("nn.ReLU", ("ReLU",), lambda: tg.nn.ReLU(inplace=np.ones(2))),
    ("nn.PReLU", ("PReLU",), lambda: tg.nn.PReLU(2, dtype=True)),
    ("nn.MLP", ("MLP",), lambda: tg.nn.MLP([3, 4, 2], activation=lambda x: x)),
    ("tg.gradcheck", ("gradcheck",), lambda: tg.gradcheck(lambda x: x.sum(), (np.ones(2),), wrt=b"ab")),
    ("data.spiral", ("spiral",), lambda: tg.data.spiral(seed={})),
    ("data.blobs", ("blobs",), lambda: tg.data.blobs(centers="abc")),
    ("viz.render", ("render",), lambda: tg.viz.render(_drawing(), 5)),
    ("viz.draw_graph", ("draw_graph",), lambda: tg.viz.draw_graph(tg.Tensor(1.0), model=5)),
    ("viz.draw_module", ("draw_module",), lambda: tg.viz.draw_module(tg.nn.Linear(2, 1), max_depth=1j)),
    ("viz.draw_network", ("draw_network",), lambda: tg.viz.draw_network(tg.nn.Linear(2, 1), max_units=None)),
]


@pytest.mark.parametrize("label, names, call", FOUND, ids=[f"{label}-{i}" for i, (label, _, _) in enumerate(FOUND)])
def test_each_raw_error_the_fuzz_test_found_is_now_a_clear_error_naming_the_function(label, names, call):
    with pytest.raises((TypeError, ValueError, IndexError, RuntimeError)):
        call()
    assert judge(label, names, call, (), {}) is None


def test_a_complex_array_in_a_given_dtype_is_refused():
    with pytest.raises(TypeError, match="complex"):
        tg.Tensor(np.array([1 + 2j]), dtype=np.float64)


def test_backward_refuses_an_array_as_retain_graph_naming_backward():
    loss = (tg.Tensor([1.0, 2.0], requires_grad=True) * 2.0).sum()
    problem = judge("Tensor.backward", ("backward",), loss.backward, (None, np.ones(3)), {})
    assert problem is None, problem


@pytest.mark.parametrize("loss, target", [
    (F.cross_entropy, np.array([0, 1])), (F.nll_loss, np.array([0, 1])), (F.mse_loss, np.zeros((2, 3))),
    (F.binary_cross_entropy_with_logits, np.zeros((2, 3))), (F.multiclass_hinge_loss, np.array([0, 1])),
])
def test_only_kl_div_reduces_by_batchmean_every_other_loss_refuses_it(loss, target):
    scores = tg.Tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3))
    with pytest.raises(ValueError, match=f"{loss.__name__}: reduction must be one of 'mean', 'sum', 'none', got"):
        loss(scores, target, reduction="batchmean")  # once returned the losses unreduced, without a word


def test_tiling_zero_times_gives_an_empty_tensor_without_building_the_other_copies():
    x = tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x.tile(2 ** 40, 0)  # np.tile would first allocate 2**40 copies of x (48 TiB)
    y.sum().backward()
    assert y.shape == (2 ** 41, 0) and np.array_equal(x.grad, np.zeros((2, 3)))


def test_arange_with_a_step_beyond_int64_from_a_numpy_start_gives_the_one_value():
    assert tg.arange(np.int64(3), step=2 ** 63).tolist() == [0]  # numpy's int64 arithmetic once overflowed


@pytest.mark.parametrize("p", [1, 2, 2.5, 3, np.inf, -np.inf])
@given(values=st.lists(st.integers(-5, 5), min_size=1, max_size=6))
def test_the_norm_of_an_integer_tensor_is_the_norm_of_its_float_copy(p, values):
    integers = tg.Tensor(np.array(values, dtype=np.int64), dtype=np.int64)
    expected = tg.Tensor(np.array(values, dtype=np.float64)).norm(p)
    result = integers.norm(p)  # once int64, truncated: the norm of [1, 2, 4] was 4, not sqrt(21)
    assert result.dtype == np.float64 and np.allclose(result.data, expected.data, rtol=1e-12)

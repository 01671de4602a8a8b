"""What the fuzz test (tests/test_reliability_fuzz.py) found beyond raw errors, as specifications.

* Options of the activations keep their value on integer tensors: ``elu(x, alpha=1.5)`` of an int64 tensor
  is the elu of its float64 copy (numpy's promotion, the library's rule), not of ``alpha`` truncated to 1.
* Cases whose fix belongs to engine/tensor.py are written as strict xfails, so they turn into failures the day
  they are fixed and the fuzz test's allowance for them (``fuzz_outcome.LEFT_TO_THE_ENGINE``) can go.
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


@pytest.mark.xfail(strict=True, reason="engine/tensor.py's as_array passes dtype= to np.asarray unchecked and "
                                       "repeats numpy's message ('float() argument must be a string or ...')")
def test_a_tensor_of_a_dict_in_a_given_dtype_is_refused_in_the_library_s_words():
    problem = judge("Tensor", ("Tensor",), tg.Tensor, ({"a": 1},), {"dtype": np.float32})
    assert problem is None, problem


@pytest.mark.xfail(strict=True, reason="engine/tensor.py's as_array passes dtype= to np.asarray unchecked: "
                                       "a garbage dtype reaches numpy's float()")
def test_a_garbage_dtype_of_tensor_is_refused_in_the_library_s_words():
    problem = judge("Tensor", ("Tensor",), tg.Tensor, (lambda: None,), {"dtype": tg.Tensor(1.0)})
    assert problem is None, problem


@pytest.mark.xfail(strict=True, reason="engine/tensor.py's as_array: np.asarray([None, 1.0], dtype=float32) "
                                       "turns None into NaN silently")
def test_none_in_a_list_with_a_dtype_is_refused():
    with pytest.raises(TypeError, match="Tensor"):
        tg.Tensor([None, 1.0], dtype=np.float32)

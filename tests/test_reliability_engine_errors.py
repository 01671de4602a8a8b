"""The bad inputs reported against the library each get a clear error naming the op, not a raw numpy or Python
error. (The fuzz test, tests/test_reliability_fuzz.py, tries garbage on every public function.)"""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn, optim

T = tg.Tensor(np.ones((2, 3)))


@pytest.mark.parametrize("call, error, message", [
    (lambda: T.sum(axis=1.0), TypeError, r"^sum: axis must be None, an int or a tuple of ints, got 1\.0$"),
    (lambda: T * 10 ** 400, TypeError, r"^Mul: the number 10000000\.\.\.0000 \(401 digits\) is too large for "
                                       r"float64$"),
    (lambda: 10 ** 400 - T, TypeError, r"^Sub: the number .* is too large for float64$"),
    (lambda: optim.Adam([tg.Tensor([1.0], requires_grad=True)], betas=0.9), TypeError,
     r"^Adam: betas must be a pair \(beta1, beta2\), got 0\.9 \(float\)$"),
    (lambda: T.clip(None, None), ValueError, r"^Clip: .*clip needs at least one of the bounds lo and hi \(both are "
                                             r"None\)$"),
])
def test_the_reported_bad_inputs_name_the_op(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_0d_betas_in_an_optimizer_state_dict_names_the_entry():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    optimizer = optim.Adam([w])
    state = optimizer.state_dict()
    state["param_groups.0.betas"] = np.array(0.9)
    with pytest.raises(nn.StateDictError, match=r"^Adam\.load_state_dict failed, nothing was changed: "
                                                r"param_groups\.0\.betas: should hold 2 numbers, got shape \(\)$"):
        optimizer.load_state_dict(state)
    assert optimizer.param_groups[0]["betas"] == (0.9, 0.999)

"""tg.compile used as a training step is written: eager's values and gradients, or a TraceError.

Each test does what a user's training code does (an optimizer stepping
between calls, Dropout under tg.manual_seed, a compiled layer inside a
compiled loss, extreme inputs, copying the step) and asserts the compiled
calls give eager mode's values bit for bit, or refuse with ``TraceError``
when they could not.
"""

import numpy as np
import pytest

import tinygrad_nn as tg

from compile_cases import assert_same


# --------------------------------------------------------------- extreme inputs
@pytest.mark.parametrize("op, extreme", [
    (lambda x: x.exp(), 800.0),          # exp overflows to inf, as eager mode, without a numpy error
    (lambda x: x ** -1, 0.0),            # 0 ** -1 = inf (Pow's limit)
    (lambda x: x ** -2, 1e-200),         # a tiny base to a negative power overflows to inf; so does its slope
    (lambda x: (x * 3).exp() + x ** -3, 1e-320),
], ids=["exp", "reciprocal-at-zero", "negative-power-of-tiny", "both"])
def test_extreme_inputs_give_eagers_values_without_numpy_errors(op, extreme):
    def loss(x):
        return op(x).sum()

    step = tg.compile(loss)
    step(tg.Tensor(np.array([0.5, 1.5]), requires_grad=True))  # traced on ordinary values
    x, x_eager = (tg.Tensor(np.array([extreme, 1.0]), requires_grad=True) for _ in range(2))
    out, expected = step(x), loss(x_eager)  # numpy errors are errors in this test suite
    out.backward()
    expected.backward()
    assert_same(out.data, expected.data)
    assert_same(x.grad, x_eager.grad)

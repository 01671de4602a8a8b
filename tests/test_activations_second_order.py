"""Every activation's backward is differentiable again: second derivatives against central differences.

Inputs avoid the kinks (where the second derivative has no value); the
piecewise linear activations have second derivative 0 between them, which is
checked too (a backward that is not recorded would give no second derivative
at all, or the wrong one for the smooth pieces of hardswish).
"""

import numpy as np
import pytest

from tinygrad_nn import functional as F
from second_order import assert_second_derivative

SMOOTH = np.array([[-2.7, -0.9, -0.2], [0.3, 1.1, 2.4]])
OFF_KINKS = np.array([[-4.1, -2.5, -0.7], [0.4, 2.2, 6.5]])   # away from 0, +-1, +-3 and 6

ACTIVATIONS = {
    "gelu": (F.gelu, SMOOTH), "gelu_tanh": (lambda t: F.gelu(t, approximate="tanh"), SMOOTH),
    "silu": (F.silu, SMOOTH), "mish": (F.mish, SMOOTH), "elu": (lambda t: F.elu(t, 0.5), OFF_KINKS),
    "selu": (F.selu, OFF_KINKS), "celu": (lambda t: F.celu(t, 2.0), OFF_KINKS), "softplus": (F.softplus, SMOOTH),
    "softplus_beta": (lambda t: F.softplus(t, beta=2.0, threshold=3.0), OFF_KINKS),
    "softsign": (F.softsign, OFF_KINKS), "logsigmoid": (F.logsigmoid, SMOOTH), "tanhshrink": (F.tanhshrink, SMOOTH),
    "hardtanh": (F.hardtanh, OFF_KINKS), "relu6": (F.relu6, OFF_KINKS), "hardsigmoid": (F.hardsigmoid, OFF_KINKS),
    "hardswish": (F.hardswish, OFF_KINKS), "softmin": (lambda t: F.softmin(t, dim=1), SMOOTH),
    "prelu_constant_weight": (lambda t: F.prelu(t, np.array([0.3])), OFF_KINKS),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_second_derivative(name):
    function, x = ACTIVATIONS[name]
    assert_second_derivative(lambda t: function(t) * t, [x])   # times t: the second derivative is not 0


def test_prelu_second_derivative_in_both_the_input_and_the_slopes():
    x = np.array([[-1.5, 0.7, -0.3], [2.0, -2.5, 0.9]]).reshape(2, 3, 1)
    weight = np.array([0.2, -0.4, 0.6])
    assert_second_derivative(lambda t, w: F.prelu(t, w * w) * t, [x, weight])

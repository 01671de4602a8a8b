"""Every activation through ``tinygrad_nn.testing.check_activation``: ``tg.gradcheck`` over drawn
inputs from tiny to +-1e3, finite outputs and gradients, and the shape of each function (monotone,
bounded, odd) declared as a user would declare it for their own activation."""

import math

import numpy as np
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import functional as F
from tinygrad_nn.testing import arrays, check_activation

FEW = dict(max_examples=12)
SHAPE = st.sampled_from([(1,), (3,), (2, 3), (4, 2)])

test_gelu = check_activation(F.gelu, shape=SHAPE, bounded=(-0.17, None), **FEW)
test_gelu_tanh = check_activation(lambda x: F.gelu(x, approximate="tanh"), shape=SHAPE, bounded=(-0.1701, None), **FEW)
test_silu = check_activation(F.silu, shape=SHAPE, bounded=(-0.279, None), zero_at_zero=True, **FEW)
test_mish = check_activation(F.mish, shape=SHAPE, bounded=(-0.309, None), zero_at_zero=True, **FEW)
test_elu = check_activation(F.elu, shape=SHAPE, monotone="increasing", bounded=(-1, None), **FEW)
test_elu_alpha = check_activation(lambda x: F.elu(x, 0.5), shape=SHAPE, kinks=(0.0,), monotone="increasing", **FEW)
test_selu = check_activation(F.selu, shape=SHAPE, kinks=(0.0,), monotone="increasing", zero_at_zero=True, **FEW)
test_celu = check_activation(lambda x: F.celu(x, 2.0), shape=SHAPE, monotone="increasing", bounded=(-2, None),
                             **FEW)
test_softplus = check_activation(F.softplus, shape=SHAPE, kinks=(20.0,), monotone="increasing", bounded=(0, None),
                                 **FEW)
test_softplus_beta = check_activation(lambda x: F.softplus(x, beta=2.0, threshold=3.0), shape=SHAPE,
                                      kinks=(1.5,), monotone="increasing", **FEW)
test_softsign = check_activation(F.softsign, shape=SHAPE, monotone="increasing", bounded=(-1, 1), odd=True, **FEW)
test_logsigmoid = check_activation(F.logsigmoid, shape=SHAPE, monotone="increasing", bounded=(None, 0), **FEW)
test_tanhshrink = check_activation(F.tanhshrink, shape=SHAPE, monotone="increasing", odd=True, **FEW)
test_hardtanh = check_activation(F.hardtanh, shape=SHAPE, kinks=(-1.0, 1.0), monotone="increasing",
                                 bounded=(-1, 1), odd=True, **FEW)
test_relu6 = check_activation(F.relu6, shape=SHAPE, kinks=(0.0, 6.0), monotone="increasing", bounded=(0, 6),
                              **FEW)
test_hardsigmoid = check_activation(F.hardsigmoid, shape=SHAPE, kinks=(-3.0, 3.0), monotone="increasing",
                                    bounded=(0, 1), **FEW)
test_hardswish = check_activation(F.hardswish, shape=SHAPE, kinks=(-3.0, 3.0), bounded=(-0.375, None), **FEW)
test_prelu = check_activation(lambda x: F.prelu(x, np.array([0.25])), shape=SHAPE, kinks=(0.0,),
                              monotone="increasing", **FEW)


@settings(max_examples=20)
@given(x=arrays(shape=st.sampled_from([(1, 3), (2, 4), (3, 1)]), max_magnitude=30.0), dim=st.sampled_from([0, 1]))
def test_softmin_passes_gradcheck_along_either_axis(x, dim):
    assert tg.gradcheck(lambda t: F.softmin(t, dim=dim), (x,))


@settings(max_examples=20)
@given(x=arrays(shape=(2, 3, 2), min_magnitude=1e-3, avoid=(0.0,)),
       weight=arrays(shape=(3,), max_magnitude=2.0))
def test_prelu_per_channel_passes_gradcheck_in_both_inputs(x, weight):
    assert tg.gradcheck(F.prelu, (x, weight))


def test_the_declared_bounds_are_the_true_minima():
    # the minima quoted above, so the bounds are tight rather than loose guesses
    x = np.linspace(-3, 0, 30001)
    assert math.isclose(F.gelu(x).data.min(), -0.16997, abs_tol=1e-5)
    assert math.isclose(F.silu(x).data.min(), -0.27846, abs_tol=1e-5)
    assert math.isclose(F.mish(x).data.min(), -0.30884, abs_tol=1e-5)
    assert math.isclose(F.hardswish(x).data.min(), -0.375, abs_tol=1e-9)

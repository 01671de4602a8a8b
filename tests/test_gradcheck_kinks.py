"""Kinks: ReLU, LeakyReLU, Maxout, maximum, abs, clip, max and the hinge losses pass at their points of
non-differentiability (reported as "not differentiable here", counted), without false alarms."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import functional as F
from tinygrad_nn.testing import arrays

# values at and within one eps of the kinks at 0 and 1, mixed with ordinary values
NEAR_KINKS = st.sampled_from([0.0, 1.0, 1e-7, -1e-7, 1.0 + 3e-7, -2.0, 0.5, 3.0])


def kinked(shape):
    return arrays(shape=shape, elements=NEAR_KINKS)


KINKED_OPS = {
    "relu": lambda x: x.relu(),
    "leaky_relu": lambda x: x.leaky_relu(0.05),
    "abs": lambda x: x.abs(),
    "clip": lambda x: x.clip(0.0, 1.0),
    "max": lambda x: x.max(axis=1),
    "min": lambda x: x.min(),
    "maximum": lambda x: tg.maximum(x, x[:, ::-1]),
    "maxout": lambda x: F.maxout(x, 2),
    "hinge": lambda x: F.hinge_loss(x, np.array([[1.0, -1.0, 1.0, -1.0]] * 3)),
    "multiclass_hinge": lambda x: F.multiclass_hinge_loss(x, np.array([0, 3, 1])),
}


@pytest.mark.parametrize("name", sorted(KINKED_OPS))
@given(x=kinked((3, 4)))
def test_kinked_ops_never_raise_false_alarms(name, x):
    result = tg.gradcheck(KINKED_OPS[name], (x,), nudge=True)
    assert result


def test_relu_at_zero_is_reported_not_failed():
    x = np.array([-1.0, 0.0, 2.0, 1e-7, 0.0])
    result = tg.gradcheck(lambda t: t.relu(), (x,))
    report = result.inputs[0]
    assert result and report.kink_count == 2
    assert report.kink_indices == [(1,), (4,)]
    assert "not differentiable here: 2 element(s)" in str(result)
    # 1e-7 is within eps of the kink but not on it: re-checked with a smaller step, it passes
    assert any("1 element(s) lie within eps of a kink" in note for note in report.notes)


class ReLUWithBadKink(tg.Function):
    """ReLU whose backward gives 5 at x = 0: outside the one-sided slopes 0 and 1."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.where(x == 0, 5.0, x > 0)


def test_a_value_at_a_kink_outside_the_one_sided_slopes_is_pointed_out():
    result = tg.gradcheck(ReLUWithBadKink, (np.array([1.0, 0.0, -1.0]),))
    report = result.inputs[0]
    assert report.kink_indices == [(1,)] and report.kinks_outside == 1
    assert "outside their one-sided slopes" in str(result)
    assert tg.gradcheck(lambda t: t.relu(), (np.zeros(3),)).inputs[0].kinks_outside == 0


def test_leaky_relu_one_sided_slopes_are_shown():
    result = tg.gradcheck(lambda t: t.leaky_relu(0.1).sum(), (np.array([0.0, 1.0]),))
    report = result.inputs[0]
    assert result and report.kink_indices == [(0,)]
    (left, right), = report.kink_values
    assert (left, right) == (pytest.approx(0.1), pytest.approx(1.0))


def test_maximum_ties_and_abs_at_zero():
    a = np.array([0.0, 1.0, 2.0])
    result = tg.gradcheck(lambda a, b: tg.maximum(a, b), (a, a.copy()))
    assert result and [r.kink_count for r in result.inputs] == [3, 3]
    assert tg.gradcheck(lambda t: t.abs(), (np.zeros((2, 2)),)).kink_count == 4


def test_maxout_module_with_tied_pieces_passes():
    layer = tg.nn.Maxout(3, 2, pieces=2)
    layer.weight.data[:, 1] = layer.weight.data[:, 0]          # both pieces of each unit tie
    x = np.random.default_rng(0).normal(size=(4, 3))
    assert tg.gradcheck(lambda t: layer(t), (x,))     # identical pieces: smooth in x
    out = layer(tg.Tensor(x)).sum()                     # but the max node sees ties in its scores
    graph_result = tg.check_graph(out)
    assert graph_result and graph_result.kink_count > 0


def test_hinge_losses_at_the_margin():
    scores = np.array([1.0, -1.0, 0.5, 2.0])                  # y*s = 1 for the first two
    targets = np.array([1.0, -1.0, 1.0, 1.0])
    result = tg.gradcheck(lambda s: F.hinge_loss(s, targets), (scores,))
    assert result and result.inputs[0].kink_indices == [(0,), (1,)]
    scores = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 3.0]])    # s_1 - s_0 + 1 = 0 and s_0 - s_2 + 1 = -2
    result = tg.gradcheck(lambda s: F.multiclass_hinge_loss(s, np.array([0, 2])), (scores,))
    assert result and result.kink_count == 2


def test_nudged_recheck_moves_kinks_off_and_passes():
    x = np.array([[0.0, 1.0], [1.0, 0.0]])
    result = tg.gradcheck(lambda t: t.relu() * 2.0 + t.max(), (x,), nudge=True)
    assert result and result.kink_count > 0
    assert result.nudged is not None and result.nudged.kink_count == 0 and result.nudged.passed
    assert "re-checked at a nudged point" in str(result)


class HalfReLU(tg.Function):
    """ReLU whose backward halves the gradient on the positive side: wrong away from the kink."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x > 0) * 0.5


def test_kinks_do_not_hide_a_bug_at_smooth_points():
    x = np.array([0.0, -1.0, 0.0, 2.0])
    result = tg.gradcheck(HalfReLU, (x,), raise_exception=False)
    report = result.inputs[0]
    assert not result and report.index == (3,) and report.kink_count == 2


def test_a_kink_inside_a_bigger_graph_is_found_by_the_projection_fallback():
    x = np.zeros((40, 40))                                    # every element sits on the ReLU kink
    result = tg.gradcheck(lambda t: t.relu().sum(axis=0), (x,), mode="fast")
    report = result.inputs[0]
    assert result and report.method in ("per-element", "elementwise") and report.kink_count == 1600


class SteepParabolaWithOffset(tg.Function):
    """1e5 x**2 whose backward adds 0.05: one-sided slopes disagree at 0 by curvature, not by a kink."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 1e5 * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (2e5 * x + 0.05)


def test_curvature_is_not_mistaken_for_a_kink():
    result = tg.gradcheck(SteepParabolaWithOffset, (np.array([0.0, 0.3]),), raise_exception=False)
    report = result.inputs[0]
    assert not result and report.index == (0,) and report.kink_count == 0

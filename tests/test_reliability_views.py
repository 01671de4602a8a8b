"""Views share their base's version counter (as PyTorch's do): an in-place change through a reshape, a
transpose, a slice or a detached tensor is seen by every node that saved the same memory, and by every
look at the graph's values. Also: a tensor whose data was replaced still answers for the array it had."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import optim

VIEWS = {
    "reshape": lambda t: t.reshape(t.shape),
    "flatten": lambda t: t.reshape(-1),
    "transpose": lambda t: t.T,
    "slice": lambda t: t[1:],
    "index": lambda t: t[0],
    "detach": lambda t: t.detach(),
    "detach then reshape": lambda t: t.detach().reshape(-1),
    "reshape of a slice": lambda t: t[1:].reshape(-1),
}

CHANGES = {
    "+=": lambda v: v.__iadd__(100.0),
    "-=": lambda v: v.__isub__(100.0),
    "*=": lambda v: v.__imul__(3.0),
    "fill_": lambda v: v.fill_(5.0),
    "zero_": lambda v: v.zero_(),
    "copy_": lambda v: v.copy_(np.full(v.shape, 7.0)),
    "data -=": lambda v: setattr(v, "data", v.data.__isub__(1.0)),
}


@settings(max_examples=40, deadline=None)
@given(view=st.sampled_from(sorted(VIEWS)), change=st.sampled_from(sorted(CHANGES)),
       saved=st.sampled_from(["leaf", "constant"]))
def test_a_change_through_any_view_of_a_saved_array_is_refused_by_backward(view, change, saved):
    target = tg.Tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=saved == "leaf")
    other = tg.Tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    loss = (target * other).sum()  # Mul saves target, which other's gradient needs
    with tg.no_grad():
        v = VIEWS[view](target)
        CHANGES[change](v)
    assert target.version >= 1  # the base counts the change made through its view
    with pytest.raises(tg.VersionError, match="backward: Mul saved input 0"):
        loss.backward()


def test_the_optimizer_step_is_seen_through_a_transposed_weight():
    w1 = tg.Tensor([[1.0, -2.0], [0.5, 1.5]], requires_grad=True)
    w2 = tg.Tensor([[2.0, 3.0]], requires_grad=True)
    x = tg.Tensor([[1.0, 1.0]])
    opt = optim.SGD([w1, w2], lr=0.5)
    loss = ((x @ w1.T).relu() @ w2.T).sum()
    stale = ((x @ w1.T).relu() @ w2.T).sum()  # recorded before the step
    loss.backward()
    opt.step()
    opt.zero_grad()
    with pytest.raises(tg.VersionError, match="MatMul saved input 1 \\(the output of Transpose\\)"):
        stale.backward()  # the old engine gave [[0, 0], [2, 2]] silently (the truth is [[0, 0], [3, 3]])
    fresh = ((x @ w1.T).relu() @ w2.T).sum()  # recorded after the step: fine
    fresh.backward()
    assert w1.grad is not None


def test_an_intermediate_changed_through_its_view_is_refused():
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 3
    z = (y * y).sum()
    with tg.no_grad():
        v = y.reshape(3)
        v -= 100
    with pytest.raises(tg.VersionError, match="saved input 0 \\(the output of Mul\\)"):
        z.backward()


def test_views_without_changes_give_the_same_gradients_as_before():
    w = tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    loss = (w.T.reshape(6) * tg.Tensor(np.arange(6.0))).sum() + (w[1:] ** 2).sum()
    loss.backward()
    expected = np.arange(6.0).reshape(3, 2).T + np.vstack([np.zeros(3), 2 * np.arange(3.0, 6.0)])
    np.testing.assert_allclose(w.grad, expected)


def test_a_view_and_its_base_count_versions_together():
    x = tg.Tensor(np.zeros((2, 2)))
    row = x[0]
    with tg.no_grad():
        row += 1
        x.T.fill_(2.0)
    assert x.version == row.version == 2
    assert x.data.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    fresh = tg.Tensor(np.zeros(3))
    copied = fresh + 0.0  # a new array, no view: its own counter
    with tg.no_grad():
        copied += 1
    assert fresh.version == 0 and copied.version == 1


def test_a_detached_tensor_still_changes_the_array_a_replaced_leaf_had():
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    d = x.detach()
    x.data = np.zeros(3)  # the saved array is intact: backward would still be right...
    d += 1                # ...but not after this change of it through d
    with pytest.raises(tg.VersionError, match="Mul saved input 0 \\(a leaf of shape \\(3,\\)\\)"):
        y.backward()


def test_replacing_a_leafs_data_alone_still_keeps_backward_right():
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    keep = x.detach()  # holds the old array and its counter, unchanged
    x.data = np.zeros(3)
    y.backward()
    np.testing.assert_allclose(x.grad, [2.0, 4.0, 6.0])
    assert keep.version == 0


def test_looking_at_values_of_an_intermediate_changed_after_recording_refuses():
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    out = y.exp().sum()
    node = out.grad_fn.inputs[0].grad_fn  # Exp
    with tg.no_grad():
        y += 100
    with pytest.raises(tg.VersionError, match="the output of Mul \\(shape \\(3,\\)\\) was changed in place"):
        node.inputs
    with pytest.raises(tg.VersionError, match="the output of Mul"):
        tg.check_graph(out)
    with pytest.raises(tg.VersionError, match="the output of Mul"):
        tg.viz.draw_graph(out, values=True)
    tg.viz.draw_graph(out)  # the structure alone needs no values


def test_looking_at_values_of_an_intermediate_given_new_data_refuses():
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    out = y.exp().sum()
    y.data = y.data + 5
    with pytest.raises(tg.VersionError, match="the output of Mul"):
        out.grad_fn.inputs[0].grad_fn.inputs
    assert tg.check_graph((x * 2).exp().sum())  # a fresh graph is fine

"""In-place changes are detected: every Tensor counts the changes made to its data in place (``version``),
and backward, Context.inputs, check_graph, draw_graph's statistics and the CLI refuse values that the forward
pass never saw, with a VersionError naming the op, the tensor and what to do."""

import re
import textwrap

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn, optim
from tinygrad_nn.cli import main
from tinygrad_nn.nn import init


def test_the_optimizer_step_between_two_backwards_raises_instead_of_a_wrong_gradient():
    w = tg.Tensor([3.0, 4.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.5)
    y1 = (w * w).sum()
    y2 = (w * w * w).sum()
    y1.backward()
    opt.step()
    opt.zero_grad()
    with pytest.raises(tg.VersionError, match=r"backward: Mul saved input \d \(a leaf of shape \(2,\)\) for its "
                                              r"gradient, but it was changed in place after the forward .*"
                                              r"compute the loss after optimizer.step\(\)"):
        y2.backward()  # the old engine gave [9, 16] here, computed from the stepped w; the truth is [27, 48]
    assert w.grad is None


def _grad_of_ones(w):
    w.grad = np.ones_like(w.data)


def _step(make_optimizer):
    def change(w):
        _grad_of_ones(w)
        make_optimizer([w]).step()
    return change


def _under_no_grad(change):
    def changed(w):
        with tg.no_grad():
            change(w)
    return changed


def _assign_in_place_data(w):
    w.data -= 0.1 * np.ones_like(w.data)


def _load_state_dict(w):
    holder = nn.Module()
    holder.w = w
    holder.load_state_dict({"w": w.data + 1.0})


def _i(op):
    def change(w):
        op(w, 2.0)
    return change


def _iadd(w, v):
    w += v


def _isub(w, v):
    w -= v


def _imul(w, v):
    w *= v


def _idiv(w, v):
    w /= v


IN_PLACE_CHANGES = {
    "SGD.step": _step(lambda ps: optim.SGD(ps, lr=0.1)),
    "SGD.step with momentum": _step(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9)),
    "SGD.step with nesterov": _step(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True)),
    "SGD.step with weight decay": _step(lambda ps: optim.SGD(ps, lr=0.1, weight_decay=0.01)),
    "Adam.step": _step(lambda ps: optim.Adam(ps, lr=0.1)),
    "Adam.step with weight decay": _step(lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.01)),
    "Module.load_state_dict": _load_state_dict,
    "init.zeros_": init.zeros_, "init.ones_": init.ones_, "init.constant_": lambda w: init.constant_(w, 0.5),
    "init.normal_": lambda w: init.normal_(w, rng=0), "init.uniform_": lambda w: init.uniform_(w, rng=0),
    "init.kaiming_normal_": lambda w: init.kaiming_normal_(w, rng=0),
    "init.kaiming_uniform_": lambda w: init.kaiming_uniform_(w, rng=0),
    "init.xavier_normal_": lambda w: init.xavier_normal_(w, rng=0),
    "init.xavier_uniform_": lambda w: init.xavier_uniform_(w, rng=0),
    "p.data -= lr * p.grad": _assign_in_place_data,
    "+=": _under_no_grad(_i(_iadd)), "-=": _under_no_grad(_i(_isub)),
    "*=": _under_no_grad(_i(_imul)), "/=": _under_no_grad(_i(_idiv)),
    "copy_": _under_no_grad(lambda w: w.copy_(np.full(w.shape, 7.0))),
    "fill_": _under_no_grad(lambda w: w.fill_(7.0)),
    "zero_": _under_no_grad(lambda w: w.zero_()),
    "through a detach()ed tensor": lambda w: w.detach().fill_(7.0),
}


@pytest.mark.parametrize("change", IN_PLACE_CHANGES.values(), ids=IN_PLACE_CHANGES.keys())
def test_every_in_place_change_bumps_the_version_and_backward_refuses_the_stale_graph(change):
    w = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="w")
    loss = (w * w).sum()  # Mul saves w's array for its gradient
    version, array = w.version, w.data
    change(w)
    assert w.version > version
    assert w.data is array, "an in-place change keeps the tensor's array"
    w.grad = None
    with pytest.raises(tg.VersionError, match=r"^backward: Mul saved input \d \(tensor 'w'\) for its gradient, but "
                                              r"it was changed in place after the forward \(it is now at version "):
        loss.backward()


def test_the_message_names_the_module_parameter_by_its_dotted_path():
    net = nn.MLP([3, 4, 2], rng=0)
    opt = optim.SGD(net.parameters(), lr=0.1)
    loss = net(tg.Tensor(np.ones((5, 3)))).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(tg.VersionError, match=r"backward: Affine saved input \d \(parameter "
                                              r"'layers\.2\.(weight|bias)'\)") as raised:
        loss.backward()
    assert "Run the forward again" in str(raised.value)


def test_a_parameter_of_a_module_used_inside_another_is_named_from_the_outermost():
    class Block(nn.Module):
        def __init__(self):
            self.inner = nn.Linear(2, 2, rng=0)

        def forward(self, x):
            return self.inner(x).tanh()

    block = Block()
    loss = block(tg.Tensor(np.ones((1, 2)))).sum()
    with tg.no_grad():
        block.inner.weight *= 2.0
    with pytest.raises(tg.VersionError, match=r"parameter 'inner\.weight'"):
        loss.backward()


def test_versions_count_each_change_and_a_new_tensor_starts_at_zero():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    assert w.version == 0
    with tg.no_grad():
        w += 1.0
        w.zero_()
    w.data = np.array([5.0, 6.0])
    assert w.version == 3
    assert (w * 2).version == 0
    with pytest.raises(AttributeError):
        w.version = 0  # read-only, like PyTorch's _version


def test_a_detached_tensor_shares_the_version_counter_both_ways():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    d = w.detach()
    with tg.no_grad():
        w += 1.0
    assert d.version == w.version == 1
    d *= 3.0  # d does not require grad: changed in place, outside no_grad too
    assert w.version == d.version == 2
    np.testing.assert_array_equal(w.data, [6.0, 9.0])


def test_replacing_data_keeps_backward_right_but_recomputation_refuses():
    w = tg.Tensor([1.0, 2.0], requires_grad=True, name="w")
    loss = (w * w).sum()
    w.data = np.array([10.0, 20.0])  # a new array: the one Mul saved is intact
    loss.backward(retain_graph=True)
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])  # the gradient at the values the forward saw
    with pytest.raises(tg.VersionError, match=r"input 0 of Mul \(tensor 'w'\) was changed in place after the graph "
                                              r"was recorded"):
        loss.grad_fn.inputs
    with pytest.raises(tg.VersionError, match="check_graph"):
        tg.check_graph(loss)


def _stepped_network():
    net = nn.MLP([3, 4, 2], rng=0)
    loss = tg.functional.cross_entropy(net(tg.Tensor(np.ones((5, 3)))), np.array([0, 1, 0, 1, 1]))
    loss.backward()
    optim.SGD(net.parameters(), lr=0.1).step()
    return net, loss


def test_check_graph_after_an_optimizer_step_refuses_instead_of_checking_other_values():
    net, loss = _stepped_network()
    with pytest.raises(tg.VersionError, match=r"^check_graph: .*parameter 'layers\.0\.(weight|bias)'.* was changed "
                                              r"in place .*before optimizer\.step\(\)"):
        tg.check_graph(loss)


def test_context_inputs_after_an_optimizer_step_refuse():
    net, loss = _stepped_network()
    node = loss.grad_fn
    with pytest.raises(tg.VersionError, match="changed in place after the graph was recorded"):
        node.inputs


def test_a_drawing_with_values_refuses_and_one_without_needs_none():
    net, loss = _stepped_network()
    with pytest.raises(tg.VersionError, match=r"^draw_graph: cannot show the values the forward pass saw: .*"
                                              r"draw before optimizer\.step\(\)"):
        tg.viz.draw_graph(loss, values=True)
    structure = tg.viz.draw_graph(loss)
    assert "layers.0.weight" in structure.source
    gradients = tg.viz.draw_graph(loss, grads=True)  # .grad is what the forward's backward gave: still true
    assert re.search(r"layers\.0\.weight\\n\(4, 3\) float64\\ngrad min", gradients.source)


CHANGING_MODEL = textwrap.dedent("""
    import tinygrad_nn as tg

    class RenormalisesAfterUse(tg.nn.Module):
        def __init__(self):
            self.layer = tg.nn.Linear(3, 2, rng=0)

        def forward(self, x):
            out = self.layer(x)
            with tg.no_grad():
                self.layer.weight /= 2.0  # changes the weight the graph saved
            return out

    net = RenormalisesAfterUse()
""")


def test_the_draw_command_reports_a_model_that_changes_its_weights_during_forward(tmp_path, capsys):
    path = tmp_path / "changing.py"
    path.write_text(CHANGING_MODEL)
    code = main(["draw", f"{path}:net", "--input-shape", "2,3", "--grads", "-o", str(tmp_path / "g.dot")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert re.match(r"tinygrad-nn: error: --grads: backpropagating the sum of net's output failed: VersionError: "
                    r"backward: Affine saved input 1 \(parameter 'layer\.weight'\)", err), err
    assert not (tmp_path / "g.dot").exists()


# ---------------------------------------------------------------------- changes of non-leaf tensors
NON_LEAF_CHANGES = {
    "+= under no_grad": _under_no_grad(_i(_iadd)),
    "through a detach()ed tensor": lambda y: y.detach().fill_(7.0),
    "y.data -= 1": _assign_in_place_data,
    "fill_ under no_grad": _under_no_grad(lambda y: y.fill_(7.0)),
}


@pytest.mark.parametrize("change", NON_LEAF_CHANGES.values(), ids=NON_LEAF_CHANGES.keys())
def test_an_in_place_change_of_an_intermediate_saved_for_backward_is_detected(change):
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = w * 2.0
    loss = (y * y).sum()  # the second Mul saves y's array
    change(y)
    with pytest.raises(tg.VersionError):
        loss.backward()  # today: a gradient computed from the changed y, silently


def test_copy_into_an_intermediate_while_recording_is_refused_not_silently_unrecorded():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = w * 2.0
    with pytest.raises(RuntimeError, match=r"^copy_: .*made by a recorded op"):
        y.copy_(np.zeros(2))
    np.testing.assert_array_equal(y.data, [2.0, 4.0])


def test_copy_from_a_tensor_that_requires_grad_while_recording_is_refused():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    target = tg.Tensor(np.zeros(2))
    with pytest.raises(RuntimeError, match=r"^copy_: the source requires grad"):
        target.copy_(w)
    with tg.no_grad():
        target.copy_(w)  # copying values only is fine
    np.testing.assert_array_equal(target.data, [1.0, 2.0])


def test_an_in_place_change_of_a_saved_output_is_detected():
    w = tg.Tensor([0.5, 1.0], requires_grad=True)
    y = w.exp()  # Exp saves its output for its gradient
    loss = y.sum()
    with tg.no_grad():
        y += 1.0
    with pytest.raises(tg.VersionError, match="Exp saved its output"):
        loss.backward()


def test_an_intermediate_given_a_new_array_keeps_backward_right():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = w * 2.0
    loss = (y * y).sum()
    y.data = np.zeros(2)  # a new array: the one the graph saved is intact
    loss.backward()
    np.testing.assert_array_equal(w.grad, 8.0 * np.array([1.0, 2.0]))


def test_a_copied_tensor_changes_in_place_on_its_own():
    """copy.deepcopy of a fresh tensor (copy.deepcopy(model) copies every parameter) can be updated in place."""
    import copy

    original = tg.zeros(2, requires_grad=True)
    twin = copy.deepcopy(original)
    twin.data -= 1  # the first in-place change of a copy raised an AssertionError
    assert twin.version == 1 and original.version == 0
    assert twin.data.tolist() == [-1.0, -1.0] and original.data.tolist() == [0.0, 0.0]
    changed = tg.zeros(2, requires_grad=True)
    changed.data += 1
    twin = copy.deepcopy(changed)
    twin.data += 1
    assert (changed.version, twin.version) == (1, 2) and changed.data.tolist() == [1.0, 1.0]

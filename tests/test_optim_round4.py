"""Optimizers as a PyTorch user drives them: step(closure), optimizer.state[param], subclasses with
their own defaults, state that no longer fits its parameter, and params given in a shape PyTorch
users reach for by mistake (a module)."""

import copy
import re

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn, optim

MAKERS = {
    "SGD": dict(lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True),
    "Adam": dict(lr=0.05, amsgrad=True, weight_decay=0.01),
}


def closure_run(tensor, optimizers, name, steps=5):
    """Minimise ``sum((w - 1)**4)`` with ``step(closure)``: the losses ``step`` returned and the final ``w``."""
    w = tensor(np.array([0.5, -2.0, 3.0]))
    optimizer = getattr(optimizers, name)([w], **MAKERS[name])

    def closure():
        optimizer.zero_grad()
        loss = ((w - 1.0) ** 4).sum()
        loss.backward()
        return loss

    losses = [float(optimizer.step(closure).item()) for _ in range(steps)]
    return losses, np.array(w.tolist())


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_step_calls_a_closure_and_returns_its_loss_as_torch(name):
    torch = pytest.importorskip("torch")
    ours_losses, ours_w = closure_run(lambda a: tg.Tensor(a, requires_grad=True), optim, name)
    torch_losses, torch_w = closure_run(lambda a: torch.tensor(a, requires_grad=True), torch.optim, name)
    np.testing.assert_allclose(ours_losses, torch_losses, rtol=1e-12)
    np.testing.assert_allclose(ours_w, torch_w, rtol=1e-12)


def test_step_without_a_closure_returns_none_and_the_closure_records_under_no_grad():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    optimizer = optim.SGD([w], lr=0.5)

    def closure():
        optimizer.zero_grad()
        loss = (w * w).sum()
        loss.backward()   # needs a recorded graph, even when step() is called under no_grad (as in torch)
        return loss

    with tg.no_grad():
        loss = optimizer.step(closure)
    assert float(loss.item()) == 5.0
    np.testing.assert_allclose(w.data, [0.0, 0.0])
    w.grad = np.ones(2)
    assert optimizer.step() is None
    assert optimizer.step(None) is None


def test_a_closure_that_is_not_callable_is_a_clear_error_before_anything_moves():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    w.grad = np.ones(2)
    optimizer = optim.SGD([w], lr=0.5, momentum=0.9)
    with pytest.raises(TypeError, match=r"SGD\.step: closure must be a callable .* got 5 \(int\)"):
        optimizer.step(5)
    np.testing.assert_array_equal(w.data, [1.0, 2.0])
    assert not optimizer.state[w]


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_state_is_keyed_by_the_parameter_as_in_torch(name):
    a, b = tg.Tensor([1.0, 2.0], requires_grad=True), tg.Tensor([3.0], requires_grad=True)
    optimizer = getattr(optim, name)([a, b], **MAKERS[name])
    a.grad = np.ones(2)
    optimizer.step()
    fields = {"SGD": {"momentum_buffer"}, "Adam": {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}}[name]
    assert set(optimizer.state[a]) == fields
    assert optimizer.state[b] == {}   # never stepped: an empty dict, as torch's defaultdict(dict) gives
    loaded = getattr(optim, name)([a, b], **MAKERS[name])
    loaded.load_state_dict(optimizer.state_dict())
    assert set(loaded.state[a]) == fields and loaded.state[b] == {}
    b.grad = np.ones(1)
    loaded.step()
    assert set(loaded.state[b]) == fields


def test_torch_keys_state_by_the_parameter_too():
    torch = pytest.importorskip("torch")
    a = torch.ones(2, requires_grad=True)
    b = torch.ones(1, requires_grad=True)
    optimizer = torch.optim.SGD([a, b], lr=0.1, momentum=0.9)
    a.grad = torch.ones(2)
    optimizer.step()
    assert set(optimizer.state[a]) == {"momentum_buffer"} and optimizer.state[b] == {}


class PlainSGD(optim.Optimizer):
    """A subclass written as for torch.optim.Optimizer: its own defaults (no weight_decay), its own step."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, dict(lr=lr))

    def step(self, closure=None):
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    param.data -= group["lr"] * param.grad


class Scaled(optim.Optimizer):
    """A subclass with no lr at all, writing only ``_update``."""

    def __init__(self, params, scale=0.5):
        super().__init__(params, dict(scale=scale))

    def _update(self, param, grad, state, values):
        (scale,) = values
        param.data -= scale * grad


def test_a_subclass_with_its_own_defaults_works_as_in_torch():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    optimizer = PlainSGD([w])
    w.grad = np.ones(2)
    optimizer.step()
    np.testing.assert_allclose(w.data, [0.9, 1.9])
    scaled = Scaled([w])
    scaled.step()
    np.testing.assert_allclose(w.data, [0.4, 1.4])
    assert {key: value.item() for key, value in scaled.state_dict().items()} == {"param_groups.0.scale": 0.5}
    with pytest.raises(ValueError, match="PlainSGD: lr must be a finite number >= 0, got -1.0"):
        PlainSGD([w], lr=-1)


def test_torch_takes_a_subclass_without_lr_or_weight_decay():
    torch = pytest.importorskip("torch")

    class TorchScaled(torch.optim.Optimizer):
        def __init__(self, params, scale=0.5):
            super().__init__(params, dict(scale=scale))

    assert TorchScaled([torch.zeros(1, requires_grad=True)]).param_groups[0]["scale"] == 0.5


@pytest.mark.parametrize("name", sorted(MAKERS))
@pytest.mark.parametrize("new_shape", [(1,), (2, 3)])
def test_state_that_no_longer_fits_its_parameter_is_a_clear_error_and_nothing_changes(name, new_shape):
    w, other = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True), tg.Tensor([5.0], requires_grad=True)
    optimizer = getattr(optim, name)([other, w], **MAKERS[name])
    w.grad, other.grad = np.ones(3), np.ones(1)
    optimizer.step()
    w.data, w.grad = np.ones(new_shape), np.ones(new_shape)
    before = {key: np.array(value, copy=True) for key, value in optimizer.state_dict().items()}
    other_before = other.data.copy()
    shape = re.escape(str(new_shape))
    with pytest.raises(ValueError, match=rf"{name}\.step: parameter 1 of shape {shape} has state .* of shape "
                                         r"\(3,\).*replaced.*nothing was updated"):
        optimizer.step()
    after = optimizer.state_dict()
    assert before.keys() == after.keys()
    for key in before:
        np.testing.assert_array_equal(after[key], before[key])
    np.testing.assert_array_equal(other.data, other_before)
    np.testing.assert_array_equal(w.data, np.ones(new_shape))


def test_a_module_given_as_params_says_to_pass_its_parameters():
    for model in [nn.Sequential(nn.Linear(2, 2)), nn.MLP([2, 3, 1]), nn.Linear(2, 2)]:
        with pytest.raises(TypeError, match=rf"SGD: params is a {type(model).__name__} module; "
                                            r"pass model\.parameters\(\)"):
            optim.SGD(model, lr=0.1)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_a_deep_copy_of_an_optimizer_continues_with_its_state(name):
    """The copy's parameters are copies too: its state must follow them (it was keyed by the old ids)."""
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    optimizer = getattr(optim, name)([w], **MAKERS[name])
    w.grad = np.array([1.0, -3.0])
    optimizer.step()
    twin = copy.deepcopy(optimizer)
    w_twin = twin.param_groups[0]["params"][0]
    assert w_twin is not w and set(twin.state[w_twin]) == set(optimizer.state[w])
    for _ in range(3):
        w.grad, w_twin.grad = np.array([0.5, 2.0]), np.array([0.5, 2.0])
        optimizer.step()
        twin.step()
    np.testing.assert_array_equal(w_twin.data, w.data)

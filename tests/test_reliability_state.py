"""Restoring state is all or nothing: Module.load_state_dict and Optimizer.load_state_dict check and
convert every entry before assigning any, so a bad entry leaves the model and the optimizer exactly as
they were, and the error names every offending key."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import nn, optim
from tinygrad_nn.nn import init

GARBAGE = st.sampled_from([
    None, "abc", object(), 1 + 2j, [[1.0], [1.0, 2.0]], np.array(["a", "b"]), np.array([1 + 2j]),
    np.array(0.5), np.ones((7, 7)), np.array([1e300]), np.array(-1), np.array(1.5), -np.ones(3),
    np.array([True, False]), [0.1, 0.2], {"w": 1},
])


def snapshot(net):
    return {name: (tensor, tensor.data, tensor.data.copy()) for name, tensor in net.named_parameters()}


def assert_unchanged(net, before):
    for name, tensor in net.named_parameters():
        same_tensor, same_array, values = before[name]
        assert tensor is same_tensor and tensor.data is same_array
        np.testing.assert_array_equal(tensor.data, values)


# ------------------------------------------------------------------ modules
def test_a_bad_last_entry_leaves_every_parameter_as_it_was():
    net = nn.MLP([3, 4, 2], rng=0)
    state = nn.MLP([3, 4, 2], rng=1).state_dict()
    state["layers.2.bias"] = np.array(["x", "y"])  # the last of four entries
    before = snapshot(net)
    with pytest.raises(nn.StateDictError, match=r"no parameter was changed: layers.2.bias: expected real numbers, "
                                                r"got an array of dtype <U1"):
        net.load_state_dict(state)
    assert_unchanged(net, before)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 3), GARBAGE, st.sampled_from([np.float32, np.float64]))
def test_garbage_in_any_entry_raises_and_changes_nothing_or_loads_that_value(position, garbage, dtype):
    net = nn.MLP([3, 4, 2], dtype=dtype, rng=0)
    state = nn.MLP([3, 4, 2], dtype=dtype, rng=1).state_dict()
    name = list(state)[position]
    state[name] = garbage
    before = snapshot(net)
    try:
        net.load_state_dict(state)
    except nn.StateDictError as error:
        assert str(error).count(f"{name}: ") == 1
        assert_unchanged(net, before)
    else:  # the replacement happened to fit (bools of the right shape, as in PyTorch)
        np.testing.assert_array_equal(dict(net.named_parameters())[name].data, np.asarray(garbage, dtype))


def test_a_value_beyond_the_parameter_dtype_is_refused_not_made_infinite():
    layer = nn.Linear(2, 1, dtype=np.float32, rng=0)
    with pytest.raises(nn.StateDictError, match=r"bias: the value 1e\+300 does not fit in float32"):
        layer.load_state_dict({"weight": np.ones((1, 2)), "bias": np.array([1e300])})
    assert np.isfinite(layer.bias.data).all() and not (layer.weight.data == 1).all()


def test_loading_into_a_read_only_parameter_names_it_and_changes_nothing():
    layer = nn.Linear(2, 2, rng=0)
    layer.bias.data.flags.writeable = False
    before = snapshot(layer)
    with pytest.raises(nn.StateDictError, match="bias: the parameter is read-only"):
        layer.load_state_dict({"weight": np.ones((2, 2)), "bias": np.ones(2)})
    assert_unchanged(layer, before)


def test_every_problem_is_named_at_once_and_non_string_keys_are_shown():
    net = nn.MLP([3, 4, 2], rng=0)
    state = net.state_dict()
    state["layers.0.weight"] = "not an array"
    del state["layers.0.bias"]
    state[7] = np.ones(1)
    with pytest.raises(nn.StateDictError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    for text in ["layers.0.weight: expected real numbers, got a str ('not an array')",
                 "missing keys: layers.0.bias", "unexpected keys: 7"]:
        assert text in message
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)


def test_a_successful_load_writes_in_place_and_keeps_nan_as_pytorch_does():
    layer = nn.Linear(2, 1, rng=0)
    weight_array = layer.weight.data
    layer.load_state_dict({"weight": np.array([[np.nan, 2.0]]), "bias": tg.Tensor([3.0])})
    assert layer.weight.data is weight_array
    np.testing.assert_array_equal(layer.weight.data, [[np.nan, 2.0]])
    assert layer.bias.data.tolist() == [3.0]


def needs_versions():
    if not hasattr(tg.Tensor, "version"):
        pytest.skip("Tensor.version is provided by the engine")


def test_loading_initialising_and_stepping_bump_the_versions_of_parameters():
    needs_versions()
    layer = nn.Linear(2, 2, rng=0)
    versions = [p.version for p in layer.parameters()]
    layer.load_state_dict(layer.state_dict())
    assert all(p.version > v for p, v in zip(layer.parameters(), versions))
    version = layer.weight.version
    init.zeros_(layer.weight)
    assert layer.weight.version > version
    optimizer = optim.SGD(layer.parameters(), lr=0.1)
    layer(tg.Tensor([[1.0, 2.0]])).sum().backward()
    version = layer.weight.version
    optimizer.step()
    assert layer.weight.version > version


def test_nn_init_refuses_a_read_only_tensor():
    weight = tg.Tensor(np.zeros((2, 2)), requires_grad=True)
    weight.data.flags.writeable = False
    with pytest.raises(ValueError, match="nn.init: the tensor of shape \\(2, 2\\) is read-only"):
        init.ones_(weight)


# --------------------------------------------------------------- optimizers
def trained(make):
    params = [tg.Tensor([1.0, -2.0], requires_grad=True), tg.Tensor([[0.5]], requires_grad=True)]
    optimizer = make(params)
    for grads in ([np.array([1.0, 1.0]), np.array([[2.0]])], [np.array([-1.0, 0.5]), np.array([[1.0]])]):
        for param, grad in zip(params, grads):
            param.grad = grad
        optimizer.step()
    return optimizer


MAKERS = {
    "SGD": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "Adam": lambda ps: optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1),
}


def optimizer_snapshot(optimizer):
    groups = [({key: value for key, value in group.items() if key != "params"}, group)
              for group in optimizer.param_groups]
    state = {key: {field: (array, array.copy()) for field, array in fields.items()}
             for key, fields in optimizer.state.items()}
    return groups, state


def assert_optimizer_unchanged(optimizer, before):
    groups, state = before
    assert len(groups) == len(optimizer.param_groups)
    for (values, group), current in zip(groups, optimizer.param_groups):
        assert current is group and {k: v for k, v in current.items() if k != "params"} == values
    assert set(optimizer.state) == set(state)
    for key, fields in state.items():
        assert set(optimizer.state[key]) == set(fields)
        for field, (array, values) in fields.items():
            np.testing.assert_array_equal(optimizer.state[key][field], values)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(sorted(MAKERS)), st.data(), GARBAGE)
def test_garbage_in_any_optimizer_entry_raises_and_changes_nothing_or_loads_that_value(kind, data, garbage):
    optimizer = trained(MAKERS[kind])
    saved = trained(MAKERS[kind]).state_dict()
    key = data.draw(st.sampled_from(sorted(saved)))
    saved[key] = garbage
    before = optimizer_snapshot(optimizer)
    try:
        optimizer.load_state_dict(saved)
    except nn.StateDictError as error:
        message = str(error)
        assert message.startswith(f"{kind}.load_state_dict failed, nothing was changed: ")
        entry, index, field = key.split(".")
        assert key in message or (f"{entry}.{index}: {kind}: {field}" in message)  # a range check names the group
        assert_optimizer_unchanged(optimizer, before)
    else:  # the replacement happened to be valid there (e.g. 0.5 as a learning rate)
        np.testing.assert_array_equal(optimizer.state_dict()[key], np.asarray(garbage))


def test_loading_an_empty_dict_into_an_optimizer_with_state_is_an_error_not_a_wipe():
    optimizer = trained(MAKERS["Adam"])
    before = optimizer_snapshot(optimizer)
    with pytest.raises(nn.StateDictError, match="missing keys: param_groups.0.lr, param_groups.0.betas"):
        optimizer.load_state_dict({})
    assert_optimizer_unchanged(optimizer, before)
    assert optimizer.state


def test_a_bad_last_optimizer_entry_leaves_groups_and_state_as_they_were():
    optimizer = trained(MAKERS["SGD"])
    saved = trained(lambda ps: optim.SGD(ps, lr=0.5, momentum=0.5)).state_dict()
    saved["state.1.momentum_buffer"] = np.ones((3, 3))
    before = optimizer_snapshot(optimizer)
    with pytest.raises(nn.StateDictError, match=r"state.1.momentum_buffer: expected shape \(1, 1\), "
                                                r"got \(3, 3\)"):
        optimizer.load_state_dict(saved)
    assert_optimizer_unchanged(optimizer, before)
    assert optimizer.param_groups[0]["lr"] == 0.1


@pytest.mark.parametrize("key, value, words", [
    ("param_groups.0.betas", np.array(0.9), ["param_groups.0.betas: should hold 2 numbers, got shape ()"]),
    ("param_groups.0.betas", np.array([0.9, 1.0]), ["Adam: betas[1] must be in [0, 1), got 1.0"]),
    ("param_groups.0.lr", np.array(-1.0), ["Adam: lr must be a finite number >= 0, got -1.0"]),
    ("param_groups.0.lr", np.array("fast"), ["param_groups.0.lr: expected real numbers"]),
    ("state.0.step", np.array(2.5), ["state.0.step: should hold one whole step count >= 0"]),
    ("state.0.step", np.array(-3), ["state.0.step: should hold one whole step count >= 0"]),
    ("state.0.exp_avg_sq", -np.ones(2), ["state.0.exp_avg_sq: holds negative values"]),
    ("state.5.exp_avg", np.ones(2), ["state.5.exp_avg: names parameter 5, but this optimizer has 2 parameters"]),
    ("state.0.momentum_buffer", np.ones(2), ["is not Adam state (expected one of ['step', 'exp_avg', 'exp_avg_sq'])"]),
    ("lr", 0.1, ["lr: unexpected key"]),
])
def test_optimizer_load_names_the_key_and_what_is_wrong(key, value, words):
    optimizer = trained(MAKERS["Adam"])
    saved = optimizer.state_dict()
    saved[key] = value
    with pytest.raises(nn.StateDictError) as info:
        optimizer.load_state_dict(saved)
    for word in words:
        assert word in str(info.value)


def test_a_partial_parameter_state_is_refused():
    optimizer = trained(MAKERS["Adam"])
    saved = optimizer.state_dict()
    del saved["state.1.exp_avg"]
    with pytest.raises(nn.StateDictError, match=r"state.1: holds \['exp_avg_sq', 'step'\], but Adam state needs all"):
        optimizer.load_state_dict(saved)


def test_a_successful_optimizer_load_updates_the_same_group_dicts():
    optimizer = trained(MAKERS["Adam"])
    group = optimizer.param_groups[0]
    saved = trained(lambda ps: optim.Adam(ps, lr=0.5, betas=(0.5, 0.6))).state_dict()
    optimizer.load_state_dict(saved)
    assert optimizer.param_groups[0] is group and group["lr"] == 0.5 and group["betas"] == (0.5, 0.6)
    np.testing.assert_array_equal(optimizer.state_dict()["state.0.exp_avg"], saved["state.0.exp_avg"])


def test_a_loaded_state_dict_is_copied_not_shared():
    optimizer = trained(MAKERS["Adam"])
    saved = optimizer.state_dict()
    optimizer.load_state_dict(saved)
    saved["state.0.exp_avg"][...] = 99.0
    assert not (optimizer.state_dict()["state.0.exp_avg"] == 99.0).any()

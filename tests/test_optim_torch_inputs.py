"""Optimizers take what PyTorch 2.13's take: the (name, Tensor) pairs of named_parameters(), a 0-d lr."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn, optim

MAKERS = {"SGD": dict(lr=0.1, momentum=0.9), "Adam": dict(lr=0.01)}


def _gradients(model, x):
    model.zero_grad()
    (model(tg.Tensor(x)) ** 2).sum().backward()


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_named_parameters_train_as_the_parameters_do(name):
    x = np.linspace(-1, 1, 8).reshape(4, 2)
    tg.manual_seed(0)
    named_model = nn.MLP([2, 3, 1])
    plain_model = nn.MLP([2, 3, 1])
    plain_model.load_state_dict(named_model.state_dict())
    named = getattr(optim, name)(named_model.named_parameters(), **MAKERS[name])
    plain = getattr(optim, name)(plain_model.parameters(), **MAKERS[name])
    assert named.param_groups[0]["param_names"] == [n for n, _ in named_model.named_parameters()]
    assert "param_names" not in plain.param_groups[0]
    assert named.param_groups[0]["params"] == [p for _, p in named_model.named_parameters()]
    for _ in range(3):
        for model, optimizer in ((named_model, named), (plain_model, plain)):
            _gradients(model, x)
            optimizer.step()
    for a, b in zip(named_model.parameters(), plain_model.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
    assert set(named.state_dict()) == set(plain.state_dict())  # names are not saved; positions match
    plain.load_state_dict(named.state_dict())


def test_a_group_dict_of_pairs_and_add_param_group():
    model = nn.MLP([2, 3, 1])
    pairs = model.named_parameters()
    optimizer = optim.SGD([{"params": pairs[:2]}, {"params": pairs[2:], "lr": 0.5}], lr=0.1)
    assert [g["param_names"] for g in optimizer.param_groups] == [
        ["layers.0.weight", "layers.0.bias"], ["layers.2.weight", "layers.2.bias"]]
    extra = tg.Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"param group 2: is without parameter names, but the groups before "
                                         r"it are with"):
        optimizer.add_param_group({"params": [extra]})
    optimizer.add_param_group({"params": [("extra", extra)]})
    assert optimizer.param_groups[2]["param_names"] == ["extra"]
    assert "param_names: extra" in repr(optimizer)


def test_names_given_as_a_param_names_entry():
    w, b = tg.Tensor([1.0], requires_grad=True), tg.Tensor([2.0], requires_grad=True)
    optimizer = optim.SGD([{"params": [w, b], "param_names": ["w", "b"]}], lr=0.1)
    assert optimizer.param_groups[0]["param_names"] == ["w", "b"]
    with pytest.raises(TypeError, match=r"'param_names' must be a list of 2 strings"):
        optim.SGD([{"params": [w, b], "param_names": ["w"]}], lr=0.1)
    with pytest.raises(ValueError, match=r"give the names one way"):
        optim.SGD([{"params": [("w", w)], "param_names": ["w"]}], lr=0.1)


def test_named_and_unnamed_parameters_do_not_mix():
    w, b = tg.Tensor([1.0], requires_grad=True), tg.Tensor([2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"SGD: param group 0: parameter 1 has no name while others are "
                                         r"\(name, Tensor\) pairs"):
        optim.SGD([("w", w), b], lr=0.1)
    with pytest.raises(ValueError, match=r"param group 1: is without parameter names"):
        optim.SGD([{"params": [("w", w)]}, {"params": [b]}], lr=0.1)
    with pytest.raises(TypeError, match=r"parameter 0 is a str, expected a Tensor"):
        optim.SGD([("w", "not a tensor")], lr=0.1)


def test_as_in_pytorch():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    ours = nn.MLP([2, 3, 1])
    for name in ("SGD", "Adam"):
        t = getattr(torch.optim, name)(theirs.named_parameters(), lr=0.1)
        o = getattr(optim, name)(ours.named_parameters(), lr=0.1)
        assert [n.split(".")[-1] for n in o.param_groups[0]["param_names"]] == [
            n.split(".")[-1] for n in t.param_groups[0]["param_names"]]
    with pytest.raises(ValueError):
        torch.optim.SGD([("w", theirs[0].weight), theirs[0].bias], lr=0.1)


@pytest.mark.parametrize("lr", [np.array(0.1), np.array(0.1, dtype=np.float32), tg.tensor(0.1), np.array(1)])
def test_a_zero_d_array_or_tensor_is_a_number(lr):
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    optimizer = optim.Adam([w], lr=lr, betas=(np.array(0.8), tg.tensor(0.9)))
    group = optimizer.param_groups[0]
    assert type(group["lr"]) is float and group["lr"] == float(np.asarray(lr.data if hasattr(lr, "data") else lr))
    assert group["betas"] == (0.8, 0.9)


@pytest.mark.parametrize("lr", [np.array([0.1]), np.array(True), tg.Tensor([0.1]), np.array("0.1")])
def test_other_arrays_are_not_numbers(lr):
    with pytest.raises(TypeError, match=r"SGD: lr must be a number, got"):
        optim.SGD([tg.Tensor([1.0], requires_grad=True)], lr=lr)

"""Registering and finding members by name, in PyTorch's spellings: add_module / register_module,
register_parameter, get_submodule, get_parameter."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn


class Stack(nn.Module):
    """A module written the older PyTorch way: children added by name in a loop."""

    def __init__(self, depth=2):
        for index in range(depth):
            self.add_module(f"layer{index}", nn.Linear(2, 2, rng=index))
        self.register_parameter("scale", tg.ones(1, requires_grad=True))
        self.register_module("act", nn.Tanh())
        self.extra = [nn.Linear(2, 1, rng=9)]  # a plain list: `extra.0`

    def forward(self, x):
        return self.act(self.layer1(self.layer0(x))) * self.scale


def test_members_added_by_name_are_children_and_parameters():
    model = Stack()
    assert [name for name, _ in model.named_children()] == ["layer0", "layer1", "act", "extra.0"]
    assert [name for name, _ in model.named_parameters()] == [
        "scale", "layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias", "extra.0.weight", "extra.0.bias"]
    model(np.ones((3, 2))).sum().backward()
    assert model.scale.grad.shape == (1,) and model.layer0.weight.grad.shape == (2, 2)


def test_add_module_replaces_and_none_frees_a_name():
    model = Stack()
    replacement = nn.ReLU()
    model.add_module("act", replacement)
    assert model.act is replacement
    model.add_module("act", None)
    assert "act" not in [name for name, _ in model.named_children()]
    model.register_parameter("scale", None)
    assert "scale" not in dict(model.named_parameters())


def test_get_submodule_and_get_parameter_follow_every_path():
    model = Stack()
    assert model.get_submodule("") is model and model.get_submodule("layer1") is model.layer1
    assert model.get_submodule("extra.0") is model.extra[0]
    assert model.get_parameter("extra.0.bias") is model.extra[0].bias
    assert model.get_parameter("scale") is model.scale
    net = nn.MLP([2, 3, 1])
    assert net.get_submodule("layers.2") is net.layers[2]
    assert net.get_parameter("layers.0.weight") is net.layers[0].weight
    for path, module in net.named_modules():
        assert net.get_submodule(path) is module
    for path, parameter in net.named_parameters():
        assert net.get_parameter(path) is parameter


@pytest.mark.parametrize("call, error, words", [
    (lambda m: m.get_submodule("layer7"), AttributeError, "Stack.get_submodule: no module at 'layer7'; the modules "
                                                          "are at \\['layer0', 'layer1', 'act', 'extra.0'\\]"),
    (lambda m: m.get_submodule("layer0.weight"), AttributeError, "no module at 'layer0.weight'"),
    (lambda m: m.get_parameter("layer0"), AttributeError, "Stack.get_parameter: no parameter at 'layer0'"),
    (lambda m: m.get_parameter(0), TypeError, "the path must be a dotted str"),
    (lambda m: m.add_module("a.b", nn.ReLU()), ValueError, "Stack.add_module: a name must be a non-empty str "
                                                           "without '.'"),
    (lambda m: m.add_module("", nn.ReLU()), ValueError, "non-empty str"),
    (lambda m: m.add_module(1, nn.ReLU()), TypeError, "a name must be a str, got int"),
    (lambda m: m.add_module("forward", nn.ReLU()), ValueError, "the name 'forward' is taken by an attribute of Stack"),
    (lambda m: m.add_module("layer9", "relu"), TypeError, "the module 'layer9' must be a Module or None, got str"),
    (lambda m: m.register_parameter("w", np.ones(2)), TypeError, "must be a Tensor or None, got ndarray"),
    (lambda m: m.register_parameter("w", tg.ones(2)), ValueError, "'w' does not require grad"),
    (lambda m: m.register_parameter("w", tg.ones(2, requires_grad=True) * 2), ValueError, "made by an op \\(Mul\\)"),
    (lambda m: m.register_parameter("train", tg.ones(2, requires_grad=True)), ValueError, "'train' is taken"),
])
def test_bad_names_and_members_are_clear_errors_and_change_nothing(call, error, words):
    model = Stack()
    before = [name for name, _ in model.named_parameters()], [name for name, _ in model.named_modules()]
    with pytest.raises(error, match=words):
        call(model)
    assert ([name for name, _ in model.named_parameters()], [name for name, _ in model.named_modules()]) == before


def test_add_module_on_a_container_joins_its_order():
    seq = nn.Sequential(nn.Linear(2, 2))
    seq.add_module("act", nn.ReLU())  # as in PyTorch, the Sequential now applies it too
    assert len(seq) == 2 and [name for name, _ in seq.named_children()] == ["0", "act"]
    np.testing.assert_array_equal(seq(-np.ones((1, 2)) * 100).numpy() >= 0, True)
    seq.add_module("0", nn.Identity())  # an existing name: replaced in place
    assert type(seq[0]) is nn.Identity and len(seq) == 2
    heads = nn.ModuleDict({"a": nn.ReLU()})
    heads.add_module("b", nn.Tanh())
    assert list(heads.keys()) == ["a", "b"]
    with pytest.raises(TypeError, match="ModuleDict.add_module: the module 'c' is a NoneType"):
        heads.add_module("c", None)

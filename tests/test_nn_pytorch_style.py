"""nn in PyTorch's style: an MLP of Maxout units in one line, and the Flatten/Unflatten layers."""

import functools

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn


def test_an_mlp_of_maxout_units_in_one_line():
    net = nn.MLP([2, 20, 3], hidden=nn.Maxout)
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds == ["Maxout", "Linear"]  # a Maxout unit is its own nonlinearity: no activation after it
    assert [name for name, _ in net.named_parameters()] == ["layers.0.weight", "layers.0.bias",
                                                           "layers.1.weight", "layers.1.bias"]
    assert net.layers[0].weight.shape == (20, 2, 2) and net(tg.zeros(5, 2)).shape == (5, 3)
    assert net.num_parameters() == 20 * 2 * 2 + 20 * 2 + 20 * 3 + 3


def test_maxout_pieces_dtype_and_an_explicit_activation():
    net = nn.MLP([4, 3, 3, 2], hidden=functools.partial(nn.Maxout, pieces=3), activation=nn.Tanh,
                 dtype=np.float32)
    assert [type(layer).__name__ for layer in net.layers] == ["Maxout", "Tanh", "Maxout", "Tanh", "Linear"]
    assert net.layers[0].pieces == 3 and net(tg.zeros(2, 4, dtype=np.float32)).dtype == np.float32


def test_the_default_mlp_is_unchanged_and_the_seed_makes_it_reproducible():
    assert [type(layer).__name__ for layer in nn.MLP([3, 4, 4, 1]).layers] == [
        "Linear", "ReLU", "Linear", "ReLU", "Linear"]
    tg.manual_seed(3)
    first = nn.MLP([2, 4, 1], hidden=nn.Maxout).state_dict()
    tg.manual_seed(3)
    again = nn.MLP([2, 4, 1], hidden=nn.Maxout).state_dict()
    assert all(np.array_equal(first[k], again[k]) for k in first)
    with pytest.raises(TypeError, match="MLP: hidden must be a layer class"):
        nn.MLP([2, 2, 1], hidden=nn.Maxout(2, 2))


def test_flatten_and_unflatten_layers():
    x = tg.Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    flat = nn.Flatten()(x)
    assert flat.shape == (2, 12) and nn.Flatten(0, 1)(x).shape == (6, 4)
    back = nn.Unflatten(1, (3, 4))(flat)
    np.testing.assert_array_equal(back.data, x.data)
    back.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 3, 4)))
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Unflatten(1, (3, 4))) == "Unflatten(dim=1, unflattened_size=(3, 4))"


def test_state_dict_takes_pytorchs_keywords():
    net = nn.MLP([2, 3, 1])
    kept = net.state_dict(prefix="net.", keep_vars=True)
    assert list(kept) == ["net." + name for name, _ in net.named_parameters()]
    assert all(value is tensor for value, (_, tensor) in zip(kept.values(), net.named_parameters()))
    copies = net.state_dict()
    assert all(type(v) is np.ndarray and v is not t.data for v, (_, t) in zip(copies.values(), net.named_parameters()))
    filled = {"epoch": 3}
    assert net.state_dict(destination=filled, prefix="m.") is filled and list(filled)[:2] == ["epoch", "m.layers.0.weight"]
    for bad, match in [(dict(prefix=3), "prefix must be a string"), (dict(keep_vars="yes"), "keep_vars"),
                       (dict(destination=[]), "destination must be a dict")]:
        with pytest.raises(TypeError, match=match):
            net.state_dict(**bad)

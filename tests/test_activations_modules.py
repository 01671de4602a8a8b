"""The activation modules of ``tg.nn``: PyTorch's names, defaults and reprs, the same values as
``tg.functional``, a learnable ``PReLU``, and every one usable as ``nn.MLP``'s activation."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import functional as F, nn

X = np.linspace(-4, 4, 12).reshape(3, 4)

# module, the functional call it must equal, PyTorch's repr of the default module
MODULES = [
    (nn.GELU(), F.gelu, "GELU(approximate='none')"),
    (nn.GELU("tanh"), lambda x: F.gelu(x, approximate="tanh"), "GELU(approximate='tanh')"),
    (nn.SiLU(), F.silu, "SiLU()"), (nn.Mish(), F.mish, "Mish()"),
    (nn.ELU(), F.elu, "ELU(alpha=1.0)"), (nn.ELU(alpha=0.5, inplace=True), lambda x: F.elu(x, 0.5),
                                           "ELU(alpha=0.5, inplace=True)"),
    (nn.SELU(), F.selu, "SELU()"), (nn.CELU(2.0), lambda x: F.celu(x, 2.0), "CELU(alpha=2.0)"),
    (nn.Softplus(), F.softplus, "Softplus(beta=1.0, threshold=20.0)"),
    (nn.Softsign(), F.softsign, "Softsign()"), (nn.LogSigmoid(), F.logsigmoid, "LogSigmoid()"),
    (nn.Tanhshrink(), F.tanhshrink, "Tanhshrink()"),
    (nn.Softmax(dim=1), lambda x: F.softmax(x, dim=1), "Softmax(dim=1)"),
    (nn.LogSoftmax(dim=0), lambda x: F.log_softmax(x, dim=0), "LogSoftmax(dim=0)"),
    (nn.Softmin(), F.softmin, "Softmin(dim=None)"),
    (nn.Hardtanh(), F.hardtanh, "Hardtanh(min_val=-1.0, max_val=1.0)"),
    (nn.ReLU6(), F.relu6, "ReLU6()"), (nn.Hardsigmoid(), F.hardsigmoid, "Hardsigmoid()"),
    (nn.Hardswish(), F.hardswish, "Hardswish()"), (nn.ReLU(inplace=True), F.relu, "ReLU(inplace=True)"),
    (nn.LeakyReLU(), F.leaky_relu, "LeakyReLU(negative_slope=0.01)"),
    (nn.PReLU(), lambda x: F.prelu(x, np.array([0.25])), "PReLU(num_parameters=1)"),
]


@pytest.mark.parametrize("module, function, text", MODULES, ids=[text for _, _, text in MODULES])
def test_a_module_computes_its_function_and_prints_like_pytorch(module, function, text):
    np.testing.assert_array_equal(module(tg.Tensor(X)).data, function(tg.Tensor(X)).data)
    assert repr(module) == text


@pytest.mark.parametrize("module", [m for m, _, _ in MODULES], ids=[text for _, _, text in MODULES])
def test_every_activation_module_builds_an_mlp_that_trains(module):
    for activation in (type(module), module, lambda: type(module)()):
        net = nn.MLP([4, 5, 5, 2], activation=activation, rng=0)
        assert type(net.layers[1]) is type(module) and net.layers[1] is not net.layers[3]
    loss = F.cross_entropy(net(tg.Tensor(X)), np.array([0, 1, 0]))
    loss.backward()
    assert all(p.grad is not None and np.isfinite(p.grad).all() for p in net.parameters())


def test_an_mlp_made_from_a_module_instance_copies_its_options():
    net = nn.MLP([2, 3, 3, 1], activation=nn.Softplus(beta=2.0, threshold=5.0))
    assert [repr(layer) for layer in net.layers[1::2]] == ["Softplus(beta=2.0, threshold=5.0)"] * 2


def test_prelu_learns_one_slope_or_one_per_channel():
    shared = nn.PReLU()
    assert [name for name, _ in shared.named_parameters()] == ["weight"] and shared.weight.shape == (1,)
    per_channel = nn.PReLU(num_parameters=3, init=0.1, dtype=np.float32)
    x = tg.Tensor(-np.ones((2, 3, 4), dtype=np.float32))
    out = per_channel(x)
    out.sum().backward()
    assert out.dtype == np.float32 and per_channel.weight.dtype == np.float32
    np.testing.assert_array_equal(per_channel.weight.grad, [-8.0, -8.0, -8.0])   # sum of x where x <= 0
    optimizer = tg.optim.SGD(per_channel.parameters(), lr=0.1)
    optimizer.step()
    np.testing.assert_allclose(per_channel.weight.data, [0.9, 0.9, 0.9], rtol=1e-6)


def test_prelu_state_dict_round_trips():
    source = nn.PReLU(num_parameters=2, init=0.3)
    target = nn.PReLU(num_parameters=2)
    target.load_state_dict(source.state_dict())
    np.testing.assert_array_equal(target.weight.data, [0.3, 0.3])


@pytest.mark.parametrize("make, message", [
    (lambda: nn.GELU("exact"), "approximate must be 'none' or 'tanh'"),
    (lambda: nn.CELU(alpha=0), "alpha must not be 0"),
    (lambda: nn.Softplus(beta=0.0), "beta must not be 0"),
    (lambda: nn.Hardtanh(1.0, -1.0), "min_val .* cannot be greater than max_val"),
    (lambda: nn.PReLU(num_parameters=0), "num_parameters must be a positive int"),
])
def test_bad_options_are_refused_when_the_module_is_made(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_prelu_with_a_channel_count_that_does_not_fit_names_both_shapes():
    with pytest.raises(ValueError, match=r"weight of shape \(3,\) has 3 slopes, but the input of shape \(2, 4\)"):
        nn.PReLU(3)(tg.Tensor(np.ones((2, 4))))


def test_watch_units_watches_the_classic_activations_and_leaves_the_new_ones_alone():
    net = nn.Sequential(nn.Linear(2, 4, rng=0), nn.GELU(), nn.Linear(4, 4, rng=1), nn.ReLU(),
                        nn.Linear(4, 4, rng=2), nn.PReLU(), nn.Hardtanh(), nn.Softmax(dim=1))
    with nn.watch_units(net) as watcher:
        net(tg.Tensor(np.random.default_rng(0).normal(size=(8, 2))))
    assert list(watcher.stats()) == ["3"] and "ReLU" in watcher.report()

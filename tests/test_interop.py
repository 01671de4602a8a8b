"""``tinygrad_nn.interop``: to PyTorch and back with the same structure, state_dict names and weights;
outputs and gradients match to 1e-10 in float64. Runs only where torch imports (it is never a
dependency); the ImportError without torch is tested everywhere."""

import sys
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import interop, nn


def test_without_torch_a_conversion_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    monkeypatch.setattr(interop, "_TORCH_CLASSES", {})  # as before any conversion ran in this process
    with pytest.raises(ImportError, match="pip install torch"):
        interop.to_torch(nn.Linear(2, 3))
    with pytest.raises(ImportError, match="needs PyTorch"):
        interop.TorchMaxout


def test_every_activation_module_of_nn_has_a_pytorch_equivalent_in_the_table():
    activations = {name for name in nn.activation.__all__
                   if isinstance(getattr(nn.activation, name), type) and issubclass(getattr(nn.activation, name),
                                                                                    nn.Module)}
    assert activations and activations <= set(interop.MODULES), activations - set(interop.MODULES)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def activation_modules():
    return [getattr(nn, name)() for name in sorted(interop.MODULES)
            if hasattr(nn, name) and name not in ("Dropout", "Flatten", "Unflatten")]


def networks():
    tg.manual_seed(0)
    return {
        "mlp relu": nn.MLP([3, 5, 4, 2]),
        "mlp tanh": nn.MLP([3, 4, 2], activation=nn.Tanh),
        "mlp maxout": nn.MLP([3, 6, 2], hidden=nn.Maxout),
        "maxout pieces": nn.Maxout(3, 2, pieces=3),
        "sequential": nn.Sequential(nn.Unflatten(1, (3, 1)), nn.Flatten(), nn.Linear(3, 4), nn.LeakyReLU(0.2),
                                    nn.Dropout(0.5), nn.Linear(4, 2, bias=False), nn.Sigmoid(), nn.Identity()),
        "activations": nn.Sequential(nn.Linear(3, 3), *activation_modules()),
        "named sequential": nn.Sequential({"hidden": nn.Linear(3, 4), "act": nn.Tanh(), "out": nn.Linear(4, 2)}),
    }


def outputs_and_gradients_match(ours, theirs, torch, x):
    """Run both on x, backpropagate the same upstream gradient, compare outputs and every gradient."""
    mine = tg.Tensor(x, requires_grad=True)
    reference = torch.tensor(x, requires_grad=True)
    out, expected = ours(mine), theirs(reference)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=1e-10, atol=1e-12)
    torch_grads = {name: p.grad.numpy() for name, p in theirs.named_parameters()}
    for name, parameter in ours.named_parameters():
        np.testing.assert_allclose(parameter.grad, torch_grads[name], rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("name", sorted(networks()))
def test_to_torch_keeps_structure_names_weights_outputs_and_gradients(torch, name):
    ours = networks()[name].eval() if name == "sequential" else networks()[name]
    theirs = interop.to_torch(ours)
    assert isinstance(theirs, torch.nn.Module) and theirs.training == ours.training
    assert list(theirs.state_dict()) == list(ours.state_dict())
    for key, value in ours.state_dict().items():
        assert theirs.state_dict()[key].dtype == torch.float64
        np.testing.assert_array_equal(theirs.state_dict()[key].numpy(), value)
    outputs_and_gradients_match(ours, theirs, torch, np.random.default_rng(2).standard_normal((4, 3)))


@pytest.mark.parametrize("name", sorted(networks()))
def test_from_torch_brings_the_module_back(torch, name):
    original = networks()[name].eval()
    back = interop.from_torch(interop.to_torch(original))
    assert [(path, type(m)) for path, m in back.named_modules()] == [
        (path, type(m)) for path, m in original.named_modules()]
    for (key, value), (other, theirs) in zip(original.state_dict().items(), back.state_dict().items()):
        assert key == other
        np.testing.assert_array_equal(value, theirs)
    x = tg.Tensor(np.random.default_rng(4).standard_normal((3, 3)))
    np.testing.assert_array_equal(back(x).data, original(x).data)


def test_each_module_keeps_its_own_training_mode_both_ways(torch):
    ours = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.ReLU(), nn.Linear(4, 2))
    ours[1].eval()  # a frozen dropout inside a network in training mode
    theirs = interop.to_torch(ours)
    assert [m.training for m in theirs.modules()] == [True, True, False, True, True]
    theirs[3].eval()
    back = interop.from_torch(theirs)
    assert [m.training for _, m in back.named_modules()] == [True, True, False, True, False]


def test_frozen_parameters_stay_frozen_both_ways(torch):
    ours = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    ours[0].weight.requires_grad = False
    theirs = interop.to_torch(ours)
    assert [(name, p.requires_grad) for name, p in theirs.named_parameters()] == [
        ("0.weight", False), ("0.bias", True), ("1.weight", True), ("1.bias", True)]
    theirs[1].bias.requires_grad_(False)
    back = interop.from_torch(theirs)
    assert [(name, p.requires_grad) for name, p in back.named_parameters()] == [
        ("0.weight", False), ("0.bias", True), ("1.weight", True), ("1.bias", False)]


def test_float32_torch_weights_come_over_as_float32(torch):
    layer = torch.nn.Linear(3, 2)  # float32, torch's default
    ours = interop.from_torch(layer)
    assert ours.weight.dtype == np.float32 and ours.bias.dtype == np.float32
    np.testing.assert_array_equal(ours.weight.data, layer.weight.detach().numpy())


def test_a_network_built_in_torch_comes_over_and_trains_the_same(torch):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)).double()
    ours = interop.from_torch(theirs)
    assert isinstance(ours[0], nn.Linear) and isinstance(ours[1], nn.ReLU)
    outputs_and_gradients_match(ours, theirs, torch, np.random.default_rng(3).standard_normal((5, 3)))


def test_float32_stays_float32_both_ways(torch):
    ours = nn.Linear(2, 3, dtype=np.float32)
    theirs = interop.to_torch(ours)
    assert theirs.weight.dtype == torch.float32
    assert interop.from_torch(theirs).weight.dtype == np.float32


def test_tensors_convert_with_requires_grad(torch):
    t = tg.Tensor([1.0, 2.0], requires_grad=True)
    converted = interop.to_torch(t)
    assert converted.requires_grad and converted.dtype == torch.float64 and converted.tolist() == [1.0, 2.0]
    back = interop.from_torch(converted * 2)
    assert isinstance(back, tg.Tensor) and back.tolist() == [2.0, 4.0] and back.requires_grad


def test_unknown_modules_are_refused_naming_them_and_where_they_sit(torch):
    with pytest.raises(TypeError, match=r"from_torch: no tinygrad_nn equivalent for torch.nn.Conv2d \(at '1'\)"):
        interop.from_torch(torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Conv2d(1, 1, 1)))

    class Custom(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match=r"to_torch: no PyTorch equivalent for Custom \(at 'layers.1'\)"):
        net = nn.MLP([2, 2])
        net.layers = nn.Sequential(nn.Linear(2, 2), Custom())
        interop.to_torch(net)


def test_a_module_used_twice_stays_one_module_used_twice_both_ways(torch):
    shared = torch.nn.Linear(3, 3).double()
    theirs = torch.nn.Sequential(shared, torch.nn.ReLU(), shared)
    ours = interop.from_torch(theirs)
    assert len(ours) == 3 and ours[0] is ours[2]  # named_children() lists a shared module once
    x = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_allclose(ours(tg.Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    lin = nn.Linear(3, 3)
    back = interop.to_torch(nn.Sequential(lin, nn.ReLU(), lin))
    assert back[0] is back[2] and sum(p.numel() for p in back.parameters()) == 12


def test_subclasses_containers_holding_none_and_a_guessed_softmax_axis_are_refused(torch):
    class Scaled(nn.Linear):
        def forward(self, x):
            return super().forward(x) * 2

    class TorchScaled(torch.nn.Linear):
        def forward(self, x):
            return super().forward(x) * 2

    with pytest.raises(TypeError, match="to_torch: no PyTorch equivalent for Scaled"):
        interop.to_torch(Scaled(2, 2))
    with pytest.raises(TypeError, match="from_torch: no tinygrad_nn equivalent for torch.nn.TorchScaled"):
        interop.from_torch(TorchScaled(2, 2))
    holding_none = torch.nn.Sequential(OrderedDict(fc1=torch.nn.Linear(3, 4), act=torch.nn.ReLU()))
    holding_none.act = None
    with pytest.raises(TypeError, match="torch.nn.Sequential holds None under \\['act'\\]"):
        interop.from_torch(holding_none)
    with pytest.raises(TypeError, match="Softmax\\(dim=None\\) picks its axis"):
        interop.from_torch(torch.nn.Softmax())


def test_dtypes_the_other_library_lacks_are_refused_by_name_and_prelu_keeps_its_dtype(torch):
    with pytest.raises(TypeError, match="numpy has no torch.bfloat16"):
        interop.from_torch(torch.nn.Linear(2, 2).to(torch.bfloat16))
    if hasattr(np, "longdouble") and np.dtype(np.longdouble).itemsize > 8:
        with pytest.raises(TypeError, match="PyTorch has no float128"):
            interop.to_torch(nn.Linear(2, 2, dtype=np.longdouble))
    assert interop.from_torch(torch.nn.PReLU()).weight.dtype == np.float32


def test_module_lists_and_dicts_convert_both_ways_with_their_names(torch):
    tg.manual_seed(3)
    shared = nn.Linear(2, 2)
    ours = nn.ModuleDict({"trunk": nn.ModuleList([shared, nn.Tanh(), shared]), "head": nn.Linear(2, 1)})
    theirs = interop.to_torch(ours)
    assert type(theirs) is torch.nn.ModuleDict and type(theirs["trunk"]) is torch.nn.ModuleList
    assert list(theirs.keys()) == ["trunk", "head"] and theirs["trunk"][0] is theirs["trunk"][2]
    # (torch's state_dict lists the shared layer under both paths; named_parameters lists it once, as ours)
    assert [name for name, _ in theirs.named_parameters()] == list(ours.state_dict())
    back = interop.from_torch(theirs)
    assert type(back) is nn.ModuleDict and type(back["trunk"]) is nn.ModuleList and back["trunk"][0] is back["trunk"][2]
    for (key, value), (other, theirs_value) in zip(ours.state_dict().items(), back.state_dict().items()):
        assert key == other
        np.testing.assert_array_equal(value, theirs_value)
    built_in_torch = torch.nn.Sequential(OrderedDict(fc1=torch.nn.Linear(3, 4), act=torch.nn.ReLU()))
    assert [name for name, _ in interop.from_torch(built_in_torch).named_children()] == ["fc1", "act"]

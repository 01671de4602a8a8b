"""Module trees against PyTorch's ``nn.Module``: assignment rules, nested containers, repr, walk options.

Each case was a silent difference from PyTorch (a parameter that vanished,
parameters left out, a repr that hid positions) or a raw Python error. The
comparisons with torch itself skip when it is not installed.
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import nn


def parameter_names(module, **options):
    return [name for name, _ in module.named_parameters(**options)]


# ------------------------------------------------------------- assignment rules
@pytest.mark.parametrize("replacement", [np.ones((3, 2)), 1.0, [[1.0, 2.0]] * 3])
def test_a_parameter_cannot_be_replaced_by_an_array_or_a_number(replacement):
    layer = nn.Linear(2, 3, rng=0)
    weight = layer.weight
    optimizer = tg.optim.SGD(layer.parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"Linear: cannot assign a \w+ to the parameter 'weight'.*load_state_dict"):
        layer.weight = replacement       # PyTorch: "cannot assign ... as parameter 'weight'"
    assert layer.weight is weight and parameter_names(layer) == ["weight", "bias"]
    assert optimizer.param_groups[0]["params"][0] is layer.weight   # still the tensor it trains


def test_a_parameter_can_be_replaced_by_a_tensor_or_none_or_deleted_first():
    layer = nn.Linear(2, 3, rng=0)
    frozen = tg.Tensor(np.zeros((3, 2)), requires_grad=True)
    frozen.requires_grad = False                           # frozen: still a parameter
    layer.weight = frozen
    assert layer.weight is frozen and parameter_names(layer) == ["weight", "bias"]
    layer.weight = tg.Tensor(np.ones((3, 2)))              # a constant plugged in (a function of the weights)
    assert parameter_names(layer) == ["bias"]              # ...is no parameter: documented difference
    layer.bias = None                                      # as Linear(bias=False)
    assert parameter_names(layer) == []
    assert layer(np.ones((1, 2))).data.tolist() == [[2.0, 2.0, 2.0]]
    del layer.weight                                       # deleting first frees the name for anything
    layer.weight = np.ones((3, 2))
    assert layer.weight.shape == (3, 2)


def test_a_child_module_cannot_be_replaced_by_something_that_is_no_module():
    net = nn.MLP([2, 3, 1], rng=0)
    layers = net.layers
    with pytest.raises(TypeError, match=r"MLP.*'layers'.*Module or None"):
        net.layers = tg.functional.relu
    assert net.layers is layers and len(parameter_names(net)) == 4
    net.layers = nn.Sequential(nn.Linear(2, 1, rng=0))     # another module: fine
    assert parameter_names(net) == ["layers.0.weight", "layers.0.bias"]
    net.layers = None
    assert parameter_names(net) == []


def test_assignment_is_refused_where_pytorch_refuses_it():
    torch = pytest.importorskip("torch")
    for value in (np.ones((3, 2)), 1.0, None):
        outcome = []
        for module in (torch.nn.Linear(2, 3), nn.Linear(2, 3, rng=0)):
            try:
                module.weight = value
                outcome.append("accepted")
            except TypeError:
                outcome.append("TypeError")
        assert outcome[0] == outcome[1], value
    for module in (torch.nn.Sequential(torch.nn.ReLU()), nn.Sequential(nn.ReLU())):
        with pytest.raises(TypeError):
            setattr(module, "0", 3)


# ------------------------------------------------------------- nested containers
class Nested(nn.Module):
    """Modules and parameters inside lists of lists, tuples in lists and lists in dicts."""

    def __init__(self):
        self.stages = [[nn.Linear(2, 2, rng=0), nn.Linear(2, 2, rng=1)], (nn.Linear(2, 2, rng=2),)]
        self.heads = {"a": [nn.Linear(2, 1, rng=3)]}
        self.scales = [[tg.Tensor(np.ones(2), requires_grad=True)]]

    def forward(self, x):
        for stage in self.stages:
            for layer in stage:
                x = layer(x)
        return self.heads["a"][0](x * self.scales[0][0])


def test_modules_and_parameters_in_nested_lists_and_dicts_are_found():
    model = Nested()
    names = parameter_names(model)
    assert names == ["scales.0.0",                      # its own parameters first, as PyTorch
                     "stages.0.0.weight", "stages.0.0.bias", "stages.0.1.weight", "stages.0.1.bias",
                     "stages.1.0.weight", "stages.1.0.bias", "heads.a.0.weight", "heads.a.0.bias"]
    model(tg.Tensor(np.ones((4, 2)))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())   # every one of them trains
    fresh = Nested()
    fresh.load_state_dict(model.state_dict())
    assert all(np.array_equal(a, b) for a, b in zip(fresh.state_dict().values(), model.state_dict().values()))
    assert [path for path, _ in model.named_modules()] == ["", "stages.0.0", "stages.0.1", "stages.1.0", "heads.a.0"]


def test_a_list_that_contains_itself_is_walked_once():
    class Loop(nn.Module):
        def __init__(self):
            self.items = [nn.Linear(1, 1, rng=0)]
            self.items.append(self.items)

        def forward(self, x):
            return x

    assert parameter_names(Loop()) == ["items.0.weight", "items.0.bias"]


# ------------------------------------------------------------- repr
def test_repr_lists_every_position_of_a_sequential_even_a_shared_module():
    shared = nn.Linear(2, 2, rng=0)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert repr(seq) == ("Sequential(\n"
                         "  (0): Linear(in_features=2, out_features=2, bias=True)\n"
                         "  (1): ReLU()\n"
                         "  (2): Linear(in_features=2, out_features=2, bias=True)\n"
                         ")")
    assert parameter_names(seq) == ["0.weight", "0.bias"]   # the walk still lists it once
    assert seq._repr_html_().count("(2)</b>") == 1


def test_repr_matches_pytorch_for_a_shared_module():
    torch = pytest.importorskip("torch")
    shared = torch.nn.Linear(2, 2)
    ours = nn.Linear(2, 2, rng=0)
    assert repr(nn.Sequential(ours, nn.ReLU(), ours)) == repr(torch.nn.Sequential(shared, torch.nn.ReLU(), shared))


def test_repr_of_a_module_tree_with_a_cycle_ends():
    outer = nn.Sequential(nn.Linear(1, 1, rng=0))
    inner = nn.Sequential(outer)
    outer.append(inner)
    text = repr(outer)
    assert text == ("Sequential(\n"
                    "  (0): Linear(in_features=1, out_features=1, bias=True)\n"
                    "  (1): Sequential(\n"
                    "    (0): Sequential(<shown above>)\n"
                    "  )\n"
                    ")")
    assert "shown above" in outer._repr_html_()


# ------------------------------------------------------------- walk options
def test_recurse_false_lists_only_a_modules_own_parameters():
    net = nn.MLP([2, 3, 1], rng=0)
    assert net.parameters(recurse=False) == [] and net.named_parameters(recurse=False) == []
    layer = net.layers[0]
    assert layer.parameters(recurse=False) == [layer.weight, layer.bias]
    with pytest.raises(TypeError, match="recurse must be True or False"):
        net.parameters(recurse="no")


@given(prefix=st.sampled_from(["", "model", "a.b"]))
@settings(max_examples=5)
def test_prefix_is_put_before_every_name(prefix):
    net = nn.MLP([2, 3, 1], rng=0)
    join = (lambda name: f"{prefix}.{name}" if name else prefix) if prefix else (lambda name: name)
    assert parameter_names(net, prefix=prefix) == [join(name) for name in parameter_names(net)]
    assert [path for path, _ in net.named_modules(prefix=prefix)] == [join(path) for path, _ in net.named_modules()]
    with pytest.raises(TypeError, match="prefix must be a str"):
        net.named_modules(prefix=3)


def test_walk_options_match_pytorch():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    ours = nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 1, rng=0))
    for options in ({"prefix": "p"}, {"recurse": False}, {"prefix": "p", "recurse": False}):
        assert parameter_names(ours, **options) == [name for name, _ in theirs.named_parameters(**options)]
    assert [p for p, _ in ours.named_modules(prefix="p")] == [p for p, _ in theirs.named_modules(prefix="p")]
    assert parameter_names(ours[0], recurse=False) == [n for n, _ in theirs[0].named_parameters(recurse=False)]


# ------------------------------------------------------------- PReLU's num_parameters attribute
def test_a_net_with_a_prelu_displays_and_draws():
    """PReLU's ``num_parameters`` is its width (PyTorch's attribute), which shadows the counting method."""
    net = nn.Sequential(nn.Linear(2, 3, rng=0), nn.PReLU(3))
    assert net[1].num_parameters == 3
    assert "12 parameters" in net._repr_html_()
    assert "3 parameters: weight (3,)" in net[1]._repr_html_()
    assert "12 parameters" in tg.viz.draw_module(net).source

"""A review of the containers against torch.nn 2.13: each test failed before its fix.

The comparisons with PyTorch skip when torch is not installed; the rest runs everywhere.
"""

import types
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn


def child_names(module):
    return [name for name, _ in module.named_children()]


def positions(container):
    """The names in the container's own order, a module held twice listed twice (as torch's ``_modules``)."""
    return list(container._names)


# ------------------------------------------------------------------ attributes are children, as in PyTorch
def test_assigning_a_module_attribute_to_a_container_adds_a_child():
    seq = nn.Sequential(nn.Linear(2, 2, rng=0))
    seq.extra = nn.Tanh()  # torch: registered in _modules, so len, iteration and forward see it
    assert len(seq) == 2 and seq[-1] is seq.extra and child_names(seq) == ["0", "extra"]
    x = np.full((1, 2), 50.0)
    assert np.all(np.abs(seq(x).numpy()) <= 1)  # the Tanh ran
    heads = nn.ModuleDict({"a": nn.ReLU()})
    heads.b = nn.Tanh()
    assert list(heads) == ["a", "b"] and len(heads) == 2 and heads["b"] is heads.b
    blocks = nn.ModuleList([nn.ReLU()])
    blocks.named = nn.Tanh()
    assert len(blocks) == 2 and list(blocks)[1] is blocks.named


def test_deleting_a_child_attribute_removes_it_from_the_container():
    seq = nn.Sequential(OrderedDict(a=nn.ReLU(), b=nn.Tanh()))
    del seq.a  # used to leave 'a' in the order: len 2, and iterating raised a bare KeyError
    assert len(seq) == 1 and [type(m).__name__ for m in seq] == ["Tanh"] and child_names(seq) == ["b"]
    heads = nn.ModuleDict({"a": nn.ReLU(), "b": nn.Tanh()})
    delattr(heads, "a")
    assert list(heads) == ["b"] and "a" not in heads and list(heads.values()) == [heads.b]


def test_a_child_of_a_container_is_replaced_only_by_a_module():
    seq = nn.Sequential(OrderedDict(a=nn.ReLU(), b=nn.Tanh()))
    for value in (None, 3):
        with pytest.raises(TypeError, match="cannot assign an? (NoneType|int) to the child 'a': a Sequential holds "
                                            "Modules only"):
            seq.a = value
        assert positions(seq) == ["a", "b"] and isinstance(seq.a, nn.ReLU)
    with pytest.raises(ValueError, match="without '.'"):
        setattr(seq, "x.y", nn.ReLU())
    assert positions(seq) == ["a", "b"] and "x.y" not in vars(seq)
    seq.note = "a plain attribute"  # anything but a module stays a plain attribute
    assert positions(seq) == ["a", "b"]


def test_a_subclass_of_sequential_applies_the_modules_it_assigns():
    class Stack(nn.Sequential):
        def __init__(self):
            super().__init__(nn.Linear(2, 3, rng=0))
            self.head = nn.Linear(3, 1, rng=1)  # torch's Sequential applies it too
            self.scale = 2.0

    stack = Stack()
    assert child_names(stack) == ["0", "head"] and stack(np.ones((4, 2))).shape == (4, 1)


def test_attribute_children_match_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Sequential(nn.ReLU()), torch.nn.Sequential(torch.nn.ReLU())
    ours.extra, theirs.extra = nn.Tanh(), torch.nn.Tanh()
    assert positions(ours) == list(theirs._modules) and len(ours) == len(theirs)
    del ours[0], theirs[0]
    assert positions(ours) == list(theirs._modules)


# ------------------------------------------------------------------ Sequential * n
def test_sequential_times_an_int_repeats_the_modules_as_torch():
    relu, tanh = nn.ReLU(), nn.Tanh()
    seq = nn.Sequential(relu, tanh)
    for twice in (seq * 2, 2 * seq):
        assert list(twice) == [relu, tanh, relu, tanh] and positions(twice) == ["0", "1", "2", "3"]
    assert list(seq) == [relu, tanh]
    same = seq
    seq *= 3
    assert seq is same and list(seq) == [relu, tanh] * 3 and positions(seq) == [str(i) for i in range(6)]


@pytest.mark.parametrize("factor, error, words", [(0, ValueError, "positive int"), (-1, ValueError, "got -1"),
                                                 (2.0, TypeError, "unsupported operand"),
                                                 ("2", TypeError, "multiply sequence|unsupported operand")])
def test_sequential_times_a_bad_factor_is_an_error_and_changes_nothing(factor, error, words):
    seq = nn.Sequential(nn.ReLU(), nn.Tanh())
    with pytest.raises(error, match=words):
        seq * factor
    with pytest.raises(error, match=words):
        seq *= factor
    assert len(seq) == 2


def test_sequential_times_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Sequential(nn.ReLU(), nn.Tanh()), torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Tanh())
    assert positions(ours * 3) == list((theirs * 3)._modules)
    ours *= 2
    theirs *= 2
    assert positions(ours) == list(theirs._modules)
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]


# ------------------------------------------------------------------ ModuleDict views and mappings
def test_module_dict_keys_values_items_are_views_as_a_dicts():
    a, b = nn.ReLU(), nn.Tanh()
    heads = nn.ModuleDict({"a": a, "b": b})
    keys, values, items = heads.keys(), heads.values(), heads.items()
    assert keys == {"a", "b"} and keys & {"a", "z"} == {"a"} and len(values) == 2 and ("b", b) in items
    heads["c"] = nn.Sigmoid()  # live, as torch's (they are views of _modules)
    assert list(keys) == ["a", "b", "c"] and len(values) == 3 and list(items)[2] == ("c", heads.c)
    assert repr(keys) == "ModuleDict.keys(['a', 'b', 'c'])"


def test_module_dict_keys_compare_as_torchs():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.ModuleDict({"a": torch.nn.ReLU(), "b": torch.nn.Tanh()})
    ours = nn.ModuleDict({"a": nn.ReLU(), "b": nn.Tanh()})
    for probe in ({"a", "b"}, ["a", "b"], {"a"}):
        assert (ours.keys() == probe) == (theirs.keys() == probe)
    assert (ours.keys() & {"b"}) == (theirs.keys() & {"b"})


def test_module_dict_takes_any_mapping():
    relu = nn.ReLU()
    heads = nn.ModuleDict(types.MappingProxyType({"ab": relu}))  # was read as pairs: "ab" -> ("a", "b")
    assert list(heads) == ["ab"] and heads.ab is relu
    heads.update(types.MappingProxyType({"cd": nn.Tanh()}))
    assert list(heads) == ["ab", "cd"]


# ------------------------------------------------------------------ errors name the container
@pytest.mark.parametrize("index, error, words", [(slice(None, None, 0), ValueError, "slice step cannot be zero"),
                                                (slice(1.0, None), TypeError, "slice indices must be integers")])
@pytest.mark.parametrize("kind", [nn.Sequential, nn.ModuleList])
def test_a_bad_slice_names_the_container(kind, index, error, words):
    container = kind([nn.ReLU(), nn.Tanh()]) if kind is nn.ModuleList else kind(nn.ReLU(), nn.Tanh())
    with pytest.raises(error, match=f"{kind.__name__} slice: {words}"):
        container[index]
    with pytest.raises(error, match=f"{kind.__name__} del of a slice: {words}"):
        del container[index]
    assert len(container) == 2 and positions(container) == ["0", "1"]


# ------------------------------------------------------------------ interop keeps every name
def test_to_torch_keeps_a_module_lists_own_names_and_parameters():
    torch = pytest.importorskip("torch")
    from tinygrad_nn import interop
    blocks = nn.ModuleList([nn.Linear(2, 2, rng=0)])
    blocks.add_module("extra", nn.Linear(2, 3, rng=1))  # was renumbered 0, 1: the state_dict names changed
    blocks.register_parameter("scale", tg.ones(2, requires_grad=True))  # was dropped
    theirs = interop.to_torch(blocks)
    assert type(theirs) is torch.nn.ModuleList
    assert list(theirs.state_dict()) == list(blocks.state_dict()) == ["scale", "0.weight", "0.bias", "extra.weight",
                                                                      "extra.bias"]
    for name, value in blocks.state_dict().items():
        np.testing.assert_array_equal(theirs.state_dict()[name].numpy(), value)
    back = interop.from_torch(theirs)
    assert type(back) is nn.ModuleList and list(back.state_dict()) == list(blocks.state_dict())


def test_from_torch_keeps_a_containers_names_and_own_parameters():
    torch = pytest.importorskip("torch")
    from tinygrad_nn import interop
    theirs = torch.nn.ModuleList([torch.nn.Linear(2, 2)])
    theirs.add_module("x", torch.nn.Tanh())
    seq = torch.nn.Sequential(torch.nn.Linear(2, 2))
    seq.register_parameter("gate", torch.nn.Parameter(torch.ones(2, dtype=torch.float64), requires_grad=False))
    for module in (theirs, seq):
        ours = interop.from_torch(module)
        assert list(ours.state_dict()) == list(module.state_dict())
        assert [name for name, _ in ours.named_parameters()] == [name for name, _ in module.named_parameters()]
    assert interop.from_torch(seq).gate.requires_grad is False


def test_a_shared_parameter_of_a_container_stays_shared_through_interop():
    pytest.importorskip("torch")
    from tinygrad_nn import interop
    blocks = nn.ModuleList([nn.Linear(2, 2, rng=0)])
    blocks.register_parameter("tied", blocks[0].weight)
    theirs = interop.to_torch(blocks)
    assert theirs.tied is theirs[0].weight
    back = interop.from_torch(theirs)
    assert back.tied is back[0].weight


def test_from_torch_refuses_what_would_be_lost_or_renamed_naming_it():
    torch = pytest.importorskip("torch")
    from tinygrad_nn import interop
    with_buffer = torch.nn.Sequential(torch.nn.Linear(2, 2))
    with_buffer.register_buffer("running", torch.zeros(2))  # was silently dropped
    with pytest.raises(TypeError, match=r"from_torch: the torch.nn.Sequential holds the buffers \['running'\]"):
        interop.from_torch(with_buffer)
    taken = torch.nn.ModuleDict({"num_parameters": torch.nn.ReLU()})  # a method of ours, free in torch
    with pytest.raises(TypeError, match="from_torch: the child 'num_parameters' of the torch.nn.ModuleDict cannot "
                                        "keep its name"):
        interop.from_torch(taken)
    with pytest.raises(TypeError, match=r"at 'outer'"):
        interop.from_torch(torch.nn.ModuleDict({"outer": taken}))


def test_to_torch_refuses_names_torch_takes_for_itself_naming_them():
    pytest.importorskip("torch")
    from tinygrad_nn import interop
    with pytest.raises(TypeError, match="to_torch: the child 'cuda' of the ModuleDict cannot keep its name in "
                                        "PyTorch"):
        interop.to_torch(nn.ModuleDict({"cuda": nn.ReLU()}))
    hidden = nn.ModuleList([nn.ReLU()])
    hidden.stash = [nn.Tanh()]  # a list attribute: a child here, nothing torch's ModuleList would hold
    with pytest.raises(TypeError, match=r"to_torch: the ModuleList holds modules outside its children \(at "
                                        r"\['stash.0'\]"):
        interop.to_torch(hidden)


# ------------------------------------------------------------------ copy.deepcopy of a model keeps working
def test_a_deep_copy_of_a_model_with_containers_trains_on_its_own():
    import copy

    class Net(nn.Module):
        def __init__(self):
            self.blocks = nn.ModuleList([nn.Linear(2, 2, rng=i) for i in range(2)])
            self.blocks.append(self.blocks[0])  # shared: stays shared in the copy
            self.heads = nn.ModuleDict({"c": nn.Linear(2, 3, rng=5)})

        def forward(self, x):
            for block in self.blocks:
                x = block(x).tanh()
            return self.heads["c"](x)

    net = Net()
    before = {name: value.copy() for name, value in net.state_dict().items()}
    twin = copy.deepcopy(net)
    assert twin.blocks[0] is twin.blocks[2] and twin.blocks[0] is not net.blocks[0]
    assert all(p is not q for p, q in zip(twin.parameters(), net.parameters()))
    x, labels = np.random.default_rng(0).standard_normal((6, 2)), np.array([0, 1, 2, 0, 1, 2])
    optimizer = tg.optim.SGD(twin.parameters(), lr=0.1)
    for _ in range(3):  # the first in-place update of a copied parameter used to raise an AssertionError
        optimizer.zero_grad()
        nn.functional.cross_entropy(twin(x), labels).backward()
        optimizer.step()
    assert all(np.array_equal(value, before[name]) for name, value in net.state_dict().items())
    assert not np.array_equal(twin.blocks[0].weight.numpy(), before["blocks.0.weight"])

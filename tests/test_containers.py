"""Sequential with named children, ModuleList and ModuleDict: PyTorch's containers and their names."""

from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import nn


def child_names(module):
    return [name for name, _ in module.named_children()]


def parameter_names(module):
    return [name for name, _ in module.named_parameters()]


# ------------------------------------------------------------------ Sequential with names
@pytest.mark.parametrize("mapping", [OrderedDict, dict])
def test_sequential_from_a_mapping_names_its_children(mapping):
    hidden, act, out = nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 1, rng=1)
    seq = nn.Sequential(mapping([("hidden", hidden), ("act", act), ("out", out)]))
    assert child_names(seq) == ["hidden", "act", "out"] and list(seq) == [hidden, act, out]
    assert seq.hidden is hidden and seq[0] is hidden and seq[-1] is out and len(seq) == 3
    assert list(seq.state_dict()) == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert "(hidden): Linear(in_features=2" in repr(seq)
    x = np.random.default_rng(0).standard_normal((4, 2))
    np.testing.assert_allclose(seq(x).numpy(), out(act(hidden(x))).numpy())


def test_named_sequential_edits_follow_pytorch():
    seq = nn.Sequential(OrderedDict(hidden=nn.Linear(2, 3), act=nn.ReLU(), out=nn.Linear(3, 1)))
    assert child_names(seq[1:]) == ["act", "out"]  # a slice keeps the names
    replacement = nn.Tanh()
    seq[1] = replacement  # assignment keeps the name
    assert seq.act is replacement and child_names(seq) == ["hidden", "act", "out"]
    seq.append(nn.Sigmoid())  # an appended module is named by its position
    assert child_names(seq) == ["hidden", "act", "out", "3"]
    del seq[1]  # a removal renumbers, as PyTorch's does
    assert child_names(seq) == ["0", "1", "2"]
    assert parameter_names(seq) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert child_names(seq + nn.Sequential({"z": nn.ReLU()})) == ["0", "1", "2", "3"]


def test_numbered_sequential_slices_keep_their_names_as_in_pytorch():
    seq = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3))
    tail = seq[1:]
    assert child_names(tail) == ["1", "2"] and parameter_names(tail) == ["2.weight", "2.bias"]
    assert tail[0] is seq[1]


def test_append_refuses_a_position_name_another_child_has():
    seq = nn.Sequential({"1": nn.ReLU()})
    with pytest.raises(ValueError, match=r"Sequential.append: the new module would be named '1'"):
        seq.append(nn.Tanh())
    assert child_names(seq) == ["1"]


@pytest.mark.parametrize("names, error, words", [
    ([("a.b", nn.ReLU())], ValueError, "without '.'"),
    ([("", nn.ReLU())], ValueError, "non-empty"),
    ([(3, nn.ReLU())], TypeError, "must be a str, got int"),
    ([("forward", nn.ReLU())], ValueError, "'forward' is taken by an attribute of Sequential"),
    ([("training", nn.ReLU())], ValueError, "'training' is taken"),
    ([("ok", nn.ReLU()), ("bad", np.ones(2))], TypeError, "item 'bad' is an? ndarray, not a Module"),
])
def test_sequential_names_and_items_are_checked(names, error, words):
    with pytest.raises(error, match=words):
        nn.Sequential(OrderedDict(names))


# ------------------------------------------------------------------ ModuleList
def test_module_list_holds_modules_by_position():
    layers = [nn.Linear(2, 2, rng=i) for i in range(3)]
    blocks = nn.ModuleList(layer for layer in layers)  # any iterable
    assert list(blocks) == layers and len(blocks) == 3 and blocks[-1] is layers[2]
    assert child_names(blocks) == ["0", "1", "2"]
    assert isinstance(blocks[1:], nn.ModuleList) and child_names(blocks[1:]) == ["0", "1"]  # renumbered, as torch
    assert nn.ModuleList().__len__() == 0 and list(nn.ModuleList()) == []
    blocks.insert(0, nn.Tanh()).append(nn.ReLU())
    assert [type(m).__name__ for m in blocks] == ["Tanh", "Linear", "Linear", "Linear", "ReLU"]
    assert blocks.pop() .__class__ is nn.ReLU and blocks.pop(0).__class__ is nn.Tanh
    assert list(blocks) == layers
    both = blocks + [nn.ReLU()]
    assert len(both) == 4 and len(blocks) == 3 and isinstance(both, nn.ModuleList)
    blocks += nn.ModuleList([nn.Sigmoid()])
    assert len(blocks) == 4 and child_names(blocks)[-1] == "3"


def test_module_list_in_a_model_trains_saves_and_loads(tmp_path):
    class Stack(nn.Module):
        def __init__(self):
            self.blocks = nn.ModuleList([nn.Linear(2, 2, rng=i) for i in range(2)])
            self.head = nn.Linear(2, 1, rng=5)

        def forward(self, x):
            for block in self.blocks:
                x = block(x).tanh()
            return self.head(x)

    model = Stack()
    assert parameter_names(model)[:2] == ["blocks.0.weight", "blocks.0.bias"]
    x, y = tg.Tensor(np.random.default_rng(0).standard_normal((8, 2))), tg.zeros(8, 1)
    optimizer = tg.optim.SGD(model.parameters(), lr=0.1)
    before = model.blocks[0].weight.numpy().copy()
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = tg.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] and not np.array_equal(before, model.blocks[0].weight.numpy())
    tg.save(model.state_dict(), tmp_path / "stack.npz")
    fresh = Stack()
    fresh.load_state_dict(tg.load(tmp_path / "stack.npz"))
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())


@pytest.mark.parametrize("container", [nn.ModuleList([nn.ReLU()]), nn.ModuleDict({"a": nn.ReLU()})])
def test_module_list_and_dict_compute_nothing_themselves(container):
    with pytest.raises(NotImplementedError, match=f"{type(container).__name__} holds modules but computes nothing"):
        container(np.ones(2))


@pytest.mark.parametrize("call, error, words", [
    (lambda: nn.ModuleList(nn.Linear(2, 2)), TypeError, "wrap one module in a list"),
    (lambda: nn.ModuleList([nn.ReLU(), 3]), TypeError, "item 1 is an int, not a Module"),
    (lambda: nn.ModuleList(5), TypeError, "expected an iterable of Modules, got int"),
    (lambda: nn.ModuleList([nn.ReLU()])[1], IndexError, "index 1 out of range for 1 modules"),
    (lambda: nn.ModuleList([nn.ReLU()])["a"], TypeError, "indices must be ints or slices"),
    (lambda: nn.ModuleList([nn.ReLU()]).append("relu"), TypeError, "the module is a str, not a Module"),
])
def test_module_list_bad_input_is_a_clear_error(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_a_failed_extend_changes_nothing():
    blocks = nn.ModuleList([nn.ReLU()])
    with pytest.raises(TypeError):
        blocks.extend([nn.Tanh(), None])
    assert len(blocks) == 1 and child_names(blocks) == ["0"]


OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("append")), st.tuples(st.just("insert"), st.integers(-4, 4)),
    st.tuples(st.just("delete"), st.integers(-4, 4)), st.tuples(st.just("pop"), st.integers(-4, 4)),
    st.tuples(st.just("set"), st.integers(-4, 4)), st.tuples(st.just("extend"), st.integers(0, 3)),
    st.tuples(st.just("slice"), st.integers(-4, 4), st.integers(-4, 4))), max_size=12)


@given(OPERATIONS)
def test_module_list_behaves_as_a_python_list_of_its_modules(operations):
    """Model-based: every edit does to the ModuleList what it does to a list; names stay 0, 1, ... in order."""
    modules, expected = nn.ModuleList(), []
    for operation in operations:
        kind, *arguments = operation
        fresh = nn.Identity()
        try:
            if kind == "append":
                expected.append(fresh)
            elif kind == "insert":
                if not -len(expected) <= arguments[0] <= len(expected):
                    raise IndexError
                expected.insert(arguments[0], fresh)
            elif kind in ("delete", "pop", "set"):
                expected[arguments[0]]  # IndexError where the list has none
                if kind == "set":
                    expected[arguments[0]] = fresh
                else:
                    del expected[arguments[0]]
            elif kind == "extend":
                expected.extend(nn.Identity() for _ in range(arguments[0]))
        except IndexError:
            with pytest.raises(IndexError):
                {"insert": lambda: modules.insert(arguments[0], fresh),
                 "delete": lambda: modules.__delitem__(arguments[0]), "pop": lambda: modules.pop(arguments[0]),
                 "set": lambda: modules.__setitem__(arguments[0], fresh)}[kind]()
            continue
        if kind == "append":
            modules.append(fresh)
        elif kind == "insert":
            modules.insert(arguments[0], fresh)
        elif kind == "delete":
            del modules[arguments[0]]
        elif kind == "pop":
            modules.pop(arguments[0])
        elif kind == "set":
            modules[arguments[0]] = fresh
        elif kind == "extend":
            modules.extend(expected[len(expected) - arguments[0]:])
        else:
            assert list(modules[arguments[0]:arguments[1]]) == expected[arguments[0]:arguments[1]]
        assert list(modules) == expected
        assert child_names(modules) == [str(i) for i in range(len(expected))]


# ------------------------------------------------------------------ ModuleDict
def test_module_dict_holds_modules_by_key():
    a, b = nn.Linear(2, 1, rng=0), nn.Linear(2, 3, rng=1)
    heads = nn.ModuleDict({"a": a, "b": b})
    assert list(heads) == ["a", "b"] == list(heads.keys()) and list(heads.values()) == [a, b] and list(heads.items()) == [("a", a), ("b", b)]
    assert heads["a"] is a and heads.b is b and "a" in heads and "c" not in heads and len(heads) == 2
    assert parameter_names(heads) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    replacement = nn.Linear(2, 1, rng=2)
    heads["a"] = replacement  # a replaced key keeps its place
    assert list(heads.keys()) == ["a", "b"] and heads["a"] is replacement
    heads.update([("c", nn.ReLU())])
    heads.update(nn.ModuleDict({"d": nn.Tanh()}))
    assert list(heads.keys()) == ["a", "b", "c", "d"]
    assert heads.pop("b") is b and list(heads.keys()) == ["a", "c", "d"]
    del heads["c"]
    assert list(heads.keys()) == ["a", "d"] and child_names(heads) == ["a", "d"]
    heads.clear()
    assert len(heads) == 0 and list(heads.named_parameters()) == []
    assert list(nn.ModuleDict([("x", nn.ReLU())]).keys()) == ["x"]


@pytest.mark.parametrize("call, error, words", [
    (lambda d: d["missing"], KeyError, "ModuleDict has no module 'missing'; its keys are \\['a'\\]"),
    (lambda d: d.__delitem__("missing"), KeyError, "no module 'missing'"),
    (lambda d: d.__setitem__("b", np.ones(2)), TypeError, "the value under 'b' is an? ndarray, not a Module"),
    (lambda d: d.__setitem__("keys", nn.ReLU()), ValueError, "'keys' is taken by an attribute of ModuleDict"),
    (lambda d: d.__setitem__(1, nn.ReLU()), TypeError, "must be a str, got int"),
    (lambda d: d.update({"b": nn.ReLU(), "c.d": nn.ReLU()}), ValueError, "without '.'"),
    (lambda d: d.update([("b", nn.ReLU(), 3)]), ValueError, "item 0 has 3 elements"),
    (lambda d: d.update(nn.ReLU()), TypeError, "expected a dict of Modules or \\(key, module\\) pairs, got a ReLU"),
    (lambda d: d.update(7), TypeError, "got int"),
])
def test_module_dict_bad_input_is_a_clear_error_and_changes_nothing(call, error, words):
    heads = nn.ModuleDict({"a": nn.ReLU()})
    with pytest.raises(error, match=words):
        call(heads)
    assert list(heads.keys()) == ["a"] and child_names(heads) == ["a"]


# ------------------------------------------------------------------ the rest of the library sees them
def test_containers_draw_summarise_and_compile():
    class Heads(nn.Module):
        def __init__(self):
            self.trunk = nn.ModuleList([nn.Linear(2, 3, rng=0), nn.Tanh()])
            self.heads = nn.ModuleDict({"left": nn.Linear(3, 1, rng=1), "right": nn.Linear(3, 1, rng=2)})

        def forward(self, x):
            for layer in self.trunk:
                x = layer(x)
            return self.heads["left"](x) + self.heads["right"](x)

    model = Heads()
    source = tg.viz.draw_module(model).source
    assert "ModuleList" in source and "ModuleDict" in source and "left" in source
    assert "heads.right" in str(nn.summary(model))
    x = tg.Tensor(np.random.default_rng(1).standard_normal((5, 2)))
    step = tg.compile(model)
    np.testing.assert_allclose(step(x).numpy(), model(x).numpy())

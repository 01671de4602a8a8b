"""Sequential's PyTorch container API, Dropout/Identity always returning Tensors, and loading torch parameters."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn


def make():
    return nn.Sequential(nn.Linear(1, 2, rng=0), nn.ReLU(), nn.Linear(2, 3, rng=1), nn.Linear(3, 4, rng=2))


def kinds(seq):
    return [type(module).__name__ for module in seq]


def names(seq):
    return [name for name, _ in seq.named_parameters()]


def test_append_extend_insert_renumber_the_children():
    seq = make()
    last = nn.Linear(4, 5)
    assert seq.append(last) is seq and seq[-1] is last and len(seq) == 5
    assert names(seq)[-2:] == ["4.weight", "4.bias"]
    extra = [nn.Tanh(), nn.Linear(5, 1)]
    assert seq.extend(extra) is seq and list(seq)[-2:] == extra
    assert seq.extend(nn.Sequential(nn.Sigmoid())) is seq and kinds(seq)[-1] == "Sigmoid"
    first = nn.Linear(7, 1)
    seq.insert(0, first)
    assert seq[0] is first and names(seq)[:4] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    seq.insert(-1, nn.ReLU())  # before the last, as list.insert
    assert kinds(seq)[-2:] == ["ReLU", "Sigmoid"]
    assert [name for name, _ in seq.named_children()] == [str(i) for i in range(len(seq))]
    assert list(seq.state_dict()) == names(seq)


def test_setitem_delitem_and_pop():
    seq = make()
    replacement = nn.Linear(2, 3)
    seq[-2] = replacement
    assert seq[2] is replacement and dict(seq.named_parameters())["2.weight"] is replacement.weight
    del seq[1]
    assert kinds(seq) == ["Linear", "Linear", "Linear"] and len(seq) == 3
    assert names(seq) == ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"]
    popped = seq.pop(0)
    assert type(popped).__name__ == "Linear" and names(seq) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    seq = make()
    del seq[::2]
    assert kinds(seq) == ["ReLU", "Linear"] and names(seq) == ["1.weight", "1.bias"]
    removed = make().pop(slice(1, 3))
    assert isinstance(removed, nn.Sequential) and kinds(removed) == ["ReLU", "Linear"]


def test_add_and_iadd():
    a, b = make(), make()
    both = a + b
    assert len(both) == 8 and len(a) == 4 and both[4] is b[0]
    a += b
    assert len(a) == 8 and a[7] is b[3]
    with pytest.raises(ValueError, match="Sequential"):
        a + nn.ReLU()


def test_edits_keep_other_attributes_hooks_and_training_mode():
    seq = make().eval()
    calls = []
    seq.register_forward_hook(lambda module, inputs, output: calls.append(1))
    del seq[1]
    seq.append(nn.ReLU())
    assert not seq.training and seq(tg.Tensor(np.ones((2, 1)))).shape == (2, 4) and calls == [1]


@pytest.mark.parametrize("edit, error, words", [
    (lambda s: s.append(3), TypeError, ["Sequential.append", "int", "not a Module"]),
    (lambda s: s.extend([nn.ReLU(), "relu"]), TypeError, ["Sequential.extend", "item 1", "not a Module"]),
    (lambda s: s.extend(3), TypeError, ["Sequential.extend", "iterable"]),
    (lambda s: s.extend(nn.ReLU()), TypeError, ["Sequential.extend", "append"]),
    (lambda s: s.insert(0, None), TypeError, ["Sequential.insert", "not a Module"]),
    (lambda s: s.insert(5, nn.ReLU()), IndexError, ["Sequential.insert", "out of range"]),
    (lambda s: s.insert(-5, nn.ReLU()), IndexError, ["Sequential.insert", "out of range"]),
    (lambda s: s.insert("0", nn.ReLU()), TypeError, ["Sequential.insert", "int"]),
    (lambda s: s.__setitem__(0, np.ones(2)), TypeError, ["Sequential", "not a Module"]),
    (lambda s: s.__setitem__(4, nn.ReLU()), IndexError, ["Sequential", "out of range"]),
    (lambda s: s.__setitem__(slice(0, 1), nn.ReLU()), TypeError, ["Sequential", "slice"]),
    (lambda s: s.__delitem__(4), IndexError, ["Sequential", "out of range"]),
    (lambda s: s.__delitem__("a"), TypeError, ["Sequential", "str"]),
    (lambda s: s.pop(-5), IndexError, ["Sequential", "out of range"]),
])
def test_bad_edits_raise_clear_errors_and_change_nothing(edit, error, words):
    seq = make()
    before = list(seq)
    with pytest.raises(error) as info:
        edit(seq)
    for word in words:
        assert word in str(info.value)
    assert list(seq) == before and names(seq) == names(make())


def test_edits_name_parameters_as_torch_does():
    torch = pytest.importorskip("torch")

    def both():
        return make(), torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.ReLU(), torch.nn.Linear(2, 3),
                                           torch.nn.Linear(3, 4))

    edits = [
        (lambda s, m: s.__delitem__(1), None),
        (lambda s, m: s.__delitem__(slice(None, None, 2)), None),
        (lambda s, m: s.__delitem__(slice(1, 3)), None),
        (lambda s, m: s.insert(-1, m.Linear(5, 5)), None),
        (lambda s, m: s.insert(4, m.Linear(5, 5)), None),
        (lambda s, m: s.insert(0, m.Linear(5, 5)), None),
        (lambda s, m: s.append(m.Linear(5, 5)), None),
        (lambda s, m: s.extend([m.Tanh(), m.Linear(5, 5)]), None),
        (lambda s, m: s.__setitem__(-3, m.Linear(6, 6)), None),
        (lambda s, m: s.pop(2), None),
        (lambda s, m: s.pop(slice(0, 2)), None),
    ]
    for edit, _ in edits:
        ours, theirs = both()
        edit(ours, nn)
        edit(theirs, torch.nn)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert kinds(ours) == kinds(theirs)
    for bad in [lambda s: s.insert(5, s[0]), lambda s: s.__delitem__(4), lambda s: s.__setitem__(-5, s[0]),
                lambda s: s.__setitem__("a", s[0]), lambda s: s.append(3)]:
        errors = []
        for seq in both():
            with pytest.raises(Exception) as info:
                bad(seq)
            errors.append(type(info.value))
        assert errors[0] is errors[1]


@pytest.mark.parametrize("make_module, passes_tensors_through", [
    (lambda: nn.Dropout(0.5).eval(), True), (lambda: nn.Dropout(0.0), True), (nn.Identity, True),
    (lambda: nn.Dropout(0.5), False), (lambda: nn.Dropout(1.0), False)], ids=["eval", "p0", "identity", "train", "p1"])
def test_dropout_and_identity_always_return_tensors(make_module, passes_tensors_through):
    module = make_module()
    for x in (np.ones(2), [1.0, 2.0], 3.0, np.ones(3, dtype=np.float32)):
        out = module(x)
        assert isinstance(out, tg.Tensor), type(out)
        assert out.dtype == tg.Tensor(x).dtype and out.shape == np.shape(x)
    if passes_tensors_through:
        x = tg.Tensor(np.ones((2, 2)), requires_grad=True)
        assert module(x) is x
        np.testing.assert_array_equal(module(np.arange(3.0)).data, np.arange(3.0))


def test_eval_dropout_matches_torch_types():
    torch = pytest.importorskip("torch")
    x = torch.ones(3)
    assert torch.nn.Dropout(0.5).eval()(x) is x and torch.nn.Identity()(x) is x
    ours = tg.Tensor(np.ones(3))
    assert nn.Dropout(0.5).eval()(ours) is ours and nn.Identity()(ours) is ours


def test_identity_ignores_arguments_as_torch_does():
    assert isinstance(nn.Identity(54, unused="argument")(np.ones(1)), tg.Tensor)


def test_load_state_dict_from_torch_parameters_that_require_grad():
    torch = pytest.importorskip("torch")
    source = torch.nn.Linear(2, 2)
    target = nn.Linear(2, 2)
    before = target.weight.data.copy()
    with pytest.raises(nn.StateDictError) as info:
        target.load_state_dict(dict(source.named_parameters()))
    message = str(info.value)
    assert "weight" in message and "requires grad" in message and ".detach()" in message
    assert "state_dict()" in message and isinstance(info.value, ValueError)
    np.testing.assert_array_equal(target.weight.data, before)
    target.load_state_dict({name: value.detach() for name, value in source.named_parameters()})
    np.testing.assert_allclose(target.weight.data, source.weight.detach().numpy())
    target.load_state_dict(source.state_dict())


class _GradTensorLike:
    """Duck-typed like a torch tensor that requires grad: its ``__array__`` refuses."""

    requires_grad = True

    def detach(self):
        return np.zeros((2, 2))

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("Can't call numpy() on Tensor that requires grad.")


class _Broken:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("device lost")


def test_numeric_array_turns_failing_conversions_into_state_dict_errors():
    layer = nn.Linear(2, 2)
    with pytest.raises(nn.StateDictError, match=r"weight: got a _GradTensorLike that requires grad.*detach\(\)"):
        layer.load_state_dict({"weight": _GradTensorLike(), "bias": np.zeros(2)})
    with pytest.raises(nn.StateDictError, match="weight: expected numbers, got a _Broken .*RuntimeError: device lost"):
        layer.load_state_dict({"weight": _Broken(), "bias": np.zeros(2)})


def test_optimizer_load_state_dict_also_names_tensors_that_require_grad():
    layer = nn.Linear(2, 2)
    optimizer = tg.optim.SGD(layer.parameters(), lr=0.1)
    state = optimizer.state_dict()
    key = next(k for k in state if k.startswith("param_groups"))
    state[key] = _GradTensorLike()
    with pytest.raises(nn.StateDictError, match="requires grad"):
        optimizer.load_state_dict(state)

"""Optimizers read gradients as values (array or Tensor), zero_grad zeroes in place, strict state-dict keys,
clear errors for malformed parameter groups, and modules refuse parameters under non-string dict keys."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn, optim

# every optimizer class of optim.py, in the configurations whose update code differs
MAKERS = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.1),
    "sgd-momentum": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    "sgd-nesterov": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "sgd-weight-decay": lambda ps: optim.SGD(ps, lr=0.1, weight_decay=0.1),
    "sgd-momentum-weight-decay": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.5, weight_decay=0.1),
    "adam": lambda ps: optim.Adam(ps, lr=0.1),
    "adam-weight-decay": lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.1),
    "adamw": lambda ps: optim.AdamW(ps, lr=0.1, amsgrad=True),
    "rmsprop-centered-momentum": lambda ps: optim.RMSprop(ps, lr=0.1, momentum=0.5, centered=True, weight_decay=0.1),
    "rmsprop": lambda ps: optim.RMSprop(ps, lr=0.1),
    "adagrad": lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.1, weight_decay=0.1),
}
GRADS = [[1.0, -2.0], [0.5, 0.25], [-1.0, 3.0]]


def test_every_optimizer_class_is_covered():
    classes = {getattr(optim, name) for name in optim.__all__}
    classes = {cls for cls in classes if isinstance(cls, type) and issubclass(cls, optim.Optimizer)
               and cls is not optim.Optimizer}
    covered = {type(make([tg.Tensor([1.0], requires_grad=True)])) for make in MAKERS.values()}
    assert classes == covered


# ------------------------------------------------------------ Tensor gradients
@pytest.mark.parametrize("make", MAKERS.values(), ids=MAKERS.keys())
def test_a_tensor_grad_steps_like_the_same_array_grad_and_is_left_alone(make):
    by_array = tg.Tensor([1.0, 2.0], requires_grad=True)
    by_tensor = tg.Tensor([1.0, 2.0], requires_grad=True)
    array_opt, tensor_opt = make([by_array]), make([by_tensor])
    for grad in GRADS:
        by_array.grad = np.array(grad)
        given = tg.Tensor(grad)
        by_tensor.grad = given
        array_opt.step()
        tensor_opt.step()
        assert by_tensor.grad is given and np.array_equal(given.data, grad)
        np.testing.assert_array_equal(by_tensor.data, by_array.data)
    for key, value in array_opt.state_dict().items():
        np.testing.assert_array_equal(tensor_opt.state_dict()[key], value)


@pytest.mark.parametrize("make", MAKERS.values(), ids=MAKERS.keys())
def test_steps_after_backward_with_create_graph(make):
    w = tg.Tensor([1.0, -2.0], requires_grad=True)
    v = tg.Tensor([1.0, -2.0], requires_grad=True)
    w_opt, v_opt = make([w]), make([v])
    for _ in range(3):
        w_opt.zero_grad()
        v_opt.zero_grad()
        (w ** 3).sum().backward(create_graph=True)
        (v ** 3).sum().backward()
        assert isinstance(w.grad, tg.Tensor)
        before = w.grad.data.copy()
        w_opt.step()
        v_opt.step()
        np.testing.assert_array_equal(w.grad.data, before)
        np.testing.assert_array_equal(w.data, v.data)


@pytest.mark.parametrize("name", ["sgd-nesterov", "sgd-momentum-weight-decay", "adam-weight-decay"])
def test_create_graph_steps_match_torch(name):
    torch = pytest.importorskip("torch")
    w = tg.Tensor([1.0, -2.0], requires_grad=True)
    t = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    ours = MAKERS[name]([w])
    theirs = {"sgd-nesterov": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
              "sgd-momentum-weight-decay": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.5, weight_decay=0.1),
              "adam-weight-decay": lambda p: torch.optim.Adam(p, lr=0.1, weight_decay=0.1)}[name]([t])
    for _ in range(3):
        ours.zero_grad()
        theirs.zero_grad()
        (w ** 3).sum().backward(create_graph=True)
        (t ** 3).sum().backward(create_graph=True)
        ours.step()
        theirs.step()
        np.testing.assert_allclose(w.data, t.detach().numpy(), rtol=1e-12)


def test_step_checks_every_gradient_before_changing_anything():
    a = tg.Tensor([1.0, 2.0], requires_grad=True)
    b = tg.Tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    a.grad, b.grad = np.ones(2), np.ones(2)
    b.data = np.zeros(3)                                    # the gradient no longer fits
    with pytest.raises(ValueError, match=r"SGD.step: a parameter of shape \(3,\).*\.grad of shape \(2,\)"):
        opt.step()
    assert np.array_equal(a.data, [1.0, 2.0]) and opt.state == {}


# ------------------------------------------------------------------ zero_grad
@pytest.mark.parametrize("owner", ["optimizer", "module"])
def test_zero_grad_without_none_zeroes_the_existing_array_in_place(owner):
    net = nn.Linear(2, 2, rng=0)
    clear = (optim.SGD(net.parameters(), lr=0.1) if owner == "optimizer" else net).zero_grad
    net(tg.Tensor(np.ones((3, 2)))).sum().backward()
    held = net.weight.grad
    clear(set_to_none=False)
    assert net.weight.grad is held and np.array_equal(held, np.zeros((2, 2)))
    clear(False)
    assert net.weight.grad is held
    clear()
    assert net.weight.grad is None and net.bias.grad is None
    clear(set_to_none=False)
    assert net.weight.grad is None                         # no gradient stays no gradient


@pytest.mark.parametrize("owner", ["optimizer", "module"])
def test_zero_grad_replaces_a_tensor_grad_by_zeros_and_checks_its_flag(owner):
    net = nn.Linear(2, 1, rng=0)
    clear = (optim.Adam(net.parameters()) if owner == "optimizer" else net).zero_grad
    (net(tg.Tensor(np.ones((1, 2)))) ** 2).sum().backward(create_graph=True)
    graph_grad = net.weight.grad
    assert isinstance(graph_grad, tg.Tensor)
    values = graph_grad.data.copy()
    kind = "Adam" if owner == "optimizer" else "Linear"
    with pytest.raises(TypeError, match=f"{kind}.zero_grad: set_to_none must be True or False, got 'no'"):
        clear(set_to_none="no")
    assert net.weight.grad is graph_grad                   # a failed call changes nothing
    clear(set_to_none=False)
    grad = net.weight.grad
    assert type(grad) is np.ndarray and grad.shape == (1, 2) and grad.dtype == net.weight.dtype
    assert not grad.any() and np.array_equal(graph_grad.data, values)


def test_zero_grad_keeps_the_gradient_object_as_torch_does():
    torch = pytest.importorskip("torch")
    t = torch.ones(2, requires_grad=True)
    t.grad = torch.full((2,), 3.0)
    held = t.grad
    torch.optim.SGD([t], lr=0.1).zero_grad(set_to_none=False)
    w = tg.Tensor(np.ones(2), requires_grad=True)
    w.grad = np.full(2, 3.0)
    mine = w.grad
    optim.SGD([w], lr=0.1).zero_grad(set_to_none=False)
    assert (t.grad is held) == (w.grad is mine) is True
    np.testing.assert_array_equal(w.grad, t.grad.numpy())


# ----------------------------------------------------------- load_state_dict
@pytest.mark.parametrize("extra", [
    {"state.00.momentum_buffer": np.full(2, 500.0)},
    {"param_groups.00.lr": 5.0},
    {"param_groups.\u0660.lr": 5.0},                       # ARABIC-INDIC DIGIT ZERO
    {"state.\u00b9.momentum_buffer": np.ones(2)},          # SUPERSCRIPT ONE
    {"state.+0.momentum_buffer": np.ones(2)},
    {"state. 0.momentum_buffer": np.ones(2)},
    {"state.0\n.momentum_buffer": np.ones(2)},
    {"state.-0.momentum_buffer": np.ones(2)},
])
def test_load_state_dict_accepts_only_canonical_indices(extra):
    p = tg.Tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones(2)
    opt.step()
    saved = opt.state_dict()
    opt.param_groups[0]["lr"] = 0.3
    before = opt.state_dict()
    (key, _), = extra.items()
    with pytest.raises(nn.StateDictError, match="nothing was changed") as caught:
        opt.load_state_dict({**saved, **extra})
    assert key in str(caught.value) and "not a plain decimal number" in str(caught.value)
    after = opt.state_dict()
    assert after.keys() == before.keys() and all(np.array_equal(after[k], before[k]) for k in before)


def test_load_state_dict_refuses_a_mapping_that_names_one_entry_twice():
    from collections.abc import Mapping

    class Twice(Mapping):
        def __init__(self, items):
            self._items = items

        def __getitem__(self, key):
            return dict(self._items)[key]

        def __iter__(self):
            return iter([key for key, _ in self._items])

        def __len__(self):
            return len(self._items)

        def items(self):
            return list(self._items)

    p = tg.Tensor([1.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    entries = list(opt.state_dict().items()) + [("param_groups.0.lr", np.array(7.0))]
    with pytest.raises(nn.StateDictError, match="param_groups.0.lr: names the same entry"):
        opt.load_state_dict(Twice(entries))
    assert opt.param_groups[0]["lr"] == 0.1


# -------------------------------------------------------------- constructors
W = tg.Tensor([1.0], requires_grad=True)


@pytest.mark.parametrize("params, error, message", [
    ([{"params": 5}], TypeError, r"SGD: param group 0: 'params' must be a Tensor or a list of Tensors, got 5 \(int\)"),
    ([{"params": {W}}], TypeError, "SGD: param group 0: .*got set; a set has no fixed order"),
    ([{"params": "ab"}], TypeError, "SGD: param group 0: .*got str"),
    ([{"params": {"w": W}}], TypeError, "SGD: param group 0: .*got dict"),
    ([{"params": [W]}, {"params": [5]}], TypeError, "SGD: param group 1: parameter 0 is a int, expected a Tensor"),
    ([{"params": [W]}, {"params": [W * 2]}], ValueError, "SGD: param group 1: parameter 0 .*only leaf tensors"),
    ([{"params": [W]}, {"params": [W]}], ValueError, "SGD: param group 1: .*more than once .*param group 0"),
    ([W, W], ValueError, r"SGD: param group 0: parameter 1 .*more than once \(also as parameter 0\)"),
    ([{"params": [W], "foo": 1, 3: 4}], TypeError, "SGD: param group 0: unknown hyperparameter.*'foo', 3"),
    ([{"params": [W]}, {"params": [], "lr": -1}], ValueError, "SGD: param group 1: lr must be a finite number"),
    ([{"lr": 0.1}], TypeError, "SGD: param group 0: a parameter group must be a dict with a 'params' entry"),
    ([W, {"params": [W]}], TypeError, "SGD: params mixes Tensors and parameter-group dicts"),
    ([{"params": [W]}, W], TypeError, "SGD: params mixes Tensors and parameter-group dicts"),
    ({"params": [W]}, TypeError, "SGD: params must be .* got a dict; wrap one parameter group in a list"),
    ({W}, TypeError, "SGD: params .*got set; a set has no fixed order"),
    (5, TypeError, "SGD: params must be an iterable of Tensors"),
    (W, TypeError, "SGD: params must be .*got a single Tensor; wrap it in a list"),
    ([], ValueError, "SGD: got an empty parameter list"),
])
def test_malformed_parameters_raise_clear_errors(params, error, message):
    with pytest.raises(error, match=message):
        optim.SGD(params, lr=0.1)


def test_generators_of_parameters_and_of_groups_work():
    net = nn.Linear(2, 2, rng=0)
    assert len(optim.SGD((p for p in net.parameters()), lr=0.1).params) == 2
    groups = ({"params": (p for p in [q]), "lr": lr} for q, lr in zip(net.parameters(), [0.1, 0.2]))
    opt = optim.SGD(groups, lr=0.5)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.2] and opt.params == net.parameters()
    assert optim.SGD([{"params": W}, {"params": []}], lr=0.1).params == [W]   # empty group: allowed, as in torch


def test_malformed_parameters_are_type_errors_in_torch_too():
    torch = pytest.importorskip("torch")
    t = torch.ones(1, requires_grad=True)
    for mine, theirs in [([{"params": 5}], [{"params": 5}]), ([{"params": {W}}], [{"params": {t}}]),
                         (W, t), ([{"params": "ab"}], [{"params": "ab"}])]:
        with pytest.raises(TypeError):
            torch.optim.SGD(theirs, lr=0.1)
        with pytest.raises(TypeError, match="SGD: "):
            optim.SGD(mine, lr=0.1)


# ----------------------------------------------------- modules: dict attributes
class _Keyed(nn.Module):
    def __init__(self, key, item):
        self.d = {key: item, "x": tg.Tensor([2.0], requires_grad=True)}


@pytest.mark.parametrize("item", [tg.Tensor([1.0], requires_grad=True), nn.Linear(1, 1)], ids=["tensor", "module"])
def test_a_parameter_or_module_under_a_non_string_dict_key_is_a_clear_error(item):
    module = _Keyed(1, item)
    kind = "parameter" if isinstance(item, tg.Tensor) else "module"
    message = f"_Keyed: the dict attribute 'd' holds a {kind} under the key 1 \\(int\\); .* need string keys"
    for read in (module.state_dict, module.parameters, module.named_children, module.num_parameters):
        with pytest.raises(TypeError, match=message):
            read()


def test_string_keys_work_and_non_string_keys_of_plain_values_are_ignored():
    module = _Keyed("1", tg.Tensor([1.0], requires_grad=True))
    assert list(module.state_dict()) == ["d.1", "d.x"] and len(module.parameters()) == 2
    module.table = {1: "one", (2, 3): np.ones(2), 4: tg.Tensor([1.0])}   # not parameters: no error
    assert list(module.state_dict()) == ["d.1", "d.x"]


def test_a_module_registered_as_a_forward_hook_is_no_child():
    class Hook(nn.Module):
        def forward(self, module, inputs, output):
            return None

    net = nn.Linear(1, 1, rng=0)
    net.register_forward_hook(Hook())
    assert net.named_children() == [] and list(net.state_dict()) == ["weight", "bias"]


def test_torch_refuses_non_string_parameter_dict_keys_too():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        torch.nn.ParameterDict({1: torch.nn.Parameter(torch.ones(1))})
    with pytest.raises(TypeError):
        _Keyed(1, tg.Tensor([1.0], requires_grad=True)).state_dict()

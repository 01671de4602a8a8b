"""PyTorch's optimizer options: SGD's dampening and maximize, Adam's amsgrad and maximize, add_param_group,
and step() checking hyperparameters edited in param_groups before anything changes (all or nothing)."""

import inspect
import itertools

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn, optim

SHAPES = [(3, 2), (4,)]


def gradients(steps=20, seed=0):
    """Per step, one gradient per parameter; their scale shrinks and grows, so AMSGrad's max matters."""
    rng = np.random.default_rng(seed)
    scales = [3.0 if t % 7 < 2 else 0.2 for t in range(steps)]
    return [[rng.normal(size=shape) * scale for shape in SHAPES] for scale in scales]


def starts(seed=1):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for shape in SHAPES]


def run_ours(make, grads, groups=None):
    params = [tg.Tensor(start, requires_grad=True) for start in starts()]
    optimizer = make(params if groups is None else groups(params))
    for step in grads:
        for param, grad in zip(params, step):
            param.grad = grad.copy()
        optimizer.step()
    return [param.data for param in params], optimizer


def run_torch(torch, make, grads, groups=None):
    params = [torch.tensor(start, requires_grad=True) for start in starts()]
    optimizer = make(params if groups is None else groups(params))
    for step in grads:
        for param, grad in zip(params, step):
            param.grad = torch.tensor(grad)
        optimizer.step()
    return [param.detach().numpy() for param in params]


SGD_OPTIONS = [dict(momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                    maximize=maximize)
               for momentum, dampening, weight_decay, nesterov, maximize
               in itertools.product([0.0, 0.9], [0.0, 0.3], [0.0, 0.1], [False, True], [False, True])
               if not nesterov or (momentum > 0 and dampening == 0)]
ADAM_OPTIONS = [dict(weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)
                for weight_decay, amsgrad, maximize in itertools.product([0.0, 0.1], [False, True], [False, True])]


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=str)
def test_sgd_matches_torch_for_20_steps(options):
    torch = pytest.importorskip("torch")
    grads = gradients()
    ours, _ = run_ours(lambda ps: optim.SGD(ps, lr=0.05, **options), grads)
    theirs = run_torch(torch, lambda ps: torch.optim.SGD(ps, lr=0.05, **options), grads)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=str)
def test_adam_matches_torch_for_20_steps(options):
    torch = pytest.importorskip("torch")
    grads = gradients()
    make = dict(lr=0.05, betas=(0.8, 0.9), eps=1e-6, **options)
    ours, _ = run_ours(lambda ps: optim.Adam(ps, **make), grads)
    theirs = run_torch(torch, lambda ps: torch.optim.Adam(ps, **make), grads)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_the_options_change_the_updates():
    """Without torch too: each option does something (dampening scales the momentum, amsgrad keeps the max)."""
    grads = gradients()
    plain, _ = run_ours(lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9), grads)
    damped, _ = run_ours(lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.3), grads)
    assert not np.allclose(plain[0], damped[0])
    adam, _ = run_ours(lambda ps: optim.Adam(ps, lr=0.05, betas=(0.8, 0.9)), grads)
    ams, optimizer = run_ours(lambda ps: optim.Adam(ps, lr=0.05, betas=(0.8, 0.9), amsgrad=True), grads)
    assert not np.allclose(adam[0], ams[0])
    state = optimizer.state_dict()
    assert (state["state.0.max_exp_avg_sq"] >= state["state.0.exp_avg_sq"]).all()
    assert (state["state.0.max_exp_avg_sq"] > state["state.0.exp_avg_sq"]).any()


def test_maximize_ascends():
    # one SGD step with maximize on gradient g moves +lr * g; Adam's first step moves +lr * sign(g)
    p = tg.Tensor([1.0, -1.0], requires_grad=True)
    p.grad = np.array([2.0, -4.0])
    optim.SGD([p], lr=0.5, maximize=True).step()
    np.testing.assert_allclose(p.data, [2.0, -3.0])
    optim.Adam([p], lr=0.1, maximize=True).step()
    np.testing.assert_allclose(p.data, [2.1, -3.1], rtol=1e-7)


def test_signatures_are_torchs():
    torch = pytest.importorskip("torch")
    for ours, theirs in [(optim.SGD, torch.optim.SGD), (optim.Adam, torch.optim.Adam)]:
        mine = inspect.signature(ours).parameters
        torchs = inspect.signature(theirs).parameters
        for name, parameter in mine.items():
            assert name in torchs, (ours, name)
            assert parameter.kind == torchs[name].kind, (ours, name)
            if parameter.default is not inspect.Parameter.empty:
                assert parameter.default == torchs[name].default, (ours, name)
        positional = [name for name, p in torchs.items() if p.kind == p.POSITIONAL_OR_KEYWORD]
        assert [name for name, p in mine.items() if p.kind == p.POSITIONAL_OR_KEYWORD] == positional


@pytest.mark.parametrize("options", [dict(momentum=0.0), dict(momentum=0.9, dampening=0.5)])
def test_nesterov_needs_momentum_and_zero_dampening_as_in_torch(options):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, nesterov=True, **options)
    with pytest.raises(ValueError, match="^SGD: .*(momentum|dampening)"):
        optim.SGD([tg.Tensor([1.0], requires_grad=True)], lr=0.1, nesterov=True, **options)


@pytest.mark.parametrize("make, error, words", [
    (lambda p: optim.SGD(p, lr=0.1, dampening=-0.1), ValueError, "SGD: dampening must be a finite number >= 0"),
    (lambda p: optim.SGD(p, lr=0.1, dampening="0"), TypeError, "SGD: dampening must be a number"),
    (lambda p: optim.SGD(p, lr=0.1, maximize=1), TypeError, "SGD: maximize must be True or False"),
    (lambda p: optim.Adam(p, amsgrad="yes"), TypeError, "Adam: amsgrad must be True or False"),
    (lambda p: optim.Adam(p, maximize=None), TypeError, "Adam: maximize must be True or False"),
    (lambda p: optim.SGD(p, 0.1, 0.9, 0.5, 0.0, True), ValueError, "SGD: dampening must be 0 with nesterov=True"),
])
def test_bad_new_options_raise_clear_errors(make, error, words):
    with pytest.raises(error, match=words):
        make([tg.Tensor([1.0], requires_grad=True)])


# ----------------------------------------------------------- step() checks edited param_groups
def two_group_sgd():
    p0, p1 = tg.Tensor([1.0, 2.0], requires_grad=True), tg.Tensor([3.0], requires_grad=True)
    optimizer = optim.SGD([{"params": [p0]}, {"params": [p1]}], lr=0.1, momentum=0.9)
    p0.grad, p1.grad = np.ones(2), np.ones(1)
    optimizer.step()
    return optimizer, p0, p1


def snapshot(optimizer, params):
    return ([(p.data.copy(), p.version) for p in params],
            {(key, field): np.array(value, copy=True) for key, fields in optimizer.state.items()
             for field, value in fields.items()})


def assert_same(before, after):
    for (data, version), (now, now_version) in zip(before[0], after[0]):
        np.testing.assert_array_equal(data, now)
        assert version == now_version
    assert before[1].keys() == after[1].keys()
    for key in before[1]:
        np.testing.assert_array_equal(before[1][key], after[1][key])


@pytest.mark.parametrize("key, value, error, words", [
    ("lr", None, TypeError, "SGD.step: param group 1: lr must be a number, got None (NoneType); nothing was updated"),
    ("lr", "0.1", TypeError, "SGD.step: param group 1: lr must be a number, got '0.1' (str)"),
    ("lr", -0.1, ValueError, "SGD.step: param group 1: lr must be a finite number >= 0, got -0.1"),
    ("lr", float("nan"), ValueError, "SGD.step: param group 1: lr must be a finite number >= 0, got nan"),
    ("lr", np.array([0.1, 0.2]), TypeError, "SGD.step: param group 1: lr must be a number"),
    ("momentum", -1.0, ValueError, "SGD.step: param group 1: momentum must be"),
    ("weight_decay", True, TypeError, "SGD.step: param group 1: weight_decay must be a number, got True"),
    ("nesterov", "yes", TypeError, "SGD.step: param group 1: nesterov must be True or False"),
    ("dampening", 0.5, None, None),  # valid: no nesterov here
    ("maximize", 1, TypeError, "SGD.step: param group 1: maximize must be True or False"),
])
def test_step_checks_an_edited_hyperparameter_before_anything_changes(key, value, error, words):
    optimizer, p0, p1 = two_group_sgd()
    optimizer.param_groups[1][key] = value
    before = snapshot(optimizer, [p0, p1])
    if error is None:
        optimizer.step()
        assert p1.data[0] != before[0][1][0][0]
        return
    with pytest.raises(error) as info:
        optimizer.step()
    assert words in str(info.value)
    assert_same(before, snapshot(optimizer, [p0, p1]))
    optimizer.param_groups[1][key] = {"lr": 0.1, "momentum": 0.9}.get(key, optim.SGD([p0]).defaults[key])
    optimizer.step()  # fixed: steps again
    assert p0.data[0] < before[0][0][0][0]


def test_step_checks_cross_field_rules_and_missing_hyperparameters():
    optimizer, p0, p1 = two_group_sgd()
    optimizer.param_groups[0]["nesterov"] = True
    optimizer.param_groups[0]["dampening"] = 0.5
    before = snapshot(optimizer, [p0, p1])
    with pytest.raises(ValueError, match="SGD.step: param group 0: dampening must be 0 with nesterov=True"):
        optimizer.step()
    optimizer.param_groups[0]["dampening"] = 0.0
    del optimizer.param_groups[1]["lr"]
    with pytest.raises(ValueError, match="SGD.step: param group 1: hyperparameter.*'lr' missing"):
        optimizer.step()
    optimizer.param_groups.append({"params": [tg.Tensor([1.0], requires_grad=True)], "lr": 0.1})
    optimizer.param_groups[1]["lr"] = 0.1
    with pytest.raises(ValueError, match="SGD.step: param group 2: hyperparameter.*missing.*add_param_group"):
        optimizer.step()
    with pytest.raises(ValueError, match="SGD.state_dict: param group 2: hyperparameter.*'momentum'.*missing"):
        optimizer.state_dict()
    optimizer.param_groups.pop()
    assert_same(before, snapshot(optimizer, [p0, p1]))


def test_adam_step_checks_edited_betas_and_flags():
    p = tg.Tensor([1.0], requires_grad=True)
    optimizer = optim.Adam([p], lr=0.1)
    p.grad = np.ones(1)
    optimizer.step()
    before = snapshot(optimizer, [p])
    for key, value, words in [("betas", (1.0, 0.9), "Adam.step: param group 0: betas[0] must be in [0, 1)"),
                              ("betas", 0.9, "Adam.step: param group 0: betas must be a pair"),
                              ("eps", "tiny", "Adam.step: param group 0: eps must be a number"),
                              ("amsgrad", "no", "Adam.step: param group 0: amsgrad must be True or False")]:
        optimizer.param_groups[0][key] = value
        with pytest.raises((TypeError, ValueError)) as info:
            optimizer.step()
        assert words in str(info.value)
        assert_same(before, snapshot(optimizer, [p]))
        optimizer.param_groups[0][key] = optimizer.defaults[key]


def test_valid_edits_are_used_and_normalized_and_extra_keys_are_kept():
    p = tg.Tensor([1.0], requires_grad=True)
    optimizer = optim.Adam([p], lr=0.1)
    group = optimizer.param_groups[0]
    group["lr"], group["betas"], group["initial_lr"] = 1, [0.5, 0.5], 0.1  # (a scheduler's own key is kept)
    p.grad = np.ones(1)
    optimizer.step()
    assert type(group["lr"]) is float and group["betas"] == (0.5, 0.5) and group["initial_lr"] == 0.1
    np.testing.assert_allclose(p.data, [1 - 1 / (1 + 1e-8)])
    for lr in [0.5, 0.25]:  # a schedule: each new value is checked and used
        group["lr"] = lr
        before = p.data.copy()
        optimizer.step()
        assert abs(abs(before[0] - p.data[0]) - lr) < 1e-6


def test_a_value_equal_to_the_checked_one_steps_as_it_and_is_saved_normalized():
    p = tg.Tensor([1.0], requires_grad=True)
    optimizer = optim.SGD([p], lr=1.0, momentum=0.5, nesterov=True)
    group = optimizer.param_groups[0]
    group["lr"], group["nesterov"] = True, 1  # == 1.0 and == True: the same hyperparameters
    p.grad = np.ones(1)
    optimizer.step()
    np.testing.assert_allclose(p.data, [1 - 1.5])  # nesterov: g + momentum * buf = 1.5
    saved = optimizer.state_dict()
    assert saved["param_groups.0.lr"].dtype == np.float64 and saved["param_groups.0.nesterov"].dtype == bool
    optim.SGD([p], lr=0.1).load_state_dict(saved)
    assert float(saved["param_groups.0.lr"]) == 1.0 and bool(saved["param_groups.0.nesterov"]) is True
    group["lr"] = "1"
    with pytest.raises(TypeError, match="SGD.state_dict: param group 0: lr must be a number, got '1' .str.$"):
        optimizer.state_dict()


# ------------------------------------------------------------------------ add_param_group
def test_add_param_group_takes_the_defaults_and_steps_as_torch():
    torch = pytest.importorskip("torch")
    grads = gradients()

    def ours(params):
        optimizer = optim.SGD([params[0]], lr=0.05, momentum=0.9)
        optimizer.add_param_group({"params": params[1], "lr": 0.2, "dampening": 0.1})
        return optimizer

    def theirs(params):
        optimizer = torch.optim.SGD([params[0]], lr=0.05, momentum=0.9)
        optimizer.add_param_group({"params": params[1], "lr": 0.2, "dampening": 0.1})
        return optimizer

    mine, optimizer = run_ours(ours, grads)
    assert optimizer.param_groups[1]["momentum"] == 0.9 and optimizer.param_groups[1]["lr"] == 0.2
    for a, b in zip(mine, run_torch(torch, theirs, grads)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_add_param_group_checks_as_the_constructor_and_adds_nothing_on_error():
    a, b = tg.Tensor([1.0], requires_grad=True), tg.Tensor([2.0], requires_grad=True)
    optimizer = optim.Adam([a], lr=0.1)
    for group, error, words in [
        ({"params": [a]}, ValueError, "Adam.add_param_group: param group 1: parameter 0 (shape (1,)) is listed "
                                      "more than once (also in param group 0)"),
        ({"params": [b, b]}, ValueError, "Adam.add_param_group: param group 1: parameter 1 (shape (1,)) is listed "
                                         "more than once"),
        ({"params": [b], "lr": None}, TypeError, "Adam.add_param_group: param group 1: lr must be a number"),
        ({"params": [b], "betas": (0.9, 1.5)}, ValueError, "Adam.add_param_group: param group 1: betas[1]"),
        ({"params": [b], "momentum": 0.9}, TypeError, "Adam.add_param_group: param group 1: unknown hyperparameter"),
        ({"params": {b}}, TypeError, "use a list"),
        ({"lr": 0.1}, TypeError, "Adam.add_param_group: param group 1: a parameter group must be a dict with a "
                                 "'params' entry"),
        ([b], TypeError, "a parameter group must be a dict"),
        ({"params": [b * 2.0]}, ValueError, "only leaf tensors"),
    ]:
        with pytest.raises(error) as info:
            optimizer.add_param_group(group)
        assert words in str(info.value)
        assert len(optimizer.param_groups) == 1
    optimizer.add_param_group({"params": b, "amsgrad": True})
    assert optimizer.params == [a, b] and optimizer.param_groups[1]["amsgrad"] is True
    a.grad, b.grad = np.ones(1), np.ones(1)
    optimizer.step()
    assert set(optimizer.state_dict()) >= {"state.1.max_exp_avg_sq", "param_groups.1.amsgrad"}
    assert "state.0.max_exp_avg_sq" not in optimizer.state_dict()


# ------------------------------------------------------------------------------ state_dict
def test_state_dict_carries_the_new_hyperparameters_and_amsgrad_state():
    grads = gradients()
    _, adam = run_ours(lambda ps: optim.Adam(ps, lr=0.05, amsgrad=True, maximize=True), grads[:5])
    _, sgd = run_ours(lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.2, maximize=True), grads[:5])
    saved = adam.state_dict()
    assert saved["param_groups.0.amsgrad"] == np.array(True) and saved["param_groups.0.maximize"] == np.array(True)
    assert saved["state.1.max_exp_avg_sq"].shape == SHAPES[1]
    saved_sgd = sgd.state_dict()
    assert float(saved_sgd["param_groups.0.dampening"]) == 0.2 and bool(saved_sgd["param_groups.0.maximize"])
    for make, state in [(lambda ps: optim.Adam(ps), saved), (lambda ps: optim.SGD(ps, lr=1.0), saved_sgd)]:
        params = [tg.Tensor(start, requires_grad=True) for start in starts()]
        fresh = make(params)
        fresh.load_state_dict(state)
        for key, value in fresh.state_dict().items():
            np.testing.assert_array_equal(value, state[key])


def test_a_resumed_amsgrad_run_continues_exactly(tmp_path):
    grads = gradients()
    make = lambda ps: optim.Adam(ps, lr=0.05, betas=(0.8, 0.9), amsgrad=True)  # noqa: E731
    straight, _ = run_ours(make, grads)
    params = [tg.Tensor(start, requires_grad=True) for start in starts()]
    first = make(params)
    for step in grads[:10]:
        for param, grad in zip(params, step):
            param.grad = grad.copy()
        first.step()
    tg.save(first.state_dict(), tmp_path / "adam.npz")
    resumed = optim.Adam(params)  # defaults: the file brings lr, betas and amsgrad back
    resumed.load_state_dict(tg.load(tmp_path / "adam.npz"))
    for step in grads[10:]:
        for param, grad in zip(params, step):
            param.grad = grad.copy()
        resumed.step()
    for a, b in zip(straight, params):
        np.testing.assert_array_equal(a, b.data)


def test_amsgrad_state_without_its_max_is_refused_and_a_stray_field_named():
    _, adam = run_ours(lambda ps: optim.Adam(ps, lr=0.05, amsgrad=True), gradients()[:3])
    saved = adam.state_dict()
    del saved["state.0.max_exp_avg_sq"]
    with pytest.raises(nn.StateDictError, match=r"state.0: holds \['exp_avg', 'exp_avg_sq', 'step'\], but Adam "
                                                r"state needs all of \['step', 'exp_avg', 'exp_avg_sq', "
                                                r"'max_exp_avg_sq'\]"):
        adam.load_state_dict(saved)
    saved = adam.state_dict()
    saved["state.0.max_exp_avg_sq"] = -np.ones(SHAPES[0])
    with pytest.raises(nn.StateDictError, match="state.0.max_exp_avg_sq: holds negative values"):
        adam.load_state_dict(saved)
    saved = adam.state_dict()
    saved["state.0.momentum_buffer"] = np.ones(SHAPES[0])
    with pytest.raises(nn.StateDictError, match="is not Adam state .*nor amsgrad's 'max_exp_avg_sq'"):
        adam.load_state_dict(saved)


def test_a_state_dict_from_before_the_new_options_loads_them_at_their_defaults():
    for make, new in [(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), ["dampening", "maximize"]),
                      (lambda ps: optim.Adam(ps, lr=0.1), ["amsgrad", "maximize"])]:
        _, trained = run_ours(make, gradients()[:3])
        saved = trained.state_dict()
        for key in new:
            del saved[f"param_groups.0.{key}"]
        params = [tg.Tensor(start, requires_grad=True) for start in starts()]
        fresh = type(trained)(params, lr=0.5, maximize=True)
        fresh.load_state_dict(saved)
        assert fresh.param_groups[0]["maximize"] is False and fresh.param_groups[0]["lr"] == 0.1
        with pytest.raises(nn.StateDictError, match="missing keys: param_groups.0.lr"):
            fresh.load_state_dict({key: value for key, value in saved.items() if key != "param_groups.0.lr"})

"""AdamW, RMSprop and Adagrad: torch.optim's updates (20 steps of every option combination), their state,
state_dict round trips and bad hyperparameters."""

import inspect
import itertools
import math
import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import optim

from test_optim_torch_options import gradients, run_ours, run_torch

OPTIONS = {
    "AdamW": [dict(weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize, betas=(0.8, 0.9), eps=1e-6)
              for weight_decay, amsgrad, maximize in itertools.product([0.0, 0.1], [False, True], [False, True])],
    "RMSprop": [dict(alpha=alpha, weight_decay=weight_decay, momentum=momentum, centered=centered, maximize=maximize)
                for alpha, weight_decay, momentum, centered, maximize
                in itertools.product([0.9, 0.99], [0.0, 0.1], [0.0, 0.8], [False, True], [False, True])],
    "Adagrad": [dict(lr_decay=lr_decay, weight_decay=weight_decay, initial_accumulator_value=initial,
                     maximize=maximize)
                for lr_decay, weight_decay, initial, maximize
                in itertools.product([0.0, 0.05], [0.0, 0.1], [0.0, 0.5], [False, True])],
}
CASES = [(name, options) for name, combos in OPTIONS.items() for options in combos]


@pytest.mark.parametrize("name, options", CASES, ids=[f"{name}-{options}" for name, options in CASES])
def test_matches_torch_for_20_steps(name, options):
    torch = pytest.importorskip("torch")
    grads = gradients()
    ours, _ = run_ours(lambda ps: getattr(optim, name)(ps, lr=0.05, **options), grads)
    theirs = run_torch(torch, lambda ps: getattr(torch.optim, name)(ps, lr=0.05, **options), grads)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_arguments_and_defaults_are_torchs(name):
    torch = pytest.importorskip("torch")
    mine = inspect.signature(getattr(optim, name)).parameters
    torchs = inspect.signature(getattr(torch.optim, name)).parameters
    for argument, parameter in mine.items():
        assert argument in torchs, argument
        if parameter.default is not inspect.Parameter.empty:
            assert parameter.default == torchs[argument].default, argument
    positional = [argument for argument, p in mine.items() if p.kind == p.POSITIONAL_OR_KEYWORD]
    assert positional == list(torchs)[:len(positional)]


def one_step(make, p0, g, steps=1):
    p = tg.Tensor(np.array(p0, dtype=float), requires_grad=True)
    optimizer = make([p])
    for _ in range(steps):
        p.grad = np.array(g, dtype=float)
        optimizer.step()
    return p.data, optimizer


def test_first_steps_by_hand():
    """The formulas of the docstrings, on one weight, without torch."""
    lr, wd = 0.1, 0.5
    p, _ = one_step(lambda ps: optim.AdamW(ps, lr=lr, weight_decay=wd), [2.0], [3.0])
    # decay first (2 * (1 - 0.05) = 1.9), then Adam's first step: -lr * m_hat / (sqrt(v_hat) + eps) = -0.1
    np.testing.assert_allclose(p, [1.9 - lr * 3.0 / (3.0 + 1e-8)])
    p, _ = one_step(lambda ps: optim.RMSprop(ps, lr=lr, alpha=0.9), [2.0], [3.0])
    np.testing.assert_allclose(p, [2.0 - lr * 3.0 / (math.sqrt(0.1 * 9.0) + 1e-8)])
    p, _ = one_step(lambda ps: optim.RMSprop(ps, lr=lr, alpha=0.9, centered=True, momentum=0.5), [2.0], [3.0], 2)
    s1, a1 = 0.9, 0.3
    buf = 3.0 / (math.sqrt(s1 - a1 * a1) + 1e-8)
    s2, a2 = 0.9 * s1 + 0.9, 0.9 * a1 + 0.3
    buf = 0.5 * buf + 3.0 / (math.sqrt(s2 - a2 * a2) + 1e-8)
    np.testing.assert_allclose(p, [2.0 - lr * 3.0 / (math.sqrt(s1 - a1 * a1) + 1e-8) - lr * buf])
    p, optimizer = one_step(lambda ps: optim.Adagrad(ps, lr=lr, lr_decay=1.0, initial_accumulator_value=1.0),
                            [2.0], [3.0], 2)
    first = 2.0 - lr * 3.0 / (math.sqrt(10.0) + 1e-10)
    np.testing.assert_allclose(p, [first - lr / 2 * 3.0 / (math.sqrt(19.0) + 1e-10)])
    state = optimizer.state[optimizer.params[0]]
    assert sorted(state) == ["step", "sum"] and int(state["step"]) == 2 and state["sum"].tolist() == [19.0]


def test_adamw_decays_where_adam_does_not():
    """With no gradient signal left (g = 0) AdamW still shrinks the weight; Adam's L2 is inside the ratio."""
    p_adamw, _ = one_step(lambda ps: optim.AdamW(ps, lr=0.1, weight_decay=0.1), [1.0], [0.0], steps=10)
    np.testing.assert_allclose(p_adamw, [0.99 ** 10])
    p_plain, _ = one_step(lambda ps: optim.AdamW(ps, lr=0.1, weight_decay=0.0), [1.0], [0.0], steps=10)
    np.testing.assert_array_equal(p_plain, [1.0])


def test_centered_rmsprop_with_a_constant_gradient_stays_finite_without_warnings():
    """s - a**2 is 0 in exact arithmetic for a constant gradient; rounding may make it slightly negative."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            p, _ = one_step(lambda ps: optim.RMSprop(ps, lr=1e-3, centered=True), [0.0] * 3,
                            [0.1, 1.0 / 3.0, 7.7], steps=300)
    assert np.isfinite(p).all()


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_state_dict_resumes_exactly(name, tmp_path):
    options = OPTIONS[name][-1]
    grads = gradients(steps=12)
    whole, _ = run_ours(lambda ps: getattr(optim, name)(ps, lr=0.05, **options), grads)
    halfway, first = run_ours(lambda ps: getattr(optim, name)(ps, lr=0.05, **options), grads[:6])
    params = [tg.Tensor(a.copy(), requires_grad=True) for a in halfway]
    tg.save(first.state_dict(), tmp_path / "optimizer.npz")
    resumed = getattr(optim, name)(params, lr=0.05, **options)
    resumed.load_state_dict(tg.load(tmp_path / "optimizer.npz"))
    for step in grads[6:]:
        for param, grad in zip(params, step):
            param.grad = grad.copy()
        resumed.step()
    for a, b in zip(whole, params):
        np.testing.assert_array_equal(a, b.data)


def test_rmsprop_state_needs_its_optional_fields():
    p = tg.Tensor([1.0], requires_grad=True)
    optimizer = optim.RMSprop([p], momentum=0.9, centered=True)
    p.grad = np.ones(1)
    optimizer.step()
    assert sorted(optimizer.state[p]) == ["grad_avg", "momentum_buffer", "square_avg", "step"]
    saved = optimizer.state_dict()
    del saved["state.0.grad_avg"]
    with pytest.raises(tg.nn.StateDictError, match="RMSprop state needs all of .*'grad_avg'"):
        optimizer.load_state_dict(saved)
    saved = optimizer.state_dict()
    saved["state.0.square_avg"] = -np.ones(1)
    with pytest.raises(tg.nn.StateDictError, match="square_avg: holds negative values"):
        optimizer.load_state_dict(saved)


@pytest.mark.parametrize("make, error, words", [
    (lambda ps: optim.AdamW(ps, betas=0.9), TypeError, "AdamW: betas must be a pair"),
    (lambda ps: optim.AdamW(ps, weight_decay=-1), ValueError, "AdamW: weight_decay must be a finite number >= 0"),
    (lambda ps: optim.RMSprop(ps, alpha=1.5), ValueError, "RMSprop: alpha must be in \\[0, 1\\]"),
    (lambda ps: optim.RMSprop(ps, alpha=-0.1), ValueError, "RMSprop: alpha must be a finite number >= 0"),
    (lambda ps: optim.RMSprop(ps, momentum="0.9"), TypeError, "RMSprop: momentum must be a number"),
    (lambda ps: optim.RMSprop(ps, centered=1), TypeError, "RMSprop: centered must be True or False"),
    (lambda ps: optim.Adagrad(ps, lr_decay=math.nan), ValueError, "Adagrad: lr_decay must be a finite number"),
    (lambda ps: optim.Adagrad(ps, initial_accumulator_value=-1), ValueError, "initial_accumulator_value must be"),
    (lambda ps: optim.Adagrad(ps, eps=None), TypeError, "Adagrad: eps must be a number, got None"),
])
def test_bad_hyperparameters_name_the_optimizer(make, error, words):
    with pytest.raises(error, match=words):
        make([tg.Tensor([1.0], requires_grad=True)])


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_each_trains_the_spiral_net(name):
    X, y = tg.data.spiral(n_per_class=30, n_classes=3, seed=0)
    model = tg.nn.MLP([2, 16, 3], rng=0)
    lr = {"AdamW": 0.02, "RMSprop": 0.01, "Adagrad": 0.1}[name]
    optimizer = getattr(optim, name)(model.parameters(), lr=lr)
    losses = []
    for _ in range(60):
        optimizer.zero_grad()
        loss = tg.functional.cross_entropy(model(X), tg.Tensor(y, dtype=np.int64))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]

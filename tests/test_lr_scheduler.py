"""tg.optim.lr_scheduler: torch.optim.lr_scheduler's schedules (the same rates, epoch by epoch), resuming
from a saved state, and clear errors for bad arguments."""

import math

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.optim import lr_scheduler

EPOCHS = 25
SCHEDULES = {
    "LambdaLR": [dict(lr_lambda=lambda epoch: 0.95 ** epoch), dict(lr_lambda=lambda epoch: 1 / (1 + epoch))],
    "MultiplicativeLR": [dict(lr_lambda=lambda epoch: 0.9)],
    "StepLR": [dict(step_size=3), dict(step_size=5, gamma=0.5)],
    "MultiStepLR": [dict(milestones=[2, 5, 5, 11], gamma=0.5), dict(milestones=(4,))],
    "ConstantLR": [dict(), dict(factor=0.5, total_iters=3), dict(factor=1.0, total_iters=0)],
    "LinearLR": [dict(), dict(start_factor=0.1, end_factor=0.9, total_iters=8), dict(start_factor=1.0, end_factor=0.0)],
    "ExponentialLR": [dict(gamma=0.9)],
    "PolynomialLR": [dict(), dict(total_iters=10, power=2.0), dict(total_iters=7, power=0.5)],
    "CosineAnnealingLR": [dict(T_max=6), dict(T_max=10, eta_min=0.001), dict(T_max=1)],
}
CASES = [(name, options) for name, options_list in SCHEDULES.items() for options in options_list]


def two_groups(lrs=(0.1, 0.02)):
    params = [tg.Tensor([1.0], requires_grad=True), tg.Tensor([2.0], requires_grad=True)]
    return tg.optim.SGD([{"params": [params[0]], "lr": lrs[0]}, {"params": [params[1]], "lr": lrs[1]}], lr=lrs[0])


def our_rates(make, epochs=EPOCHS, optimizer=None):
    optimizer = optimizer or two_groups()
    scheduler = make(optimizer)
    rates = [scheduler.get_last_lr()]
    for _ in range(epochs):
        optimizer.step()
        scheduler.step()
        rates.append(scheduler.get_last_lr())
    return rates


def torch_two_groups(torch):
    """``two_groups()`` in PyTorch."""
    params = [torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)]
    return torch.optim.SGD([{"params": [params[0]], "lr": 0.1}, {"params": [params[1]], "lr": 0.02}], lr=0.1)


def torch_rates(torch, make, epochs=EPOCHS):
    optimizer = torch_two_groups(torch)
    scheduler = make(torch, optimizer)
    rates = [scheduler.get_last_lr()]
    for _ in range(epochs):
        optimizer.step()
        scheduler.step()
        rates.append(scheduler.get_last_lr())
    return rates


@pytest.mark.parametrize("name, options", CASES, ids=[f"{name}-{i}" for i, (name, _) in enumerate(CASES)])
def test_the_rates_match_torch_epoch_by_epoch(name, options):
    torch = pytest.importorskip("torch")
    ours = our_rates(lambda optimizer: getattr(lr_scheduler, name)(optimizer, **options))
    theirs = torch_rates(torch, lambda torch, optimizer: getattr(torch.optim.lr_scheduler, name)(optimizer, **options))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_two_schedulers_on_one_optimizer_multiply_as_in_torch():
    torch = pytest.importorskip("torch")

    def ours(optimizer):
        first = lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)
        second = lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
        return first, second

    optimizer = two_groups()
    schedulers = ours(optimizer)
    reference = torch_two_groups(torch)
    theirs = (torch.optim.lr_scheduler.StepLR(reference, step_size=4, gamma=0.5),
              torch.optim.lr_scheduler.ExponentialLR(reference, gamma=0.9))
    for _ in range(15):
        optimizer.step()
        reference.step()
        for mine, other in zip(schedulers, theirs):
            mine.step()
            other.step()
        np.testing.assert_allclose(schedulers[-1].get_last_lr(), theirs[-1].get_last_lr(), rtol=1e-12)


PLATEAUS = [dict(), dict(mode="max", patience=2), dict(threshold_mode="abs", threshold=0.05, cooldown=2),
            dict(factor=0.5, patience=0, min_lr=[0.01, 0.0]), dict(mode="max", threshold_mode="abs", eps=0.05)]
METRICS = [1.0, 0.9, 0.95, 0.9, 0.89, 0.899, 0.9, 0.7, 0.71, 0.72, 0.69, 0.69, 0.69, 0.69, 0.2, 0.3,
           0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]


@pytest.mark.parametrize("options", PLATEAUS, ids=str)
def test_reduce_on_plateau_matches_torch(options):
    torch = pytest.importorskip("torch")
    optimizer = two_groups()
    ours = lr_scheduler.ReduceLROnPlateau(optimizer, **options)
    reference = torch_two_groups(torch)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(reference, **options)
    signs = -1.0 if options.get("mode") == "max" else 1.0
    for metric in METRICS:
        ours.step(signs * metric)
        theirs.step(signs * metric)
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)
        assert (ours.num_bad_epochs, ours.cooldown_counter) == (theirs.num_bad_epochs, theirs.cooldown_counter)


def test_rates_by_hand_and_the_optimizer_uses_them():
    assert [round(r[0], 12) for r in our_rates(lambda o: lr_scheduler.StepLR(o, step_size=2, gamma=0.5), 5)] == [
        0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    cosine = our_rates(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=8, eta_min=0.01), 8)
    np.testing.assert_allclose([r[0] for r in cosine],
                               [0.01 + 0.09 * (1 + math.cos(math.pi * t / 8)) / 2 for t in range(9)], rtol=1e-12)
    # the optimizer steps with the scheduled rate: with grad 1 the weight moves by lr each step
    w = tg.Tensor([0.0], requires_grad=True)
    optimizer = tg.optim.SGD([w], lr=1.0)
    scheduler = lr_scheduler.MultiStepLR(optimizer, milestones=[1, 2], gamma=0.1)
    moves = []
    for _ in range(3):
        before = w.data.copy()
        w.grad = np.ones(1)
        optimizer.step()
        scheduler.step()
        moves.append(float(before[0] - w.data[0]))
    np.testing.assert_allclose(moves, [1.0, 0.1, 0.01])
    assert optimizer.param_groups[0]["initial_lr"] == 1.0


@pytest.mark.parametrize("name, options", [CASES[0], ("StepLR", dict(step_size=3)),
                                           ("CosineAnnealingLR", dict(T_max=6)), ("MultiStepLR", dict(milestones=[2, 5]))])
def test_a_saved_schedule_resumes_where_it_stopped(name, options, tmp_path):
    whole = our_rates(lambda o: getattr(lr_scheduler, name)(o, **options), 12)
    optimizer = two_groups()
    scheduler = getattr(lr_scheduler, name)(optimizer, **options)
    for _ in range(5):
        optimizer.step()
        scheduler.step()
    tg.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, tmp_path / "run.npz")
    checkpoint = tg.load(tmp_path / "run.npz")
    fresh = two_groups(lrs=(0.5, 0.5))  # other rates: the loaded states set them back
    resumed = getattr(lr_scheduler, name)(fresh, **options)  # made first: it sets the rates of epoch 0
    fresh.load_state_dict(checkpoint["optimizer"])  # the rates of epoch 5
    resumed.load_state_dict(checkpoint["scheduler"])  # the base rates and the epoch
    rates = [resumed.get_last_lr()]
    for _ in range(7):
        fresh.step()
        resumed.step()
        rates.append(resumed.get_last_lr())
    np.testing.assert_allclose(rates, whole[5:], rtol=1e-12)


def test_resuming_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match="StepLR: resuming at last_epoch=3 needs 'initial_lr'"):
        lr_scheduler.StepLR(two_groups(), step_size=2, last_epoch=3)


def test_a_bad_state_dict_changes_nothing():
    scheduler = lr_scheduler.StepLR(two_groups(), step_size=2)
    before = scheduler.state_dict()
    bad = dict(before, last_epoch="3", surprise=1)
    del bad["gamma"]
    with pytest.raises(tg.nn.StateDictError, match="StepLR.load_state_dict failed, nothing was changed: "
                                                     "unexpected key 'surprise' \\| missing key 'gamma' \\| "
                                                     "last_epoch: expected an int, got '3'"):
        scheduler.load_state_dict(bad)
    assert scheduler.state_dict() == before
    with pytest.raises(tg.nn.StateDictError, match="base_lrs: expected a list of 2 numbers"):
        scheduler.load_state_dict(dict(before, base_lrs=[0.1]))


@pytest.mark.parametrize("make, error, words", [
    (lambda o: lr_scheduler.StepLR("sgd", step_size=2), TypeError, "StepLR: expected a tinygrad_nn optimizer"),
    (lambda o: lr_scheduler.StepLR(o, step_size=0), ValueError, "StepLR: step_size must be an int >= 1, got 0"),
    (lambda o: lr_scheduler.StepLR(o, step_size=2.5), TypeError, "step_size must be an int, got 2.5"),
    (lambda o: lr_scheduler.StepLR(o, step_size=2, gamma=math.nan), ValueError, "gamma must be >= 0, got nan"),
    (lambda o: lr_scheduler.MultiStepLR(o, milestones=3), TypeError, "milestones must be a list of epochs"),
    (lambda o: lr_scheduler.MultiStepLR(o, milestones=[1, -2]), ValueError, "each milestone must be an int >= 0"),
    (lambda o: lr_scheduler.ConstantLR(o, factor=0), ValueError, "ConstantLR: factor must be \\(0, 1\\]"),
    (lambda o: lr_scheduler.LinearLR(o, end_factor=1.5), ValueError, "end_factor must be \\[0, 1\\]"),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=0), ValueError, "T_max must be an int >= 1"),
    (lambda o: lr_scheduler.LambdaLR(o, lr_lambda=0.9), TypeError, "lr_lambda must be a function of the epoch"),
    (lambda o: lr_scheduler.LambdaLR(o, lr_lambda=[abs]), ValueError, "expected 2 lr_lambdas"),
    (lambda o: lr_scheduler.LambdaLR(o, lr_lambda=lambda e: "x"), TypeError, "lr_lambda\\(epoch\\) must be a number"),
    (lambda o: lr_scheduler.StepLR(o, step_size=2, last_epoch=-2), ValueError, "last_epoch must be an int >= -1"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="least"), ValueError, "mode must be 'min' or 'max'"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor must be < 1"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lr values"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o).step("low"), TypeError, "metrics must be a number"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o).step(10 ** 400), ValueError, "is too large for a float"),
])
def test_bad_arguments_are_clear_errors(make, error, words):
    with pytest.raises(error, match=words):
        make(two_groups())


def test_a_one_element_tensor_is_a_metric():
    optimizer = two_groups()
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=0)
    scheduler.step(tg.Tensor(1.0))
    scheduler.step(tg.Tensor([2.0]))
    assert scheduler.get_last_lr() == pytest.approx([0.01, 0.002])

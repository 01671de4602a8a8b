"""Optimizers: updates against hand-computed steps (PyTorch's formulas), state round trips, errors."""

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import arrays

import tinygrad_nn as tg
from tinygrad_nn import optim


def run_steps(optimizer, param, grads):
    """Apply ``optimizer.step()`` once per gradient in ``grads`` (set by hand); return the values after each."""
    values = []
    for grad in grads:
        param.grad = np.array(grad, dtype=param.dtype)
        optimizer.step()
        values.append(param.data.copy())
    return values


# ------------------------------------------------------------------ SGD
def test_sgd_plain_steps():
    p = tg.Tensor([1.0, -2.0], requires_grad=True)
    values = run_steps(optim.SGD([p], lr=0.1), p, [[1.0, -1.0], [0.5, 0.0], [1.0, 1.0]])
    np.testing.assert_allclose(values, [[0.9, -1.9], [0.85, -1.9], [0.75, -2.0]])


def test_sgd_momentum_by_hand():
    # buf1 = 1           p = 1 - 0.1*1     = 0.9
    # buf2 = 0.9*1 + 1   p = 0.9 - 0.1*1.9  = 0.71
    # buf3 = 0.9*1.9 + 1 p = 0.71 - 0.1*2.71 = 0.439
    p = tg.Tensor([1.0], requires_grad=True)
    values = run_steps(optim.SGD([p], lr=0.1, momentum=0.9), p, [[1.0]] * 3)
    np.testing.assert_allclose(np.ravel(values), [0.9, 0.71, 0.439])


def test_sgd_nesterov_by_hand():
    # step 1: buf = 1,    g = 1 + 0.9*1    = 1.9,   p = 1 - 0.19     = 0.81
    # step 2: buf = 1.9,  g = 1 + 0.9*1.9  = 2.71,  p = 0.81 - 0.271 = 0.539
    # step 3: buf = 2.71, g = 1 + 0.9*2.71 = 3.439, p = 0.539 - 0.3439 = 0.1951
    p = tg.Tensor([1.0], requires_grad=True)
    values = run_steps(optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True), p, [[1.0]] * 3)
    np.testing.assert_allclose(np.ravel(values), [0.81, 0.539, 0.1951])


def test_sgd_weight_decay_by_hand():
    # zero data gradient: each step multiplies p by (1 - lr * weight_decay) = 0.95
    p = tg.Tensor([1.0, -4.0], requires_grad=True)
    values = run_steps(optim.SGD([p], lr=0.1, weight_decay=0.5), p, [[0.0, 0.0]] * 3)
    np.testing.assert_allclose(values, [[0.95, -3.8], [0.9025, -3.61], [0.857375, -3.4295]])


def test_sgd_weight_decay_equals_half_lambda_l2_in_the_loss():
    w_np = np.array([[0.5, -1.0], [2.0, 0.25]])
    x = np.array([[1.0, 2.0], [-1.0, 0.5]])
    a = tg.Tensor(w_np.copy(), requires_grad=True)
    b = tg.Tensor(w_np.copy(), requires_grad=True)
    decayed, penalised = optim.SGD([a], lr=0.3, weight_decay=0.1), optim.SGD([b], lr=0.3)
    for _ in range(3):
        decayed.zero_grad()
        ((x @ a) ** 2).mean().backward()
        decayed.step()
        penalised.zero_grad()
        (((x @ b) ** 2).mean() + 0.5 * 0.1 * tg.functional.l2_penalty([b])).backward()
        penalised.step()
    np.testing.assert_allclose(a.data, b.data, rtol=1e-12)


def reference_sgd(p, grads, lr, momentum, weight_decay, nesterov):
    """PyTorch's SGD pseudo-code (dampening 0), written out independently."""
    buf = None
    for g in grads:
        g = g + weight_decay * p
        if momentum != 0:
            buf = g.copy() if buf is None else momentum * buf + g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


@given(arrays(np.float64, (4, 3), elements=st.floats(-3, 3)),
       st.floats(0, 1), st.floats(0.01, 0.99), st.floats(0, 0.5), st.booleans())
def test_sgd_matches_the_reference_formula(grads, lr, momentum, weight_decay, nesterov):
    p0 = np.array([0.5, -1.5, 2.0])
    p = tg.Tensor(p0.copy(), requires_grad=True)
    run_steps(optim.SGD([p], lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=nesterov), p, grads)
    expected = reference_sgd(p0, grads, lr, momentum, weight_decay, nesterov)
    np.testing.assert_allclose(p.data, expected, rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------- Adam
def test_adam_constant_gradient_moves_lr_per_step():
    # g = 1 every step: m_hat = v_hat = 1, so each step is lr / (1 + eps)
    p = tg.Tensor([1.0], requires_grad=True)
    values = run_steps(optim.Adam([p], lr=0.1), p, [[1.0]] * 3)
    step = 0.1 / (1 + 1e-8)
    np.testing.assert_allclose(np.ravel(values), [1 - step, 1 - 2 * step, 1 - 3 * step], rtol=1e-12)


def test_adam_two_steps_by_hand():
    # step 1, g = 2:  m = 0.2, v = 0.004, bias corrections 0.1 and 0.001
    #                 p = 1 - (0.1 / 0.1) * 0.2 / (sqrt(0.004) / sqrt(0.001) + 1e-8)
    # step 2, g = -1: m = 0.9*0.2 - 0.1 = 0.08, v = 0.999*0.004 + 0.001 = 0.004996,
    #                 bias corrections 0.19 and 0.001999
    p = tg.Tensor([1.0], requires_grad=True)
    values = run_steps(optim.Adam([p], lr=0.1), p, [[2.0], [-1.0]])
    p1 = 1 - 1.0 * 0.2 / (math.sqrt(0.004) / math.sqrt(0.001) + 1e-8)
    p2 = p1 - (0.1 / 0.19) * 0.08 / (math.sqrt(0.004996) / math.sqrt(0.001999) + 1e-8)
    np.testing.assert_allclose(np.ravel(values), [p1, p2], rtol=1e-12)


def test_adam_weight_decay_by_hand():
    # g = 0 + 0.5 * p = 0.5 (p = 1): m_hat = 0.5, v_hat = 0.25, step = lr * 0.5 / (0.5 + eps)
    p = tg.Tensor([1.0], requires_grad=True)
    values = run_steps(optim.Adam([p], lr=0.01, betas=(0.8, 0.9), weight_decay=0.5), p, [[0.0]])
    np.testing.assert_allclose(np.ravel(values), [1 - 0.01 * 0.5 / (0.5 + 1e-8)], rtol=1e-12)


def test_adam_keeps_float32_and_state_dtypes():
    p = tg.Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    run_steps(opt, p, [np.ones(3)] * 2)
    assert p.dtype == np.float32
    state = opt.state_dict()
    assert state["state.0.exp_avg"].dtype == np.float32 and int(state["state.0.step"]) == 2


# --------------------------------------------------------------- shared
def test_step_skips_params_without_gradients_and_zero_grad_clears():
    a = tg.Tensor([1.0], requires_grad=True)
    b = tg.Tensor([1.0], requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    (a * 3.0).sum().backward()
    opt.step()
    assert b.data[0] == 1.0 and a.data[0] < 1.0
    assert not any(key.startswith("state.1.") for key in opt.state_dict())
    opt.zero_grad(set_to_none=False)
    assert np.array_equal(a.grad, [0.0]) and b.grad is None
    opt.zero_grad()
    assert a.grad is None


def test_training_loop_minimises_a_quadratic():
    for make in (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), lambda ps: optim.Adam(ps, lr=0.1)):
        w = tg.Tensor([3.0, -2.0], requires_grad=True)
        opt = make([w])
        for _ in range(300):
            opt.zero_grad()
            ((w - tg.Tensor([1.0, 1.0])) ** 2).sum().backward()
            opt.step()
        np.testing.assert_allclose(w.data, [1.0, 1.0], atol=1e-3)


def test_param_groups_override_defaults_and_lr_can_change():
    a = tg.Tensor([1.0], requires_grad=True)
    b = tg.Tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad, b.grad = np.ones(1), np.ones(1)
    opt.step()
    assert a.data[0] == pytest.approx(0.9) and b.data[0] == pytest.approx(0.5)
    for group in opt.param_groups:
        group["lr"] = 0.0
    opt.step()
    assert a.data[0] == pytest.approx(0.9)


@pytest.mark.parametrize("make, words", [
    (lambda p: optim.SGD(p, lr=-0.1), ["SGD", "lr", "-0.1"]),
    (lambda p: optim.SGD(p, lr=float("nan")), ["SGD", "lr"]),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), ["SGD", "weight_decay"]),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-0.5), ["SGD", "momentum"]),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), ["SGD", "nesterov", "momentum"]),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), ["Adam", "betas[0]", "[0, 1)"]),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)), ["Adam", "betas[1]"]),
    (lambda p: optim.Adam(p, eps=-1e-8), ["Adam", "eps"]),
    (lambda p: optim.Adam(p, lr=-1), ["Adam", "lr"]),
])
def test_bad_hyperparameters_raise_clear_errors(make, words):
    with pytest.raises(ValueError) as info:
        make([tg.Tensor([1.0], requires_grad=True)])
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("make, error, words", [
    (lambda p: optim.Adam(p, betas=0.9), TypeError, ["Adam: betas must be a pair (beta1, beta2), got 0.9 (float)"]),
    (lambda p: optim.Adam(p, betas=(0.9,)), ValueError, ["Adam: betas must be a pair", "1 value(s)"]),
    (lambda p: optim.Adam(p, betas="ab"), TypeError, ["Adam: betas must be a pair", "'ab' (str)"]),
    (lambda p: optim.Adam(p, lr="0.1"), TypeError, ["Adam: lr must be a number, got '0.1' (str)"]),
    (lambda p: optim.SGD(p, lr=None), TypeError, ["SGD: lr must be a number, got None (NoneType)"]),
    (lambda p: optim.SGD(p, lr=True), TypeError, ["SGD: lr must be a number, got True (bool)"]),
    (lambda p: optim.SGD(p, lr=10**400), ValueError, ["SGD: lr must be a finite number >= 0",
                                                       "an integer beyond the range of floats"]),
    (lambda p: optim.SGD(p, lr=float("inf")), ValueError, ["SGD: lr must be a finite number >= 0, got inf"]),
    (lambda p: optim.SGD(p, lr=0.1, nesterov="yes"), TypeError, ["SGD: nesterov must be True or False"]),
    (lambda p: optim.Adam(p, eps=[1e-8]), TypeError, ["Adam: eps must be a number"]),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=float("nan")), ValueError, ["SGD: weight_decay", "nan"]),
    (lambda p: optim.SGD(3, lr=0.1), TypeError, ["SGD: params must be an iterable of Tensors", "got int"]),
])
def test_hyperparameters_of_the_wrong_type_raise_clear_errors(make, error, words):
    with pytest.raises(error) as info:
        make([tg.Tensor([1.0], requires_grad=True)])
    for word in words:
        assert word in str(info.value)


VALID_HYPERPARAMETERS = {
    optim.SGD: {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.0, "nesterov": False},
    optim.Adam: {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0},
}
ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.text(max_size=3), st.integers(-3, 3), st.sampled_from([10**400, -10**400]),
    st.floats(), st.lists(st.floats(-2, 2), max_size=3), st.tuples(st.floats(-2, 2), st.floats(-2, 2)),
    st.sampled_from([np.float32(0.5), np.array(0.9), np.array([0.9, 0.99]), np.int64(2), object()]))


@given(st.sampled_from([(cls, key) for cls, keys in VALID_HYPERPARAMETERS.items() for key in keys]), ANY_VALUE)
def test_any_hyperparameter_value_is_kept_in_range_or_refused_naming_optimizer_and_argument(where, value):
    cls, key = where
    try:
        optimizer = cls([tg.Tensor([1.0], requires_grad=True)], **{**VALID_HYPERPARAMETERS[cls], key: value})
    except (TypeError, ValueError) as error:
        assert str(error).startswith(f"{cls.__name__}: {key}")
        return
    kept = optimizer.param_groups[0][key]
    if key == "nesterov":
        assert type(kept) is bool
    elif key == "betas":
        assert type(kept) is tuple and len(kept) == 2 and all(type(b) is float and 0 <= b < 1 for b in kept)
    else:
        assert type(kept) is float and math.isfinite(kept) and kept >= 0


def test_bad_parameter_lists_raise_clear_errors():
    w = tg.Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="SGD: got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="wrap it in a list"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.Adam([w, w])
    with pytest.raises(ValueError, match="leaf"):
        optim.Adam([w * 2.0])
    with pytest.raises(TypeError, match="parameter 1 is a ndarray"):
        optim.Adam([w, np.ones(1)])


# ---------------------------------------------------------------- state
def two_step_history(make, grads_before, grads_after, via_file=None):
    """Train a copy for ``grads_before``, move its state into a fresh optimizer, continue both."""
    p = tg.Tensor([1.0, 2.0], requires_grad=True)
    opt = make([p])
    run_steps(opt, p, grads_before)
    state = opt.state_dict()
    if via_file is not None:
        np.savez(via_file, **state)
        with np.load(via_file, allow_pickle=False) as archive:
            state = {key: archive[key] for key in archive.files}
    q = tg.Tensor(p.data.copy(), requires_grad=True)
    fresh = make([q])
    fresh.load_state_dict(state)
    return run_steps(opt, p, grads_after), run_steps(fresh, q, grads_after)


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda ps: optim.Adam(ps, lr=0.05, betas=(0.8, 0.99), weight_decay=0.1),
])
def test_state_dict_round_trip_through_an_npz_file(make, tmp_path):
    grads = [[1.0, -1.0], [0.5, 2.0]]
    original, restored = two_step_history(make, grads, grads[::-1], via_file=tmp_path / "opt.npz")
    np.testing.assert_array_equal(original, restored)


def test_state_dict_carries_hyperparameters():
    p = tg.Tensor([1.0], requires_grad=True)
    saved = optim.Adam([p], lr=0.5, betas=(0.5, 0.6)).state_dict()
    fresh = optim.Adam([p])
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["lr"] == 0.5 and fresh.param_groups[0]["betas"] == (0.5, 0.6)


def test_load_state_dict_names_what_does_not_fit():
    p = tg.Tensor([1.0, 2.0], requires_grad=True)
    adam = optim.Adam([p], lr=0.1)
    run_steps(adam, p, [[1.0, 1.0]])
    with pytest.raises(KeyError, match="SGD.load_state_dict.*betas"):
        optim.SGD([p], lr=0.1).load_state_dict(adam.state_dict())
    with pytest.raises(KeyError, match="SGD.load_state_dict.*exp_avg.*momentum_buffer"):
        optim.SGD([p], lr=0.1).load_state_dict({"state.0.exp_avg": np.ones(2)})
    with pytest.raises(ValueError, match=r"state.0.exp_avg: expected shape \(3,\), got \(2,\)"):
        optim.Adam([tg.Tensor(np.ones(3), requires_grad=True)]).load_state_dict(adam.state_dict())
    with pytest.raises(KeyError, match="parameter 1.*1 parameters"):
        optim.Adam([p]).load_state_dict({"state.1.exp_avg": np.ones(2)})


def test_state_dict_round_trip_through_tg_save(tmp_path):
    p = tg.Tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adam([p], lr=0.05)
    run_steps(opt, p, [[1.0, -1.0], [0.5, 2.0]])
    tg.save(opt.state_dict(), tmp_path / "adam.npz")
    q = tg.Tensor(p.data.copy(), requires_grad=True)
    fresh = optim.Adam([q])
    fresh.load_state_dict(tg.load(tmp_path / "adam.npz"))
    np.testing.assert_array_equal(run_steps(opt, p, [[0.3, 0.3]]), run_steps(fresh, q, [[0.3, 0.3]]))
    assert fresh.param_groups[0]["lr"] == 0.05

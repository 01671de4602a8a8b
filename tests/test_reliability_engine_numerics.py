"""Numerics and semantics: ``x ** y`` at base 0 gives PyTorch's limits without a warning, and the grad-mode
switches applied to a generator function take effect while the generator runs (PyTorch's rule)."""

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg

EXPONENTS = [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
# torch.zeros(6) ** torch.tensor(EXPONENTS) in float64, backward of the sum (torch 2.x):
TORCH_0_POW_Y = {"value": [np.inf, np.inf, 1.0, 0.0, 0.0, 0.0],
                 "d base": [-np.inf, -np.inf, 0.0, 1.0, 0.0, 0.0],
                 "d exponent": [-np.inf, -np.inf, 0.0, 0.0, 0.0, 0.0]}
# torch.tensor(EXPONENTS) ** torch.zeros(6): x ** 0
TORCH_X_POW_0 = {"value": [1.0] * 6, "d base": [0.0] * 6,
                 "d exponent": [np.nan, np.nan, 0.0, 0.0, np.log(2.0), np.log(3.0)]}


def _power_and_gradients(base, exponent, dtype):
    a = tg.Tensor(np.array(base, dtype=dtype), requires_grad=True)
    b = tg.Tensor(np.array(exponent, dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and conftest makes numpy's floating point warnings errors too
        out = a ** b
        out.sum().backward()
    return {"value": out.data, "d base": a.grad, "d exponent": b.grad}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_zero_to_the_power_y_gives_pytorch_values_and_gradients_without_warnings(dtype):
    got = _power_and_gradients(np.zeros(6), EXPONENTS, dtype)
    for key, expected in TORCH_0_POW_Y.items():
        np.testing.assert_array_equal(got[key], np.array(expected, dtype=dtype), err_msg=key)
        assert got[key].dtype == dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_x_to_the_power_zero_gives_pytorch_values_and_gradients_without_warnings_at_x_0(dtype):
    bases = np.array([2.0, 1.0, 0.0, 1.0, 2.0, 3.0])  # positive where torch's log(x) is defined, and 0
    got = _power_and_gradients(bases, np.zeros(6), dtype)
    np.testing.assert_array_equal(got["value"], np.ones(6, dtype))
    np.testing.assert_array_equal(got["d base"], np.zeros(6, dtype))
    np.testing.assert_allclose(got["d exponent"], np.log(bases, where=bases > 0, out=np.zeros(6)), rtol=1e-6)


@pytest.mark.parametrize("power, gradient", [(-2.0, -np.inf), (-1.0, -np.inf), (-0.5, -np.inf), (0.0, 0.0),
                                             (0.5, np.inf), (1.0, 1.0), (2.0, 0.0), (3.0, 0.0)])
def test_zero_to_a_constant_power_has_the_gradient_of_the_limit(power, gradient):
    x = tg.Tensor(np.zeros(1), requires_grad=True)
    (x ** power).sum().backward()
    np.testing.assert_array_equal(x.grad, [gradient])


def test_the_values_agree_with_pytorch_when_it_is_installed():
    torch = pytest.importorskip("torch")
    base = torch.zeros(6, dtype=torch.float64, requires_grad=True)
    exponent = torch.tensor(EXPONENTS, dtype=torch.float64, requires_grad=True)
    out = base ** exponent
    out.sum().backward()
    got = _power_and_gradients(np.zeros(6), EXPONENTS, np.float64)
    np.testing.assert_array_equal(got["value"], out.detach().numpy())
    np.testing.assert_array_equal(got["d base"], base.grad.numpy())
    np.testing.assert_array_equal(got["d exponent"], exponent.grad.numpy())


# ------------------------------------------------------------------ grad modes and generators
W = tg.Tensor([1.0, 2.0], requires_grad=True)


def _steps():
    """What a generator body sees at each step: (is_grad_enabled(), whether an op records)."""
    for _ in range(3):
        yield tg.is_grad_enabled(), (W * 2).requires_grad


SWITCHES = {
    "@no_grad()": (tg.no_grad(), False),
    "@no_grad": (tg.no_grad, False),
    "@set_grad_enabled(False)": (lambda f: tg.set_grad_enabled(False)(f), False),
}


@pytest.mark.parametrize("switch, enabled", SWITCHES.values(), ids=SWITCHES.keys())
def test_a_decorated_generator_runs_in_its_mode_and_the_caller_keeps_its_own(switch, enabled):
    steps = switch(_steps)
    assert tg.is_grad_enabled()
    seen = []
    for inside in steps():
        seen.append(inside)
        assert tg.is_grad_enabled() and (W * 2).requires_grad  # between steps the caller records as before
    assert seen == [(enabled, enabled)] * 3  # the old engine ran the body with gradients on


def test_enable_grad_on_a_generator_records_even_when_consumed_inside_no_grad():
    steps = tg.enable_grad()(_steps)
    with tg.no_grad():
        seen = list(steps())
        assert not tg.is_grad_enabled()
    assert seen == [(True, True)] * 3


def test_send_throw_and_close_reach_the_generator_in_its_mode():
    log = []

    @tg.no_grad()
    def echo():
        try:
            while True:
                value = yield tg.is_grad_enabled()
                log.append(("sent", value, tg.is_grad_enabled()))
        except KeyError:
            log.append(("thrown", tg.is_grad_enabled()))
            yield "after the throw"
        finally:
            log.append(("closed", tg.is_grad_enabled()))

    steps = echo()
    assert next(steps) is False
    assert steps.send(5) is False
    assert steps.throw(KeyError("x")) == "after the throw"
    steps.close()
    assert log == [("sent", 5, False), ("thrown", False), ("closed", False)]
    assert tg.is_grad_enabled()


def test_a_generator_returns_its_value_through_the_switch():
    @tg.no_grad()
    def counted():
        yield 1
        return "done"

    steps = counted()
    next(steps)
    with pytest.raises(StopIteration) as stop:
        next(steps)
    assert stop.value.value == "done"


def test_set_grad_enabled_as_a_call_a_context_manager_and_a_checked_argument():
    with tg.set_grad_enabled(False):
        assert not (W * 2).requires_grad
        with tg.set_grad_enabled(True):
            assert (W * 2).requires_grad
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    try:
        tg.set_grad_enabled(False)  # on its own: from now on, as torch.set_grad_enabled(False)
        assert not tg.is_grad_enabled()
    finally:
        tg.set_grad_enabled(True)
    with pytest.raises(TypeError, match=r"^set_grad_enabled: mode must be True or False, got 'no'"):
        tg.set_grad_enabled("no")
    assert tg.is_grad_enabled()


def test_set_grad_enabled_as_a_decorator_switches_only_during_calls():
    @tg.set_grad_enabled(False)
    def double(x):
        return x * 2

    assert tg.is_grad_enabled()  # decorating changed nothing
    assert not double(W).requires_grad
    assert tg.is_grad_enabled()

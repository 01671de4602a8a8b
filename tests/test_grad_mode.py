"""no_grad (context manager, decorator, thread-local) and detect_anomaly."""

import inspect
import threading

import numpy as np
import pytest
from hypothesis import given

import tinygrad_nn as tg
from tinygrad_nn import Tensor
from engine_strategies import float_arrays, shapes


@given(float_arrays(shapes()))
def test_no_grad_records_nothing(x):
    w = Tensor(x, requires_grad=True)
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        y = (w * 2.0).exp().sum()
    assert tg.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad and y.is_leaf
    np.testing.assert_allclose(y.data, np.exp(2.0 * x).sum())


def test_no_grad_as_a_decorator_and_restored_after_an_exception():
    w = Tensor([1.0, 2.0], requires_grad=True)

    @tg.no_grad()
    def predict(t):
        return t * 3.0

    @tg.no_grad()
    def fails():
        raise KeyError("boom")

    assert predict(w).grad_fn is None
    assert predict.__name__ == "predict"
    with pytest.raises(KeyError):
        fails()
    assert tg.is_grad_enabled() and (w * 3.0).grad_fn is not None


def test_enable_grad_inside_no_grad_and_nesting():
    w = Tensor([1.0], requires_grad=True)
    with tg.no_grad():
        with tg.enable_grad():
            assert (w * 2.0).grad_fn is not None
        with tg.no_grad():
            pass
        assert (w * 2.0).grad_fn is None  # the inner no_grad restored "off", not "on"
    assert (w * 2.0).grad_fn is not None


@pytest.mark.parametrize("no_grad_in_main_thread", [True, False])
def test_no_grad_is_thread_local(no_grad_in_main_thread):
    w = Tensor([1.0, 2.0], requires_grad=True)
    inside, done = threading.Event(), threading.Event()
    recorded = {}

    def worker():
        if no_grad_in_main_thread:
            inside.wait(5)
            recorded["worker"] = (w * 2.0).grad_fn is not None
            done.set()
        else:
            with tg.no_grad():
                inside.set()
                done.wait(5)
                recorded["worker"] = (w * 2.0).grad_fn is not None

    thread = threading.Thread(target=worker)
    thread.start()
    if no_grad_in_main_thread:
        with tg.no_grad():
            inside.set()
            done.wait(5)
            recorded["main"] = (w * 2.0).grad_fn is not None
    else:
        inside.wait(5)
        recorded["main"] = (w * 2.0).grad_fn is not None
        done.set()
    thread.join(5)
    assert recorded == {"main": not no_grad_in_main_thread, "worker": no_grad_in_main_thread}


def test_detect_anomaly_names_the_op_and_line_of_a_forward_nan():
    x = Tensor([1.0, -1.0], requires_grad=True)
    with tg.detect_anomaly(), np.errstate(invalid="ignore"):
        line = inspect.currentframe().f_lineno + 2
        with pytest.raises(tg.AnomalyError) as error:
            x.sqrt()
    message = str(error.value)
    assert "Sqrt" in message and f"test_grad_mode.py:{line}" in message and "forward" in message


def test_detect_anomaly_names_the_op_and_line_of_a_backward_inf():
    x = Tensor([0.0, 4.0], requires_grad=True)
    with tg.detect_anomaly():
        line = inspect.currentframe().f_lineno + 1
        root = x.sqrt()  # finite forward (sqrt 0 = 0), infinite gradient at 0
        loss = (root * 2.0).sum()
        with pytest.raises(tg.AnomalyError) as error:
            loss.backward()
    message = str(error.value)
    assert "Sqrt" in message and f"test_grad_mode.py:{line}" in message and "backward" in message


def test_detect_anomaly_catches_overflow_and_is_off_by_default():
    big = Tensor([1000.0], requires_grad=True)
    with np.errstate(over="ignore"):
        assert np.isinf(big.exp().data).all()  # without detect_anomaly: numpy's value, no error
        with tg.detect_anomaly():
            with pytest.raises(tg.AnomalyError, match="Exp"):
                big.exp()
            finite = big.sigmoid() * 2.0  # stable ops at 1000 are not anomalies
            finite.sum().backward()
    assert np.isfinite(big.grad).all()


def test_detect_anomaly_is_a_decorator_too():
    @tg.detect_anomaly()
    def forward(t):
        return t.log()

    with np.errstate(divide="ignore"):
        with pytest.raises(tg.AnomalyError, match="Log"):
            forward(Tensor([0.0]))


def test_no_grad_works_as_a_bare_decorator():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)

    @tg.no_grad
    def predict(x):
        return x * w

    assert predict(3.0).grad_fn is None
    assert (w * 3.0).grad_fn is not None  # recording is back on after the call


def test_one_no_grad_instance_can_be_entered_again_while_active():
    switch = tg.no_grad()
    with tg.enable_grad():
        with switch:
            with tg.enable_grad():
                with switch:
                    assert not tg.is_grad_enabled()
                assert tg.is_grad_enabled()
            assert not tg.is_grad_enabled()
        assert tg.is_grad_enabled()


def test_no_grad_refuses_a_non_callable_argument():
    with pytest.raises(TypeError, match="no_grad"):
        tg.no_grad(3)

"""tg.compile against eager mode where a trace used to replay silently wrong values.

Each test changes something eager mode reads on every call (a closure
variable, a global, a default argument, a tensor's ``.data``) or changes
values outside the recorded ops, and asserts the compiled call gives eager's
value and gradients bit for bit, or refuses with ``TraceError``.
"""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn

from compile_cases import assert_same

SCALE = 2.0  # a global the compiled function below reads


def scaled_by_global(x, w):
    return (x * w * SCALE).sum()


def value_and_gradient(f, x, w):
    out = f(x, w)
    out.backward()
    gradient, w.grad = w.grad, None
    return out.data, gradient


def assert_follows_eager(step, fn, change, calls=3):
    """After each ``change(i)``, the compiled call gives eager's value and gradient of ``w``."""
    x = tg.Tensor([1.0, 2.0, 3.0])
    for i in range(calls):
        w = change(i)
        expected = value_and_gradient(fn, x, w)
        actual = value_and_gradient(step, x, w)
        assert_same(actual[0], expected[0])
        assert_same(actual[1], expected[1])


def test_a_rebound_closure_number_makes_a_new_trace():
    scale = 2.0
    w = tg.Tensor([1.0, -1.0, 0.5], requires_grad=True)

    def fn(x, w):
        return (x * w * scale).sum()

    def change(i):
        nonlocal scale
        scale = 2.0 + i  # was baked into the code as the number 2.0
        return w

    assert_follows_eager(tg.compile(fn), fn, change)


def test_items_of_a_captured_list_or_dict_and_a_mutable_default_are_read_as_eager_mode_reads_them():
    config, factors = {"scale": 2.0}, [1.0]
    w = tg.Tensor([1.0, -1.0, 0.5], requires_grad=True)

    def fn(x, w, extra=factors):
        return (x * w * config["scale"] * extra[0]).sum()

    def change(i):
        config["scale"], factors[0] = 2.0 + i, 1.0 + 2 * i
        return w

    assert_follows_eager(tg.compile(fn), fn, change)


def test_a_rebound_global_number_makes_a_new_trace():
    global SCALE
    w = tg.Tensor([1.0, -1.0, 0.5], requires_grad=True)

    def change(i):
        global SCALE
        SCALE = 2.0 + i
        return w

    try:
        assert_follows_eager(tg.compile(scaled_by_global), scaled_by_global, change)
    finally:
        SCALE = 2.0


def test_a_parameter_replaced_in_a_closure_gets_the_gradient_not_the_old_one():
    params = {"w": tg.Tensor([1.0, -1.0, 0.5], requires_grad=True)}
    fn = lambda x, unused: (x * params["w"]).sum()  # noqa: E731
    step, x = tg.compile(fn), tg.Tensor([1.0, 2.0, 3.0])
    old = params["w"]
    step(x, None).backward()
    params["w"] = tg.Tensor([2.0, 2.0, 2.0], requires_grad=True)  # a notebook cell run again
    out = step(x, None)
    out.backward()
    assert out.item() == 12.0 and params["w"].grad.tolist() == [1.0, 2.0, 3.0]
    assert old.grad.tolist() == [1.0, 2.0, 3.0]  # from the first call only
    assert step.traces == 2


def test_a_module_replaced_in_a_closure_is_the_one_called():
    tg.manual_seed(0)
    holder = {"net": nn.Linear(3, 2)}
    step, x = tg.compile(lambda x: holder["net"](x).sum()), tg.Tensor([[1.0, 2.0, 3.0]])
    step(x)
    holder["net"] = nn.Linear(3, 2)
    assert_same(step(x).data, holder["net"](x).sum().data)


def test_with_retracing_off_a_changed_closure_variable_is_named():
    scale = 2.0
    step = tg.compile(lambda x: (x * scale).sum(), retrace=False)
    step(tg.Tensor([1.0], requires_grad=True))
    scale = 3.0  # noqa: F841 - read by the lambda
    with pytest.raises(tg.TraceError, match="the closure variable 'scale' is 3.0 \\(traced with 2.0\\)"):
        step(tg.Tensor([1.0], requires_grad=True))


@pytest.mark.parametrize("requires_grad", [False, True])
def test_a_new_array_assigned_to_a_captured_tensors_data_is_seen(requires_grad):
    c = tg.Tensor([1.0, 2.0, 3.0], requires_grad=requires_grad)
    fn = lambda x, w: (x * w * c.data).sum() + (x * c).sum()  # noqa: E731 - c.data and c
    step = tg.compile(fn)

    def change(i):
        with tg.no_grad():
            c.data = c.data + 1.0  # a new array, as p.data = p.data - lr * g makes
        return tg.Tensor([1.0, -1.0, 0.5], requires_grad=True)

    assert_follows_eager(step, fn, change)


@pytest.mark.parametrize("write", [
    lambda h: h.data.__setitem__(0, 7.0),
    lambda h: setattr(h, "data", h.data * 2),
])
def test_writing_an_intermediate_outside_the_recorded_ops_is_refused(write):
    def fn(x):
        h = x * 2.0
        write(h)
        return (h * h).sum()
    with pytest.raises(tg.TraceError, match="changed a tensor's values outside the recorded ops"):
        tg.compile(fn)(tg.Tensor([1.0, 2.0, 3.0], requires_grad=True))


def test_the_data_of_an_intermediate_is_refused_even_when_the_argument_is_all_ones():
    w = tg.Tensor([1.0, -2.0, 3.0], requires_grad=True)

    def fn(x):
        h = x * w
        return (h * h.data).sum()  # h.data: a constant the trace would keep
    with pytest.raises(tg.TraceError, match="computes from its arguments outside the recorded ops"):
        tg.compile(fn)(tg.Tensor([1.0, 1.0, 1.0], requires_grad=True))

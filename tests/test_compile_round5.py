"""tg.compile used as a user would: calls spelled in different ways, arguments changed by the function itself.

Each test asserts that the compiled call gives eager mode's value and
gradients bit for bit, or refuses with a ``TraceError`` that names the
argument.
"""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import functional as F, nn
from tinygrad_nn.compiler import TraceError

from compile_cases import assert_same

W = tg.Tensor(np.arange(6.0).reshape(3, 2) / 10, requires_grad=True)


def scaled_mse(x, t, scale=1.0, *, shift=0.0):
    return F.mse_loss((x @ W) * scale + shift, t)


def value_and_gradient(f, *args, **kwargs):
    out = f(*args, **kwargs)
    out.backward()
    gradient, W.grad = W.grad, None
    return out.data, gradient


SPELLINGS = [
    lambda x, t: ((x, t, 2.0), {"shift": 1.0}),
    lambda x, t: ((x,), {"t": t, "scale": 2.0, "shift": 1.0}),
    lambda x, t: ((x,), {"shift": 1.0, "scale": 2.0, "t": t}),
    lambda x, t: ((), {"t": t, "x": x, "shift": 1.0, "scale": 2.0}),
    lambda x, t: ((x, t), {"shift": 1.0, "scale": 2.0}),
]


@pytest.mark.parametrize("first", range(len(SPELLINGS)))
def test_one_call_written_with_keywords_in_any_order_is_one_trace(first):
    step = tg.compile(scaled_mse, retrace=False)
    x, t = tg.Tensor(np.arange(15.0).reshape(5, 3)), tg.Tensor(np.ones((5, 2)))
    expected = value_and_gradient(scaled_mse, x, t, 2.0, shift=1.0)
    for spelling in SPELLINGS[first:] + SPELLINGS[:first]:  # traced written one way, called all the others
        args, kwargs = spelling(x, t)
        actual = value_and_gradient(step, *args, **kwargs)
        assert_same(actual[0], expected[0])
        assert_same(actual[1], expected[1])
    assert step.traces == 1


def test_the_call_written_as_when_traced_takes_the_fast_path():
    from tinygrad_nn.compiler.program import MISS
    step = tg.compile(scaled_mse)
    x, t = tg.Tensor(np.ones((5, 3))), tg.Tensor(np.ones((5, 2)))
    step(x, shift=1.0, t=t, scale=2.0)
    assert step._last.call((x,), {"shift": 1.0, "t": t, "scale": 2.0}) is not MISS


def test_with_retracing_off_another_value_of_a_keyword_is_named():
    step = tg.compile(scaled_mse, retrace=False)
    x, t = tg.Tensor(np.ones((5, 3))), tg.Tensor(np.ones((5, 2)))
    step(x, t=t, scale=2.0)
    with pytest.raises(TraceError, match="argument 'scale' is float 3.0"):
        step(x, scale=3.0, t=t)


def rows_zeroed(x):
    x.data[0] = 0
    return (x @ W).sum()


def doubled(x):
    x.data = x.data * 2
    return (x @ W).sum()


def first_label_set(scores, labels):
    labels[0] = 0
    return F.cross_entropy(scores @ W, labels)


def weight_zeroed(x, w):
    w.data[0] = 0
    return (x @ w).sum()


def integer_tensor_changed(x, labels):
    labels += 1
    return F.cross_entropy(x @ W, labels)


@pytest.mark.parametrize("fn, args, name", [
    (rows_zeroed, lambda: (tg.Tensor(np.ones((4, 3))),), "x"),
    (doubled, lambda: (tg.Tensor(np.ones((4, 3))),), "x"),
    (first_label_set, lambda: (tg.Tensor(np.ones((3, 3))), np.array([1, 0, 1])), "labels"),
    (weight_zeroed, lambda: (tg.Tensor(np.ones((4, 3))), tg.Tensor(np.ones((3, 2)), requires_grad=True)), "w"),
    (integer_tensor_changed, lambda: (tg.Tensor(np.ones((3, 3))), tg.Tensor(np.array([0, 1, 0]))), "labels"),
])
def test_an_argument_the_function_changes_outside_the_recorded_ops_is_refused(fn, args, name):
    # the compiled code never writes into its arguments: later calls would not change them, and compute
    # on the unchanged values (a silently different loss)
    with pytest.raises(TraceError, match=f"changes its argument '{name}'"):
        tg.compile(fn)(*args())


def test_reading_an_arguments_data_is_no_change():
    step = tg.compile(lambda x: (x * float(x.data.shape[0]) @ W).sum())
    x = tg.Tensor(np.ones((4, 3)))
    assert_same(step(x).data, (x * 4.0 @ W).sum().data)


def sum_of_squares(x, ws):
    return sum(((x * w) ** 2).sum() for w in ws)


@pytest.mark.parametrize("traced, called", [(2, 3), (3, 2), (2, 2)])
def test_a_list_argument_of_another_length_is_read_whole(traced, called):
    # the guard lost the list's length check when no keyword was passed: 15.0 (the first two items) for 42.0
    x = tg.Tensor(np.ones(3))
    ws = [tg.Tensor(np.full(3, float(i + 1)), requires_grad=True) for i in range(3)]
    step = tg.compile(sum_of_squares)
    step(x, ws[:traced])
    assert_same(step(x, ws[:called]).data, sum_of_squares(x, ws[:called]).data)
    assert_same(step(x, tuple(ws[:called])).data, sum_of_squares(x, ws[:called]).data)


def test_a_sequentials_parameters_are_named_as_its_layers_outputs():
    step = tg.compile(nn.Sequential(nn.Linear(3, 4), nn.Tanh()))
    step(tg.Tensor(np.ones((2, 3))))
    assert "def forward(x, layer0_weight, layer0_bias):" in step.source  # was v0_weight, and its gradient d0_weight
    assert "return dlayer0_weight, dlayer0_bias" in step.source


def test_the_printed_code_runs_as_printed():
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    step = tg.compile(net)
    x = tg.Tensor(np.linspace(-1, 1, 6).reshape(2, 3))
    step(x)
    namespace = {"np": np}
    exec(step.source, namespace)
    out, saved = namespace["forward"](x.data, *[p.data for p in net.parameters()])
    gradients = namespace["backward"](np.ones_like(out), *saved)
    eager = net(x)
    eager.sum().backward()
    assert_same(out, eager.data)
    for mine, parameter in zip(gradients, net.parameters()):
        assert_same(mine, parameter.grad)


def test_a_gradient_is_named_d_and_the_name_of_its_value_when_names_are_numbered():
    import re
    net = nn.Sequential(nn.Linear(3, 4), nn.Maxout(4, 2, 3))
    step = tg.compile(net)
    step(tg.Tensor(np.ones((2, 3))))
    forward, backward = step.source.split("def backward")
    made = dict(re.findall(r"^    (\w+) = (\w+)\.reshape", forward, re.M))  # layer1_reshape_2 = layer1_bias.reshape
    for name, source in made.items():  # the gradient of a reshape of a parameter is reshaped back into its own
        parameter_gradient = re.search(rf"^    (\w+) = d{name}\.reshape", backward, re.M)
        assert parameter_gradient is not None and parameter_gradient.group(1) == "d" + source, (name, source)

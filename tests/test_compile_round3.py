"""tg.compile used as a training step is written: eager's values and gradients, or a TraceError.

Each test does what a user's training code does (an optimizer stepping
between calls, Dropout under tg.manual_seed, a compiled layer inside a
compiled loss, extreme inputs, copying the step) and asserts the compiled
calls give eager mode's values bit for bit, or refuse with ``TraceError``
when they could not.
"""

import contextlib
import copy
import pickle

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import functional as F
from tinygrad_nn import nn
from tinygrad_nn.compiler import CompileWarning, TraceError

from compile_cases import assert_same


def mean_squares(x):
    """A module-level function: a compiled one pickles by reference."""
    return (x * x).mean()


# ------------------------------------------------------------ a whole training run
def spiral_batch(step, size):
    rng = np.random.default_rng(step)
    return tg.Tensor(rng.standard_normal((size, 2))), rng.integers(0, 3, size)


def train(compiled, make_optimizer, set_to_none=True, schedule=None, steps=4):
    """Four steps of an MLP with Dropout: batches of changing size, the lr changed between calls."""
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 3))
    optimizer = make_optimizer(net)

    def loss_fn(x, y):
        return F.cross_entropy(net(x), y)

    step = tg.compile(loss_fn) if compiled else loss_fn
    tg.manual_seed(1)
    losses = []
    for i in range(steps):
        if schedule is not None:
            for group in optimizer.param_groups:
                group["lr"] = schedule(i)
        optimizer.zero_grad(set_to_none=set_to_none)
        loss = step(*spiral_batch(i, 5 + i % 2))
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
    return losses, [p.data for p in net.parameters()]


@pytest.mark.parametrize("make_optimizer, set_to_none, schedule", [
    (lambda net: tg.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3), True, None),
    (lambda net: tg.optim.SGD(net.parameters(), lr=0.1, momentum=0.5), False, lambda i: 0.1 / (i + 1)),
    (lambda net: tg.optim.Adam(net.parameters(), lr=0.01, amsgrad=True), False, None),
    (lambda net: tg.optim.Adam([{"params": net[0].parameters(), "lr": 0.05}, {"params": net[3].parameters()}],
                               lr=0.01), True, lambda i: 0.01 * (i + 1)),
], ids=["sgd-nesterov", "sgd-momentum-schedule-zero-grad-false", "adam-amsgrad", "adam-param-groups"])
def test_a_training_run_with_dropout_and_an_optimizer_is_eagers_bit_for_bit(make_optimizer, set_to_none, schedule):
    eager_losses, eager_params = train(False, make_optimizer, set_to_none, schedule)
    losses, params = train(True, make_optimizer, set_to_none, schedule)
    for mine, theirs in zip(losses + params, eager_losses + eager_params):
        assert_same(mine, theirs)


# --------------------------------------------------------------- extreme inputs
@pytest.mark.parametrize("op, extreme", [
    (lambda x: x.exp(), 800.0),          # exp overflows to inf, as eager mode, without a numpy error
    (lambda x: x ** -1, 0.0),            # 0 ** -1 = inf (Pow's limit)
    (lambda x: x ** -2, 1e-200),         # a tiny base to a negative power overflows to inf; so does its slope
    (lambda x: (x * 3).exp() + x ** -3, 1e-320),
], ids=["exp", "reciprocal-at-zero", "negative-power-of-tiny", "both"])
def test_extreme_inputs_give_eagers_values_without_numpy_errors(op, extreme):
    def loss(x):
        return op(x).sum()

    step = tg.compile(loss)
    step(tg.Tensor(np.array([0.5, 1.5]), requires_grad=True))  # traced on ordinary values
    x, x_eager = (tg.Tensor(np.array([extreme, 1.0]), requires_grad=True) for _ in range(2))
    out, expected = step(x), loss(x_eager)  # numpy errors are errors in this test suite
    out.backward()
    expected.backward()
    assert_same(out.data, expected.data)
    assert_same(x.grad, x_eager.grad)


# ----------------------------------------------- a compiled function in a compiled one
def test_a_compiled_layer_inside_a_compiled_loss_follows_its_modules_and_names():
    scale = 2.0
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Dropout(0.5))
    layer = tg.compile(net)
    scaled = tg.compile(lambda h: h * scale)
    step = tg.compile(lambda x: scaled(layer(x)).sum())
    x = tg.Tensor(np.random.default_rng(0).standard_normal((4, 3)))

    def check():
        tg.manual_seed(5)
        out = step(x)
        out.backward()
        mine = [out.data] + [p.grad for p in net.parameters()]
        for p in net.parameters():
            p.grad = None
        tg.manual_seed(5)
        expected = (net(x) * scale).sum()
        expected.backward()
        for a, b in zip(mine, [expected.data] + [p.grad for p in net.parameters()]):
            assert_same(a, b)
        for p in net.parameters():
            p.grad = None

    check()
    net[1] = nn.ReLU()   # a layer replaced inside the inner compiled module
    check()
    net.eval()           # its Dropout off
    check()
    scale = 5.0          # a closure variable of the inner compiled function
    check()


def test_a_compiled_function_may_call_itself():
    def doubled(x, times):
        return x * 1.0 if times == 0 else compiled(x * 2, times - 1)

    compiled = tg.compile(doubled)
    x = tg.Tensor([1.0, -3.0])
    assert_same(compiled(x, 3).data, np.array([8.0, -24.0]))


# ------------------------------------------------------------- random generators
class GeneratorHolder:
    def __init__(self):
        self.rng = np.random.default_rng(7)


def dropout_sums(fn, calls=3):
    tg.manual_seed(3)
    return [fn(tg.Tensor(np.ones((4, 5)) * (i + 1))).data for i in range(calls)]


def test_dropout_drawing_from_a_generator_held_by_an_object_draws_eagers_masks():
    eager_holder, holder = GeneratorHolder(), GeneratorHolder()
    expected = dropout_sums(lambda x: F.dropout(x, 0.5, rng=eager_holder.rng).sum())
    actual = dropout_sums(tg.compile(lambda x: F.dropout(x, 0.5, rng=holder.rng).sum()))
    for mine, theirs in zip(actual, expected):
        assert_same(mine, theirs)


class NoisyScale(tg.Function):
    """x * u, u drawn in forward from a generator the compiler cannot see (fresh OS entropy)."""

    @staticmethod
    def forward(ctx, x):
        ctx.noise = np.random.default_rng().random(x.shape)
        return x * ctx.noise

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.noise


@pytest.mark.parametrize("fn, message", [
    (lambda x: F.dropout(x, 0.5, rng=3).sum(), "made while the function runs"),
    (lambda x: F.dropout(x, 0.5, rng=np.random.default_rng(3)).sum(), "made while the function runs"),
    (lambda x: (tg.manual_seed(0), F.dropout(x, 0.5))[1].sum(), "tg.manual_seed"),
    (lambda x: NoisyScale.apply(x).sum(), "draws random numbers"),
], ids=["rng-int-seed", "generator-made-inside", "manual-seed-inside", "function-with-its-own-randomness"])
def test_random_draws_a_compiled_function_cannot_repeat_are_refused(fn, message):
    with pytest.warns(CompileWarning) if "draws random" in message else contextlib.nullcontext():
        with pytest.raises(TraceError, match=message):
            tg.compile(fn)(tg.Tensor(np.ones((4, 5))))


# --------------------------------------------------- writes the compiled code would skip
class RunningMean(nn.Module):
    """A layer that keeps a running mean of its output by hand, outside the recorded ops."""

    def __init__(self):
        self.linear = nn.Linear(3, 3)
        self.running_mean = tg.Tensor(np.zeros(3))

    def forward(self, x):
        h = self.linear(x)
        self.running_mean.data = 0.9 * self.running_mean.data + 0.1 * h.data.mean(axis=0)
        return h


def test_a_tensor_the_function_changes_in_place_outside_the_ops_is_refused():
    x = tg.Tensor(np.ones((2, 3)))
    with pytest.raises(TraceError, match=r"0\.running_mean \(RunningMean\).*later calls would not update it"):
        tg.compile(nn.Sequential(RunningMean(), nn.ReLU()))(x)
    net = nn.Linear(3, 2)
    optimizer = tg.optim.SGD(net.parameters(), lr=0.1)
    for p in net.parameters():
        p.grad = np.ones(p.shape)

    def loss_then_step(x):
        loss = net(x).sum()
        optimizer.step()
        return loss

    with pytest.raises(TraceError, match=r"net\.weight \(Linear\)"):
        tg.compile(loss_then_step)(x)
    count = tg.Tensor(np.zeros(()))

    def counting(x):
        count.fill_(count.data + 1)
        return (x * 2).sum()

    with pytest.raises(TraceError, match="the tensor 'count'"):
        tg.compile(counting)(x)


# --------------------------------------------------------------------- copies
def test_a_compiled_function_pickles_and_copies_as_tg_compile_of_its_target():
    x = tg.Tensor(np.array([[1.0, -2.0, 3.0]]))
    step = tg.compile(mean_squares)
    step(x)
    assert_same(pickle.loads(pickle.dumps(step))(x).data, mean_squares(x).data)
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 2), nn.Tanh())
    compiled = tg.compile(net, retrace=False)
    compiled(x)
    twin = copy.deepcopy(compiled)
    assert twin.function is not net and twin.retrace is False and twin.traces == 0
    twin.function[0].weight.data += 1.0  # the copy computes with its own parameters
    assert_same(twin(x).data, twin.function(x).data)
    assert_same(compiled(x).data, net(x).data)
    assert not np.array_equal(twin(x).data, compiled(x).data)
    assert copy.copy(compiled).function is net


# ------------------------------------------------------------------ grad modes
def test_enable_grad_inside_the_function_is_refused_since_a_call_under_no_grad_would_record_nothing():
    def input_gradient_loss(x):
        with tg.enable_grad():
            return (x * x).sum()

    x = tg.Tensor([3.0, 4.0], requires_grad=True)
    with tg.no_grad():
        assert input_gradient_loss(x).requires_grad  # eager mode records inside enable_grad(), even here
    with pytest.raises(TraceError, match=r"enters enable_grad\(\)"):
        tg.compile(input_gradient_loss)(x)


@pytest.mark.parametrize("mode, event", [(False, r"no_grad\(\) \(or set_grad_enabled\(False\)\)"),
                                         (True, r"enable_grad\(\) \(or set_grad_enabled\)")])
def test_set_grad_enabled_inside_the_function_is_refused_as_no_grad_and_enable_grad_are(mode, event):
    w = tg.Tensor([1.0, 1.0], requires_grad=True)

    def scaled_loss(x):
        with tg.set_grad_enabled(mode):
            y = x * 2
        return (y * w).sum()

    with pytest.raises(TraceError, match=event):
        tg.compile(scaled_loss)(tg.Tensor([1.0, 2.0]))

"""Random programs, drawn by hypothesis, compiled: the same values and gradients as eager mode, bit for bit.

A program is a list of steps over a pool of tensors that starts with the
inputs. Each step applies one op family (elementwise, broadcasting binary
ops, reductions, shape ops and indexing, masks, detach, a custom Function)
to values from the pool and appends the result; every value keeps a shape
that broadcasts against the others, so any two can be combined. The loss adds
up several pool values, so most are used more than once (gradients add up).
Each program is compiled and run twice, the second time on new data of the
same shapes, and compared with the eager run on copies of the same inputs.
"""

import numpy as np
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import functional as F

SHAPES = [(2, 3), (1, 3), (2, 1), (3,), ()]


class Softsign(tg.Function):
    """x / (1 + |x|), with a hand-written backward (a user's op: the compiled code calls it);  dx = g / (1 + |x|)**2."""

    @staticmethod
    def forward(ctx, x):
        denominator = 1.0 + np.abs(x)
        ctx.save_for_backward(denominator)
        return x / denominator

    @staticmethod
    def backward(ctx, grad):
        (denominator,) = ctx.saved_tensors
        return grad / (denominator * denominator)


def _last_axis_picks(x):
    """An integer index along the last axis with a repeat (the scatter-add path of indexing)."""
    size = x.shape[-1]
    return np.array([size - 1] + [0] * (size - 1))


# Each op: (arity, function of Tensors). Values stay bounded, so nothing overflows in float32.
UNARY = {
    "neg": lambda a: -a,
    "abs": lambda a: a.abs(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "leaky_relu": lambda a: a.leaky_relu(0.2),
    "clip": lambda a: a.clip(-0.5, 0.5),
    "exp": lambda a: a.tanh().exp(),
    "log": lambda a: (a.abs() + 1.0).log(),
    "sqrt": lambda a: (a * a + 0.5).sqrt(),
    "square": lambda a: a.tanh() ** 2,
    "cube": lambda a: a.tanh() ** 3,
    "reciprocal": lambda a: 1.0 / (a * a + 1.0),
    "scale": lambda a: a * 1.5 - 0.25,
    "softsign": lambda a: Softsign.apply(a),
    "detach": lambda a: a.detach() * a,
    "sum": lambda a: a.sum(axis=-1, keepdims=True) if a.ndim else a.sum(),
    "mean": lambda a: a.mean(axis=0, keepdims=True) if a.ndim else a.mean(),
    "max": lambda a: a.max(axis=-1, keepdims=True) if a.ndim else a.max(),
    "min": lambda a: a.min(),
    "softmax": lambda a: a.softmax(axis=-1) if a.ndim else a,
    "log_softmax": lambda a: a.log_softmax(axis=-1) if a.ndim else a,
    "flip": lambda a: a[..., ::-1] if a.ndim else a,
    "pick": lambda a: a[..., _last_axis_picks(a)] if a.ndim else a,
    "transpose": lambda a: a.T.T,
    "reshape": lambda a: a.reshape(-1).reshape(a.shape),
    "concatenate": lambda a: tg.concatenate([a, a * 2.0], axis=-1)[..., : a.shape[-1]] if a.ndim else a,
    "stack": lambda a: tg.stack([a, a.tanh()], axis=0).sum(axis=0),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b.tanh(),
    "div": lambda a, b: a / (b * b + 1.0),
    "maximum": lambda a, b: tg.maximum(a, b),
    "where": lambda a, b: tg.where(a > b, a, b * 0.5),
    "mask": lambda a, b: a * (b < 0.2),
}


@st.composite
def programs(draw):
    """(dtype, input shapes, which require grad, steps, loss terms, seed)."""
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    count = draw(st.integers(1, 3))
    shapes = [draw(st.sampled_from(SHAPES)) for _ in range(count)]
    requires = [draw(st.booleans()) for _ in range(count)]
    if not any(requires):
        requires[0] = True
    steps = []
    for _ in range(draw(st.integers(1, 8))):
        size = count + len(steps)
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(sorted(UNARY))), (draw(st.integers(0, size - 1)),)))
        else:
            steps.append((draw(st.sampled_from(sorted(BINARY))),
                          (draw(st.integers(0, size - 1)), draw(st.integers(0, size - 1)))))
    size = count + len(steps)
    terms = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=4))
    return dtype, shapes, requires, steps, terms + [size - 1], draw(st.integers(0, 2**32 - 1))


def run_program(steps, terms, inputs):
    """The program itself: the same Python for the eager run and for tg.compile."""
    pool = list(inputs)
    for name, operands in steps:
        op = UNARY.get(name) or BINARY[name]
        pool.append(op(*[pool[i] for i in operands]))
    loss = pool[terms[0]].sum()
    for index in terms[1:]:
        loss = loss + pool[index].sum()
    return loss


def assert_same(actual, expected, what):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape, what
    assert actual.tobytes() == expected.tobytes(), (what, actual, expected)


@settings(max_examples=80, deadline=None)
@given(programs())
def test_random_programs_compile_to_the_same_values_and_gradients(program):
    dtype, shapes, requires, steps, terms, seed = program
    rng = np.random.default_rng(seed)
    step = tg.compile(lambda *inputs: run_program(steps, terms, inputs))
    for _ in range(2):  # the second call replays the trace on new data
        arrays = [rng.standard_normal(shape).astype(dtype) for shape in shapes]
        mine = [tg.Tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, requires)]
        theirs = [tg.Tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, requires)]
        loss, expected = step(*mine), run_program(steps, terms, theirs)
        assert_same(loss.data, expected.data, "loss")
        if expected.requires_grad:
            loss.backward()
            expected.backward()
        for index, (a, b) in enumerate(zip(mine, theirs)):
            if b.grad is None:
                assert a.grad is None
            else:
                assert_same(a.grad, b.grad, f"the gradient of input {index}")
    assert step.traces == 1


@settings(max_examples=20, deadline=None)
@given(st.sampled_from([np.float64, np.float32]), st.integers(2, 6), st.integers(2, 5), st.integers(0, 2**32 - 1))
def test_random_networks_with_fused_losses(dtype, batch, classes, seed):
    """An MLP with each fused loss: cross-entropy on integer labels, the L2 penalty, hinge losses, mse."""
    rng = np.random.default_rng(seed)
    tg.manual_seed(seed % 1000)
    net = tg.nn.MLP([4, 5, classes], activation=tg.nn.Tanh, dtype=dtype)

    def loss_fn(X, labels, signs, bits, targets):
        scores = net(X)
        return (F.cross_entropy(scores, labels) + 0.01 * F.l2_penalty(net.parameters())
                + F.hinge_loss(scores[:, 0], signs) + F.mse_loss(scores, targets)
                + F.binary_cross_entropy_with_logits(scores[:, 1], bits)
                + F.multiclass_hinge_loss(scores, labels))

    step = tg.compile(loss_fn)
    for _ in range(2):
        signs = rng.choice([-1.0, 1.0], batch).astype(dtype)
        args = (tg.Tensor(rng.standard_normal((batch, 4)).astype(dtype)), rng.integers(0, classes, batch),
                signs, (signs + 1) / 2, rng.standard_normal((batch, classes)).astype(dtype))
        net.zero_grad()
        loss = step(*args)
        loss.backward()
        mine = [p.grad for p in net.parameters()]
        net.zero_grad()
        expected = loss_fn(*args)
        expected.backward()
        assert_same(loss.data, expected.data, "loss")
        for a, p in zip(mine, net.parameters()):
            assert_same(a, p.grad, "a parameter's gradient")

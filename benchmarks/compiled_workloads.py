"""Compiled versions of the four workloads: the same steps with ``tg.compile`` around the forward pass.

Each builder compiles the workload's own forward computation (the one its
``engine_step`` writes with Tensor ops, or for ``a+nn`` / ``d+nn`` the
``nn.MLP`` + ``F.cross_entropy`` version of ``module_workloads.py``), then
times what a user's training loop runs: the compiled call, ``backward()``
and the same hand-written SGD update as the engine rows. The first call
traces; it is timed once per workload, separately, and makes no update (so
every implementation starts its checked step from the same arrays).
"""

import time

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import Tensor, functional as F, nn, optim

from workloads import _leaves, _sgd_engine


def _first_call(compiled, args, params):
    """Seconds of the first call (it traces and generates the code) with its backward; no update, grads cleared."""
    start = time.perf_counter()
    compiled(*args).backward()
    seconds = time.perf_counter() - start
    for param in params:
        param.grad = None
    return seconds


def two_layer_spiral(workload):
    """(a) ``tg.compile`` of the engine step's loss: log_softmax, indexing, mean, L2 as (W * W).sum()."""
    params = _leaves(workload.initial)
    X, y, rows, reg, lr = Tensor(workload.X), workload.y, workload.rows, workload.reg, workload.lr

    def loss_fn(X, y, W1, b1, W2, b2):
        hidden = (X @ W1 + b1).relu()
        scores = hidden @ W2 + b2
        data_loss = -scores.log_softmax(axis=1)[rows, y].mean()
        return data_loss + 0.5 * reg * ((W1 * W1).sum() + (W2 * W2).sum())

    compiled = tg.compile(loss_fn)
    seconds = _first_call(compiled, (X, y, *params), params)

    def step():
        loss = compiled(X, y, *params)
        loss.backward()
        return loss.item(), _sgd_engine(params, lr)
    return step, seconds


def _mlp(sizes, initial, dtype):
    model = nn.MLP(sizes, dtype=dtype)
    linears = [layer for layer in model.modules() if isinstance(layer, nn.Linear)]
    for layer, weight, bias in zip(linears, initial[0::2], initial[1::2]):
        layer.weight.data[...] = weight.T
        layer.bias.data[...] = bias
    return model, linears


def _module_step(model, linears, compiled, args, lr):
    optimizer = optim.SGD(model.parameters(), lr=lr)
    seconds = _first_call(compiled, args, model.parameters())

    def step():
        optimizer.zero_grad()
        loss = compiled(*args)
        loss.backward()
        grads = []
        for layer in linears:
            grads += [layer.weight.grad.T, layer.bias.grad]
        optimizer.step()
        return loss.item(), grads
    return step, seconds


def two_layer_spiral_modules(workload):
    """(a+nn) ``tg.compile`` of ``F.cross_entropy(model(X), y) + 0.5 * reg * F.l2_penalty(weights)``."""
    model, linears = _mlp([2, 100, 3], workload.initial, np.float64)
    weights = [layer.weight for layer in linears]

    def loss_fn(X, y):
        return F.cross_entropy(model(X), y) + 0.5 * workload.reg * F.l2_penalty(weights)

    return _module_step(model, linears, tg.compile(loss_fn), (Tensor(workload.X), workload.y), workload.lr)


def tanh_mlp_batch1(workload):
    """(b) ``tg.compile`` of the batch-1 tanh MLP's squared error."""
    params = _leaves(workload.initial)
    x, target = Tensor(workload.x), workload.target_value

    def loss_fn(x, W1, b1, W2, b2, W3, b3):
        h1 = (x @ W1 + b1).tanh()
        h2 = (h1 @ W2 + b2).tanh()
        out = h2 @ W3 + b3
        return ((out - target) ** 2).mean()

    compiled = tg.compile(loss_fn)
    seconds = _first_call(compiled, (x, *params), params)

    def step():
        loss = compiled(x, *params)
        loss.backward()
        return loss.item(), _sgd_engine(params, workload.lr)
    return step, seconds


def elementwise_chain(workload):
    """(c) ``tg.compile`` of the 5,000-op chain."""
    x, w = _leaves(workload.initial)

    def chain(x, w):
        y = x
        for i in range(workload.n_ops):
            kind = i % 4
            if kind == 0:
                y = y * 1.5
            elif kind == 1:
                y = y + 0.1
            elif kind == 2:
                y = y.tanh()
            else:
                y = y * w
        return y.sum()

    compiled = tg.compile(chain)
    seconds = _first_call(compiled, (x, w), (x, w))

    def step():
        loss = compiled(x, w)
        loss.backward()
        grads = [x.grad, w.grad]
        x.grad = w.grad = None
        return loss.item(), grads
    return step, seconds


def float32_mlp(workload):
    """(d) ``tg.compile`` of the float32 784-512-512-10 step's loss."""
    params = _leaves(workload.initial)
    X, y, rows = Tensor(workload.X), workload.y, workload.rows

    def loss_fn(X, y, W1, b1, W2, b2, W3, b3):
        h1 = (X @ W1 + b1).relu()
        h2 = (h1 @ W2 + b2).relu()
        scores = h2 @ W3 + b3
        return -scores.log_softmax(axis=1)[rows, y].mean()

    compiled = tg.compile(loss_fn)
    seconds = _first_call(compiled, (X, y, *params), params)

    def step():
        loss = compiled(X, y, *params)
        loss.backward()
        return loss.item(), _sgd_engine(params, workload.lr)
    return step, seconds


def float32_mlp_modules(workload):
    """(d+nn) ``tg.compile`` of ``F.cross_entropy(model(X), y)`` with the float32 ``nn.MLP``."""
    model, linears = _mlp([784, 512, 512, 10], workload.initial, np.float32)

    def loss_fn(X, y):
        return F.cross_entropy(model(X), y)

    return _module_step(model, linears, tg.compile(loss_fn), (Tensor(workload.X), workload.y), float(workload.lr))


BUILDERS = {"TwoLayerSpiral": [("compiled", two_layer_spiral), ("compiled+nn", two_layer_spiral_modules)],
            "TanhMLPBatch1": [("compiled", tanh_mlp_batch1)],
            "ElementwiseChain": [("compiled", elementwise_chain)],
            "Float32MLP": [("compiled", float32_mlp), ("compiled+nn", float32_mlp_modules)]}

# the targets of the compiled rows (tinygrad / numpy)
TARGETS = {"a": 1.10, "b": 1.3, "c": 1.2, "d": 1.02}


def compiled_steps(workload):
    """``[(row suffix, step, seconds of the first call)]`` for ``workload``: the first call traces and compiles."""
    return [(suffix, *build(workload)) for suffix, build in BUILDERS.get(type(workload).__name__, [])]


def description():
    return "tg.compile of each step's forward; backward() and the update as in the engine rows"

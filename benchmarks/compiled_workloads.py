"""Compiled versions of the four workloads: the same steps with ``tg.compile`` around the loss.

Each builder compiles the workload's own ``loss`` method (the computation its
``engine_step`` runs with Tensor ops), or for ``a+nn`` / ``d+nn`` the
``nn.MLP`` + ``F.cross_entropy`` version of ``module_workloads.py``, and
times what a user's training loop runs: the compiled call, ``backward()``
and the same SGD update as the engine rows. The first call traces; it is
timed once per workload, separately, and makes no update (so every
implementation starts its checked step from the same arrays).
"""

import time

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import Tensor, functional as F, optim

from module_workloads import _mlp, _step
from workloads import _leaves, _sgd_engine

# the targets of the compiled rows (tinygrad / numpy)
TARGETS = {"a": 1.10, "b": 1.3, "c": 1.2, "d": 1.02}


def _first_call(compiled, args, params):
    """Seconds of the first call (it traces and generates the code) with its backward; no update, grads cleared."""
    start = time.perf_counter()
    compiled(*args).backward()
    seconds = time.perf_counter() - start
    for param in params:
        param.grad = None
    return seconds


def raw_step(workload):
    """``tg.compile(workload.loss)`` on the workload's own arguments, then backward and the SGD update."""
    params = _leaves(workload.initial)
    data = {"TwoLayerSpiral": lambda w: (Tensor(w.X), w.y), "TanhMLPBatch1": lambda w: (Tensor(w.x),),
            "Float32MLP": lambda w: (Tensor(w.X), w.y)}.get(type(workload).__name__, lambda w: ())(workload)
    args = data + tuple(params)
    compiled = tg.compile(workload.loss)
    seconds = _first_call(compiled, args, params)
    if type(workload).__name__ == "ElementwiseChain":
        def step():
            loss = compiled(*args)
            loss.backward()
            grads = [p.grad for p in params]
            for p in params:
                p.grad = None
            return loss.item(), grads
    else:
        def step():
            loss = compiled(*args)
            loss.backward()
            return loss.item(), _sgd_engine(params, workload.lr)
    return step, seconds


def module_step(workload, sizes, dtype, reg=None):
    """``tg.compile`` of ``F.cross_entropy(model(X), y)`` (+ the L2 penalty for a) with ``nn.MLP`` and ``optim.SGD``."""
    model, linears = _mlp(sizes, workload.initial, dtype)
    weights = [layer.weight for layer in linears]

    def loss_fn(X, y):
        loss = F.cross_entropy(model(X), y)
        return loss if reg is None else loss + 0.5 * reg * F.l2_penalty(weights)

    compiled, args = tg.compile(loss_fn), (Tensor(workload.X), workload.y)
    optimizer = optim.SGD(model.parameters(), lr=float(workload.lr))
    seconds = _first_call(compiled, args, model.parameters())

    def step():
        return _step(model, linears, optimizer, compiled(*args))
    return step, seconds


BUILDERS = {
    "TwoLayerSpiral": [("compiled", raw_step),
                       ("compiled+nn", lambda w: module_step(w, [2, 100, 3], np.float64, reg=w.reg))],
    "TanhMLPBatch1": [("compiled", raw_step)],
    "ElementwiseChain": [("compiled", raw_step)],
    "Float32MLP": [("compiled", raw_step), ("compiled+nn", lambda w: module_step(w, [784, 512, 512, 10],
                                                                                  np.float32))]}


def compiled_steps(workload):
    """``[(row suffix, step, seconds of the first call)]`` for ``workload``: the first call traces and compiles."""
    return [(suffix, *build(workload)) for suffix, build in BUILDERS.get(type(workload).__name__, [])]

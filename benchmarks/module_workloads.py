"""Module-based versions of workloads (a) and (d): ``nn.MLP`` + ``F.cross_entropy`` + ``optim.SGD``.

This is how a user writes the step with the whole library rather than raw
Tensor ops, so the rows show what the module layer (``Linear`` computes
``x @ W.T + b``, the loss validates its labels, the optimizer loops over
parameter groups) adds on top of the engine. Same initial arrays as the
raw versions; ``Linear`` keeps its weight as ``(out, in)``, so the arrays
are transposed in and the gradients transposed back for the agreement check.
"""

import numpy as np

from tinygrad_nn import Tensor, functional as F, nn, optim


def _mlp(sizes, initial, dtype):
    """An ``nn.MLP`` holding ``initial`` = [W1, b1, W2, b2, ...] with each W as (in, out)."""
    model = nn.MLP(sizes, dtype=dtype)
    linears = [layer for layer in model.modules() if isinstance(layer, nn.Linear)]
    for layer, weight, bias in zip(linears, initial[0::2], initial[1::2]):
        layer.weight.data[...] = weight.T
        layer.bias.data[...] = bias
    return model, linears


def _step(model, linears, optimizer, loss):
    """Backward and SGD update; returns the loss and the gradients in the raw workloads' layout."""
    optimizer.zero_grad()
    loss.backward()
    grads = []
    for layer in linears:
        grads += [layer.weight.grad.T, layer.bias.grad]
    optimizer.step()
    return loss.item(), grads


def two_layer_spiral(workload):
    """(a) with modules: ``nn.MLP([2, 100, 3])``, cross-entropy + 0.5 * reg * ``F.l2_penalty``."""
    model, linears = _mlp([2, 100, 3], workload.initial, np.float64)
    optimizer = optim.SGD(model.parameters(), lr=workload.lr)
    X, y = Tensor(workload.X), workload.y
    weights = [layer.weight for layer in linears]

    def step():
        loss = F.cross_entropy(model(X), y) + 0.5 * workload.reg * F.l2_penalty(weights)
        return _step(model, linears, optimizer, loss)
    return step


def float32_mlp(workload):
    """(d) with modules: ``nn.MLP([784, 512, 512, 10], dtype=float32)`` and cross-entropy."""
    model, linears = _mlp([784, 512, 512, 10], workload.initial, np.float32)
    optimizer = optim.SGD(model.parameters(), lr=float(workload.lr))
    X, y = Tensor(workload.X), workload.y

    def step():
        return _step(model, linears, optimizer, F.cross_entropy(model(X), y))
    return step


BUILDERS = {"TwoLayerSpiral": two_layer_spiral, "Float32MLP": float32_mlp}


def module_step(workload):
    """A module-based step for ``workload``, or None when there is none (b and c are raw-op workloads)."""
    builder = BUILDERS.get(type(workload).__name__)
    return None if builder is None else builder(workload)


def description():
    """What the column measures, for the table's header."""
    return "tinygrad_nn.nn.MLP + functional.cross_entropy + optim.SGD (cases a and d)"

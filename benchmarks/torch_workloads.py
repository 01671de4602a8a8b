"""PyTorch (CPU, eager) versions of the workloads in ``workloads.py``, for a reference column.

Only imported when ``torch`` is importable; tinygrad_nn never depends on it.
Each version is written the way a PyTorch user writes it (``F.cross_entropy``,
``torch.no_grad()`` around the SGD update) from the same initial arrays.
"""

import torch
import torch.nn.functional as F


def _params(arrays):
    return [torch.tensor(a, requires_grad=True) for a in arrays]


def _sgd(params, lr):
    grads = [p.grad for p in params]  # compared (as arrays) only by the agreement check
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return grads


def two_layer_spiral(workload):
    """(a) with PyTorch."""
    X, y = torch.tensor(workload.X), torch.tensor(workload.y)
    params = _params(workload.initial)
    reg, lr = workload.reg, workload.lr

    def step():
        W1, b1, W2, b2 = params
        scores = torch.relu(X @ W1 + b1) @ W2 + b2
        loss = F.cross_entropy(scores, y) + 0.5 * reg * ((W1 * W1).sum() + (W2 * W2).sum())
        loss.backward()
        return loss.item(), _sgd(params, lr)
    return step


def tanh_mlp_batch1(workload):
    """(b) with PyTorch."""
    x, target = torch.tensor(workload.x), torch.tensor(workload.target_value)
    params = _params(workload.initial)

    def step():
        W1, b1, W2, b2, W3, b3 = params
        h1 = torch.tanh(x @ W1 + b1)
        h2 = torch.tanh(h1 @ W2 + b2)
        loss = ((h2 @ W3 + b3 - target) ** 2).mean()
        loss.backward()
        return loss.item(), _sgd(params, workload.lr)
    return step


def elementwise_chain(workload):
    """(c) with PyTorch."""
    x, w = _params(workload.initial)

    def step():
        y = x
        for i in range(workload.n_ops):
            kind = i % 4
            if kind == 0:
                y = y * 1.5
            elif kind == 1:
                y = y + 0.1
            elif kind == 2:
                y = torch.tanh(y)
            else:
                y = y * w
        loss = y.sum()
        loss.backward()
        grads = [x.grad, w.grad]
        x.grad = w.grad = None
        return loss.item(), grads
    return step


def float32_mlp(workload):
    """(d) with PyTorch."""
    X, y = torch.from_numpy(workload.X), torch.from_numpy(workload.y)
    params = _params(workload.initial)
    lr = float(workload.lr)

    def step():
        W1, b1, W2, b2, W3, b3 = params
        h1 = torch.relu(X @ W1 + b1)
        h2 = torch.relu(h1 @ W2 + b2)
        loss = F.cross_entropy(h2 @ W3 + b3, y)
        loss.backward()
        return loss.item(), _sgd(params, lr)
    return step


BUILDERS = {"TwoLayerSpiral": two_layer_spiral, "TanhMLPBatch1": tanh_mlp_batch1,
            "ElementwiseChain": elementwise_chain, "Float32MLP": float32_mlp}


def torch_step(workload):
    """A PyTorch step for ``workload``, or None when there is no PyTorch version of it."""
    builder = BUILDERS.get(type(workload).__name__)
    return None if builder is None else builder(workload)


def torch_version():
    """PyTorch's version and thread count, for the table's header."""
    return f"torch {torch.__version__} ({torch.get_num_threads()} threads)"


"""The four benchmark workloads, each written twice: with the engine and by hand in numpy.

Every workload is a class whose ``numpy_step()`` and ``engine_step()`` (and,
in ``torch_workloads.py``, ``torch_step()``) do the same computation: one
forward pass, one backward pass and, for the networks, one plain SGD update.
Each step returns ``(loss, gradients)`` where ``gradients`` are the arrays
computed *before* the update, so ``bench_engine.py`` can check that the
versions agree before it times them.

The numpy versions are the fair baseline: written as a careful person writes
them by hand (the CS231n notes' style: fused softmax gradient, in-place
updates, only the arrays the backward pass needs kept), never made slow on
purpose. Where two idioms are common the faster one is used (ReLU's gradient
as ``dh *= h > 0`` rather than the notes' ``dh[h <= 0] = 0``).
"""

import numpy as np

from tinygrad_nn import Tensor
from tinygrad_nn.data import spiral


def _leaves(arrays):
    """Fresh engine leaves holding copies of ``arrays`` (each implementation owns its parameters)."""
    return [Tensor(a.copy(), requires_grad=True) for a in arrays]


def _sgd_engine(params, lr):
    """The SGD update an engine user writes by hand; returns the gradients it used."""
    grads = [p.grad for p in params]
    for p in params:
        p.data -= lr * p.grad
        p.grad = None
    return grads


def _sgd_numpy(params, grads, lr):
    for p, g in zip(params, grads):
        p -= lr * g
    return grads


def _softmax_cross_entropy_numpy(scores, labels):
    """Mean softmax cross-entropy of integer labels and its gradient w.r.t. ``scores`` (fused, as in CS231n)."""
    n = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp_scores = np.exp(shifted)
    sums = exp_scores.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = np.mean(np.log(sums[:, 0]) - shifted[rows, labels])
    dscores = exp_scores / sums
    dscores[rows, labels] -= 1
    dscores /= n
    return loss, dscores


class TwoLayerSpiral:
    """(a) One SGD step of the CS231n 2-layer net: 300x2 -> 100 ReLU -> 3, softmax cross-entropy + L2."""

    key = "a"
    title = "2-layer spiral step (300x2-100-3)"
    target = 1.5

    def __init__(self, seed=0, hidden=100, reg=1e-3, lr=1.0):
        self.X, self.y = spiral(seed=seed)
        rng = np.random.default_rng(seed + 1)
        self.initial = [0.01 * rng.standard_normal((2, hidden)), np.zeros(hidden),
                        0.01 * rng.standard_normal((hidden, 3)), np.zeros(3)]
        self.reg, self.lr = reg, lr
        self.rows = np.arange(len(self.y))
        self.np_params = [a.copy() for a in self.initial]
        self.params = _leaves(self.initial)
        self.X_tensor = Tensor(self.X)

    def numpy_step(self):
        W1, b1, W2, b2 = self.np_params
        X, reg = self.X, self.reg
        hidden = np.maximum(0, X @ W1 + b1)
        scores = hidden @ W2 + b2
        data_loss, dscores = _softmax_cross_entropy_numpy(scores, self.y)
        loss = data_loss + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        dW2 = hidden.T @ dscores + reg * W2
        db2 = dscores.sum(axis=0)
        dhidden = dscores @ W2.T
        dhidden *= hidden > 0            # ReLU's gradient
        dW1 = X.T @ dhidden + reg * W1
        db1 = dhidden.sum(axis=0)
        return loss, _sgd_numpy(self.np_params, [dW1, db1, dW2, db2], self.lr)

    def loss(self, X, y, W1, b1, W2, b2):
        """The engine version's loss (``compiled_workloads.py`` compiles this same method)."""
        hidden = (X @ W1 + b1).relu()
        scores = hidden @ W2 + b2
        data_loss = -scores.log_softmax(axis=1)[self.rows, y].mean()
        return data_loss + 0.5 * self.reg * ((W1 * W1).sum() + (W2 * W2).sum())

    def engine_step(self):
        loss = self.loss(self.X_tensor, self.y, *self.params)
        loss.backward()
        return loss.item(), _sgd_engine(self.params, self.lr)


class TanhMLPBatch1:
    """(b) One SGD step of an 8-8-8-1 tanh MLP on a single example: almost pure per-op overhead."""

    key = "b"
    title = "8-8-8-1 tanh MLP, batch 1"
    target = 3.0

    def __init__(self, seed=0, lr=0.01):
        rng = np.random.default_rng(seed)
        self.x = rng.standard_normal((1, 8))
        self.target_value = np.array([[0.5]])
        self.initial = []
        for fan_in, fan_out in [(8, 8), (8, 8), (8, 1)]:
            self.initial += [rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in), np.zeros(fan_out)]
        self.lr = lr
        self.np_params = [a.copy() for a in self.initial]
        self.params = _leaves(self.initial)
        self.x_tensor = Tensor(self.x)

    def numpy_step(self):
        W1, b1, W2, b2, W3, b3 = self.np_params
        x = self.x
        h1 = np.tanh(x @ W1 + b1)
        h2 = np.tanh(h1 @ W2 + b2)
        out = h2 @ W3 + b3
        diff = out - self.target_value
        loss = np.mean(diff ** 2)
        dout = 2 * diff / diff.size
        dW3, db3 = h2.T @ dout, dout.sum(axis=0)
        dz2 = (dout @ W3.T) * (1 - h2 * h2)
        dW2, db2 = h1.T @ dz2, dz2.sum(axis=0)
        dz1 = (dz2 @ W2.T) * (1 - h1 * h1)
        dW1, db1 = x.T @ dz1, dz1.sum(axis=0)
        return loss, _sgd_numpy(self.np_params, [dW1, db1, dW2, db2, dW3, db3], self.lr)

    def loss(self, x, W1, b1, W2, b2, W3, b3):
        """The engine version's loss (``compiled_workloads.py`` compiles this same method)."""
        h1 = (x @ W1 + b1).tanh()
        h2 = (h1 @ W2 + b2).tanh()
        out = h2 @ W3 + b3
        return ((out - self.target_value) ** 2).mean()

    def engine_step(self):
        loss = self.loss(self.x_tensor, *self.params)
        loss.backward()
        return loss.item(), _sgd_engine(self.params, self.lr)


class ElementwiseChain:
    """(c) A chain of 5,000 elementwise ops and its backward.

    The ops cycle through ``y * 1.5``, ``y + 0.1``, ``tanh(y)`` and ``y * w``
    (``w`` a parameter shared by every fourth op, so its gradient accumulates
    1,250 times); the loss is ``y.sum()``. Gradients go to ``x`` and ``w``.
    """

    key = "c"
    title = "5,000-op elementwise chain"
    target = 2.5

    def __init__(self, seed=0, n_ops=5000, size=1000):
        rng = np.random.default_rng(seed)
        self.initial = [rng.standard_normal(size), rng.uniform(0.5, 1.5, size)]
        self.n_ops = n_ops
        self.x, self.w = self.initial
        self.x_tensor, self.w_tensor = _leaves(self.initial)
        self.title = f"{n_ops:,}-op elementwise chain ({size:,} float64)"

    def numpy_step(self):
        x, w = self.x, self.w
        saved = []                       # what the backward pass needs, in order
        y = x
        for i in range(self.n_ops):
            kind = i % 4
            if kind == 0:
                y = y * 1.5
            elif kind == 1:
                y = y + 0.1
            elif kind == 2:
                y = np.tanh(y)
                saved.append(y)
            else:
                saved.append(y)
                y = y * w
        loss = y.sum()
        grad = np.ones_like(y)
        grad_w = np.zeros_like(w)
        for i in reversed(range(self.n_ops)):
            kind = i % 4
            if kind == 0:
                grad = grad * 1.5
            elif kind == 2:
                t = saved.pop()
                grad = grad * (1 - t * t)
            elif kind == 3:
                grad_w += grad * saved.pop()
                grad = grad * w
        return loss, [grad, grad_w]

    def loss(self, x, w):
        """The engine version's loss (``compiled_workloads.py`` compiles this same method)."""
        y = x
        for i in range(self.n_ops):
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

    def engine_step(self):
        x, w = self.x_tensor, self.w_tensor
        loss = self.loss(x, w)
        loss.backward()
        grads = [x.grad, w.grad]
        x.grad = w.grad = None
        return loss.item(), grads


class Float32MLP:
    """(d) One SGD step of a 256x784 -> 512 -> 512 -> 10 ReLU net in float32, softmax cross-entropy."""

    key = "d"
    title = "784-512-512-10 float32, batch 256"
    target = 1.1

    def __init__(self, seed=0, batch=256, sizes=(784, 512, 512, 10), lr=0.01):
        rng = np.random.default_rng(seed)
        self.X = rng.standard_normal((batch, sizes[0])).astype(np.float32)
        self.y = rng.integers(0, sizes[-1], batch)
        self.initial = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            weight = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
            self.initial += [weight.astype(np.float32), np.zeros(fan_out, dtype=np.float32)]
        self.lr = np.float32(lr)
        self.rows = np.arange(batch)
        self.np_params = [a.copy() for a in self.initial]
        self.params = _leaves(self.initial)
        self.X_tensor = Tensor(self.X)

    def numpy_step(self):
        W1, b1, W2, b2, W3, b3 = self.np_params
        X = self.X
        h1 = np.maximum(X @ W1 + b1, 0)
        h2 = np.maximum(h1 @ W2 + b2, 0)
        scores = h2 @ W3 + b3
        loss, dscores = _softmax_cross_entropy_numpy(scores, self.y)
        dW3, db3 = h2.T @ dscores, dscores.sum(axis=0)
        dh2 = dscores @ W3.T
        dh2 *= h2 > 0
        dW2, db2 = h1.T @ dh2, dh2.sum(axis=0)
        dh1 = dh2 @ W2.T
        dh1 *= h1 > 0
        dW1, db1 = X.T @ dh1, dh1.sum(axis=0)
        return loss, _sgd_numpy(self.np_params, [dW1, db1, dW2, db2, dW3, db3], self.lr)

    def loss(self, X, y, W1, b1, W2, b2, W3, b3):
        """The engine version's loss (``compiled_workloads.py`` compiles this same method)."""
        h1 = (X @ W1 + b1).relu()
        h2 = (h1 @ W2 + b2).relu()
        scores = h2 @ W3 + b3
        return -scores.log_softmax(axis=1)[self.rows, y].mean()

    def engine_step(self):
        loss = self.loss(self.X_tensor, self.y, *self.params)
        loss.backward()
        return loss.item(), _sgd_engine(self.params, self.lr)


WORKLOADS = [TwoLayerSpiral, TanhMLPBatch1, ElementwiseChain, Float32MLP]

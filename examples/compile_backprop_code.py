"""Print the backward pass of a 2-layer net as plain numpy, then train the net with that compiled code.

``tg.compile`` runs the net once, records the graph, and writes the forward
and backward passes out as numpy: the code the CS231n notes write by hand
for this net (``dscores = probs; dscores[range(N), y] -= 1; ...``), with
names taken from the model (``W1``, ``hidden_layer``, ``dscores``). Here we

1. print the generated backward pass, to read next to the notes;
2. check that the compiled step gives the same loss and gradients as the
   eager one, bit for bit;
3. train the net on the spiral with the compiled step and plain SGD, and
   report the training accuracy and the time per step of both versions.

Run: ``python examples/compile_backprop_code.py`` (``TINYGRAD_NN_QUICK=1`` for a fast run).
"""

import os
import time

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import functional as F, nn

QUICK = os.environ.get("TINYGRAD_NN_QUICK") == "1"
STEPS = 200 if QUICK else 2000


class TwoLayerNet(nn.Module):
    """2 inputs -> 100 ReLUs -> 3 class scores; softmax cross-entropy plus 0.5 * reg * (|W1|^2 + |W2|^2)."""

    def __init__(self, hidden=100, reg=1e-3, seed=0):
        rng = np.random.default_rng(seed)
        self.W1 = tg.Tensor(0.01 * rng.standard_normal((2, hidden)), requires_grad=True)
        self.b1 = tg.Tensor(np.zeros(hidden), requires_grad=True)
        self.W2 = tg.Tensor(0.01 * rng.standard_normal((hidden, 3)), requires_grad=True)
        self.b2 = tg.Tensor(np.zeros(3), requires_grad=True)
        self.reg = reg

    def scores(self, X):
        hidden_layer = (X @ self.W1 + self.b1).relu()
        return hidden_layer @ self.W2 + self.b2

    def forward(self, X, y):
        hidden_layer = (X @ self.W1 + self.b1).relu()
        scores = hidden_layer @ self.W2 + self.b2
        data_loss = F.cross_entropy(scores, y)
        reg_loss = 0.5 * self.reg * F.l2_penalty([self.W1, self.W2])
        loss = data_loss + reg_loss
        return loss


def sgd(parameters, lr):
    for p in parameters:
        p.data -= lr * p.grad
        p.grad = None


def train(step, net, X, y, lr=1.0):
    """``STEPS`` steps of full-batch SGD; returns the seconds per step."""
    start = time.perf_counter()
    for _ in range(STEPS):
        step(X, y).backward()
        sgd(net.parameters(), lr)
    return (time.perf_counter() - start) / STEPS


def main():
    X, y = tg.data.spiral()
    X = tg.Tensor(X)
    net = TwoLayerNet()
    step = tg.compile(net)

    loss = step(X, y)  # the first call traces the net and generates the code
    print("The backward pass tg.compile generated for the 2-layer net:\n")
    print("def backward" + step.source.split("def backward", 1)[1])

    loss.backward()
    compiled_grads = [p.grad.copy() for p in net.parameters()]
    net.zero_grad()
    eager_loss = net(X, y)
    eager_loss.backward()
    same = loss.item() == eager_loss.item() and all(
        np.array_equal(mine, p.grad) for mine, p in zip(compiled_grads, net.parameters()))
    print(f"same loss and gradients as the eager net, bit for bit: {same}")
    net.zero_grad()

    seconds = train(step, net, X, y)
    accuracy = float(np.mean(net.scores(X).data.argmax(axis=1) == y))
    print(f"\ntrained {STEPS} SGD steps with the compiled code: loss {step(X, y).item():.4f}, "
          f"training accuracy {accuracy:.1%}")

    eager_net = TwoLayerNet()
    eager_seconds = train(eager_net, eager_net, X, y)
    print(f"time per step: compiled {seconds * 1e3:.3f} ms, eager {eager_seconds * 1e3:.3f} ms")


if __name__ == "__main__":
    main()

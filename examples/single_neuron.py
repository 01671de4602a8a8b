"""One neuron is a linear classifier: binary softmax and binary SVM on two blobs, with and without L2.

A single neuron computes ``s = w . x + b``. What makes it a classifier is
the loss put on ``s``:

* binary softmax (logistic regression): ``sigmoid(s)`` is P(y = 1 | x), the
  loss is ``binary_cross_entropy_with_logits(s, y)`` with labels 0/1, and
  the neuron predicts class 1 when ``sigmoid(s) > 0.5``, i.e. ``s > 0``;
* binary SVM: the hinge loss ``max(0, 1 - y s)`` with labels -1/+1 (we get
  them as ``2 * y - 1``); it predicts +1 when ``s > 0`` and stops pushing
  once every point is at least 1 on the right side.

Both rules are the same kind of line ``w . x + b = 0``; only the losses
(and so the weights they find) differ. L2 regularization adds
``0.5 * reg * |w|**2`` to the loss, whose gradient ``reg * w`` pulls every
weight toward zero at each step: "gradual forgetting". The last part shows
that pull alone.

Run: ``python examples/single_neuron.py`` (``TINYGRAD_NN_QUICK=1`` for a fast run).
"""

import os

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import data, nn, optim
from tinygrad_nn import functional as F

QUICK = os.environ.get("TINYGRAD_NN_QUICK") == "1"
STEPS = 100 if QUICK else 1000
LR = 0.5
REG = 0.1


def train_neuron(X, targets, loss_name, reg):
    """Train one neuron (``nn.Linear(2, 1)``) with full-batch SGD; return it."""
    tg.manual_seed(0)                      # same starting weights for every run
    neuron = nn.Linear(2, 1)
    optimizer = optim.SGD(neuron.parameters(), lr=LR)
    inputs = tg.Tensor(X)
    for _ in range(STEPS):
        optimizer.zero_grad()
        scores = neuron(inputs).reshape(-1)          # (N, 1) -> (N,), the targets' shape
        if loss_name == "softmax":
            loss = F.binary_cross_entropy_with_logits(scores, targets)
        else:
            loss = F.hinge_loss(scores, targets)
        loss = loss + 0.5 * reg * F.l2_penalty([neuron.weight])   # the bias is not penalised
        loss.backward()
        optimizer.step()
    return neuron, loss.item()


def rule(neuron):
    """The decision function ``w1*x1 + w2*x2 + b`` as text."""
    (w1, w2), b = neuron.weight.data[0], neuron.bias.data[0]
    return f"{w1:+.3f}*x1 {w2:+.3f}*x2 {b:+.3f}"


def main():
    X, y = data.two_blobs(n_per_class=100, seed=0)   # labels 0/1
    y_pm1 = 2 * y - 1                                 # labels -1/+1 for the SVM
    print(f"two blobs: {len(y)} points, labels 0/1 (and 2*y - 1 = -1/+1 for the SVM); {STEPS} SGD steps")
    neurons = {}
    for loss_name, targets in (("softmax", y), ("svm", y_pm1)):
        for reg in (0.0, REG):
            neuron, loss = train_neuron(X, targets, loss_name, reg)
            neurons[loss_name, reg] = neuron
            with tg.no_grad():
                scores = neuron(tg.Tensor(X)).data.reshape(-1)
            accuracy = np.mean((scores > 0) == (y == 1))
            title = "binary softmax (logistic regression)" if loss_name == "softmax" else "binary SVM (hinge loss)"
            print(f"\n{title}, {'no L2' if reg == 0 else f'L2 reg = {reg}'}:")
            if loss_name == "softmax":
                print(f"  P(y = 1 | x) = sigmoid({rule(neuron)})")
                print(f"  predict class 1 when sigmoid(...) > 0.5, i.e. when {rule(neuron)} > 0")
            else:
                print(f"  predict +1 when {rule(neuron)} > 0, else -1")
                margins = y_pm1 * scores
                print(f"  {np.mean(margins >= 1 - 1e-3):.0%} of the points are at least 1 on the right side "
                      "(they no longer add to the loss)")
            print(f"  training accuracy {accuracy:.1%}, loss (data + L2 term) {loss:.4f}, "
                  f"|w| = {np.linalg.norm(neuron.weight.data):.3f}")

    print("\nL2 keeps the weights small: |w| without -> with L2:")
    for loss_name in ("softmax", "svm"):
        before = np.linalg.norm(neurons[loss_name, 0.0].weight.data)
        after = np.linalg.norm(neurons[loss_name, REG].weight.data)
        print(f"  {loss_name:8s} {before:.3f} -> {after:.3f}")

    # gradual forgetting: the regularization gradient alone, with no data
    neuron = neurons["softmax", 0.0]
    start = np.linalg.norm(neuron.weight.data)
    optimizer = optim.SGD([neuron.weight], lr=LR)
    forget_steps = 20
    for _ in range(forget_steps):
        optimizer.zero_grad()
        (0.5 * REG * F.l2_penalty([neuron.weight])).backward()
        optimizer.step()
    end = np.linalg.norm(neuron.weight.data)
    expected = start * (1 - LR * REG) ** forget_steps
    print(f"\nL2 as gradual forgetting: with no data, each step multiplies w by (1 - lr*reg) = {1 - LR * REG:.2f};"
          f"\n  {forget_steps} steps take |w| from {start:.3f} to {end:.3f} (formula: {expected:.3f})")
    assert np.isclose(end, expected)


if __name__ == "__main__":
    main()

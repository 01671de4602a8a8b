"""The same spiral network trained by each optimizer of ``tg.optim``, from the same start.

Plain SGD moves every weight by ``lr`` times its gradient; momentum smooths
the direction over steps; Adam, AdamW, RMSprop and Adagrad divide each
weight's step by the size of its recent gradients, so steep and flat
directions move at similar speeds. Every run starts from the same weights
and takes the same number of full-batch steps; the table gives the loss
after a quarter of them and at the end, and the training accuracy. The
learning rates are typical ones for each method, not tuned.

Run: ``python examples/optimizers.py`` (``TINYGRAD_NN_QUICK=1`` for a fast run).
"""

import os

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import data, functional as F, nn, optim

QUICK = os.environ.get("TINYGRAD_NN_QUICK") == "1"
STEPS = 100 if QUICK else 600

CHOICES = [
    ("SGD", lambda ps: optim.SGD(ps, lr=1.0)),
    ("SGD, momentum 0.9", lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9)),
    ("Adam", lambda ps: optim.Adam(ps, lr=0.01)),
    ("AdamW", lambda ps: optim.AdamW(ps, lr=0.01, weight_decay=0.01)),
    ("RMSprop", lambda ps: optim.RMSprop(ps, lr=0.005)),
    ("Adagrad", lambda ps: optim.Adagrad(ps, lr=0.1)),
]


def train(make_optimizer, X, y):
    model = nn.MLP([2, 100, 3], rng=0)  # the same start for every optimizer
    optimizer = make_optimizer(model.parameters())
    losses = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with tg.no_grad():
        accuracy = (model(X).argmax(dim=1) == y).float().mean().item()
    return losses, accuracy


def main():
    X, labels = data.spiral(n_per_class=100, n_classes=3, seed=0)
    X, y = tg.Tensor(X), tg.Tensor(labels, dtype=np.int64)
    print(f"{'optimizer':20s} {'loss at ' + str(STEPS // 4):>12s} {'loss at ' + str(STEPS):>12s} {'accuracy':>9s}")
    for name, make in CHOICES:
        losses, accuracy = train(make, X, y)
        print(f"{name:20s} {losses[STEPS // 4 - 1]:12.4f} {losses[-1]:12.4f} {accuracy:9.1%}")


if __name__ == "__main__":
    main()

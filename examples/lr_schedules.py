"""The spiral network trained with Adam under four learning-rate schedules, from the same start.

A constant rate, a step decay (``StepLR``), a cosine annealing
(``CosineAnnealingLR``) and a linear warm-up into a cosine (``LambdaLR``
with a function of the epoch) each drive the same Adam optimizer; the
table gives the rate and the loss at a few epochs (one full-batch step
per epoch), and the last line the final training accuracy of each. On
this small full-batch problem a constant rate does about as well; a
schedule pays off in long runs on noisy mini-batch gradients, where the
smaller late steps let the weights settle.

Run: ``python examples/lr_schedules.py`` (``TINYGRAD_NN_QUICK=1`` for a fast run).
"""

import math
import os

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import data, functional as F, nn, optim
from tinygrad_nn.optim import lr_scheduler

QUICK = os.environ.get("TINYGRAD_NN_QUICK") == "1"
EPOCHS = 100 if QUICK else 500
WARM_UP = EPOCHS // 10


def warm_then_cosine(epoch):
    """A factor of the base rate: up in a straight line for WARM_UP epochs, then half a cosine down to 0."""
    if epoch < WARM_UP:
        return (epoch + 1) / WARM_UP
    return 0.5 * (1 + math.cos(math.pi * (epoch - WARM_UP) / (EPOCHS - WARM_UP)))


SCHEDULES = [
    ("constant", lambda opt: None),
    ("StepLR", lambda opt: lr_scheduler.StepLR(opt, step_size=EPOCHS // 4, gamma=0.3)),
    ("cosine", lambda opt: lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)),
    ("warm-up + cosine", lambda opt: lr_scheduler.LambdaLR(opt, warm_then_cosine)),
]


def train(make_schedule, X, y, report_at):
    model = nn.MLP([2, 100, 3], rng=0)
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    scheduler = make_schedule(optimizer)
    rows = []
    for epoch in range(EPOCHS):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()
        if epoch in report_at:
            rows.append((optimizer.param_groups[0]["lr"], loss.item()))
        if scheduler is not None:
            scheduler.step()
    with tg.no_grad():
        accuracy = (model(X).argmax(dim=1) == y).float().mean().item()
    return rows, accuracy


def main():
    X, labels = data.spiral(n_per_class=100, n_classes=3, seed=0)
    X, y = tg.Tensor(X), tg.Tensor(labels, dtype=np.int64)
    report_at = [0, WARM_UP, EPOCHS // 2, EPOCHS - 1]
    print("epoch".ljust(18) + "".join(f"{f'lr / loss at {epoch}':>22s}" for epoch in report_at))
    accuracies = []
    for name, make in SCHEDULES:
        rows, accuracy = train(make, X, y, report_at)
        accuracies.append(f"{name} {accuracy:.1%}")
        print(name.ljust(18) + "".join(f"{lr:>11.4f} /{loss:>8.4f}" for lr, loss in rows))
    print("training accuracy: " + ", ".join(accuracies))


if __name__ == "__main__":
    main()

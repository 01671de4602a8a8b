"""Watch ReLUs die: a learning rate that is too high kills them; LeakyReLU and Maxout survive the same run.

A ReLU unit is dead when its input is negative for every example: its
output is then 0 and its gradient exactly 0, so nothing moves its weights
again. A large update (a too-high learning rate) can push a unit's bias so
far down that this happens, and with a high enough rate a large share of
the network dies. We train the same 2-layer net (20 hidden units, Adam, full
batch on the spiral) four ways:

1. ReLU with a sensible learning rate (0.01);
2. ReLU with a learning rate 100 times too high (1.0);
3. LeakyReLU (slope 0.1 below zero), same too-high rate: a unit that is
   negative everywhere still passes 10% of the gradient, so it can recover;
4. Maxout (2 pieces), same too-high rate: some piece always wins and
   passes the gradient, so no unit can die.

Adam is used because its steps have about the size of the learning rate
whatever the gradient's scale, so a high rate shoves biases around without
the loss blowing up to NaN; plain SGD at a high rate would diverge first.
A unit watcher (``nn.watch_units``) rides along on forward hooks and is read
at checkpoints; a last report shows all four trained nets, each unit by module path.

Run: ``python examples/dead_relu.py`` (``TINYGRAD_NN_QUICK=1`` for a fast run).
"""

import os

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import data, nn, optim
from tinygrad_nn import functional as F

QUICK = os.environ.get("TINYGRAD_NN_QUICK") == "1"
STEPS = 150 if QUICK else 600
HIDDEN = 20
CHECKPOINTS = sorted({1, 5, 20, 50, STEPS // 2, STEPS})


def make_net(kind):
    """The 2-layer net with ``kind`` hidden units."""
    if kind == "ReLU":
        return nn.MLP([2, HIDDEN, 3])
    if kind == "LeakyReLU":
        return nn.MLP([2, HIDDEN, 3], activation=lambda: nn.LeakyReLU(0.1))
    return nn.Sequential(nn.Maxout(2, HIDDEN, pieces=2), nn.Linear(HIDDEN, 3))


def describe(stats):
    """One short phrase about the hidden layer's units in the last window."""
    if stats.piece_wins is not None:
        return "piece wins " + " / ".join(f"{w:.2f}" for w in stats.piece_wins)
    if stats.all_negative_units is not None:    # LeakyReLU: below zero everywhere, yet not dead
        return f"all negative {len(stats.all_negative_units):2d}/{stats.units} ({stats.all_negative_fraction:.0%})"
    return f"dead {len(stats.dead_units):2d}/{stats.units} ({stats.dead_fraction:.0%})"


def run(kind, lr, X, y):
    """Train one net; print the hidden units' state at the checkpoints; return the net."""
    tg.manual_seed(0)
    net = make_net(kind)
    optimizer = optim.Adam(net.parameters(), lr=lr)
    inputs = tg.Tensor(X)
    timeline = []
    with nn.watch_units(net) as watcher:
        for step in range(1, STEPS + 1):
            watcher.reset()                      # the window is this step's batch
            optimizer.zero_grad()
            scores = net(inputs)
            loss = F.cross_entropy(scores, y)
            loss.backward()
            if step in CHECKPOINTS:
                (stats,) = watcher.stats().values()
                accuracy = np.mean(scores.data.argmax(axis=1) == y)
                timeline.append(f"    step {step:4d}: loss {loss.item():7.4f}, accuracy {accuracy:6.1%}, "
                                f"{stats.where}: {describe(stats)}")
            optimizer.step()
    print(f"\n{kind}, Adam lr={lr}:")
    print("\n".join(timeline))
    first = net[0] if isinstance(net, nn.Sequential) else net.layers[0]
    if kind == "ReLU":
        silent_rows = int(np.sum(np.all(first.weight.grad == 0, axis=1)))
        print(f"    {silent_rows} of {HIDDEN} rows of the first layer's weight gradient are exactly zero "
              "(a dead unit learns nothing)")
    return net


def main():
    X, y = data.spiral(n_per_class=100, n_classes=3, seed=0)
    print(f"spiral: {len(y)} points, 3 classes; a 2-layer net with {HIDDEN} hidden units, {STEPS} Adam steps")
    trained = nn.Module()   # a plain module holding the four nets, so that one watcher reports on all of them
    trained.relu_sensible_lr = run("ReLU", 0.01, X, y)
    trained.relu_high_lr = run("ReLU", 1.0, X, y)
    trained.leaky_relu_high_lr = run("LeakyReLU", 1.0, X, y)
    trained.maxout_high_lr = run("Maxout", 1.0, X, y)

    with nn.watch_units(trained) as watcher, tg.no_grad():
        for net in trained.children():
            net(tg.Tensor(X))
    print("\nthe four trained nets on the whole spiral (sensible lr = 0.01, high lr = 1.0):")
    print(watcher.report())
    print("\nLeakyReLU units below zero for every input are not dead: they still get 10% of the gradient, "
          "so some come back (compare the counts over time) and the net still learns; dead ReLUs stay dead.")


if __name__ == "__main__":
    main()

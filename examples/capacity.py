"""Capacity and regularization change the decision boundary: 3, 6, 20 hidden neurons, then L2 0.001, 0.01, 0.1.

The same noisy spiral (3 classes, angle noise 0.4) is fitted by 2-layer nets of growing width
and then, at 20 hidden neurons, with growing L2 strength. More neurons can
bend the boundary more, and fit the training points better, noise included;
a stronger L2 penalty (``0.5 * reg * sum(W**2)``) keeps the weights small and
the boundary smooth, even in the wide net; on this data 0.01 and 0.1 are so
strong that the net underfits (the boundary turns almost linear). Between
those ends the notes' advice holds: do not
use a smaller network to avoid overfitting; use a big one and tune the
regularization strength.

For each setting this prints training and held-out accuracy (a second
spiral drawn with another seed) and writes one picture of the decision
regions into the output folder (default ``./capacity_out``). Without
matplotlib the pictures are skipped with a message.

Run: ``python examples/capacity.py [--out DIR]`` (``TINYGRAD_NN_QUICK=1`` for a fast run).
"""

import argparse
import os
import pathlib

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import data, nn, optim, plotting
from tinygrad_nn import functional as F

QUICK = os.environ.get("TINYGRAD_NN_QUICK") == "1"
STEPS = 200 if QUICK else 4000
LR = 1.0
NOISE = 0.4

# (hidden neurons, L2 strength): first capacity alone, then regularization at 20 neurons
SETTINGS = [(3, 0.0), (6, 0.0), (20, 0.0), (20, 0.001), (20, 0.01), (20, 0.1)]


def train(hidden, reg, X, y, seed=0):
    """A 2-layer net ``[2, hidden, 3]`` trained by full-batch SGD on cross-entropy + L2."""
    tg.manual_seed(seed)
    net = nn.MLP([2, hidden, 3])
    weights = [net.layers[0].weight, net.layers[2].weight]
    optimizer = optim.SGD(net.parameters(), lr=LR)
    inputs = tg.Tensor(X)
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = F.cross_entropy(net(inputs), y) + 0.5 * reg * F.l2_penalty(weights)
        loss.backward()
        optimizer.step()
    return net


def accuracy(net, X, y):
    """Fraction of rows of ``X`` whose highest score is the label."""
    return float(np.mean(plotting.predict_classes(net, X) == y))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="capacity_out", help="folder for the pictures (default: ./capacity_out)")
    out = pathlib.Path(parser.parse_args().out)

    try:
        plotting.require_matplotlib()
        draw = True
    except ImportError as error:
        print(f"skipping the pictures: {error}")
        draw = False

    # a noisier, smaller spiral than the demo's, so that there is noise to overfit
    X, y = data.spiral(n_per_class=50, n_classes=3, seed=0, noise=NOISE)
    X_held_out, y_held_out = data.spiral(n_per_class=200, n_classes=3, seed=1, noise=NOISE)
    print(f"spiral with noise {NOISE}: {len(y)} training points, {len(y_held_out)} held-out points; "
          f"{STEPS} SGD steps each\n")
    print(f"{'hidden':>6}  {'L2 reg':>6}  {'train acc':>9}  {'held-out acc':>12}  {'|W|':>6}  picture")
    for hidden, reg in SETTINGS:
        net = train(hidden, reg, X, y)
        weight_norm = np.sqrt(sum(float((w.data ** 2).sum()) for w in (net.layers[0].weight, net.layers[2].weight)))
        picture = "-"
        if draw:
            name = f"hidden_{hidden:02d}_reg_{reg:g}.png"
            plotting.save_decision_regions(out / name, [(f"{hidden} hidden neurons, L2 reg {reg:g}", net)],
                                           X, y, resolution=60 if QUICK else 250)
            picture = str(out / name)
        print(f"{hidden:6d}  {reg:6g}  {accuracy(net, X, y):9.1%}  {accuracy(net, X_held_out, y_held_out):12.1%}"
              f"  {weight_norm:6.2f}  {picture}")


if __name__ == "__main__":
    main()

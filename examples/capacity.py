"""Capacity and regularization change the decision boundary: 3, 6 and 20 hidden neurons, each at four L2 strengths.

The same noisy spiral (3 classes, angle noise 0.4) is fitted by 2-layer nets
of 3, 6 and 20 hidden neurons, each with the L2 strengths 0, 0.001, 0.01
and 0.1 (the penalty is ``0.5 * reg * sum(W**2)``). Read the grid's first
column top to bottom: more neurons bend the boundary more and fit the
training points better, noise included. Read its last row left to right: a
stronger penalty keeps the weights small and the boundary smooth, even in
the wide net; on this data 0.1 is so strong that every net underfits. That
is the notes' advice: do not use a smaller network to avoid overfitting; use
a big one and tune the regularization strength.

For each setting this prints training and held-out accuracy (a second
spiral drawn with another seed) and the size of the weights, and writes one
grid picture, ``capacity.png``, into the output folder (default
``./capacity_out``). Without matplotlib the picture is skipped with a message.

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
HIDDEN = [3, 6, 20]                  # the grid's rows
REGS = [0.0, 0.001, 0.01, 0.1]       # the grid's columns


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="capacity_out", help="folder for the picture (default: ./capacity_out)")
    out = pathlib.Path(parser.parse_args().out)

    try:
        plotting.require_matplotlib()
        draw = True
    except ImportError as error:
        print(f"skipping the picture: {error}")
        draw = False

    # a noisier, smaller spiral than the demo's, so that there is noise to overfit
    X, y = data.spiral(n_per_class=50, n_classes=3, seed=0, noise=NOISE)
    X_held_out, y_held_out = data.spiral(n_per_class=200, n_classes=3, seed=1, noise=NOISE)
    print(f"spiral with noise {NOISE}: {len(y)} training points, {len(y_held_out)} held-out points; "
          f"{STEPS} SGD steps each\n")
    print(f"{'hidden':>6}  {'L2 reg':>6}  {'train acc':>9}  {'held-out acc':>12}  {'|W|':>6}")
    panels = []
    for hidden in HIDDEN:
        for reg in REGS:
            net = train(hidden, reg, X, y)
            weight_norm = np.sqrt(sum(float((w.data ** 2).sum()) for w in (net.layers[0].weight,
                                                                           net.layers[2].weight)))
            print(f"{hidden:6d}  {reg:6g}  {plotting.accuracy(net, X, y):9.1%}  "
                  f"{plotting.accuracy(net, X_held_out, y_held_out):12.1%}  {weight_norm:6.2f}")
            panels.append((f"{hidden} hidden neurons, L2 reg {reg:g}", net))
    if draw:
        picture = plotting.save_decision_regions(
            out / "capacity.png", panels, X, y, resolution=60 if QUICK else 200, columns=len(REGS),
            held_out=(X_held_out, y_held_out), show_held_out=False,
            title="2-layer nets on a noisy spiral: width (rows) and L2 strength (columns)")
        print(f"\nwrote {picture} (the training points; the held-out accuracy is in each title)")


if __name__ == "__main__":
    main()

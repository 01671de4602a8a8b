"""The course notes' forward pass of a 3-layer network, in numpy and with tinygrad_nn.

The notes compute, for one input column vector x (3 x 1):

    h1 = f(W1 @ x + b1)      # first hidden layer, 4 sigmoid neurons
    h2 = f(W2 @ h1 + b2)     # second hidden layer, 4 sigmoid neurons
    out = W3 @ h2 + b3       # output neuron: no activation

Here a whole batch goes through at once. The notes stack examples as
*columns*; tinygrad_nn (like PyTorch) stacks them as *rows*, so a Linear
layer computes ``x @ W.T + b`` with the same ``W`` of shape (out, in). The
script checks that both give the same numbers, then prints the sizes of the
notes' two example networks: [3, 4, 2] has 26 parameters, [3, 4, 4, 1] 41.

Run: python examples/three_layer_forward.py   (TINYGRAD_NN_QUICK=1 changes nothing: it is fast)
"""

import os

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import nn

QUICK = os.environ.get("TINYGRAD_NN_QUICK") == "1"
BATCH = 5 if QUICK else 8


def numpy_forward(W1, b1, W2, b2, W3, b3, x_columns):
    """The notes' code, with the batch as columns of x (3 x N) and biases as columns."""
    f = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731  (the notes' activation: sigmoid)
    h1 = f(np.dot(W1, x_columns) + b1[:, None])
    h2 = f(np.dot(W2, h1) + b2[:, None])
    return np.dot(W3, h2) + b3[:, None]


def main():
    tg.manual_seed(0)
    net = nn.MLP([3, 4, 4, 1], activation=nn.Sigmoid)
    print("The network (a tree of modules):")
    print(net)

    x = np.random.default_rng(1).normal(size=(BATCH, 3))        # BATCH examples as rows
    with tg.no_grad():
        out = net(tg.Tensor(x))
    first, _, second, _, third = net.layers
    reference = numpy_forward(first.weight.data, first.bias.data, second.weight.data, second.bias.data,
                              third.weight.data, third.bias.data, x.T)  # the notes' column layout
    print(f"\nForward pass of a batch of {BATCH} inputs: output shape {out.shape}")
    for row, (ours, theirs) in enumerate(zip(out.data[:, 0], reference[0])):
        print(f"  input {row}: tinygrad_nn {ours:+.6f}   notes' numpy {theirs:+.6f}")
    largest_gap = float(np.abs(out.data.T - reference).max())
    print(f"largest difference: {largest_gap:.1e}")
    if largest_gap > 1e-12:
        raise SystemExit("the module forward pass and the notes' numpy code disagree")

    print("\nSizes of the notes' two example networks (the input layer is not counted):")
    for sizes, expected in [([3, 4, 2], 26), ([3, 4, 4, 1], 41)]:
        result = nn.summary(nn.MLP(sizes, activation=nn.Sigmoid))
        print(f"\nMLP({sizes}, activation=Sigmoid):")
        print(result)
        if result.parameters != expected:
            raise SystemExit(f"expected {expected} parameters, counted {result.parameters}")


if __name__ == "__main__":
    main()

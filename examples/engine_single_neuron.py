"""A single neuron, forward and backward: the engine's gradient against the one derived by hand.

The CS231n notes model a neuron as a weighted sum of its inputs plus a bias
(the "cell body sum"), squashed by a sigmoid into a firing rate between 0
and 1::

    cell_body_sum = sum(inputs * weights) + bias
    firing_rate   = 1 / (1 + exp(-cell_body_sum))

With ``s = sigmoid(z)`` the chain rule gives ``ds/dz = s * (1 - s)``, so

    d firing_rate / d weights = s (1 - s) * inputs
    d firing_rate / d bias    = s (1 - s)
    d firing_rate / d inputs  = s (1 - s) * weights

This script builds the same neuron from tinygrad_nn Tensors, calls
``backward()`` and checks that the engine's gradients equal these formulas,
first for one input vector, then for a batch of them at once.

Run: ``python examples/engine_single_neuron.py`` (it takes well under a
second; ``--quick`` or ``TINYGRAD_NN_QUICK=1`` is accepted and changes nothing).
"""

import math

import numpy as np

import tinygrad_nn as tg


def notes_forward(inputs, weights, bias):
    """The neuron exactly as the notes write it, with plain numpy and math.exp."""
    cell_body_sum = np.sum(inputs * weights) + bias
    return 1.0 / (1.0 + math.exp(-cell_body_sum))


def check(label, engine_value, hand_value):
    """Print both values and stop the script if they differ."""
    engine_value, hand_value = np.asarray(engine_value), np.asarray(hand_value)
    ok = np.allclose(engine_value, hand_value, rtol=1e-12, atol=1e-15)
    print(f"  {label:<28} engine {np.array2string(engine_value, precision=6)}"
          f"   by hand {np.array2string(hand_value, precision=6)}   {'ok' if ok else 'MISMATCH'}")
    if not ok:
        raise SystemExit(f"{label}: the engine's value differs from the hand-derived one")


def one_neuron():
    inputs = tg.Tensor([1.0, -2.0, 3.0], requires_grad=True, name="inputs")
    weights = tg.Tensor([0.5, -0.25, 0.1], requires_grad=True, name="weights")
    bias = tg.Tensor(-0.3, requires_grad=True, name="bias")

    cell_body_sum = (inputs * weights).sum() + bias
    firing_rate = cell_body_sum.sigmoid()
    firing_rate.backward()

    s = firing_rate.item()
    local_slope = s * (1.0 - s)
    print(f"one input: cell body sum {cell_body_sum.item():.6f}, firing rate {s:.6f}")
    check("firing rate (notes' code)", s, notes_forward(inputs.data, weights.data, bias.item()))
    check("d rate / d weights", weights.grad, local_slope * inputs.data)
    check("d rate / d bias", bias.grad, local_slope)
    check("d rate / d inputs", inputs.grad, local_slope * weights.data)


def a_batch_of_inputs():
    rng = np.random.default_rng(0)
    batch = tg.Tensor(rng.standard_normal((5, 3)), name="batch")  # 5 input vectors, one per row
    weights = tg.Tensor(rng.standard_normal(3), requires_grad=True, name="weights")
    bias = tg.Tensor(0.1, requires_grad=True, name="bias")

    firing_rates = (batch @ weights + bias).sigmoid()  # bias broadcast over the batch
    firing_rates.sum().backward()                      # d(sum of rates): one backward for all five

    s = firing_rates.data
    local_slopes = s * (1.0 - s)
    print(f"a batch of 5 inputs: firing rates {np.array2string(s, precision=4)}")
    check("d sum(rates) / d weights", weights.grad, local_slopes @ batch.data)
    check("d sum(rates) / d bias", bias.grad, local_slopes.sum())


def main():
    one_neuron()
    a_batch_of_inputs()
    print("the engine's gradients match the hand-derived ones")


if __name__ == "__main__":
    main()

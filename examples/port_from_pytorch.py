"""A PyTorch-style program, run on tinygrad_nn: Maxout units on the spiral, then over to PyTorch.

The training loop is written as a PyTorch user writes it (``tg.randn``,
``view``, ``dim=``, an ``nn.CrossEntropyLoss`` with label smoothing,
``zero_grad``/``backward``/``step``, ``argmax(dim=1)``), with the imports
changed. The network is the notes' recommendation for a unit that neither
saturates nor dies: ``nn.MLP([2, 50, 3], hidden=nn.Maxout)``, 50 Maxout
units of two pieces each. It prints the loss as it trains and the training
accuracy.

Then the trained network goes over to PyTorch with
``tinygrad_nn.interop.to_torch``: the same ``state_dict`` names and weights,
and the same scores to within 1e-12. The loss module goes with it (label
smoothing and all), and weights changed in PyTorch come back through the
state dicts. Without PyTorch installed that part is skipped with a message
(PyTorch is not a dependency).

Run: ``python examples/port_from_pytorch.py`` (``TINYGRAD_NN_QUICK=1`` for a fast run).
"""

import os

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import data, interop, nn, optim

QUICK = os.environ.get("TINYGRAD_NN_QUICK") == "1"
STEPS = 150 if QUICK else 1500


def train():
    tg.manual_seed(0)
    X, y = data.spiral(n_per_class=100, n_classes=3, seed=0)
    inputs, labels = tg.Tensor(X), tg.Tensor(y, dtype=np.int64)
    model = nn.MLP([2, 50, 3], hidden=nn.Maxout)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    for step in range(STEPS):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), labels)
        loss.backward()
        optimizer.step()
        if step % (STEPS // 5) == 0 or step == STEPS - 1:
            print(f"step {step:5d}  loss {loss.item():.4f}")
    with tg.no_grad():
        accuracy = (model(inputs).argmax(dim=1) == labels).float().mean().item()
    print(f"training accuracy of {model.num_parameters()} parameters in 50 Maxout units: {accuracy:.1%}")
    return model, inputs, labels, loss_fn


def over_to_pytorch(model, inputs, labels, loss_fn):
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: skipping the conversion (pip install torch to see it)")
        return
    torch_model = interop.to_torch(model)
    print(torch_model)
    assert list(torch_model.state_dict()) == list(model.state_dict())
    with tg.no_grad():
        ours = model(inputs).data
    theirs = torch_model(torch.tensor(inputs.data)).detach().numpy()
    print(f"same state_dict names; largest difference of the scores: {np.abs(ours - theirs).max():.1e}")

    torch_loss_fn = interop.to_torch(loss_fn)                  # CrossEntropyLoss(label_smoothing=0.05)
    torch_labels = interop.to_torch(labels)                    # int64 stays int64
    theirs = torch_loss_fn(torch_model(torch.tensor(inputs.data)), torch_labels).item()
    print(f"CrossEntropyLoss(label_smoothing={torch_loss_fn.label_smoothing}): {theirs:.6f} in PyTorch, "
          f"{loss_fn(model(inputs), labels).item():.6f} here")

    with torch.no_grad():                                      # a change made in PyTorch ...
        torch_model.layers[1].bias.zero_()
    model.load_state_dict(interop.from_torch(torch_model.state_dict()))   # ... comes back
    print("output biases after the round trip:", model.layers[1].bias.tolist())


if __name__ == "__main__":
    over_to_pytorch(*train())

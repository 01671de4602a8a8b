"""A model built from PyTorch's containers: a named ``Sequential``, a ``ModuleList`` and a ``ModuleDict``.

The spiral classifier here has a stem (a ``Sequential`` of an
``OrderedDict``, so its layers are called ``stem.hidden``, ``stem.norm``
(a ``LayerNorm``) and ``stem.act``),
a ``ModuleList`` of residual blocks applied in a loop, and a ``ModuleDict``
of two heads: class scores, and a regression of each point's radius. It
prints the module tree and the ``state_dict`` names the containers give,
trains both heads together, and reports the accuracy and the radius error.
With PyTorch installed it then converts the model with
``interop.to_torch``: the same containers, names and scores.

Run: ``python examples/containers.py`` (``TINYGRAD_NN_QUICK=1`` for a fast run).
"""

import os
from collections import OrderedDict

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import data, functional as F, interop, nn, optim

QUICK = os.environ.get("TINYGRAD_NN_QUICK") == "1"
STEPS = 100 if QUICK else 1000


class SpiralNet(nn.Module):
    def __init__(self, width=32, blocks=2):
        super().__init__()
        self.stem = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, width)), ("norm", nn.LayerNorm(width)),
                                               ("act", nn.Tanh())]))
        self.blocks = nn.ModuleList([nn.Linear(width, width) for _ in range(blocks)])
        self.heads = nn.ModuleDict({"classes": nn.Linear(width, 3), "radius": nn.Linear(width, 1)})

    def forward(self, x):
        h = self.stem(x)
        for block in self.blocks:
            h = h + block(h).tanh()  # a residual block: the input plus a correction
        return self.heads["classes"](h), self.heads["radius"](h)


def main():
    tg.manual_seed(0)
    X, y = data.spiral(n_per_class=100, n_classes=3, seed=0)
    inputs, labels = tg.Tensor(X), tg.Tensor(y, dtype=np.int64)
    radius = tg.Tensor(np.linalg.norm(X, axis=1, keepdims=True))
    model = SpiralNet()
    print(model)
    print("state_dict names:", ", ".join(model.state_dict()))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    for step in range(STEPS):
        optimizer.zero_grad()
        scores, predicted_radius = model(inputs)
        loss = F.cross_entropy(scores, labels) + F.mse_loss(predicted_radius, radius)
        loss.backward()
        optimizer.step()
        if step % (STEPS // 4) == 0 or step == STEPS - 1:
            print(f"step {step:4d}  loss {loss.item():.4f}")
    with tg.no_grad():
        scores, predicted_radius = model(inputs)
        accuracy = (scores.argmax(dim=1) == labels).float().mean().item()
        radius_error = (predicted_radius - radius).abs().mean().item()
    print(f"training accuracy {accuracy:.1%}, mean radius error {radius_error:.3f}")
    over_to_pytorch(model, inputs)


def over_to_pytorch(model, inputs):
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: skipping the conversion (pip install torch to see it)")
        return
    blocks = interop.to_torch(model.blocks)  # the ModuleList, and the containers below it, by name
    heads = interop.to_torch(model.heads)
    stem = interop.to_torch(model.stem)
    print(type(stem).__name__, list(stem.state_dict()), type(blocks).__name__, type(heads).__name__)
    with torch.no_grad():
        h = stem(torch.tensor(inputs.numpy()))
        for block in blocks:
            h = h + block(h).tanh()
        theirs = heads["classes"](h).numpy()
    ours = model(inputs)[0].numpy()
    print(f"largest difference of the class scores in PyTorch: {np.abs(theirs - ours).max():.1e}")


if __name__ == "__main__":
    main()

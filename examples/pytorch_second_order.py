"""PyTorch's second-order idioms, run as they are written with ``import tinygrad_nn as torch``.

1. The WGAN-GP gradient penalty: the norm of a critic's gradient with
   respect to its input is pushed towards 1. ``torch.autograd.grad(...,
   create_graph=True)`` makes that gradient part of the loss, so the
   penalty's own gradient reaches the critic's weights. It is checked here
   against central differences.
2. A Hessian-vector product through ``torch.autograd.grad`` twice, with the
   gradients flattened by ``torch.cat`` and dotted with ``torch.dot``, then
   the same product from ``torch.autograd.functional.hvp``.

Run: ``python examples/pytorch_second_order.py``.
"""

import numpy as np

import tinygrad_nn as torch
import tinygrad_nn.nn.functional as F
from tinygrad_nn import nn
from tinygrad_nn.autograd.functional import hvp


def gradient_penalty(critic, real, fake, alpha):
    interpolates = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    d_interpolates = critic(interpolates)
    gradients = torch.autograd.grad(outputs=d_interpolates, inputs=interpolates,
                                    grad_outputs=torch.ones(d_interpolates.size()),
                                    create_graph=True, retain_graph=True, only_inputs=True)[0]
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean()


def penalty_example():
    torch.manual_seed(0)
    critic = nn.Sequential(nn.Linear(4, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    real, fake = torch.randn(8, 4), torch.randn(8, 4)
    alpha = torch.rand(real.size(0), 1)
    penalty = gradient_penalty(critic, real, fake, alpha)
    penalty.backward()
    weight = critic[0].weight
    eps = 1e-6
    with torch.no_grad():
        original = weight.data[0, 0]
        weight.data[0, 0] = original + eps
    up = gradient_penalty(critic, real, fake, alpha).item()
    with torch.no_grad():
        weight.data[0, 0] = original - eps
    down = gradient_penalty(critic, real, fake, alpha).item()
    with torch.no_grad():
        weight.data[0, 0] = original
    numeric = (up - down) / (2 * eps)
    print(f"gradient penalty {penalty.item():.6f}; d penalty / d W[0, 0]: backward {weight.grad[0, 0]:.8f}, "
          f"central differences {numeric:.8f}")
    assert abs(weight.grad[0, 0] - numeric) < 1e-6 * max(1.0, abs(numeric))


def hvp_example():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    x, y = torch.randn(16, 3), torch.randn(16, 1)
    params = list(model.parameters())
    v = [torch.randn_like(p) for p in params]

    loss = F.mse_loss(model(x), y)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    flat_grad = torch.cat([g.view(-1) for g in grads])
    flat_v = torch.cat([u.view(-1) for u in v])
    by_grad = torch.autograd.grad(torch.dot(flat_grad, flat_v), params)

    def loss_of(w1, b1, w2, b2):
        hidden = (x @ w1.t() + b1).tanh()
        return F.mse_loss(hidden @ w2.t() + b2, y)

    _, by_hvp = hvp(loss_of, tuple(params), tuple(v))
    largest = max(float(np.abs(a.data - b.data).max()) for a, b in zip(by_grad, by_hvp))
    print(f"Hessian-vector product of {sum(p.numel() for p in params)} parameters: grad-of-grad and "
          f"autograd.functional.hvp differ by at most {largest:.1e}")
    assert largest < 1e-12


if __name__ == "__main__":
    penalty_example()
    hvp_example()

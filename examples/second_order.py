"""Second derivatives with tinygrad_nn: curvature, Hessian-vector products, a gradient penalty, Newton's
method and second-order gradient checks, each checked against an independent computation.

1. ``autograd.grad(..., create_graph=True)`` differentiates a gradient again: x**3 to its third derivative.
2. The sigmoid's curvature: sigma'' = sigma (1 - sigma) (1 - 2 sigma) peaks at x = +-1.317 and vanishes
   where the neuron saturates.
3. The Hessian-vector product of the CS231n spiral net (``nn.MLP``, ``F.cross_entropy``) with respect to
   all its parameters, by ``autograd.hvp`` and by hand (grad of grad), against central differences of
   the gradient.
4. A gradient penalty: the norm of d(output)/d(input) in the loss, trained through.
5. Newton's method for the single logistic neuron (the notes' binary Softmax classifier), whose Hessian
   is X^T S X / N (+ the L2 term), against gradient descent.
6. ``tg.gradgradcheck`` passes a twice-differentiable Swish and names the element of a wrong double
   backward.

Run: ``python examples/second_order.py`` (about a second; ``TINYGRAD_NN_QUICK=1`` changes nothing).
"""

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import autograd, functional as F


def check(label, value, expected, rtol=1e-7, atol=1e-10):
    """Print the label and stop the script if ``value`` and ``expected`` (arrays, or lists of them) differ."""
    value, expected = (np.concatenate([np.ravel(a) for a in v]) if isinstance(v, list) else v
                       for v in (value, expected))
    ok = np.allclose(value, expected, rtol=rtol, atol=atol)
    print(f"  {'ok' if ok else 'MISMATCH'}  {label}")
    if not ok:
        raise SystemExit(f"{label}: {value} != {expected}")


def derivatives_of_a_cube():
    print("1. x**3 differentiated three times")
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    (first,) = autograd.grad((x ** 3).sum(), x, create_graph=True)
    (second,) = autograd.grad(first.sum(), x, create_graph=True)
    (third,) = autograd.grad(second.sum(), x)
    check("3 x**2, 6 x, 6", [first.data, second.data, third.data], [3 * x.data ** 2, 6 * x.data, [6.0, 6.0]])


def sigmoid_curvature():
    print("2. where the sigmoid bends: sigma'' over x")
    x = tg.Tensor(np.linspace(-8.0, 8.0, 1601), requires_grad=True)
    (slope,) = autograd.grad(x.sigmoid().sum(), x, create_graph=True)
    (curvature,) = autograd.grad(slope.sum(), x)
    s = 1 / (1 + np.exp(-x.data))
    check("sigma'' = sigma (1 - sigma) (1 - 2 sigma)", curvature.data, s * (1 - s) * (1 - 2 * s))
    peak = x.data[np.argmax(curvature.data)]
    check(f"the curvature peaks at x = {peak:.2f} = -ln(2 + sqrt 3)", peak, -np.log(2 + np.sqrt(3)), atol=0.01)
    for value in (0.0, 1.32, 2.5, 5.0, 8.0):
        k = int(np.argmin(np.abs(x.data - value)))
        print(f"      x = {value:4.2f}: sigma' = {slope.data[k]:.2e}, sigma'' = {curvature.data[k]:+.2e}")


def spiral_hvp():
    print("3. H v of the spiral net's loss with respect to all parameters")
    X, y = tg.data.spiral()
    net = tg.nn.MLP([2, 100, 3], rng=np.random.default_rng(0))
    first, last = net.layers[0], net.layers[2]
    params = [first.weight, first.bias, last.weight, last.bias]
    rng = np.random.default_rng(1)
    # the spiral starts at the origin, where zero biases put every ReLU on its kink: move them off it
    first.bias.data = 0.1 * rng.standard_normal(100)
    v = [tg.Tensor(rng.standard_normal(p.shape)) for p in params]
    reg = 1e-3

    def loss_at(w1, b1, w2, b2):
        first.weight, first.bias, last.weight, last.bias = w1, b1, w2, b2
        return F.cross_entropy(net(tg.Tensor(X)), y) + 0.5 * reg * F.l2_penalty([w1, w2])

    values = [p.data.copy() for p in params]
    _, by_hvp = autograd.hvp(loss_at, tuple(tg.Tensor(a) for a in values), tuple(v))
    leaves = [tg.Tensor(a, requires_grad=True) for a in values]          # by hand: grad of (grad . v)
    grads = autograd.grad(loss_at(*leaves), leaves, create_graph=True)
    by_hand = autograd.grad(sum((g * w).sum() for g, w in zip(grads, v)), leaves)
    check("autograd.hvp == grad of (grad . v)", [a.data for a in by_hvp], [b.data for b in by_hand], rtol=1e-12)
    eps = 1e-6

    def gradient(sign):
        shifted = [tg.Tensor(a + sign * eps * w.data, requires_grad=True) for a, w in zip(values, v)]
        return [g.data for g in autograd.grad(loss_at(*shifted), shifted)]

    differences = [(p - m) / (2 * eps) for p, m in zip(gradient(1), gradient(-1))]
    check("H v == central differences of the gradient along v", [a.data for a in by_hvp], differences,
          rtol=1e-5, atol=1e-8)


def gradient_penalty():
    print("4. a gradient penalty: mean((|d out / d x| - 1)**2), trained through")
    rng = np.random.default_rng(2)
    x = tg.Tensor(rng.normal(size=(8, 2)), requires_grad=True)
    w = tg.Tensor(rng.normal(size=(2, 1)), requires_grad=True)
    out = (x @ w).tanh()
    (grad_x,) = autograd.grad(out.sum(), x, create_graph=True)
    penalty = ((((grad_x * grad_x).sum(axis=1)) ** 0.5 - 1) ** 2).mean()
    penalty.backward()
    # by hand: grad_x[i] = (1 - t_i**2) w, so the penalty is mean((|1 - t_i**2| |w| - 1)**2)
    def penalty_of(weights):
        t = np.tanh(x.data @ weights)
        return np.mean((np.abs(1 - t[:, 0] ** 2) * np.linalg.norm(weights) - 1) ** 2)

    eps = 1e-6
    numerical = [(penalty_of(w.data + eps * e) - penalty_of(w.data - eps * e)) / (2 * eps)
                 for e in np.eye(2).reshape(2, 2, 1)]
    check("d penalty / d w against central differences", w.grad.ravel(), numerical, rtol=1e-6)


def newton_for_a_logistic_neuron():
    print("5. the logistic neuron: Newton's method against gradient descent")
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(-1.0, 1.0, (100, 2)), rng.normal(1.0, 1.0, (100, 2))])
    X = np.hstack([X, np.ones((200, 1))])                 # the bias as a third weight on a constant input
    targets = np.repeat([0.0, 1.0], 100)
    reg = 1e-2

    def loss(theta):
        return F.binary_cross_entropy_with_logits(tg.Tensor(X) @ theta, targets) + 0.5 * reg * (theta * theta).sum()

    def gradient(theta):
        t = tg.Tensor(theta, requires_grad=True)
        return autograd.grad(loss(t), t)[0].data

    start = 0.01 * rng.standard_normal(3)
    p = 1 / (1 + np.exp(-X @ start))
    check("autograd.hessian == X^T S X / N + reg I, S = diag(p (1 - p))",
          autograd.hessian(loss, tg.Tensor(start)).data, X.T @ ((p * (1 - p))[:, None] * X) / 200 + reg * np.eye(3))
    theta, newton_steps = start.copy(), 0
    while np.linalg.norm(gradient(theta)) > 1e-8:
        theta -= np.linalg.solve(autograd.hessian(loss, tg.Tensor(theta)).data, gradient(theta))
        newton_steps += 1
    descent, descent_steps = start.copy(), 0
    while np.linalg.norm(gradient(descent)) > 1e-8:
        descent -= 1.0 * gradient(descent)
        descent_steps += 1
    check("both reach the same weights", theta, descent, rtol=1e-6)
    print(f"      to |gradient| < 1e-8: Newton {newton_steps} steps, gradient descent (lr 1.0) {descent_steps} steps")


class Swish(tg.Function):
    """x * sigmoid(x), twice differentiable: backward recomputes sigmoid from the saved input."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x / (1.0 + np.exp(-x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = 1.0 / (1.0 + np.exp(-x))
        return grad * (s + x * s * (1.0 - s))


class SwishGradientWithoutCurvature(tg.Function):
    """(x, g) -> g * swish'(x), whose own backward forgot the curvature term of swish''."""

    @staticmethod
    def forward(ctx, x, g):
        ctx.save_for_backward(x, g)
        s = 1.0 / (1.0 + np.exp(-x))
        return g * (s + x * s * (1.0 - s))

    @staticmethod
    def backward(ctx, upstream):
        x, g = ctx.saved_tensors
        s = 1.0 / (1.0 + np.exp(-x))
        return upstream * g * 2 * s * (1 - s), upstream * (s + x * s * (1.0 - s))   # swish'' lacks x s (1-s)(1-2s)


class SwishWithWrongCurvature(Swish):
    """Swish whose backward is right, but is computed by an op whose own derivative is wrong."""

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return SwishGradientWithoutCurvature.apply(x, grad)


def second_order_checks():
    print("6. gradgradcheck")
    x = (np.linspace(-3.0, 3.0, 7),)
    print(f"  {'ok' if tg.gradgradcheck(Swish, x) else 'MISMATCH'}  Swish: the gradient of its gradient matches")
    assert tg.gradcheck(SwishWithWrongCurvature, x), "the first derivative is right"
    result = tg.gradgradcheck(SwishWithWrongCurvature, x, raise_exception=False)
    if result:
        raise SystemExit("gradgradcheck missed a wrong double backward")
    print(f"  ok  a wrong double backward is named:\n      {result.message()}")


if __name__ == "__main__":
    derivatives_of_a_cube()
    sigmoid_curvature()
    spiral_hvp()
    gradient_penalty()
    newton_for_a_logistic_neuron()
    second_order_checks()

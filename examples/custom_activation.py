"""Write a custom activation, prove its backward right, and find the bug in a wrong one.

1. Swish, GELU and Mish as ``tg.Function`` subclasses with hand-written backward passes.
2. ``tg.gradcheck`` on each: the report gives, per input, the worst element and the error band.
3. A Mish whose backward forgot a chain-rule factor: the report names the element and both values.
4. The buggy Mish inside a 3-layer network: ``tg.check_graph`` names the op and the layer.
5. The same check as a hypothesis property, the way you would put it in your own pytest suite.

Run: python examples/custom_activation.py   (TINYGRAD_NN_QUICK=1 for a quick run)
"""

import os

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import functional as F

QUICK = os.environ.get("TINYGRAD_NN_QUICK") == "1"


def sigmoid(x):
    """1 / (1 + e**-x) without overflow for any x."""
    return np.exp(-np.logaddexp(0.0, -x))


class Swish(tg.Function):
    """x * sigmoid(x);  d/dx = s + x * s * (1 - s)."""

    @staticmethod
    def forward(ctx, x):
        s = sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return grad * (s + x * s * (1.0 - s))


class GELU(tg.Function):
    """0.5 x (1 + tanh(k (x + 0.044715 x**3))), k = sqrt(2 / pi) (the tanh approximation)."""

    K = np.sqrt(2.0 / np.pi)

    @staticmethod
    def forward(ctx, x):
        t = np.tanh(GELU.K * (x + 0.044715 * x ** 3))
        ctx.save_for_backward(x, t)
        return 0.5 * x * (1.0 + t)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        inner = GELU.K * (1.0 + 3 * 0.044715 * x ** 2)
        return grad * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * inner)


class Mish(tg.Function):
    """x * tanh(softplus(x));  d/dx = tanh(sp) + x * (1 - tanh(sp)**2) * sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        t = np.tanh(np.logaddexp(0.0, x))          # softplus without overflow
        ctx.save_for_backward(x, t)
        return x * t

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        return grad * (t + x * (1.0 - t * t) * sigmoid(x))


class BuggyMish(Mish):
    """Mish whose backward forgot the chain-rule factor sigmoid(x) (the derivative of softplus)."""

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        return grad * (t + x * (1.0 - t * t))


class MishLayer(tg.nn.Module):
    """An activation module; ``op`` is the Function it applies."""

    def __init__(self, op):
        super().__init__()
        self.op = op

    def forward(self, x):
        return self.op.apply(x)


def section(title):
    print(f"\n=== {title}")


def main():
    rng = np.random.default_rng(0)
    x = rng.normal(scale=3.0, size=(8, 8) if QUICK else (64, 64))

    section("1-2. check three hand-written activations")
    for op in (Swish, GELU, Mish):
        print(tg.gradcheck(op, (x,)))

    section("3. a wrong backward: the report says where")
    try:
        tg.gradcheck(BuggyMish, (x,))
    except tg.GradcheckError as error:
        print("GradcheckError:", error)
        report = error.result.inputs[0]
        at = report.index
        print(f"at x = {x[at]:.4g}: the missing factor sigmoid(x) = {sigmoid(x[at]):.4g} "
              f"is far from 1, so the error is largest there")

    section("4. the buggy op inside a 3-layer network: check_graph names it")
    activations = iter([MishLayer(Mish), MishLayer(BuggyMish)])
    net = tg.nn.MLP([4, 16, 16, 3], activation=lambda: next(activations), rng=rng)
    inputs, labels = tg.Tensor(rng.normal(size=(10, 4))), rng.integers(0, 3, size=10)
    loss = F.cross_entropy(net(inputs), labels)
    loss.backward()
    print("end-to-end, the weights' gradients are wrong, but where?")
    result = tg.check_graph(loss)
    print(result)
    failure = result.failures[0]
    print(f"-> fix {failure.function_name}.backward (module {failure.module_path}): "
          f"element {failure.index} of its input, analytic {failure.analytic:.6g}, numerical {failure.numerical:.6g}")

    section("5. as a property test, the way pytest would run it")
    from tinygrad_nn.testing import check_activation
    examples = 10 if QUICK else 100
    check_activation(Swish, max_examples=examples)()
    print(f"Swish: gradient checked on {examples} drawn inputs from tiny to +-1e3: passed")
    try:
        check_activation(BuggyMish, max_examples=examples)()
    except AssertionError as error:
        shrunk = [note for note in getattr(error, "__notes__", []) if note.startswith(("Falsifying example", "Failing test case"))]  # older / newer hypothesis
        print("BuggyMish fails; hypothesis shrank the input to:", shrunk[0].split("\n")[1].strip() if shrunk else "?")
        print("\n".join(line for line in str(error).splitlines() if "element" in line or "rel error" in line))


if __name__ == "__main__":
    main()

"""Deliberately wrong Functions shared by the gradient-checking tests (each is defined once, here)."""

import numpy as np

import tinygrad_nn as tg


class NanAtLastElement(tg.Function):
    """2 x whose backward returns NaN at the last element, where the function is smooth."""

    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, grad):
        gradient = 2 * grad
        gradient[..., -1] = np.nan
        return gradient


class MissingTermSwish(tg.Function):
    """Swish, x * sigmoid(x), whose backward forgot the x * s * (1 - s) term."""

    @staticmethod
    def forward(ctx, x):
        s = np.exp(-np.logaddexp(0.0, -x))           # sigmoid without overflow
        ctx.save_for_backward(s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return grad * s


class SquareIgnoringGrad(tg.Function):
    """x**2 whose backward returns 2x without multiplying by grad."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x


class Float32Gradient(tg.Function):
    """2x whose backward returns a float32 gradient whatever the input's dtype."""

    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, grad):
        return (2 * grad).astype(np.float32)


class GramWithOneWrongElement(tg.Function):
    """x @ x.T whose backward is off at element (7, 23) by 1% of a typical gradient element."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x @ x.T

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        gradient = (grad + grad.T) @ x
        gradient[7, 23] += 0.01 * np.sqrt(np.mean(gradient ** 2))
        return gradient

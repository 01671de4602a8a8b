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


# ---------------------------------------------------------------- wrong double backwards
# Each Function below has a correct first derivative (its plain backward passes gradcheck) and a wrong
# second one: what its backward records under create_graph=True differentiates to the wrong thing.
# Swish's derivatives, with s = sigmoid(x):
#     swish'(x)  = s + x s (1 - s)
#     swish''(x) = s (1 - s) (2 + x (1 - 2 s))

def _sigmoid(x):
    """Sigmoid written with ops that dispatch, so it works on arrays and on Tensors."""
    return 1.0 / (1.0 + np.exp(-x))


def swish_slope(x):
    s = _sigmoid(x)
    return s + x * s * (1 - s)


def swish_curvature(x):
    s = _sigmoid(x)
    return s * (1 - s) * (2 + x * (1 - 2 * s))


class SwishGradient(tg.Function):
    """(x, g) -> g * swish'(x): Swish's backward as an op of its own, so it can be differentiated.

    d/dx = upstream * g * swish''(x),  d/dg = upstream * swish'(x).  (Correct.)
    """

    @staticmethod
    def forward(ctx, x, g):
        ctx.save_for_backward(x, g)
        return g * swish_slope(x)

    @staticmethod
    def backward(ctx, upstream):
        x, g = ctx.saved_tensors
        return upstream * g * swish_curvature(x), upstream * swish_slope(x)


class SwishGradientMissingTerm(SwishGradient):
    """swish'' without the x (1 - 2 s) term: s (1 - s) * 2."""

    @staticmethod
    def backward(ctx, upstream):
        x, g = ctx.saved_tensors
        s = _sigmoid(x)
        return upstream * g * s * (1 - s) * 2, upstream * swish_slope(x)


class SwishGradientWrongSign(SwishGradient):
    """d/dx with the wrong sign: -upstream * g * swish''(x)."""

    @staticmethod
    def backward(ctx, upstream):
        x, g = ctx.saved_tensors
        return -upstream * g * swish_curvature(x), upstream * swish_slope(x)


class SwishGradientWrongFactor(SwishGradient):
    """d/dg twice too large: 2 * upstream * swish'(x) (the derivative along the grad_output)."""

    @staticmethod
    def backward(ctx, upstream):
        x, g = ctx.saved_tensors
        return upstream * g * swish_curvature(x), 2 * upstream * swish_slope(x)


class SwishGradientIgnoringGrad(SwishGradient):
    """d/dx without the upstream gradient: g * swish''(x)."""

    @staticmethod
    def backward(ctx, upstream):
        x, g = ctx.saved_tensors
        return g * swish_curvature(x), upstream * swish_slope(x)


def swish_through(gradient_function):
    """A Swish whose backward calls ``gradient_function`` (one of the above): first-order right,
    second-order as right as ``gradient_function.backward``."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * _sigmoid(x)

    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return gradient_function.apply(x, grad)

    name = "SwishVia" + gradient_function.__name__
    return type(name, (tg.Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward),
                                       "__doc__": f"Swish whose backward is {gradient_function.__name__}.",
                                       "__module__": __name__})


SwishWithRightSecondDerivative = swish_through(SwishGradient)
SwishMissingCurvatureTerm = swish_through(SwishGradientMissingTerm)
SwishWrongCurvatureSign = swish_through(SwishGradientWrongSign)
SwishWrongGradOutputFactor = swish_through(SwishGradientWrongFactor)
SwishCurvatureIgnoringGrad = swish_through(SwishGradientIgnoringGrad)


class TanhWithWrongRecordedBackward(tg.Function):
    """tanh whose backward has a fast path for arrays (right) and another for Tensors under
    create_graph (forgot to square: 1 - t): the recorded gradient is not the gradient."""

    @staticmethod
    def forward(ctx, x):
        t = np.tanh(x)
        ctx.save_for_backward(t)
        return t

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        if isinstance(grad, np.ndarray):
            return grad * (1 - t * t)
        return grad * (1 - t)


class FirstOrderSwish(tg.Function):
    """Swish whose backward uses s, an array computed in forward: right to first order, and refused
    (NotDifferentiableError) under create_graph=True."""

    @staticmethod
    def forward(ctx, x):
        s = 1.0 / (1.0 + np.exp(-x))
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return grad * (s + x * s * (1.0 - s))


WRONG_SECOND_DERIVATIVES = [SwishMissingCurvatureTerm, SwishWrongCurvatureSign, SwishWrongGradOutputFactor,
                            SwishCurvatureIgnoringGrad, TanhWithWrongRecordedBackward]

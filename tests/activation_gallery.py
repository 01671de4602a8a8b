"""A gallery of user activations written as ``tg.Function``s: ``WRONG`` (each backward wrong in a way
users get wrong: a factor, a sign on part of the domain, a missing term, 1% off, only at large |x|,
only for some elements, only in float32) and ``CORRECT`` (including kinks, saturation, tiny and huge
gradients, integer-valued and piecewise-constant functions). Each entry is ``(Function, dtype)``: the
dtype its inputs need for the bug to show."""

import numpy as np

import tinygrad_nn as tg


def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def elementwise(name, forward, backward):
    """A Function ``y = forward(x)`` whose backward is ``backward(x, y, grad)``."""

    def run_forward(ctx, x):
        y = forward(x)
        ctx.save_for_backward(x, y)
        return y

    def run_backward(ctx, grad):
        x, y = ctx.saved_tensors
        return backward(x, y, grad)

    return type(name, (tg.Function,), {"forward": staticmethod(run_forward), "backward": staticmethod(run_backward)})


def _one_element(x):
    """True at one element (the third, or the last of a smaller input)."""
    return np.arange(x.size).reshape(x.shape) == min(2, x.size - 1)


def _tanh_gelu(x):
    return np.tanh(0.7978845608 * (x + 0.044715 * x ** 3))


F64, F32 = np.float64, np.float32
WRONG = [
    (elementwise("SquareTwiceTooLarge", lambda x: x * x, lambda x, y, g: g * 4 * x), F64),
    (elementwise("TanhOnePercentOff", np.tanh, lambda x, y, g: g * (1 - y * y) * 1.01), F64),
    (elementwise("AbsWithoutSign", np.abs, lambda x, y, g: g * np.ones_like(x)), F64),
    (elementwise("SwishMissingTerm", lambda x: x * sigmoid(x), lambda x, y, g: g * sigmoid(x)), F64),
    (elementwise("SoftplusZeroAbove20", lambda x: np.logaddexp(0, x),
                 lambda x, y, g: g * np.where(x > 20, 0.0, sigmoid(x))), F64),
    (elementwise("LeakyWrongSlope", lambda x: np.where(x > 0, x, 0.01 * x),
                 lambda x, y, g: g * np.where(x > 0, 1.0, 0.1).astype(x.dtype)), F64),
    (elementwise("IgnoresLocalDerivative", lambda x: x * x, lambda x, y, g: g), F64),
    (elementwise("GradSquared", lambda x: x * x, lambda x, y, g: g * g * 2 * x), F64),
    (elementwise("CosWithoutMinus", np.cos, lambda x, y, g: g * np.sin(x)), F64),
    (elementwise("CubeSignBug", lambda x: x ** 3, lambda x, y, g: g * 3 * x * np.abs(x)), F64),
    (elementwise("MeanOfGrad", lambda x: x * x, lambda x, y, g: np.broadcast_to(g.mean(), x.shape) * 2 * x), F64),
    (elementwise("OneElementTenPercentOff", lambda x: 3 * x,
                 lambda x, y, g: g * np.where(_one_element(x), 3.3, 3.0).astype(x.dtype)), F64),
    (elementwise("HalfGradientInFloat32", lambda x: x * x,
                 lambda x, y, g: g * (2 * x if x.dtype == np.float64 else x)), F32),
    (elementwise("WrongAboveHundred", lambda x: x * x, lambda x, y, g: g * 2 * np.where(np.abs(x) > 100, 0.9 * x, x)),
     F64),
    (elementwise("ExpOffByTwoPerMille", np.exp, lambda x, y, g: g * y * 1.002), F64),
    (elementwise("SigmoidOfTheInput", sigmoid, lambda x, y, g: g * x * (1 - x)), F64),
    (elementwise("EluMissingAlpha", lambda x: np.where(x > 0, x, 1.5 * np.expm1(np.minimum(x, 0))),
                 lambda x, y, g: g * np.where(x > 0, 1.0, np.exp(np.minimum(x, 0)))), F64),
    (elementwise("SoftsignMissingSquare", lambda x: x / (1 + np.abs(x)), lambda x, y, g: g / (1 + np.abs(x))), F64),
    (elementwise("GeluWrongConstant", lambda x: 0.5 * x * (1 + _tanh_gelu(x)),
                 lambda x, y, g: g * (0.5 * (1 + _tanh_gelu(x)) + 0.5 * x * (1 - _tanh_gelu(x) ** 2)
                                      * 0.7978845608 * (1 + 3 * 0.04 * x ** 2))), F64),
    (elementwise("NegativeSideFlipped", lambda x: x * x, lambda x, y, g: g * 2 * np.abs(x)), F64),
    (elementwise("TinySlopeDoubled", lambda x: np.where(x < 0, 1e-3 * x, x),
                 lambda x, y, g: g * np.where(x < 0, 2e-3, 1.0).astype(x.dtype)), F64),
    (elementwise("LogAbsWithoutSign", lambda x: np.log(np.abs(x)), lambda x, y, g: g / np.abs(x)), F64),
]

CORRECT = [
    elementwise("Swish", lambda x: x * sigmoid(x),
                lambda x, y, g: g * (sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x)))),
    elementwise("Relu", lambda x: np.maximum(x, 0), lambda x, y, g: g * (x > 0)),
    elementwise("Leaky", lambda x: np.where(x > 0, x, 0.01 * x), lambda x, y, g: g * np.where(x > 0, 1.0, 0.01)),
    elementwise("Abs", np.abs, lambda x, y, g: g * np.sign(x)),
    elementwise("HardTanh", lambda x: np.clip(x, -1, 1), lambda x, y, g: g * ((x > -1) & (x < 1))),
    elementwise("Floor", np.floor, lambda x, y, g: g * 0.0),
    elementwise("Round", np.round, lambda x, y, g: np.zeros_like(g)),
    elementwise("Sign", np.sign, lambda x, y, g: np.zeros_like(g)),
    elementwise("Step", lambda x: (x > 0).astype(x.dtype), lambda x, y, g: np.zeros_like(g)),
    elementwise("Sigmoid", sigmoid, lambda x, y, g: g * y * (1 - y)),
    elementwise("Tanh", np.tanh, lambda x, y, g: g * (1 - y * y)),
    elementwise("Softplus", lambda x: np.logaddexp(0, x), lambda x, y, g: g * sigmoid(x)),
    elementwise("Square", lambda x: x * x, lambda x, y, g: g * 2 * x),
    elementwise("Cube", lambda x: x ** 3, lambda x, y, g: g * 3 * x * x),
    elementwise("Sin100", lambda x: np.sin(100 * x), lambda x, y, g: g * 100 * np.cos(100 * x)),
    elementwise("Softsign", lambda x: x / (1 + np.abs(x)), lambda x, y, g: g / (1 + np.abs(x)) ** 2),
    elementwise("Elu", lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
                lambda x, y, g: g * np.where(x > 0, 1.0, np.exp(np.minimum(x, 0)))),
    elementwise("Triangle", lambda x: np.abs(np.mod(x, 2.0) - 1.0), lambda x, y, g: g * np.sign(np.mod(x, 2.0) - 1.0)),
    elementwise("Constant", lambda x: np.zeros_like(x) + 3.0, lambda x, y, g: np.zeros_like(g)),
    elementwise("Hinge", lambda x: np.maximum(0, 1 - x), lambda x, y, g: -g * (x < 1)),
    elementwise("SquarePlus", lambda x: 0.5 * (x + np.sqrt(x * x + 4)),
                lambda x, y, g: g * 0.5 * (1 + x / np.sqrt(x * x + 4))),
    elementwise("Gauss", lambda x: np.exp(-x * x), lambda x, y, g: g * -2 * x * y),
    elementwise("ExpCappedAt50", lambda x: np.exp(np.minimum(x, 50.0)), lambda x, y, g: g * np.where(x < 50, y, 0.0)),
    elementwise("Atan", np.arctan, lambda x, y, g: g / (1 + x * x)),
    elementwise("Stairs", lambda x: np.maximum(np.floor(x), 0), lambda x, y, g: np.zeros_like(g)),
    elementwise("ReluSquared", lambda x: np.maximum(x, 0) ** 2, lambda x, y, g: g * 2 * np.maximum(x, 0)),
    elementwise("XTanhX", lambda x: x * np.tanh(x), lambda x, y, g: g * (np.tanh(x) + x * (1 - np.tanh(x) ** 2))),
]

"""The primitive operations: one ``Function`` each, forward and backward side by side.

Broadcasting is undone by the engine (``engine.broadcasting.unbroadcast``),
never here: a backward may return a gradient of the output's shape. Every
backward works on arrays and, under ``create_graph=True``, on Tensors, so
every op is differentiable again (see ``function.py``).
"""

from .arithmetic import Add, Sub, Mul, Div, Pow, Neg, MatMul, Affine
from .unary import Exp, Log, Sqrt, Abs, Sign, Sigmoid, Tanh, ReLU, LeakyReLU, Clip, Softmax, LogSoftmax
from .reduce import Sum, Mean, Max, Min
from .shape import Reshape, Transpose, GetItem, ScatterAdd, Concatenate, Stack, BroadcastTo, Cast
from .select import Maximum, Where
from .fused import SoftmaxCrossEntropy, SumOfSquares, WrongClasses
from .trigonometric import Sin, Cos, Tan, Sinh, Cosh, Arcsin, Arccos, Arctan, Arcsinh, Arccosh, Arctanh
from .exponential import Log1p, Expm1, Log2, Log10, Exp2, Rsqrt, Reciprocal, Square, Erf, Erfc
from .rounding import Floor, Ceil, Round, Trunc, Frac
from .bounds import Minimum, Clamp
from .activation import (GELU, SiLU, Mish, ELU, Softplus, LogSigmoid, Softsign, Hardtanh, Hardsigmoid,
                         Hardswish, PReLU)
from .random import Dropout

__all__ = ["Add", "Sub", "Mul", "Div", "Pow", "Neg", "MatMul", "Affine", "Exp", "Log", "Sqrt",
           "Abs", "Sign", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Clip", "Softmax",
           "LogSoftmax", "Sum", "Mean", "Max", "Min", "Reshape", "Transpose",
           "GetItem", "ScatterAdd", "Concatenate", "Stack", "BroadcastTo", "Cast", "Maximum", "Where",
           "SoftmaxCrossEntropy", "SumOfSquares", "WrongClasses",
           "Sin", "Cos", "Tan", "Sinh", "Cosh", "Arcsin", "Arccos", "Arctan", "Arcsinh", "Arccosh", "Arctanh",
           "Log1p", "Expm1", "Log2", "Log10", "Exp2", "Rsqrt", "Reciprocal", "Square", "Erf", "Erfc",
           "Floor", "Ceil", "Round", "Trunc", "Frac", "Minimum", "Clamp",
           "GELU", "SiLU", "Mish", "ELU", "Softplus", "LogSigmoid", "Softsign", "Hardtanh", "Hardsigmoid",
           "Hardswish", "PReLU", "Dropout"]

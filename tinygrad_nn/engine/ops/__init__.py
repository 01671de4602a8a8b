"""The primitive operations: one ``Function`` each, forward and backward side by side.

Broadcasting is undone by the engine (``engine.broadcasting.unbroadcast``),
never here: a backward may return a gradient of the output's shape.
"""

from .arithmetic import Add, Sub, Mul, Div, Pow, Neg, MatMul, Affine
from .unary import Exp, Log, Sqrt, Abs, Sigmoid, Tanh, ReLU, LeakyReLU, Clip, Softmax, LogSoftmax
from .reduce import Sum, Mean, Max, Min
from .shape import Reshape, Transpose, GetItem, Concatenate, Stack
from .select import Maximum, Where
from .random import Dropout

__all__ = ["Add", "Sub", "Mul", "Div", "Pow", "Neg", "MatMul", "Affine", "Exp", "Log", "Sqrt",
           "Abs", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Clip", "Softmax",
           "LogSoftmax", "Sum", "Mean", "Max", "Min", "Reshape", "Transpose",
           "GetItem", "Concatenate", "Stack", "Maximum", "Where", "Dropout"]

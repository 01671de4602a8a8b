"""Deliberately wrong Functions shared by the gradient-checking tests."""

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

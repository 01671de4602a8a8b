"""Shape mismatches raise ``tg.ShapeError``: caught by ``except RuntimeError`` (what a program ported from
PyTorch catches) and by ``except ValueError`` (the pythonic choice), with a message naming the op and the
shapes."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import functional as F, nn


class WrongShapeBackward(tg.Function):
    """A custom op whose backward returns a gradient of the wrong shape."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return np.ones(7)


def wrong_backward():
    x = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    WrongShapeBackward.apply(x).sum().backward()


MISMATCHES = {
    "matmul": (lambda: tg.ones(2, 3) @ tg.ones(4, 5), ["MatMul", "(2, 3)", "(4, 5)"]),
    "matmul of a scalar": (lambda: tg.Tensor(2.0) @ tg.ones(2), ["MatMul", "()", "(2,)"]),
    "broadcasting": (lambda: tg.ones(2, 3) + tg.ones(4), ["Add", "(2, 3)", "(4,)"]),
    "numpy array and tensor": (lambda: np.ones(4) * tg.ones(2, 3), ["Mul", "(4,)", "(2, 3)"]),
    "reshape": (lambda: tg.ones(2, 3).reshape(4, 2), ["Reshape", "(2, 3)", "(4, 2)"]),
    "view": (lambda: tg.ones(2, 3).view(5), ["Reshape", "(2, 3)", "(5,)"]),
    "permute": (lambda: tg.ones(2, 3, 4).permute(0, 1), ["permute", "(0, 1)", "(2, 3, 4)"]),
    "transpose": (lambda: tg.ones(2, 3).transpose(0, 0), ["transpose", "(0, 0)", "(2, 3)"]),
    "concatenate": (lambda: tg.concatenate([tg.ones(2, 2), tg.ones(2, 3)]), ["Concatenate", "(2, 2)", "(2, 3)"]),
    "expand": (lambda: tg.ones(2, 3).expand(4, 3), ["expand", "(2, 3)", "(4, 3)"]),
    "wrong backward shape": (wrong_backward, ["WrongShapeBackward", "(7,)", "(2, 3)"]),
    "backward grad": (lambda: tg.ones(2, 3, requires_grad=True).exp().backward(np.ones(3)),
                      ["backward", "(3,)", "(2, 3)"]),
    "linear width": (lambda: nn.Linear(3, 2)(tg.ones(4, 5)), ["Linear", "(N, 3)", "(4, 5)"]),
    "maxout pieces": (lambda: F.maxout(tg.ones(2, 5), 2), ["maxout", "(2, 5)", "pieces=2"]),
    "loss targets": (lambda: F.mse_loss(tg.ones(4, 1), np.ones(4)), ["mse_loss", "(4,)", "(4, 1)"]),
    "loss labels": (lambda: F.cross_entropy(tg.ones(2, 3), np.array([0, 1, 2])), ["cross_entropy", "(2,)", "(3,)"]),
    "loss scores": (lambda: F.nll_loss(tg.ones(3), np.array([0])), ["nll_loss", "(N, C)", "(3,)"]),
    "class weights": (lambda: F.cross_entropy(tg.ones(2, 3), np.array([0, 1]), np.ones(2)),
                      ["cross_entropy", "(3,)", "(2,)"]),
}


@pytest.mark.parametrize("name", sorted(MISMATCHES))
@pytest.mark.parametrize("caught_as", [RuntimeError, ValueError])
def test_shape_mismatches_are_runtime_and_value_errors_naming_op_and_shapes(name, caught_as):
    make, words = MISMATCHES[name]
    with pytest.raises(caught_as) as info:
        make()
    assert isinstance(info.value, tg.ShapeError)
    for word in words:
        assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"


def test_a_pytorch_style_handler_catches_our_shape_errors():
    try:
        tg.ones(2, 3) @ tg.ones(2, 3)
    except RuntimeError as error:  # as a program written for PyTorch would
        message = str(error)
    assert "MatMul" in message and "(2, 3)" in message

"""Every engine error names the op, the shapes involved and what was expected.

(Errors about a custom Function's backward are in test_custom_function.py.)
"""

import re

import numpy as np
import pytest
from hypothesis import assume, given, settings

import tinygrad_nn as tg
from tinygrad_nn import Tensor
from engine_strategies import shapes


def _not_broadcastable(a_shape, b_shape):
    try:
        np.broadcast_shapes(a_shape, b_shape)
    except ValueError:
        return True
    return False


def test_matmul_error_names_both_shapes():
    with pytest.raises(ValueError) as error:
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5)))
    message = str(error.value)
    assert "MatMul" in message and "(2, 3)" in message and "(4, 5)" in message


@given(shapes(min_dims=1, min_side=1), shapes(min_dims=1, min_side=1))
def test_matmul_mismatch_always_names_both_shapes(a_shape, b_shape):
    inner_b = b_shape[-2] if len(b_shape) > 1 else b_shape[0]
    assume(a_shape[-1] != inner_b)
    with pytest.raises(ValueError, match=re.escape(str(a_shape)) + ".*" + re.escape(str(b_shape))):
        Tensor(np.ones(a_shape)) @ np.ones(b_shape)


def test_matmul_refuses_0d_operands():
    with pytest.raises(ValueError, match="MatMul.*scalars"):
        Tensor(2.0) @ Tensor(np.ones(3))


OPS = {"Add": lambda a, b: a + b, "Sub": lambda a, b: a - b, "Mul": lambda a, b: a * b,
       "Div": lambda a, b: a / b, "Pow": lambda a, b: a ** b, "Maximum": tg.maximum,
       "Where": lambda a, b: tg.where(True, a, b)}


@pytest.mark.parametrize("name", sorted(OPS))
@settings(max_examples=20)  # x 7 ops
@given(a_shape=shapes(min_dims=1), b_shape=shapes(min_dims=1))
def test_incompatible_broadcasting_names_the_op_and_both_shapes(name, a_shape, b_shape):
    assume(_not_broadcastable(a_shape, b_shape))
    with pytest.raises(ValueError) as error:
        OPS[name](Tensor(np.ones(a_shape), requires_grad=True), np.ones(b_shape))
    message = str(error.value)
    assert name in message and str(a_shape) in message and str(b_shape) in message
    if name != "Where":
        assert "do not broadcast" in message and "equal, or one of them 1" in message  # the rule, not numpy's words


@given(shapes().filter(lambda s: int(np.prod(s)) != 1))
def test_backward_of_a_non_scalar_without_grad_says_what_to_do(shape):
    out = Tensor(np.ones(shape), requires_grad=True) * 2.0
    with pytest.raises(RuntimeError) as error:
        out.backward()
    message = str(error.value)
    assert str(shape) in message and "grad" in message and ".sum()" in message and ".mean()" in message


@pytest.mark.parametrize("grad", [np.ones(3), np.ones((3, 2)), 1.0, np.ones((1, 2, 3))])
def test_backward_grad_is_never_broadcast_to_the_output(grad):
    out = Tensor(np.ones((2, 3)), requires_grad=True) * 2.0
    with pytest.raises(ValueError, match=re.escape(str(np.shape(grad))) + ".*" + re.escape("(2, 3)")):
        out.backward(grad=grad)


def test_backward_of_a_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match=r"does not require grad.*requires_grad=True"):  # and what to do
        (Tensor([1.0]) * 2.0).backward()


def test_a_newcomers_data_mistakes_say_what_to_do():
    with pytest.raises(TypeError, match=r"only floating tensors can require gradients.*dtype=np\.float64"):
        Tensor(np.array([1, 2]), dtype=np.int64, requires_grad=True)
    with pytest.raises(TypeError, match="nested lists have different lengths"):
        Tensor([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("make, op, shape", [
    (lambda: Tensor(np.ones((0, 3))).mean(), "Mean", "(0, 3)"),
    (lambda: Tensor(np.ones((0, 3))).mean(axis=0), "Mean", "(0, 3)"),
    (lambda: Tensor(np.ones((0, 3))).max(), "Max", "(0, 3)"),
    (lambda: Tensor(np.ones((2, 0))).min(axis=1), "Min", "(2, 0)"),
    (lambda: Tensor(np.ones((2, 3))).reshape(4, 2), "Reshape", "(2, 3)"),
    (lambda: Tensor(np.ones((2, 3))).transpose(0, 0), "Transpose", "(2, 3)"),
    (lambda: Tensor(np.ones((2, 3))).sum(axis=2), "Sum", "(2, 3)"),
    (lambda: Tensor(np.ones((2, 3)))[5], "GetItem", "(2, 3)"),
    (lambda: Tensor(np.ones((2, 3)))[np.array([0.5])], "GetItem", "(2, 3)"),
    (lambda: tg.concatenate([Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5)))]), "Concatenate", "(4, 5)"),
    (lambda: tg.stack([Tensor(np.ones(2)), Tensor(np.ones(3))]), "Stack", "(3,)"),
    (lambda: Tensor(np.ones(3)).clip(1.0, -1.0), "Clip", "(3,)"),
    (lambda: Tensor(np.ones(3)).softmax(axis=1), "Softmax", "(3,)"),
])
def test_bad_arguments_name_the_op_and_the_shape(make, op, shape):
    with pytest.raises((ValueError, IndexError, TypeError)) as error:
        make()
    assert op in str(error.value) and shape in str(error.value)


def test_tensor_misuse_errors():
    t = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"\(2,\)"):
        bool(t)
    with pytest.raises(RuntimeError, match="detach"):
        (t * 2.0).requires_grad = False
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).retain_grad()
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))


@pytest.mark.parametrize("make, op", [(lambda t: t + "a", "Add"), (lambda t: t * 1j, "Mul"),
                                      (lambda t: "a" - t, "Sub")])
def test_an_operand_that_is_not_a_number_names_the_op(make, op):
    with pytest.raises(TypeError, match=rf"^{op}: "):
        make(Tensor([1.0]))

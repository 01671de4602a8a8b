"""Extremes give PyTorch's values (inf) or a clear error, never a numpy RuntimeWarning."""

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import functional as F, nn


@pytest.fixture(autouse=True)
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_a_huge_number_times_a_float32_tensor_is_inf():
    t = tg.Tensor(np.ones(2, np.float32), requires_grad=True)
    out = t * 1e300
    assert out.dtype == np.float32 and np.isinf(out.data).all()
    (t * 2).backward(np.array([1e300, 1.0]))  # a float64 gradient beyond float32's range
    assert t.grad.dtype == np.float32 and t.grad.tolist() == [np.inf, 2.0]


@pytest.mark.parametrize("make", [
    lambda: nn.CELU(alpha=float("inf")), lambda: nn.ELU(alpha=float("nan")), lambda: nn.Softplus(beta=float("inf")),
    lambda: F.celu(tg.Tensor([1.0]), alpha=float("inf")), lambda: F.elu(tg.Tensor([1.0]), alpha=float("-inf")),
    lambda: F.softplus(tg.Tensor([1.0]), beta=float("nan")),
], ids=["CELU", "ELU", "Softplus", "celu", "elu", "softplus"])
def test_an_infinite_activation_parameter_is_refused_by_name(make):
    with pytest.raises(ValueError, match="(alpha|beta) must be a finite number"):
        make()

"""Every loss option against PyTorch's (values and gradients to 1e-10 in float64). Runs only where torch
imports: torch is never a dependency of the library or of its tests."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
TF = torch.nn.functional

import tinygrad_nn as tg  # noqa: E402
from tinygrad_nn import functional as F  # noqa: E402

RNG = np.random.default_rng(5)
X = RNG.standard_normal((5, 4)) * 3
LABELS = np.array([0, 3, 1, -100, 2])
WEIGHT = RNG.uniform(0.5, 2.0, 4)
PROBS = RNG.dirichlet(np.ones(4), 5)
SOFT = RNG.uniform(0, 1, (5, 4))
TARGET = RNG.standard_normal((5, 4))


def t(array):
    return torch.tensor(array)


CASES = {}
for reduction in ("mean", "sum", "none"):
    for smoothing in (0.0, 0.2):
        for weight in (None, WEIGHT):
            key = f"{reduction}-{smoothing}-{weight is not None}"
            CASES[f"cross_entropy labels {key}"] = (
                lambda x, r=reduction, s=smoothing, w=weight: F.cross_entropy(x, LABELS, w, reduction=r,
                                                                              label_smoothing=s),
                lambda x, r=reduction, s=smoothing, w=weight: TF.cross_entropy(
                    x, t(LABELS), None if w is None else t(w), reduction=r, label_smoothing=s), X)
            CASES[f"cross_entropy probabilities {key}"] = (
                lambda x, r=reduction, s=smoothing, w=weight: F.cross_entropy(x, PROBS, w, reduction=r,
                                                                              label_smoothing=s),
                lambda x, r=reduction, s=smoothing, w=weight: TF.cross_entropy(
                    x, t(PROBS), None if w is None else t(w), reduction=r, label_smoothing=s), X)
    CASES[f"nll_loss {reduction}"] = (lambda x, r=reduction: F.nll_loss(x, LABELS, WEIGHT, reduction=r),
                                      lambda x, r=reduction: TF.nll_loss(x, t(LABELS), t(WEIGHT), reduction=r), X)
    CASES[f"binary_cross_entropy {reduction}"] = (
        lambda x, r=reduction: F.binary_cross_entropy(x, SOFT, WEIGHT, reduction=r),
        lambda x, r=reduction: TF.binary_cross_entropy(x, t(SOFT), t(WEIGHT), reduction=r),
        RNG.uniform(0.01, 0.99, (5, 4)))
    CASES[f"binary_cross_entropy_with_logits {reduction}"] = (
        lambda x, r=reduction: F.binary_cross_entropy_with_logits(x, SOFT, WEIGHT, reduction=r, pos_weight=WEIGHT),
        lambda x, r=reduction: TF.binary_cross_entropy_with_logits(x, t(SOFT), t(WEIGHT), reduction=r,
                                                                   pos_weight=t(WEIGHT)), X)
    CASES[f"mse_loss {reduction}"] = (lambda x, r=reduction: F.mse_loss(x, TARGET, reduction=r),
                                      lambda x, r=reduction: TF.mse_loss(x, t(TARGET), reduction=r), X)
    CASES[f"l1_loss {reduction}"] = (lambda x, r=reduction: F.l1_loss(x, TARGET, reduction=r),
                                     lambda x, r=reduction: TF.l1_loss(x, t(TARGET), reduction=r), X)
    CASES[f"smooth_l1_loss {reduction}"] = (
        lambda x, r=reduction: F.smooth_l1_loss(x, TARGET, reduction=r, beta=1.5),
        lambda x, r=reduction: TF.smooth_l1_loss(x, t(TARGET), reduction=r, beta=1.5), X)
    CASES[f"huber_loss {reduction}"] = (
        lambda x, r=reduction: F.huber_loss(x, TARGET, reduction=r, delta=1.5),
        lambda x, r=reduction: TF.huber_loss(x, t(TARGET), reduction=r, delta=1.5), X)
for reduction in ("batchmean", "sum", "none"):
    for log_target in (False, True):
        target = np.log(PROBS) if log_target else PROBS
        CASES[f"kl_div {reduction} {log_target}"] = (
            lambda x, r=reduction, lt=log_target, tg_=target: F.kl_div(x, tg_, reduction=r, log_target=lt),
            lambda x, r=reduction, lt=log_target, tg_=target: TF.kl_div(x, t(tg_), reduction=r, log_target=lt),
            np.log(RNG.dirichlet(np.ones(4), 5)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_matches_pytorch(name):
    ours, theirs, x = CASES[name]
    mine = tg.Tensor(x, requires_grad=True)
    reference = torch.tensor(x, requires_grad=True)
    out, expected = ours(mine), theirs(reference)
    upstream = RNG.standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=1e-10, atol=1e-12)

"""Losses and layers against PyTorch's behaviour: ignored samples with -inf log-probabilities, bad inputs
named without numpy warnings, Dropout's ``inplace`` and the layer widths' error classes."""

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import functional as F, nn
from tinygrad_nn.autograd import grad

LOG_PROBS = np.array([[-1.0, -2.0], [-np.inf, -1.0]])   # the second sample is ignored, its class 0 impossible
MASKED = np.array([[1.0, 0.0, 2.0], [-np.inf, 0.0, 1.0]])  # a masked logit in the ignored sample


def _quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn()


@pytest.mark.parametrize("reduction, expected", [("mean", 1.0), ("sum", 1.0), ("none", [1.0, 0.0])])
def test_an_ignored_sample_with_a_minus_inf_log_probability_costs_nothing(reduction, expected):
    x = tg.Tensor(LOG_PROBS, requires_grad=True)
    loss = _quiet(lambda: F.nll_loss(x, np.array([0, -100]), reduction=reduction))
    np.testing.assert_array_equal(loss.data, expected)
    _quiet(lambda: loss.sum().backward())
    np.testing.assert_array_equal(x.grad, [[-1.0, 0.0], [0.0, 0.0]])


@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.2}, {"weight": np.array([1.0, 2.0, 0.5])},
                                     {"label_smoothing": 0.1, "weight": np.array([1.0, 2.0, 0.5])}])
def test_cross_entropy_of_an_ignored_masked_row_is_the_loss_of_the_others(options):
    x = tg.Tensor(MASKED, requires_grad=True)
    loss = _quiet(lambda: F.cross_entropy(x, np.array([2, -100]), **options))
    alone = F.cross_entropy(MASKED[:1], np.array([2]), **options)
    assert loss.item() == pytest.approx(alone.item(), rel=1e-12)
    g, = _quiet(lambda: grad(loss, [x], create_graph=True))
    np.testing.assert_array_equal(g.data[1], 0.0)
    assert np.isfinite(g.data[0]).all()


def test_binary_cross_entropy_names_nan_probabilities_without_a_numpy_warning():
    with pytest.raises(ValueError, match="got only NaN"):
        _quiet(lambda: F.binary_cross_entropy(np.array([np.nan, np.nan]), np.array([1.0, 0.0])))
    with pytest.raises(ValueError, match=r"from 0\.5 to 2\.0 and NaN"):
        _quiet(lambda: F.binary_cross_entropy(np.array([np.nan, 0.5, 2.0]), np.array([1.0, 0.0, 1.0])))


@pytest.mark.parametrize("make", [lambda: nn.Dropout(0.5, inplace=True), lambda: nn.Dropout(0.5, True)])
def test_dropout_accepts_pytorchs_inplace_and_leaves_the_input_alone(make):
    drop = make()
    assert drop.inplace is True and repr(drop) == "Dropout(p=0.5, inplace=True)"
    x = tg.ones(4, 4)
    out = drop(x)
    assert out is not x and (x.data == 1).all()
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2)"


def test_dropout_refuses_a_bool_p_and_a_non_bool_inplace():
    with pytest.raises(ValueError, match="Dropout: p must be a probability"):
        nn.Dropout(True)
    with pytest.raises(TypeError, match="Dropout: inplace must be True or False"):
        nn.Dropout(0.5, "yes")
    assert nn.Dropout(0.5, rng=0).rng is not None


@pytest.mark.parametrize("make, error, words", [
    (lambda: nn.Linear(3.0, 2), TypeError, r"Linear: in_features must be a positive int, got 3\.0 \(float\)"),
    (lambda: nn.Linear(True, 2), TypeError, "Linear: in_features must be a positive int, got True"),
    (lambda: nn.Linear(2, "3"), TypeError, "Linear: out_features must be a positive int, got '3' \\(str\\)"),
    (lambda: nn.Linear(0, 2), ValueError, "Linear: in_features must be a positive int, got 0"),
    (lambda: nn.Linear(2, -1), ValueError, "Linear: out_features must be a positive int, got -1"),
    (lambda: nn.Maxout(2, 3, pieces=2.0), TypeError, "Maxout: pieces must be a positive int"),
    (lambda: nn.Maxout(2, 3, pieces=0), ValueError, "Maxout: pieces must be a positive int, got 0"),
])
def test_layer_widths_are_positive_ints_and_a_wrong_type_is_a_type_error(make, error, words):
    with pytest.raises(error, match=words):
        make()
    assert nn.Linear(np.int64(2), 3).in_features == 2


# ------------------------------------------------------------------ against PyTorch
def _torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("case", ["nll", "nll weight none", "ce", "ce smoothing", "ce smoothing weight sum"])
def test_ignored_minus_inf_samples_match_pytorch(case):
    torch = _torch()
    weight = np.array([1.0, 2.0, 0.5]) if "weight" in case else None
    reduction = "sum" if "sum" in case else "none" if "none" in case else "mean"
    smoothing = {"label_smoothing": 0.2} if "smoothing" in case else {}
    if case.startswith("nll"):
        data, labels = np.array([[-1.0, -2.0, -0.5], [-np.inf, -1.0, -0.3]]), np.array([1, -100])
        ours = lambda x: F.nll_loss(x, labels, weight, reduction=reduction)  # noqa: E731
        theirs = lambda x: torch.nn.functional.nll_loss(  # noqa: E731
            x, torch.tensor(labels), None if weight is None else torch.tensor(weight), reduction=reduction)
    else:
        data, labels = MASKED, np.array([2, -100])
        ours = lambda x: F.cross_entropy(x, labels, weight, reduction=reduction, **smoothing)  # noqa: E731
        theirs = lambda x: torch.nn.functional.cross_entropy(  # noqa: E731
            x, torch.tensor(labels), None if weight is None else torch.tensor(weight), reduction=reduction,
            **smoothing)
    x, tx = tg.Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    loss, tloss = _quiet(lambda: ours(x)), theirs(tx)
    np.testing.assert_allclose(loss.data, tloss.detach().numpy(), rtol=1e-12)
    g, = _quiet(lambda: grad(loss.sum(), [x]))
    tg_, = torch.autograd.grad(tloss.sum(), [tx])
    np.testing.assert_allclose(g.data[0], tg_.numpy()[0], rtol=1e-12)  # the ignored row: NaN in both when masked
    np.testing.assert_array_equal(np.isnan(g.data), np.isnan(tg_.numpy()))


@pytest.mark.parametrize("make", [lambda: nn.CrossEntropyLoss(None, -100, "avg"), lambda: nn.MSELoss(0),
                                  lambda: nn.NLLLoss(reduction=None), lambda: nn.KLDivLoss("batch")],
                         ids=["CrossEntropyLoss", "MSELoss", "NLLLoss", "KLDivLoss"])
def test_a_loss_module_checks_its_reduction_when_made(make):
    with pytest.raises(ValueError, match=r"Loss: reduction must be one of 'mean', 'sum', 'none'"):
        make()
    assert nn.KLDivLoss("batchmean").reduction == "batchmean"

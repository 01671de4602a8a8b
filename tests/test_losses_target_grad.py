"""Gradients of the losses with respect to a float target that requires grad, as PyTorch gives them.

Every loss whose target is a float tensor (the regression losses, cross_entropy's class probabilities,
both binary cross-entropies, kl_div, hinge_loss) is checked against central differences (tg.gradcheck)
and to second order (tg.gradgradcheck), for each combination of which inputs require grad (input only,
target only, both), for every reduction, and against torch where it is importable.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_nn as tg
from tinygrad_nn import autograd, functional as F, nn
from tinygrad_nn.engine.ops import fused_losses

SHAPE = (2, 3)
WRTS = {"input only": (0,), "target only": (1,), "both": (0, 1)}


def floats(low, high, shape=SHAPE):
    return hnp.arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False, allow_subnormal=False))


def class_weights():
    return st.none() | floats(0.5, 2.0, (SHAPE[1],))


# name: (loss, input values, target values, options drawn, reductions, kinks to stay off in input - target)
CASES = {
    "kl_div": ("kl_div", floats(-3.0, -0.05), floats(0.05, 1.0), st.just({}), ("batchmean", "sum", "none", "mean"),
               None),
    "kl_div log_target": ("kl_div", floats(-3.0, -0.05), floats(-3.0, 0.5), st.just({"log_target": True}),
                          ("batchmean", "sum", "none", "mean"), None),
    "cross_entropy probabilities": (
        "cross_entropy", floats(-3.0, 3.0), floats(0.05, 0.95),
        st.fixed_dictionaries({"weight": class_weights(), "label_smoothing": st.sampled_from([0.0, 0.2])}),
        ("mean", "sum", "none"), None),
    "binary_cross_entropy": ("binary_cross_entropy", floats(0.05, 0.95), floats(0.05, 0.95),
                             st.fixed_dictionaries({"weight": class_weights()}), ("mean", "sum", "none"), None),
    "binary_cross_entropy_with_logits": (
        "binary_cross_entropy_with_logits", floats(-3.0, 3.0), floats(0.05, 0.95),
        st.fixed_dictionaries({"weight": class_weights(), "pos_weight": class_weights()}),
        ("mean", "sum", "none"), None),
    "mse_loss": ("mse_loss", floats(-2.0, 2.0), floats(-2.0, 2.0), st.just({}), ("mean", "sum", "none"), None),
    "l1_loss": ("l1_loss", floats(-2.0, 2.0), floats(-2.0, 2.0), st.just({}), ("mean", "sum", "none"), (0.0,)),
    "smooth_l1_loss": ("smooth_l1_loss", floats(-2.0, 2.0), floats(-2.0, 2.0), st.just({"beta": 0.5}),
                       ("mean", "sum", "none"), (-0.5, 0.5)),
    "huber_loss": ("huber_loss", floats(-2.0, 2.0), floats(-2.0, 2.0), st.just({}), ("mean", "sum", "none"),
                   (-1.0, 1.0)),
}


def loss_fn(lib, case, options, reduction, convert=lambda a: a):
    """``(input, target) -> loss`` of ``lib`` (tinygrad_nn.functional or torch.nn.functional)."""
    name = CASES[case][0]
    options = {key: convert(value) if isinstance(value, np.ndarray) else value
               for key, value in options.items() if value is not None}

    def fn(input, target):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # kl_div's reduction="mean" warns, as in PyTorch
            return getattr(lib, name)(input, target, reduction=reduction, **options)
    return fn


@st.composite
def examples(draw, case):
    """``(input, target, options, reduction)`` of ``case``, away from the kinks of the regression losses."""
    _, inputs, targets, options, reductions, kinks = CASES[case]
    input, target = draw(inputs), draw(targets)
    if kinks:
        difference = input - target
        target = np.where(np.min([np.abs(difference - k) for k in kinks], axis=0) < 0.05, target + 0.2, target)
    return input, target, draw(options), draw(st.sampled_from(reductions))


# ------------------------------------------------------------ against central differences
@pytest.mark.parametrize("wrt", list(WRTS.values()), ids=list(WRTS))
@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_gradient_and_second_derivative_against_central_differences(case, wrt, data):
    input, target, options, reduction = data.draw(examples(case))
    fn = loss_fn(F, case, options, reduction)
    # gradcheck makes the inputs in wrt Tensors that require grad and passes the others as arrays
    assert tg.gradcheck(fn, (input, target), wrt=wrt)
    assert tg.gradgradcheck(fn, (input, target), wrt=wrt)


@pytest.mark.parametrize("case", list(CASES))
def test_every_reduction_gives_the_target_its_gradient(case):
    rng = np.random.default_rng(0)
    _, _, _, _, reductions, _ = CASES[case]
    input, target, options = {
        "kl_div": (np.log(rng.dirichlet(np.ones(3), 2)), rng.dirichlet(np.ones(3), 2), {}),
        "kl_div log_target": (np.log(rng.dirichlet(np.ones(3), 2)), np.log(rng.dirichlet(np.ones(3), 2)),
                              {"log_target": True}),
        "cross_entropy probabilities": (rng.standard_normal(SHAPE), rng.dirichlet(np.ones(3), 2),
                                        {"weight": np.array([0.5, 2.0, 1.0]), "label_smoothing": 0.1}),
        "binary_cross_entropy": (rng.uniform(0.1, 0.9, SHAPE), rng.uniform(0.1, 0.9, SHAPE),
                                 {"weight": np.array([0.5, 2.0, 1.0])}),
        "binary_cross_entropy_with_logits": (rng.standard_normal(SHAPE), rng.uniform(0.1, 0.9, SHAPE),
                                             {"weight": np.array([0.5, 2.0, 1.0]),
                                              "pos_weight": np.array([3.0, 0.5, 1.0])}),
    }.get(case, (rng.uniform(-2, 2, SHAPE), rng.uniform(-2, 2, SHAPE) + 0.01, {"beta": 0.5} if "smooth" in case
                 else {}))
    for reduction in reductions:
        fn = loss_fn(F, case, options, reduction)
        t = tg.Tensor(target, requires_grad=True)
        out = fn(tg.Tensor(input), t)
        out.sum().backward()
        assert t.grad is not None and np.abs(t.grad).max() > 0, (case, reduction)
        for wrt in WRTS.values():
            assert tg.gradcheck(fn, (input, target), wrt=wrt)


# ------------------------------------------------------------ against torch
def torch_gradients(torch, case, options, reduction, input, target, wrt, upstream, directions):
    """torch's first derivatives and the derivatives of sum(first * directions), float64."""
    tensors = [torch.tensor(a, requires_grad=i in wrt) for i, a in enumerate((input, target))]
    out = loss_fn(torch.nn.functional, case, options, reduction, torch.tensor)(*tensors)
    xs = [tensors[i] for i in wrt]
    first = torch.autograd.grad(out, xs, torch.tensor(upstream), create_graph=True)
    dot = sum((g * torch.tensor(d)).sum() for g, d in zip(first, directions))
    if not dot.requires_grad:  # the gradient does not depend on the inputs: 0
        return [g.detach().numpy() for g in first], [np.zeros_like(d) for d in directions]
    second = torch.autograd.grad(dot, xs, allow_unused=True)
    return ([g.detach().numpy() for g in first],
            [np.zeros_like(d) if g is None else g.numpy(force=True) for g, d in zip(second, directions)])


def our_gradients(case, options, reduction, input, target, wrt, upstream, directions):
    tensors = [tg.Tensor(a.copy(), requires_grad=i in wrt) for i, a in enumerate((input, target))]
    out = loss_fn(F, case, options, reduction)(*tensors)
    xs = [tensors[i] for i in wrt]
    first = autograd.grad(out, xs, tg.Tensor(upstream), create_graph=True)
    dot = sum(((g * tg.Tensor(d)).sum() for g, d in zip(first, directions)), tg.Tensor(0.0))
    if not dot.requires_grad:  # the gradient does not depend on the inputs (kl_div's in its input): 0
        return [np.array(g.data) for g in first], [np.zeros_like(d) for d in directions]
    second = autograd.grad(dot, xs, allow_unused=True)
    return ([np.array(g.data) for g in first],
            [np.zeros_like(d) if g is None else np.array(g.data) for g, d in zip(second, directions)])


@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_first_and_second_derivatives_agree_with_torch(case, data):
    torch = pytest.importorskip("torch")
    input, target, options, reduction = data.draw(examples(case))
    wrt = data.draw(st.sampled_from(list(WRTS.values())))
    out_shape = () if reduction != "none" else (SHAPE[0],) if case.startswith("cross_entropy") else SHAPE
    upstream = data.draw(floats(-2.0, 2.0, out_shape))
    directions = [data.draw(floats(-1.0, 1.0)) for _ in wrt]
    ours = our_gradients(case, options, reduction, input, target, wrt, upstream, directions)
    theirs = torch_gradients(torch, case, options, reduction, input, target, wrt, upstream, directions)
    for mine, torch_value in zip(ours[0] + ours[1], theirs[0] + theirs[1]):
        np.testing.assert_allclose(mine, torch_value, rtol=1e-7, atol=1e-10)  # second derivatives: other formulas


def test_the_example_of_the_report_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    s_values, t_values = rng.standard_normal(SHAPE), rng.standard_normal(SHAPE)
    s, t = tg.Tensor(s_values, requires_grad=True), tg.Tensor(t_values, requires_grad=True)
    F.kl_div(s.log_softmax(1), t.softmax(1), reduction="batchmean").backward()
    ts, tt = (torch.tensor(v, requires_grad=True) for v in (s_values, t_values))
    torch.nn.functional.kl_div(ts.log_softmax(1), tt.softmax(1), reduction="batchmean").backward()
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(s.grad, ts.grad.numpy(), rtol=1e-10, atol=1e-14)


# ------------------------------------------------------------ hinge_loss: -1/+1 targets
@settings(max_examples=20, deadline=None)
@given(scores=floats(-2.0, 2.0).filter(lambda s: np.all(np.abs(np.abs(s) - 1) > 0.05)),
       signs=hnp.arrays(np.float64, SHAPE, elements=st.sampled_from([-1.0, 1.0])),
       reduction=st.sampled_from(["mean", "sum", "none"]))
def test_hinge_targets_get_minus_the_score_where_the_margin_is_violated(scores, signs, reduction):
    # its targets are -1 or +1 (checked), so central differences in them would leave the allowed values
    s, y = tg.Tensor(scores, requires_grad=True), tg.Tensor(signs, requires_grad=True)
    (grad_s, grad_y) = autograd.grad(F.hinge_loss(s, y, reduction=reduction).sum(), [s, y], create_graph=True)
    violated = (signs * scores < 1).astype(float)
    scale = 1 / scores.size if reduction == "mean" else 1.0
    np.testing.assert_allclose(grad_y.data, -scores * violated * scale, rtol=1e-12)
    np.testing.assert_allclose(grad_s.data, -signs * violated * scale, rtol=1e-12)
    mixed_s, mixed_y = autograd.grad(grad_y.sum(), [s, y], allow_unused=True)   # d2/dy ds = -violated, d2/dy2 = 0
    np.testing.assert_allclose(mixed_s.data, -violated * scale, rtol=1e-12)
    assert mixed_y is None or not np.any(mixed_y.data)
    torch = pytest.importorskip("torch")
    ts, ty = torch.tensor(scores, requires_grad=True), torch.tensor(signs, requires_grad=True)
    torch.nn.functional.margin_ranking_loss(ts, torch.zeros_like(ts), ty, margin=1.0,
                                            reduction=reduction).sum().backward()  # the same loss
    np.testing.assert_allclose(grad_y.data, ty.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(grad_s.data, ts.grad.numpy(), rtol=1e-12)


# ------------------------------------------------------------ edges, checks and the common case
def test_binary_cross_entropy_target_gradient_is_that_of_the_clamped_loss_at_0_and_1():
    x, t = tg.Tensor([0.0, 1.0, 0.5], requires_grad=True), tg.Tensor([0.3, 0.3, 0.3], requires_grad=True)
    (grad_t,) = autograd.grad(F.binary_cross_entropy(x, t, np.array([2.0, 2.0, 2.0]), reduction="sum"), [t],
                              create_graph=True)
    np.testing.assert_allclose(grad_t.data, [200.0, -200.0, 0.0], atol=1e-12)  # PyTorch: inf, -inf, 0
    (curvature,) = autograd.grad(grad_t.sum(), [x])
    assert np.isfinite(curvature.data).all()
    assert curvature.data[2] == pytest.approx(-2.0 / 0.25)  # -w / (x (1 - x))


def test_kl_div_target_gradient_where_the_target_is_zero_is_minus_the_input():
    log_p = np.log(np.array([[0.2, 0.3, 0.5]]))
    t = tg.Tensor([[0.0, 0.5, 0.5]], requires_grad=True)
    F.kl_div(tg.Tensor(log_p), t, reduction="sum").backward()
    np.testing.assert_allclose(t.grad, [[-log_p[0, 0], np.log(0.5) + 1 - log_p[0, 1], np.log(0.5) + 1 - log_p[0, 2]]])


@pytest.mark.parametrize("call, error", [
    (lambda t: F.binary_cross_entropy(tg.Tensor([0.5, 0.5]), t), "must lie in \\[0, 1\\]"),
    (lambda t: F.binary_cross_entropy_with_logits(tg.Tensor([0.5, 0.5]), t), "must lie in \\[0, 1\\]"),
    (lambda t: F.cross_entropy(tg.Tensor([[0.5, 0.5]]), t.reshape(1, 2)), "must lie in \\[0, 1\\]"),
    (lambda t: F.kl_div(tg.Tensor([-0.5, -0.5]), t), "must hold probabilities"),
    (lambda t: F.hinge_loss(tg.Tensor([0.5, 0.5]), t), "must be -1 or 1"),
])
def test_targets_that_require_grad_are_checked_like_any_target(call, error):
    with pytest.raises(ValueError, match=error):
        call(tg.Tensor([1.5, -0.5], requires_grad=True))


def test_a_target_without_gradient_takes_the_plain_path(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the target's gradient was computed though the target needs none")
    monkeypatch.setattr(fused_losses, "_clamped_log", refuse)
    x = tg.Tensor([0.2, 0.7], requires_grad=True)
    F.binary_cross_entropy(x, tg.Tensor([0.0, 1.0])).backward()
    np.testing.assert_allclose(x.grad, [0.5 * 0.2 / (0.2 * 0.8), 0.5 * -0.3 / (0.7 * 0.3)])


def test_loss_modules_pass_the_target_gradient_through():
    rng = np.random.default_rng(1)
    logits, probs = rng.standard_normal(SHAPE), rng.dirichlet(np.ones(3), 2)
    for module, scores in [(nn.KLDivLoss(reduction="batchmean"), np.log(probs)), (nn.CrossEntropyLoss(), logits),
                           (nn.BCELoss(), probs), (nn.BCEWithLogitsLoss(pos_weight=np.array([2.0, 1.0, 0.5])), logits)]:
        t = tg.Tensor(probs, requires_grad=True)
        module(tg.Tensor(scores), t).backward()
        assert t.grad is not None and np.abs(t.grad).max() > 0, module


def test_integer_labels_keep_the_fused_path():
    logits = tg.Tensor(np.random.default_rng(2).standard_normal(SHAPE), requires_grad=True)
    assert "SoftmaxCrossEntropy" in repr(F.cross_entropy(logits, np.array([0, 2])).grad_fn)


@pytest.mark.parametrize("loss", [
    lambda x, w: F.cross_entropy(x, [0, 1, 2, 0], weight=w),
    lambda x, w: F.nll_loss(x.log_softmax(axis=1), [0, 1, 2, 0], weight=w),
    lambda x, w: F.binary_cross_entropy(x.sigmoid(), np.ones((4, 3)), weight=w),
    lambda x, w: F.binary_cross_entropy_with_logits(x, np.ones((4, 3)), weight=w),
    lambda x, w: F.binary_cross_entropy_with_logits(x, np.ones((4, 3)), pos_weight=w),
])
def test_a_class_weight_that_requires_grad_is_refused_not_left_without_a_gradient(loss):
    x = tg.Tensor(np.linspace(-1.0, 1.0, 12).reshape(4, 3), requires_grad=True)
    w = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="weight requires grad, but the loss computes no gradient"):
        loss(x, w)
    assert np.isfinite(loss(x, w.detach()).item())

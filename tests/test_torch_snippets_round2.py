"""PyTorch snippets with ``torch`` renamed to ``tinygrad_nn``, and the way over to PyTorch and back.

The first half needs no torch: the PyTorch spellings a ported program uses
(``module.float()``, ``p.add_(g, alpha=-lr)``, ``F.dropout``, ``F.one_hot``,
``except RuntimeError`` around ``load_state_dict``) do what PyTorch's do. The
second half compares with torch itself where it imports (it is never a
dependency): training loops, ops and their gradients, and ``interop`` in both
directions (tied weights, dtypes, state dicts, loss modules with weights).
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_nn as tg
from tinygrad_nn import functional as F, interop, nn, optim

FINITE = st.floats(-10, 10, allow_nan=False, width=64)


# ---------------------------------------------------------------- module conversions
def test_module_float_double_and_to_convert_every_parameter_in_place_with_its_gradient():
    net = nn.MLP([2, 3, 1])
    params = net.parameters()
    net(tg.ones(4, 2)).sum().backward()
    assert net.float() is net
    assert [p.dtype for p in net.parameters()] == [np.float32] * 4
    assert all(p is q for p, q in zip(params, net.parameters()))  # an optimizer made before still holds them
    assert all(p.grad.dtype == np.float32 for p in params)
    assert net(tg.ones(4, 2, dtype=tg.float32)).dtype == np.float32
    net.to("cpu", tg.float64)
    assert [p.dtype for p in net.parameters()] == [np.float64] * 4
    assert net.to(tg.ones(1, dtype=tg.float32)).layers[0].weight.dtype == np.float32  # a tensor lends its dtype
    assert net.double().layers[2].bias.dtype == np.float64 and net.cpu() is net


def test_module_conversions_refuse_integer_dtypes_and_other_devices_naming_the_module():
    with pytest.raises(TypeError, match=r"MLP.to: parameters need a floating dtype .* got <class 'numpy.int64'>"):
        nn.MLP([2, 1]).to(np.int64)
    with pytest.raises(ValueError, match="Linear.to: .* device 'cuda' is not available"):
        nn.Linear(2, 1).to("cuda")
    with pytest.raises(TypeError, match="requires_grad must be True or False"):
        nn.Linear(2, 1).requires_grad_("no")


def test_requires_grad_false_freezes_every_parameter_and_the_optimizer_skips_them():
    net = nn.MLP([2, 3, 1])
    before = [p.data.copy() for p in net.parameters()]
    assert net.requires_grad_(False) is net and not any(p.requires_grad for p in net.parameters())
    assert len(net.parameters()) == 4  # still parameters: listed and saved
    net.layers[2].requires_grad_()
    optimizer = optim.SGD(net.parameters(), lr=0.1)
    net(tg.ones(4, 2)).sum().backward()
    optimizer.step()
    assert all(np.array_equal(p.data, b) for p, b in zip(net.parameters()[:2], before[:2]))
    assert not np.array_equal(net.layers[2].bias.data, before[3])


# ---------------------------------------------------------------- in-place methods
@settings(max_examples=30)
@given(hnp.arrays(np.float64, 3, elements=FINITE), hnp.arrays(np.float64, 3, elements=FINITE),
       st.floats(-3, 3))
def test_add_sub_mul_div_in_place_compute_the_operators_on_the_same_tensor(a, b, alpha):
    x = tg.Tensor(a.copy())
    version = x.version
    assert x.add_(b, alpha=alpha) is x and x.version == version + 1
    np.testing.assert_allclose(x.data, a + alpha * b, rtol=1e-12, atol=1e-12)
    x.sub_(tg.Tensor(b), alpha=alpha).mul_(b)
    np.testing.assert_allclose(x.data, a * b, rtol=1e-9, atol=1e-9)
    x.div_(np.abs(b) + 1.0)
    np.testing.assert_allclose(x.data, a * b / (np.abs(b) + 1.0), rtol=1e-9, atol=1e-9)


def test_hand_written_sgd_with_add_is_the_sgd_optimizer():
    tg.manual_seed(0)
    by_hand, reference = nn.Linear(3, 2), nn.Linear(3, 2)
    reference.load_state_dict(by_hand.state_dict())
    optimizer = optim.SGD(reference.parameters(), lr=0.1)
    x = tg.randn(5, 3)
    for _ in range(3):
        by_hand.zero_grad()
        (by_hand(x) ** 2).mean().backward()
        with tg.no_grad():
            for p in by_hand.parameters():
                p.add_(p.grad, alpha=-0.1)
        optimizer.zero_grad()
        (reference(x) ** 2).mean().backward()
        optimizer.step()
    for p, q in zip(by_hand.parameters(), reference.parameters()):
        np.testing.assert_allclose(p.data, q.data, rtol=1e-14)


def test_in_place_methods_are_refused_where_the_change_would_escape_the_graph():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="add_: this leaf tensor requires grad"):
        w.add_(1.0)
    y = w * 2
    with pytest.raises(RuntimeError, match=r"mul_: this tensor was made by a recorded op.*`y = y \* x`"):
        y.mul_(2.0)  # += would rebind y to a recorded product; a method cannot, so it refuses
    with pytest.raises(RuntimeError, match="sub_: the operand requires grad"):
        tg.zeros(2).sub_(w)
    with pytest.raises(tg.ShapeError, match=r"div_: cannot combine a tensor of shape \(2,\) with \(3,\)"):
        tg.ones(2).div_(np.ones(3))
    assert w.tolist() == [1.0, 2.0]


def test_int_bool_clamp_min_and_clamp_max():
    x = tg.Tensor([1.5, -2.0, 0.0], requires_grad=True)
    assert x.int().dtype == np.int32 and x.int().tolist() == [1, -2, 0]
    assert x.bool().tolist() == [True, True, False]
    bins = (x * 2).long()  # indices from a tensor in the graph, as argmax gives them: no gradient
    assert bins.tolist() == [3, -4, 0] and not bins.requires_grad
    x.clamp_min(0.0).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]  # the bound counts as inside, as clamp's does
    assert x.clamp_max(0.0).tolist() == [0.0, -2.0, 0.0]


# ---------------------------------------------------------------- functional dropout and one_hot
def test_functional_dropout_is_the_dropout_module():
    x = tg.Tensor(np.arange(1.0, 41.0), requires_grad=True)
    assert F.dropout(x, 0.3, training=False) is x and F.dropout(x, 0.0) is x
    tg.manual_seed(5)
    out = F.dropout(x, p=0.25)
    tg.manual_seed(5)
    np.testing.assert_array_equal(out.data, nn.Dropout(0.25)(x).data)
    kept = out.data != 0
    assert 0 < kept.sum() < 40
    np.testing.assert_allclose(out.data[kept], x.data[kept] / 0.75)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, kept / 0.75)
    assert F.dropout(x, 1.0).tolist() == [0.0] * 40
    with pytest.raises(ValueError, match=r"dropout: p must be a probability in \[0, 1\], got 1.5"):
        F.dropout(x, 1.5)


@given(hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=4), elements=st.integers(0, 4)))
def test_one_hot_is_a_row_of_the_identity_per_label(labels):
    encoded = F.one_hot(labels, 5)
    assert encoded.dtype == np.int64 and not encoded.requires_grad
    np.testing.assert_array_equal(encoded.data, np.eye(5, dtype=np.int64)[labels])
    assert F.one_hot(labels).shape == (*labels.shape, labels.max() + 1)


def test_one_hot_refuses_float_labels_and_labels_out_of_range():
    with pytest.raises(TypeError, match="one_hot: labels must be integer class indices, got dtype float64"):
        F.one_hot(tg.tensor([0, 1]))  # tg.tensor makes float64 of a list of ints
    with pytest.raises(ValueError, match=r"one_hot: labels must lie in \[0, 3\) for 3 classes, got \[3\]"):
        F.one_hot(np.array([0, 3]), num_classes=3)


# ---------------------------------------------------------------- errors a ported program catches
def test_a_state_dict_that_does_not_fit_is_a_runtime_error_as_in_pytorch():
    with pytest.raises(RuntimeError, match="missing keys: bias"):
        nn.Linear(2, 2).load_state_dict({"weight": np.zeros((2, 2))})


def test_a_python_int_keeps_an_integer_tensors_dtype():
    counts = tg.arange(4)
    assert (counts + 1).dtype == np.int64 and (2 * counts).dtype == np.int64 and (counts ** 2).dtype == np.int64
    assert (counts * 1.5).dtype == np.float64  # a float scalar gives float, as in numpy and PyTorch


# ================================================================ against PyTorch
@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def assert_close(ours, theirs, tol=1e-10):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    ours = ours.data if isinstance(ours, tg.Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)


X = np.random.default_rng(0).standard_normal((6, 4))
LABELS = np.array([0, 2, 1, 2, 0, 1])

# a training setup: (our optimizer, torch's, our loss, torch's, targets); `lib` is tinygrad_nn or torch
SETUPS = {
    "SGD, CrossEntropyLoss": lambda lib, w: (
        lib.optim.SGD, dict(lr=0.1), lib.nn.CrossEntropyLoss(), LABELS),
    "SGD nesterov + weight decay, label smoothing": lambda lib, w: (
        lib.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        lib.nn.CrossEntropyLoss(label_smoothing=0.1), LABELS),
    "Adam, class weights + ignore_index + smoothing": lambda lib, w: (
        lib.optim.Adam, dict(lr=0.01), lib.nn.CrossEntropyLoss(weight=w(np.array([1.0, 2.0, 0.5])), ignore_index=1,
                                                               label_smoothing=0.2), LABELS),
    "Adam amsgrad, reduction sum": lambda lib, w: (
        lib.optim.Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.1), lib.nn.CrossEntropyLoss(reduction="sum"),
        LABELS),
    "SGD, BCEWithLogitsLoss pos_weight": lambda lib, w: (
        lib.optim.SGD, dict(lr=0.3), lib.nn.BCEWithLogitsLoss(pos_weight=w(np.array([2.0, 1.0, 0.5]))),
        np.eye(3)[LABELS]),
    "Adam, MSELoss": lambda lib, w: (lib.optim.Adam, dict(lr=0.01), lib.nn.MSELoss(), np.eye(3)[LABELS] * 2 - 1),
}


@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_a_pytorch_training_loop_runs_renamed_and_gives_pytorchs_numbers(torch, setup):
    tg.manual_seed(0)
    ours = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(0.2), nn.Linear(8, 3)).eval()
    theirs = interop.to_torch(ours)
    runs = []
    for lib, model, w, tensor in ((tg, ours, tg.tensor, tg.tensor), (torch, theirs, torch.tensor, torch.tensor)):
        make_optimizer, options, loss_fn, targets = SETUPS[setup](lib, w)
        optimizer = make_optimizer([{"params": model[0].parameters()},  # param groups, the second its own lr
                                    {"params": model[3].parameters(), "lr": 0.05}], **options)
        inputs = tensor(X)
        targets = tensor(targets).long() if targets.dtype.kind == "i" else tensor(targets)
        losses = []
        for _ in range(4):
            optimizer.zero_grad()
            loss = loss_fn(model(inputs.view(6, -1)), targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        runs.append(losses)
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-10)
    for (name, p), (other, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == other
        assert_close(p, q)


SNIPPETS = {  # each: the same code for both libraries (`x` a float64 tensor of X, `L` the library)
    "sum dim keepdim": lambda x, L: x.sum(dim=1, keepdim=True),
    "mean dims": lambda x, L: x.view(2, 3, 4).mean(dim=(0, 2)),
    "std correction": lambda x, L: x.std(dim=0, correction=0),
    "var unbiased": lambda x, L: x.var(1, unbiased=False, keepdim=True),
    "max dim values": lambda x, L: L.max(x, dim=1, keepdim=True).values,
    "max dim indices": lambda x, L: L.max(x, 1).indices,
    "argmax": lambda x, L: x.argmax(dim=1),
    "softmax": lambda x, L: L.softmax(x, dim=0),
    "log_softmax": lambda x, L: x.log_softmax(dim=1),
    "logsumexp": lambda x, L: x.logsumexp(dim=1),
    "norm p=1": lambda x, L: x.norm(p=1, dim=1),
    "where": lambda x, L: L.where(x > 0, x, 0.0),
    "cat": lambda x, L: L.cat([x, x * 2], dim=-1),
    "stack": lambda x, L: L.stack((x, x.exp()), dim=1),
    "clamp": lambda x, L: x.clamp(min=-0.5).clamp(max=0.5),
    "clamp_min": lambda x, L: x.clamp_min(0.1),
    "view permute": lambda x, L: x.view(2, 3, 4).permute(2, 0, 1),
    "unsqueeze squeeze": lambda x, L: x.unsqueeze(0).unsqueeze(-1).squeeze(0),
    "flatten": lambda x, L: x.view(2, 3, 4).flatten(start_dim=1),
    "swapaxes": lambda x, L: x.view(2, 3, 4).swapaxes(1, 2),
    "index": lambda x, L: x[[0, 0, 2], 1:],
    "mask": lambda x, L: x[x > 0],
    "expand repeat": lambda x, L: x[:1].expand(3, -1).repeat(1, 2),
    "gather": lambda x, L: x.gather(1, L.tensor(np.array([[0, 0]] * 6)).long()),
    "topk": lambda x, L: x.topk(2, dim=1).values,
    "one_hot": lambda x, L: L.nn.functional.one_hot(x.argmax(dim=1), 4),
    "add alpha": lambda x, L: x.add(x * x, alpha=0.5),
    "F.linear": lambda x, L: L.nn.functional.linear(x, x[:2] * 1.0, x[0, :2] * 1.0),
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_pytorch_snippets_give_pytorchs_values_and_gradients(torch, name):
    snippet = SNIPPETS[name]
    x, t = tg.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    ours, theirs = snippet(x, tg), snippet(t, torch)
    assert_close(ours, theirs)
    assert ours.dtype == theirs.detach().numpy().dtype
    if theirs.requires_grad:
        upstream = np.random.default_rng(1).standard_normal(theirs.shape)
        ours.backward(upstream)
        theirs.backward(torch.tensor(upstream))
        assert_close(x.grad, t.grad)


# ---------------------------------------------------------------- interop
def test_weights_tied_across_two_modules_stay_tied_both_ways_and_train_the_same(torch):
    first, second = nn.Linear(3, 3), nn.Linear(3, 3)
    second.weight = first.weight  # weight tying: one parameter in two layers
    ours = nn.Sequential(first, nn.Tanh(), second)
    theirs = interop.to_torch(ours)
    assert theirs[0].weight is theirs[2].weight and len(list(theirs.parameters())) == len(ours.parameters()) == 3
    back = interop.from_torch(theirs)
    assert back[0].weight is back[2].weight and back[0].bias is not back[2].bias
    x = np.random.default_rng(2).standard_normal((4, 3))
    for model, tensor, sgd in ((ours, tg.tensor, optim.SGD), (theirs, torch.tensor, torch.optim.SGD)):
        optimizer = sgd(model.parameters(), lr=0.1)
        for _ in range(3):
            optimizer.zero_grad()
            (model(tensor(x)) ** 2).sum().backward()
            optimizer.step()
    assert_close(ours[2].weight, theirs[2].weight)
    assert_close(ours[0].bias, theirs[0].bias)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "bool"])
def test_tensors_keep_their_dtype_both_ways(torch, dtype):
    values = np.array([[0, 1, 2], [3, 4, 5]]).astype(dtype)
    theirs = interop.to_torch(tg.Tensor(values, dtype=values.dtype))
    assert theirs.dtype == getattr(torch, dtype)
    back = interop.from_torch(theirs.T)  # a non-contiguous view
    assert back.dtype == values.dtype and back.tolist() == values.T.tolist()


def test_labels_from_torch_stay_labels(torch):
    labels = interop.from_torch(torch.tensor([0, 2, 1]))
    assert labels.dtype == np.int64
    assert F.cross_entropy(tg.zeros(3, 3), labels).item() == pytest.approx(np.log(3))


def test_tensors_are_copies_that_keep_requires_grad(torch):
    ours = tg.Tensor([1.0, 2.0], requires_grad=True)
    theirs = interop.to_torch(ours)
    assert theirs.requires_grad and theirs.is_leaf
    with torch.no_grad():
        theirs[0] = 5.0
    back = interop.from_torch(theirs)
    back.data[1] = 7.0
    assert ours.tolist() == [1.0, 2.0] and theirs.tolist() == [5.0, 2.0] and back.requires_grad


def test_values_neither_library_can_hold_are_refused_by_name(torch):
    with pytest.raises(TypeError, match="from_torch: numpy has no torch.bfloat16"):
        interop.from_torch(torch.zeros(2, dtype=torch.bfloat16))
    with pytest.raises(TypeError, match="from_torch: tinygrad_nn has no complex numbers"):
        interop.from_torch(torch.zeros(2, dtype=torch.complex64))


def test_state_dicts_convert_both_ways_for_the_other_librarys_load_state_dict(torch):
    ours = nn.MLP([3, 4, 2]).float()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    converted = interop.to_torch({name[len("layers."):]: value for name, value in ours.state_dict().items()})
    assert all(isinstance(v, torch.Tensor) and v.dtype == torch.float32 for v in converted.values())
    theirs.load_state_dict(converted)
    x = np.random.default_rng(3).standard_normal((2, 3)).astype(np.float32)
    assert_close(ours(tg.Tensor(x)), theirs(torch.tensor(x)), tol=1e-6)
    with torch.no_grad():
        theirs[0].bias += 1.0
    back = interop.from_torch(theirs.state_dict())
    assert all(type(v) is np.ndarray and v.dtype == np.float32 for v in back.values())
    ours.load_state_dict({"layers." + name: value for name, value in back.items()})
    assert_close(ours(tg.Tensor(x)), theirs(torch.tensor(x)), tol=1e-6)
    with pytest.raises(TypeError, match=r"state dict entry 'state' is a dict, not a tensor.*an optimizer's is laid"):
        interop.from_torch(torch.optim.SGD(theirs.parameters(), lr=0.1).state_dict())


LOSSES = {
    "CrossEntropyLoss": dict(weight=np.array([1.0, 2.0, 0.5, 1.0]), ignore_index=2, label_smoothing=0.1,
                             reduction="sum"),
    "NLLLoss": dict(weight=[1.0, 2.0, 0.5, 1.0], reduction="none"),
    "BCEWithLogitsLoss": dict(weight=np.arange(1.0, 5.0), pos_weight=np.full(4, 3.0)),
    "BCELoss": dict(weight=np.arange(1.0, 5.0)),
    "MSELoss": dict(reduction="sum"), "L1Loss": dict(), "SmoothL1Loss": dict(beta=0.5),
    "HuberLoss": dict(delta=0.3), "KLDivLoss": dict(reduction="batchmean", log_target=True),
}


def loss_inputs(name):
    rng = np.random.default_rng(4)
    scores = rng.standard_normal((5, 4))
    if name in ("CrossEntropyLoss", "NLLLoss"):
        return scores, np.array([0, 3, 2, 1, 1])
    if name == "BCELoss":
        return rng.uniform(0.1, 0.9, (5, 4)), rng.uniform(0, 1, (5, 4))
    if name == "KLDivLoss":
        return np.log(rng.dirichlet(np.ones(4), 5)), np.log(rng.dirichlet(np.ones(4), 5))
    return scores, rng.uniform(0, 1, (5, 4))


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_modules_with_their_options_and_class_weights_convert_both_ways(torch, name):
    ours = getattr(nn, name)(**LOSSES[name])
    theirs = interop.to_torch(ours)
    assert type(theirs) is getattr(torch.nn, name)
    back = interop.from_torch(theirs)
    assert type(back) is type(ours) and repr(back) == repr(getattr(nn, name)(**{
        key: np.asarray(value, dtype=np.float64) if key in ("weight", "pos_weight") else value
        for key, value in LOSSES[name].items()}))
    scores, target = loss_inputs(name)
    for loss in (ours, back):
        x, t = tg.Tensor(scores, requires_grad=True), torch.tensor(scores, requires_grad=True)
        value, expected = loss(x, target), theirs(t, torch.tensor(target))
        assert_close(value, expected)
        value.sum().backward()
        expected.sum().backward()
        assert_close(x.grad, t.grad)

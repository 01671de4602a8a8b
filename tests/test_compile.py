"""``tg.compile``: a compiled function computes what the eager one computes, bit for bit, and behaves like it
in the graph (backward, accumulation, no_grad, retain_graph, an eager graph around it)."""

import re
import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import functional as F, nn
from tinygrad_nn.compiler import CompileWarning


def leaves(arrays, requires_grad=True):
    return [tg.Tensor(a.copy(), requires_grad=requires_grad) for a in arrays]


def spiral_arrays(seed=0):
    X, y = tg.data.spiral(seed=seed)
    rng = np.random.default_rng(seed + 1)
    return X, y, [0.01 * rng.standard_normal((2, 100)), np.zeros(100), 0.01 * rng.standard_normal((100, 3)),
                  np.zeros(3)]


def spiral_loss(X, y, W1, b1, W2, b2):
    """The CS231n 2-layer net's loss, written with Tensor ops (log_softmax, indexing, mean, L2)."""
    hidden = (X @ W1 + b1).relu()
    scores = hidden @ W2 + b2
    data_loss = -scores.log_softmax(axis=1)[np.arange(len(y)), y].mean()
    loss = data_loss + 0.5 * 1e-3 * ((W1 * W1).sum() + (W2 * W2).sum())
    return loss


def assert_same(actual, expected):
    """Bitwise equal: same dtype, shape and bytes."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    assert actual.tobytes() == expected.tobytes(), np.max(np.abs(actual - expected))


# ---------------------------------------------------------------- same values
def test_spiral_step_matches_eager_bitwise_on_two_calls_with_new_data():
    step = tg.compile(spiral_loss)
    for seed in (0, 5):
        X, y, initial = spiral_arrays(seed)
        compiled_params, eager_params = leaves(initial), leaves(initial)
        loss = step(tg.Tensor(X), y, *compiled_params)
        expected = spiral_loss(tg.Tensor(X), y, *eager_params)
        assert_same(loss.data, expected.data)
        loss.backward()
        expected.backward()
        for mine, theirs in zip(compiled_params, eager_params):
            assert_same(mine.grad, theirs.grad)
    assert step.traces == 1


def test_the_compiled_region_is_one_node_and_backward_fills_every_leaf():
    X, y, initial = spiral_arrays()
    params = leaves(initial)
    loss = tg.compile(spiral_loss)(tg.Tensor(X), y, *params)
    assert loss.grad_fn.name == "compile(spiral_loss)"
    assert all(isinstance(source, tg.Tensor) for source in loss.grad_fn.sources)  # no graph inside
    loss.backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in params)


def test_gradients_accumulate_across_calls_as_in_eager_mode():
    X, y, initial = spiral_arrays()
    compiled_params, eager_params = leaves(initial), leaves(initial)
    step = tg.compile(spiral_loss)
    for _ in range(3):
        step(tg.Tensor(X), y, *compiled_params).backward()
        spiral_loss(tg.Tensor(X), y, *eager_params).backward()
    for mine, theirs in zip(compiled_params, eager_params):
        # b1, b2 are used once in the graph: the same additions in the same order
        # W1, W2 twice (matmul and L2): eager adds each use into .grad, the compiled node their sum
        np.testing.assert_allclose(mine.grad, theirs.grad, rtol=1e-12, atol=1e-300)
    assert_same(compiled_params[1].grad, eager_params[1].grad)


def test_no_grad_records_nothing_and_retain_graph_allows_a_second_backward():
    X, y, initial = spiral_arrays()
    params = leaves(initial)
    step = tg.compile(spiral_loss)
    with tg.no_grad():
        quiet = step(tg.Tensor(X), y, *params)
    assert quiet.grad_fn is None and not quiet.requires_grad
    loss = step(tg.Tensor(X), y, *params)
    assert_same(quiet.data, loss.data)
    loss.backward(retain_graph=True)
    first = [p.grad.copy() for p in params]
    loss.backward()
    for p, g in zip(params, first):
        np.testing.assert_allclose(p.grad, 2 * g, rtol=1e-15)
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_a_compiled_module_inside_an_eager_graph():
    tg.manual_seed(0)
    net = nn.MLP([3, 8, 2])
    compiled = tg.compile(net)
    x_compiled = tg.Tensor(np.random.default_rng(0).standard_normal((5, 3)), requires_grad=True)
    x_eager = tg.Tensor(x_compiled.data.copy(), requires_grad=True)
    scale = tg.Tensor([2.0, -1.0], requires_grad=True)

    def surrounding(model, x):
        return F.cross_entropy(model((x * 1.5).tanh()) * scale, np.array([0, 1, 1, 0, 1]))

    loss = surrounding(compiled, x_compiled)
    loss.backward()
    mine = [x_compiled.grad.copy(), scale.grad.copy()] + [p.grad.copy() for p in net.parameters()]
    net.zero_grad()
    scale.grad = None
    expected = surrounding(net, x_eager)
    expected.backward()
    assert_same(loss.data, expected.data)
    for a, b in zip(mine, [x_eager.grad, scale.grad] + [p.grad for p in net.parameters()]):
        assert_same(a, b)


def test_gradcheck_of_a_compiled_function_passes():
    swish = tg.compile(lambda x, w: (x * (x * w).sigmoid()).sum(axis=1))
    rng = np.random.default_rng(0)
    assert tg.gradcheck(swish, (rng.standard_normal((3, 4)), rng.standard_normal(4)))


def test_a_module_follows_in_place_parameter_updates():
    tg.manual_seed(1)
    net = nn.MLP([2, 6, 3])
    X, y = tg.data.spiral(n_per_class=10)
    step = tg.compile(lambda X, y: F.cross_entropy(net(X), y))
    optimizer = tg.optim.SGD(net.parameters(), lr=0.5)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = step(tg.Tensor(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert_same(step(tg.Tensor(X), y).data, F.cross_entropy(net(tg.Tensor(X)), y).data)


# -------------------------------------------------------------------- retracing
def test_a_new_shape_dtype_requires_grad_or_number_retraces():
    step = tg.compile(lambda x, scale: (x * scale).tanh().sum())
    x = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    step(x, 2.0)
    step(tg.Tensor(np.ones((2, 3)), requires_grad=True), 2.0)
    assert step.traces == 1
    step(tg.Tensor(np.ones((4, 3)), requires_grad=True), 2.0)
    step(tg.Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True), 2.0)
    step(tg.Tensor(np.ones((2, 3))), 2.0)
    out = step(x, 3.0)
    assert step.traces == 5
    assert_same(out.data, (x * 3.0).tanh().sum().data)


def test_train_and_eval_modes_are_traced_separately():
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    compiled = tg.compile(net)
    x = tg.Tensor(np.ones((3, 4)))
    compiled(x)
    net.eval()
    assert_same(compiled(x).data, net(x).data)  # no dropout: the Linear alone
    assert compiled.traces == 2
    net.train()
    compiled(x)
    assert compiled.traces == 2


def test_with_retracing_off_a_different_call_names_the_argument_and_what_was_traced():
    step = tg.compile(lambda features, labels: F.cross_entropy(features, labels), retrace=False)
    step(tg.Tensor(np.ones((4, 3))), np.array([0, 1, 2, 0]))
    with pytest.raises(tg.TraceError, match=r"argument 'features' is Tensor \(5, 3\) float64, but the trace "
                                            r"was made for Tensor \(4, 3\) float64"):
        step(tg.Tensor(np.ones((5, 3))), np.array([0, 1, 2, 0, 1]))
    with pytest.raises(tg.TraceError, match=r"argument 'labels' is array \(4,\) int32, but .* array \(4,\) int64"):
        step(tg.Tensor(np.ones((4, 3))), np.array([0, 1, 2, 0], dtype=np.int32))
    with pytest.raises(tg.TraceError, match=r"argument 'features' is a list of 1, which does not fit"):
        step([1.0], np.array([0, 1, 2, 0]))


def test_many_traces_warn():
    step = tg.compile(lambda x, scale: x * scale)
    with pytest.warns(CompileWarning, match="traced 8 times"):
        for scale in range(8):
            step(tg.Tensor([1.0]), float(scale))


# ---------------------------------------------------------- what cannot be traced
def branch_on_value(x):
    if x.sum() > 0:  # bool() of a tensor: Python control flow on a value
        return x * 2
    return -x


@pytest.mark.parametrize("fn, what", [
    (branch_on_value, r"bool\(\)"),
    (lambda x: x * x.sum().item(), r"item\(\)"),
])
def test_python_control_flow_on_values_is_refused_while_tracing(fn, what):
    with pytest.raises(tg.TraceError, match=what + ".*cannot follow Python control flow"):
        tg.compile(fn)(tg.Tensor([1.0, -2.0]))


def test_no_grad_inside_a_traced_function_is_refused():
    def uses_no_grad(x):
        with tg.no_grad():
            y = x * 2
        return y + x
    with pytest.raises(tg.TraceError, match=r"no_grad\(\)"):
        tg.compile(uses_no_grad)(tg.Tensor([1.0], requires_grad=True))


def test_a_function_that_returns_no_tensor_or_is_not_callable():
    with pytest.raises(TypeError, match=r"returned tuple; a compiled function must return one Tensor"):
        tg.compile(lambda x: (x, x))(tg.Tensor([1.0]))
    with pytest.raises(TypeError, match="expected a function or a tg.nn.Module, got int"):
        tg.compile(3)
    with pytest.raises(TypeError, match=r"argument 'x' is a set"):
        tg.compile(lambda x: x)({1})


def test_a_mask_computed_from_the_inputs_is_recomputed_on_every_call():
    step = tg.compile(lambda x: tg.where(x > 0, x, 0.1 * x).sum() + (x * (x < -1)).sum())
    for values in ([1.0, -2.0, 3.0], [-1.0, 2.0, -3.0]):
        x = tg.Tensor(values)
        assert_same(step(x).data, (tg.where(x > 0, x, 0.1 * x).sum() + (x * (x < -1)).sum()).data)


def test_indexing_with_a_data_dependent_boolean_mask_is_refused():
    with pytest.raises(tg.TraceError, match="boolean mask computed from the inputs"):
        tg.compile(lambda x: x[(x > 0).data].sum())(tg.Tensor([1.0, -1.0], requires_grad=True))


def test_detach_stops_the_gradient_and_is_recomputed():
    step = tg.compile(lambda x: (x * x.detach()).sum())
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    step(x).backward()
    assert_same(x.grad, np.array([1.0, 2.0]))
    x2 = tg.Tensor([3.0, 4.0], requires_grad=True)
    assert step(x2).item() == 25.0


@pytest.mark.parametrize("fn, message", [
    (lambda x, y: x * tg.Tensor(y * 2.0), r"Mul \(input 1\) uses an array \(3,\) float64 that the function "
                                          r"computes from its arguments outside the recorded ops"),
    (lambda x, y: x * tg.Tensor(x.data[0]), "computes from its arguments"),
    (lambda x, y: x + tg.Tensor(np.random.default_rng().standard_normal(3)), "a random draw outside an op"),
])
def test_values_computed_from_the_arguments_outside_the_ops_are_refused(fn, message):
    with pytest.raises(tg.TraceError, match=message):
        tg.compile(fn)(tg.Tensor([1.0, 2.0, 3.0], requires_grad=True), np.array([1.0, -1.0, 0.5]))


def test_labels_of_another_integer_dtype_are_refused_with_a_hint():
    with pytest.raises(tg.TraceError, match=r"It equals argument 'target' \(int32\) converted to int64: pass 'target' "
                                            r"as int64 already"):
        tg.compile(F.cross_entropy)(tg.Tensor(np.ones((3, 2))), np.array([0, 1, 1], dtype=np.int32))


def test_python_control_flow_on_an_array_argument_is_refused():
    def branch_on_labels(x, y):
        return x * 2 if y[0] > 0 else x.tanh()
    with pytest.raises(tg.TraceError, match="records different ops when its arguments have other values"):
        tg.compile(branch_on_labels)(tg.Tensor([1.0, 2.0]), np.array([1, 0]))


def test_a_tensor_from_an_earlier_computation_must_be_an_argument():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    hidden = w * 3  # recorded before the compiled function runs
    with pytest.raises(tg.TraceError, match="pass that tensor as an argument"):
        tg.compile(lambda x: (x * hidden).sum())(tg.Tensor([1.0, 1.0]))


# ------------------------------------------------------------------- randomness
def test_dropout_draws_a_fresh_mask_per_call_seeded_as_in_eager_mode():
    def make():
        tg.manual_seed(7)
        return nn.Sequential(nn.Linear(6, 50), nn.Dropout(0.5))
    x = tg.Tensor(np.ones((4, 6)))
    compiled = tg.compile(make())
    outputs = [compiled(x).data.copy() for _ in range(3)]
    eager_net = make()
    expected = [eager_net(x).data for _ in range(3)]
    assert not np.array_equal(outputs[0], outputs[1])
    for mine, theirs in zip(outputs, expected):
        assert_same(mine, theirs)


def test_dropout_with_its_own_generator():
    net = nn.Dropout(0.3, rng=np.random.default_rng(3))
    compiled = tg.compile(net)
    x = tg.Tensor(np.ones((20, 20)), requires_grad=True)
    first = compiled(x)
    first.sum().backward()
    assert_same(x.grad, first.data)  # the gradient is the mask / (1 - p), the output of ones
    again = nn.Dropout(0.3, rng=np.random.default_rng(3))(tg.Tensor(np.ones((20, 20))))
    assert_same(first.data, again.data)


# -------------------------------------------------------------- custom functions
class Cube(tg.Function):
    """x**3 with a scale option;  dx = 3 scale x**2."""

    @staticmethod
    def forward(ctx, x, scale=1.0):
        ctx.save_for_backward(x)
        return scale * x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * ctx.kwargs["scale"] * x ** 2


def test_a_custom_function_is_called_from_the_generated_code():
    step = tg.compile(lambda x, w: Cube.apply(x * w, scale=0.5).sum())
    x, w = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True), tg.Tensor([0.5, -1.0], requires_grad=True)
    loss = step(x, w)
    assert "Cube.forward(" in step.source and "backward_of(Cube" in step.source
    loss.backward()
    x2, w2 = tg.Tensor(x.data, requires_grad=True), tg.Tensor(w.data, requires_grad=True)
    Cube.apply(x2 * w2, scale=0.5).sum().backward()
    assert_same(x.grad, x2.grad)
    assert_same(w.grad, w2.grad)


class WrongShape(tg.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return np.ones(7)


def test_a_custom_backward_is_checked_as_the_engine_checks_it():
    # the first call runs each op's backward once on the traced values, so the error comes from it
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"WrongShape.backward returned a gradient of shape \(7,\)") as error:
        tg.compile(lambda x: WrongShape.apply(x).sum())(x)
    assert "the first call of compile(<lambda>)" in "".join(getattr(error.value, "__notes__", []))


def test_a_compiled_function_inside_a_compiled_function():
    inner = tg.compile(lambda x: (x * x).tanh())
    outer = tg.compile(lambda x: inner(x + 1).sum())
    x = tg.Tensor([0.5, -0.25], requires_grad=True)
    outer(x).backward()
    x2 = tg.Tensor([0.5, -0.25], requires_grad=True)
    ((x2 + 1) * (x2 + 1)).tanh().sum().backward()
    assert_same(x.grad, x2.grad)


# ----------------------------------------------------------------- long traces
def test_a_5000_step_elementwise_chain_traces_and_replays():
    def chain(x, w):
        y = x
        for i in range(5000):
            kind = i % 4
            y = y * 1.5 if kind == 0 else y + 0.1 if kind == 1 else y.tanh() if kind == 2 else y * w
        return y.sum()
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(50), rng.uniform(0.5, 1.5, 50)]
    step = tg.compile(chain)
    for _ in range(2):
        mine, theirs = leaves(arrays), leaves(arrays)
        loss = step(*mine)
        expected = chain(*theirs)
        assert_same(loss.data, expected.data)
        loss.backward()
        expected.backward()
        for a, b in zip(mine, theirs):
            assert_same(a.grad, b.grad)
        arrays = [rng.standard_normal(50), rng.uniform(0.5, 1.5, 50)]
    assert step.source.count("\n") > 10_000


def test_a_compiled_function_keeps_no_traced_arrays_alive():
    import gc
    import weakref
    x = tg.Tensor(np.ones((300, 300)), requires_grad=True)
    step = tg.compile(lambda x: (x * 2).tanh().sum())
    step(x).backward()
    gone = weakref.ref(x.data)
    del x
    gc.collect()
    assert gone() is None  # the first call's arrays are not held by the compiled code


# ------------------------------------------------------------- generated source
def test_the_spiral_nets_source_is_readable():
    tg.manual_seed(0)
    net = nn.MLP([2, 100, 3])
    compiled = tg.compile(net)
    compiled(tg.Tensor(tg.data.spiral()[0]))
    source = compiled.source
    assert not re.search(r"\bt\d+\b", source)
    for name, _ in net.named_parameters():
        assert name.replace(".", "_") in source
    assert "# layers.1 (ReLU)" in source
    assert "np.maximum(layers_1_relu, 0, out=layers_1_relu)" in source  # in place: the value is not needed after
    assert "dlayers_1_relu *= layers_1_relu > 0" in source


def test_every_built_in_op_is_written_out_and_agrees_with_the_op():
    def every_op(x, y, w, labels):
        a = (x + y - w * x / (y * y + 1)) ** 2 - (-x)
        b = (a.tanh().exp() + (x.abs() + 1).log() + (y * y + 1).sqrt()).sigmoid().relu().leaky_relu(0.1)
        c = tg.maximum(b.clip(0.2, 0.8), x) @ w.T + tg.where(x > 0, x, y)[:, ::-1]
        d = tg.concatenate([c, c.T.T], axis=1).reshape(8, 4).transpose(1, 0).softmax(axis=0)
        e = tg.stack([d, d.log_softmax(axis=1)], axis=0).sum(axis=0).mean(axis=1, keepdims=True) + d.max() \
            + d.min(axis=0, keepdims=True).max(axis=1, keepdims=True)
        f = F.linear(x, w, y[0]) + e[[0, 1, 2, 0]][:2].sum()
        return (F.cross_entropy(f, labels) + F.multiclass_hinge_loss(f, labels) + F.l2_penalty([w])
                + nn.Dropout(0.5)(x).sum() + a.mean())
    rng = np.random.default_rng(0)
    args = [tg.Tensor(rng.standard_normal((4, 4)), requires_grad=True) for _ in range(3)] + [np.array([0, 3, 1, 2])]
    step = tg.compile(every_op)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        step(*args)
    assert "new_context(" not in step.source, step.source


# --------------------------------------------------------------------- the CLI
def test_the_compile_command_prints_the_generated_code(tmp_path, capsys):
    from tinygrad_nn.cli import main
    model = tmp_path / "model.py"
    model.write_text("import tinygrad_nn as tg\nnet = tg.nn.MLP([3, 4, 2])\n"
                     "def loss(x, w):\n    return (x @ w).relu().sum()\n")
    assert main(["compile", f"{model}:net", "--input-shape", "5,3"]) == 0
    out = capsys.readouterr().out
    assert "def forward(x, layers_0_weight" in out and "dlayers_0_weight = " in out
    assert main(["compile", f"{model}:loss", "--input-shape", "4,3", "--input-shape", "3,2"]) == 0
    assert "dw = x.T @ drelu" in capsys.readouterr().out
    assert main(["compile", f"{model}:loss", "--input-shape", "4,3"]) == 2
    assert "missing 1 required positional argument" in capsys.readouterr().err

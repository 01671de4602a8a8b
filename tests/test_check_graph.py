"""tg.check_graph: a bug inside one op of a 3-layer model is named (op, module path, element, values);
correct models pass; dtype bugs and raising ops are blamed; float32 graphs warn and get the right verdict;
NaN flowing through a graph blames no correct op; one wrong element of a big node is found."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import functional as F
from tinygrad_nn.checks import GradcheckPrecisionWarning
from tinygrad_nn.checks.html import FAIL_COLOUR, PASS_COLOUR
from faulty_functions import Float32Gradient, GramWithOneWrongElement, NanAtLastElement
from parsed_html import ParsedHTML


class WrongTanh(tg.Function):
    """tanh whose backward forgot to square: 1 - t instead of 1 - t**2."""

    @staticmethod
    def forward(ctx, x):
        t = np.tanh(x)
        ctx.save_for_backward(t)
        return t

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        return grad * (1 - t)


class WrongTanhLayer(tg.nn.Module):
    """An activation module built on the buggy op."""

    def forward(self, x):
        return WrongTanh.apply(x)


def three_layer_model_with_one_bug():
    """nn.MLP([4, 8, 8, 3]): tanh after layer 1, the buggy tanh after layer 2."""
    activations = iter([tg.nn.Tanh(), WrongTanhLayer()])
    return tg.nn.MLP([4, 8, 8, 3], activation=lambda: next(activations), rng=np.random.default_rng(0))


def batch(dtype=np.float64):
    rng = np.random.default_rng(1)
    return tg.Tensor(rng.normal(size=(6, 4)).astype(dtype)), np.array([0, 1, 2, 0, 1, 2])


def test_a_bug_inside_one_op_of_a_three_layer_model_is_named():
    net = three_layer_model_with_one_bug()
    x, labels = batch()
    loss = F.cross_entropy(net(x), labels)
    loss.backward()                               # the check works after backward too
    result = tg.check_graph(loss)
    assert not result
    blamed = {id(f.node) for f in result.failures}
    assert len(blamed) == 1                       # one op, although every later gradient is wrong
    failure = result.failures[0]
    assert failure.function_name == "WrongTanh" and failure.module_path == "layers.3"
    assert failure.input_index == 0 and len(failure.index) == 2
    # the values at the named element are the buggy and the true derivative (times the same upstream)
    t = np.tanh(failure.node.inputs[0].data[failure.index])
    assert failure.analytic / failure.numerical == pytest.approx((1 - t) / (1 - t * t), rel=1e-5)
    assert failure.band == "wrong"
    for words in ("WrongTanh", "layers.3", "WrongTanhLayer", "input 0 (6, 8)", "analytic", "numerical"):
        assert words in failure.message
    assert result.failure_for(failure.node) is failure


def test_the_whole_model_check_fails_but_only_the_graph_check_says_where():
    net = three_layer_model_with_one_bug()
    x, labels = batch()
    first_layer = net.layers[0]

    def loss_of_first_weight(w):
        first_layer.weight = w                     # gradients now reach w
        return F.cross_entropy(net(x), labels)

    # the end-to-end check sees that the first weight's gradient is wrong, but blames no op...
    assert not tg.gradcheck(loss_of_first_weight, (first_layer.weight.data.copy(),), raise_exception=False)
    # ...the graph check names it
    assert tg.check_graph(F.cross_entropy(net(x), labels)).failures[0].function_name == "WrongTanh"


def test_a_correct_model_passes_and_prints_a_line_per_node():
    net = tg.nn.MLP([3, 5, 5, 2], activation=tg.nn.ReLU, rng=np.random.default_rng(2))
    x = tg.Tensor(np.random.default_rng(3).normal(size=(4, 3)))
    loss = F.cross_entropy(net(x), np.array([0, 1, 1, 0]))
    result = tg.check_graph(loss)
    assert result and not result.failures
    text = str(result)
    assert text.count("\n") == len(result.checks)
    assert "Affine in layers.0" in text and "passed" in repr(result)


def test_a_wrong_gradient_dtype_is_blamed_even_though_the_engine_would_cast_it():
    w = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    out = (Float32Gradient.apply(w) * 3.0).sum()
    result = tg.check_graph(out)
    (failure,) = result.failures
    assert failure.function_name == "Float32Gradient" and "float32 gradient" in failure.message


def test_an_op_whose_backward_raises_is_blamed():
    class Broken(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("forgot to save x")

    w = tg.Tensor(np.ones(3), requires_grad=True)
    result = tg.check_graph(Broken.apply(w).sum())
    (failure,) = result.failures
    assert "Broken" in failure.message and "forgot to save x" in failure.message
    assert failure.analytic is None and failure.index is None


def test_raise_exception_names_the_first_failing_node():
    net = three_layer_model_with_one_bug()
    x, labels = batch()
    with pytest.raises(tg.GradcheckError, match=r"WrongTanh \(node \d+ of \d+, in layers.3"):
        tg.check_graph(F.cross_entropy(net(x), labels), raise_exception=True)


def test_float32_graphs_warn_and_get_the_right_verdict():
    net32 = tg.nn.MLP([4, 8, 8, 3], activation=tg.nn.Tanh, dtype=np.float32, rng=np.random.default_rng(0))
    x, labels = batch(np.float32)
    with pytest.warns(GradcheckPrecisionWarning, match="float32"):
        assert tg.check_graph(F.cross_entropy(net32(x), labels))
    bug = tg.Tensor(np.linspace(-2, 2, 6, dtype=np.float32), requires_grad=True)
    with pytest.warns(GradcheckPrecisionWarning):
        assert not tg.check_graph(WrongTanh.apply(bug).sum())


def test_ops_outside_modules_have_no_module_path():
    a = tg.Tensor(np.ones((2, 2)), requires_grad=True)
    result = tg.check_graph(WrongTanh.apply(a * 0.5).sum())
    assert result.failures[0].module_path is None and result.failures[0].position == 1


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(TypeError, match="expected the Tensor"):
        tg.check_graph(np.ones(3))
    with pytest.raises(ValueError, match="not made by recorded operations"):
        tg.check_graph(tg.Tensor(np.ones(3)))


def test_the_drawing_can_colour_the_blamed_node():
    net = three_layer_model_with_one_bug()
    x, labels = batch()
    loss = F.cross_entropy(net(x), labels)
    result = tg.check_graph(loss)
    source = tg.viz.draw_graph(loss, blame=result).source
    assert "FAILED" in source and "FAILED" not in tg.viz.draw_graph(loss).source


@settings(max_examples=max(5, settings().max_examples // 5))
@given(activation=st.sampled_from(["ReLU", "Tanh", "Sigmoid", "LeakyReLU"]),
       seed=st.integers(0, 2**16), batch_size=st.integers(1, 6))
def test_correct_models_pass_over_drawn_inputs(activation, seed, batch_size):
    rng = np.random.default_rng(seed)
    net = tg.nn.Sequential(tg.nn.Linear(3, 5, rng=rng), getattr(tg.nn, activation)(),
                           tg.nn.Maxout(5, 4, pieces=2, rng=rng), tg.nn.Linear(4, 3, rng=rng))
    x = tg.Tensor(rng.normal(scale=3.0, size=(batch_size, 3)))
    labels = rng.integers(0, 3, size=batch_size)
    loss = F.multiclass_hinge_loss(net(x), labels) + F.cross_entropy(net(x), labels)
    assert tg.check_graph(loss)


def test_nan_flowing_through_the_graph_blames_no_correct_op():
    x = tg.Tensor(np.array([-1.0, 4.0]), requires_grad=True)
    with np.errstate(invalid="ignore"):
        out = x.sqrt().sum() * 2.0                 # sqrt(-1) is NaN, and so is everything after it
    result = tg.check_graph(out)
    assert result and not result.failures
    # Sqrt: the NaN element; Sum: both (one is NaN, the other feeds the NaN sum); Mul: its NaN input
    assert [c.result.not_checkable_count for c in result.checks] == [1, 2, 1]
    assert result.not_checkable_count == 4 and "not checkable" in str(result)


def test_an_op_that_makes_a_nan_gradient_is_blamed_alone_while_nan_flows_elsewhere():
    x = tg.Tensor(np.array([-1.0, 4.0]), requires_grad=True)
    w = tg.Tensor(np.array([0.5, 1.5, 2.5]), requires_grad=True)
    with np.errstate(invalid="ignore"):
        out = x.sqrt().sum() + NanAtLastElement.apply(w).sum()
    result = tg.check_graph(out)
    (failure,) = result.failures
    assert failure.function_name == "NanAtLastElement" and failure.index == (2,)
    assert np.isnan(failure.analytic) and failure.numerical == pytest.approx(2 * failure.result.upstream[2])
    assert "rel error inf" in failure.message and "rel error 0" not in failure.message


def test_one_element_one_percent_off_in_a_big_node_is_found():
    # a 40 x 40 input is checked by projections first; the error must not hide among 1600 elements
    x = tg.Tensor(np.random.default_rng(3).normal(size=(40, 40)), requires_grad=True)
    result = tg.check_graph(GramWithOneWrongElement.apply(x).tanh().sum())
    (failure,) = result.failures
    assert failure.function_name == "GramWithOneWrongElement" and failure.index == (7, 23)


def test_a_broken_module_is_not_hidden_behind_a_fallback_path():
    class BrokenChildren(tg.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = tg.nn.Tanh()

        def named_children(self):
            raise RuntimeError("named_children is broken")

        def forward(self, x):
            return self.inner(x)

    out = BrokenChildren()(tg.Tensor(np.ones(3), requires_grad=True)).sum()
    with pytest.raises(RuntimeError, match="named_children is broken"):
        tg.check_graph(out)


def test_jupyter_shows_a_row_per_node_with_the_failing_op_in_red():
    net = three_layer_model_with_one_bug()
    x, labels = batch()
    result = tg.check_graph(F.cross_entropy(net(x), labels))
    parsed = ParsedHTML(result._repr_html_())
    failure = result.failures[0]
    for shown in ("check_graph", "FAILED at 1 node(s)", "WrongTanh", "layers.3", "Affine", "layers.0",
                  f"{failure.analytic:.6g}", f"{failure.numerical:.6g}", "first failure: " + failure.message):
        assert shown in parsed.text
    colours = [style for tag, style in parsed.styles if tag == "span"]
    assert sum(FAIL_COLOUR in c for c in colours) == 2            # the summary and the WrongTanh row
    assert sum(PASS_COLOUR in c for c in colours) == len(result.checks) - 1
    assert str(result).startswith("check_graph: FAILED at 1 node(s)")    # the plain text is unchanged

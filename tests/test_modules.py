"""Modules: attribute walking, names, dedup, state dicts, hooks, modes, layers and containers."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import nn

layer_sizes = st.lists(st.integers(1, 6), min_size=2, max_size=5)


def numeric_grad(f, x, eps=1e-6):
    """Central differences of the scalar f() with respect to the array x (changed in place)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f()
        x[i] = old - eps
        down = f()
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


class Pair(nn.Module):
    """Two children, a list of children, a parameter list, a plain tensor and a number."""

    def __init__(self, shared):
        super().__init__()
        self.first = shared
        self.second = shared
        self.blocks = [nn.Linear(2, 2, rng=1), shared]
        self.scales = (tg.Tensor([1.0], requires_grad=True), 3)
        self.constant = tg.Tensor([5.0])
        self.count = 7

    def forward(self, x):
        return self.blocks[0](self.first(x)) * self.scales[0]


# ------------------------------------------------------------- walking and names
@given(layer_sizes)
def test_mlp_parameter_names_and_count_follow_the_layers(sizes):
    net = nn.MLP(sizes, rng=0)
    names = [name for name, _ in net.named_parameters()]
    expected = []
    for i in range(len(sizes) - 1):
        expected += [f"layers.{2 * i}.weight", f"layers.{2 * i}.bias"]
    assert names == expected
    assert net.num_parameters() == sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    assert list(net.state_dict()) == names
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        assert net.layers[2 * i].weight.shape == (fan_out, fan_in)


def test_shared_modules_and_parameters_are_listed_once_under_the_first_name():
    shared = nn.Linear(2, 2, rng=0)
    model = Pair(shared)
    # a module's own parameters come first, then each child's, depth first (PyTorch's order)
    assert [name for name, _ in model.named_parameters()] == [
        "scales.0", "first.weight", "first.bias", "blocks.0.weight", "blocks.0.bias"]
    assert [name for name, _ in model.named_modules()] == ["", "first", "blocks.0"]
    assert [name for name, _ in model.named_children()] == ["first", "blocks.0"]
    assert model.num_parameters() == 4 + 2 + 4 + 2 + 1
    ids = [id(p) for p in model.parameters()]
    assert len(ids) == len(set(ids))


def test_tensors_without_grad_and_other_attributes_are_not_parameters():
    model = Pair(nn.Linear(2, 2, rng=0))
    assert all(p is not model.constant for p in model.parameters())
    assert "constant" not in model.state_dict()


def test_a_frozen_parameter_stays_a_parameter_is_saved_and_gets_no_update():
    # As in PyTorch: freezing (requires_grad = False) keeps the weight in parameters() and state_dict(), so
    # saving and loading a partly frozen model loses nothing; the optimizer skips it (it gets no gradient).
    model = nn.MLP([2, 3, 1], rng=0)
    model.layers[0].weight.requires_grad = False
    assert [name for name, _ in model.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    frozen = model.layers[0].weight.data.copy()
    other = nn.MLP([2, 3, 1], rng=1)
    other.layers[0].weight.requires_grad_(False)
    other.load_state_dict(model.state_dict())
    assert np.array_equal(other.layers[0].weight.data, frozen)
    optimizer = tg.optim.SGD(model.parameters(), lr=0.1)
    model(tg.Tensor(np.ones((4, 2)))).sum().backward()
    optimizer.step()
    assert model.layers[0].weight.grad is None and np.array_equal(model.layers[0].weight.data, frozen)
    assert model.layers[0].bias.grad is not None


def test_subclass_without_super_init_works_and_has_training_mode():
    class Scale(nn.Module):
        def __init__(self):
            self.factor = tg.Tensor(2.0, requires_grad=True)

        def forward(self, x):
            return x * self.factor

    module = Scale()
    assert module.training is True
    assert module(tg.Tensor([1.0, 3.0])).data.tolist() == [2.0, 6.0]
    assert module.named_parameters()[0][0] == "factor"
    assert module.eval().training is False


def test_dicts_with_string_keys_give_named_children_and_apply_visits_every_module():
    class Heads(nn.Module):
        def __init__(self):
            self.heads = {"left": nn.Sequential(nn.ReLU(), nn.Tanh()), "right": nn.Linear(2, 3)}

    model = Heads()
    assert [name for name, _ in model.named_children()] == ["heads.left", "heads.right"]
    visited = []
    assert model.apply(lambda m: visited.append(type(m).__name__)) is model
    assert visited == ["ReLU", "Tanh", "Sequential", "Linear", "Heads"]


def test_parameter_order_is_attribute_insertion_order():
    class Backwards(nn.Module):
        def __init__(self):
            self.zeta = tg.Tensor([1.0], requires_grad=True)
            self.alpha = tg.Tensor([2.0], requires_grad=True)

    assert [n for n, _ in Backwards().named_parameters()] == ["zeta", "alpha"]


# ------------------------------------------------------------------ state dicts
@given(layer_sizes, st.integers(0, 2**16))
def test_state_dict_round_trip_reproduces_outputs(sizes, seed):
    source, target = nn.MLP(sizes, rng=seed), nn.MLP(sizes, rng=seed + 1)
    x = tg.Tensor(np.random.default_rng(seed).normal(size=(3, sizes[0])))
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(target(x).data, source(x).data)


def test_state_dict_holds_copies():
    net = nn.Linear(2, 3, rng=0)
    state = net.state_dict()
    state["weight"][...] = 99.0
    assert not (net.weight.data == 99.0).any()


def test_strict_load_names_every_missing_unexpected_and_misshaped_key():
    net = nn.MLP([3, 4, 2], rng=0)
    state = net.state_dict()
    del state["layers.0.bias"]
    state["layers.9.weight"] = np.zeros(2)
    state["layers.2.weight"] = np.zeros((5, 5))
    with pytest.raises(nn.StateDictError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    for text in ["missing keys: layers.0.bias", "unexpected keys: layers.9.weight",
                 "layers.2.weight: expected shape (2, 4), got (5, 5)"]:
        assert text in message


def test_non_strict_load_reports_skipped_keys_but_never_accepts_wrong_shapes():
    net = nn.MLP([3, 4, 2], rng=0)
    new = {"layers.0.weight": np.ones((4, 3)), "extra": np.ones(1)}
    result = net.load_state_dict(new, strict=False)
    assert result.unexpected_keys == ["extra"]
    assert result.missing_keys == ["layers.0.bias", "layers.2.weight", "layers.2.bias"]
    assert (net.layers[0].weight.data == 1).all()
    with pytest.raises(nn.StateDictError, match="layers.0.weight: expected shape"):
        net.load_state_dict({"layers.0.weight": np.ones((3, 4))}, strict=False)


def test_load_keeps_the_parameter_dtype_and_object():
    net = nn.Linear(2, 2, dtype=np.float32, rng=0)
    weight = net.weight
    net.load_state_dict({"weight": np.ones((2, 2)), "bias": tg.Tensor([1.0, 2.0])})
    assert net.weight is weight and weight.dtype == np.float32 and net.bias.data.tolist() == [1.0, 2.0]


# ------------------------------------------------------------- hooks and modes
def test_forward_hook_sees_inputs_and_output_can_replace_it_and_be_removed():
    layer = nn.Linear(2, 1, rng=0)
    calls = []
    handle = layer.register_forward_hook(lambda m, inputs, out: calls.append((m, inputs, out)))
    x = tg.Tensor([[1.0, 2.0]])
    y = layer(x)
    assert len(calls) == 1 and calls[0][0] is layer and calls[0][1][0] is x and calls[0][2] is y
    doubling = layer.register_forward_hook(lambda m, inputs, out: out * 2)
    np.testing.assert_allclose(layer(x).data, 2 * y.data)
    handle.remove()
    doubling.remove()
    layer(x)
    assert len(calls) == 2
    np.testing.assert_allclose(layer(x).data, y.data)


def test_train_and_eval_reach_every_descendant():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.MLP([2, 3, 1]))
    assert net.eval() is net
    assert all(not m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_clears_every_gradient():
    net = nn.MLP([2, 3, 1], rng=0)
    net(tg.Tensor([[1.0, -1.0]])).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


# ----------------------------------------------------------- scopes and errors
def test_every_recorded_node_knows_its_module_path():
    net = nn.MLP([3, 4, 2], rng=0)
    out = net(tg.Tensor(np.ones((2, 3))))
    paths = {node.name: nn.scope_path(node.scope) for node in tg.engine.topological_order(out)}
    assert paths["ReLU"] == "layers.1"
    affine_paths = [nn.scope_path(n.scope) for n in tg.engine.topological_order(out) if n.name == "Affine"]
    assert affine_paths == ["layers.0", "layers.2"]
    assert all(node.scope[0] is net for node in tg.engine.topological_order(out))
    assert nn.scope_path((net,)) == ""


def test_a_forward_that_calls_a_containers_layers_directly_names_them_by_their_path():
    class Looping(nn.Module):
        def __init__(self):
            self.layers = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 1, rng=0))

        def forward(self, x):
            for layer in self.layers:  # the scope is (net, layer): layer is a grandchild
                x = layer(x)
            return x

    out = Looping()(tg.Tensor(np.ones((2, 3))))
    paths = [nn.scope_path(node.scope) for node in tg.engine.topological_order(out)]
    assert paths == ["layers.0", "layers.1", "layers.2"]  # they were all "<Linear>" / "<Tanh>"
    assert nn.scope_path((Looping(), nn.Linear(2, 2))) == "<Linear>"  # not a descendant


def test_wrong_input_width_names_module_path_expected_width_and_shape():
    net = nn.MLP([3, 4, 5, 2], rng=0)
    net.layers.__dict__["2"] = nn.Linear(7, 5, rng=0)  # a deliberately mis-sized middle layer
    with pytest.raises(ValueError) as info:
        net(tg.Tensor(np.ones((6, 3))))
    message = str(info.value)
    assert "layers.2 (Linear)" in message and "(N, 7)" in message and "(6, 4)" in message
    with pytest.raises(ValueError, match=r"Linear: expected input of shape \(N, 2\).*\(3,\)"):
        nn.Linear(2, 1)(tg.Tensor([1.0, 2.0, 3.0]))


# ---------------------------------------------------------------------- layers
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 4), st.booleans())
def test_linear_computes_x_times_w_transpose_plus_b(n_in, n_out, batch, bias):
    layer = nn.Linear(n_in, n_out, bias=bias, rng=0)
    if bias:
        layer.bias.data[...] = np.arange(n_out)
    x = np.random.default_rng(1).normal(size=(batch, n_in))
    expected = x @ layer.weight.data.T + (layer.bias.data if bias else 0)
    np.testing.assert_allclose(layer(tg.Tensor(x)).data, expected)
    assert [name for name, _ in layer.named_parameters()] == (["weight", "bias"] if bias else ["weight"])


def test_float32_layers_stay_float32():
    net = nn.MLP([4, 3, 2], dtype=np.float32, rng=0)
    out = net(tg.Tensor(np.ones((2, 4), dtype=np.float32)))
    assert out.dtype == np.float32 and all(p.dtype == np.float32 for p in net.parameters())


def test_maxout_is_max_over_linear_pieces_and_its_gradient_matches_differences():
    rng = np.random.default_rng(0)
    layer = nn.Maxout(3, 2, pieces=3, rng=0)
    layer.bias.data[...] = rng.normal(size=(2, 3))
    x = rng.normal(size=(4, 3))
    scores = np.einsum("ni,uki->nuk", x, layer.weight.data) + layer.bias.data
    np.testing.assert_allclose(layer(tg.Tensor(x)).data, scores.max(axis=-1))
    xt = tg.Tensor(x.copy(), requires_grad=True)
    weights = rng.normal(size=(4, 2))
    (layer(xt) * weights).sum().backward()
    loss = lambda: float((layer(tg.Tensor(x)).data * weights).sum())  # noqa: E731
    np.testing.assert_allclose(xt.grad, numeric_grad(loss, x), atol=1e-6)
    np.testing.assert_allclose(layer.weight.grad, numeric_grad(loss, layer.weight.data), atol=1e-6)
    assert layer.num_parameters() == 2 * 3 * 3 + 2 * 3


def test_maxout_ties_split_the_gradient_evenly_between_pieces():
    layer = nn.Maxout(2, 1, pieces=2, rng=0)
    layer.weight.data[...] = [[[1.0, 2.0], [1.0, 2.0]]]  # two identical pieces: always tied
    layer.bias.data[...] = 0.0
    layer(tg.Tensor([[1.0, 1.0]])).sum().backward()
    np.testing.assert_allclose(layer.weight.grad, [[[0.5, 0.5], [0.5, 0.5]]])
    np.testing.assert_allclose(layer.bias.grad, [[0.5, 0.5]])


def test_dropout_zeroes_a_fraction_p_and_keeps_the_mean():
    drop = nn.Dropout(0.3, rng=0)
    x = tg.Tensor(np.ones((400, 250)))
    y = drop(x).data
    assert abs((y == 0).mean() - 0.3) < 0.01
    np.testing.assert_allclose(y[y != 0], 1 / 0.7)
    assert abs(y.mean() - 1.0) < 0.02


def test_dropout_is_the_identity_in_eval_and_at_p_zero():
    x = tg.Tensor(np.random.default_rng(0).normal(size=(5, 5)))
    assert nn.Dropout(0.5).eval()(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert (nn.Dropout(1.0)(x).data == 0).all()
    with pytest.raises(ValueError, match="Dropout: p must be"):
        nn.Dropout(1.5)


def test_dropout_gradient_flows_only_through_kept_elements():
    x = tg.Tensor(np.ones((10, 10)), requires_grad=True)
    y = nn.Dropout(0.5, rng=3)(x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, y.data)  # mask / (1 - p) is both the output and the gradient


def test_sequential_indexing_len_iteration_and_slices():
    parts = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    seq = nn.Sequential(*parts)
    assert len(seq) == 3 and list(seq) == parts and seq[-1] is parts[2] and seq[0] is parts[0]
    assert list(seq[1:]) == parts[1:] and isinstance(seq[1:], nn.Sequential)
    assert [name for name, _ in seq.named_children()] == ["0", "1", "2"]
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(nn.ReLU(), "relu")


def test_mlp_output_layer_has_no_activation():
    net = nn.MLP([2, 5, 5, 3], activation=nn.Tanh, rng=0)
    kinds = [type(m).__name__ for m in net.layers]
    assert kinds == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    assert type(nn.MLP([2, 3]).layers[-1]) is nn.Linear and len(nn.MLP([2, 3]).layers) == 1


def test_repr_is_a_tree_fed_by_extra_repr():
    text = repr(nn.MLP([3, 4, 2], activation=lambda: nn.LeakyReLU(0.1)))
    assert text.splitlines() == [
        "MLP(",
        "  sizes=[3, 4, 2]",
        "  (layers): Sequential(",
        "    (0): Linear(in_features=3, out_features=4, bias=True)",
        "    (1): LeakyReLU(negative_slope=0.1)",
        "    (2): Linear(in_features=4, out_features=2, bias=True)",
        "  )",
        ")"]


def test_manual_seed_makes_construction_reproducible():
    tg.manual_seed(123)
    first = nn.MLP([4, 8, 2]).state_dict()
    tg.manual_seed(123)
    second = nn.MLP([4, 8, 2]).state_dict()
    third = nn.MLP([4, 8, 2]).state_dict()
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])
    assert not np.array_equal(first["layers.0.weight"], third["layers.0.weight"])


@given(st.sampled_from(["Tanh", "Sigmoid", "LeakyReLU", "ReLU"]), st.integers(0, 2**16))
def test_gradients_through_a_module_stack_pass_gradcheck(activation, seed):
    net = nn.Sequential(nn.Linear(3, 4, rng=seed), getattr(nn, activation)(),
                        nn.Maxout(4, 2, pieces=3, rng=seed + 1), nn.Dropout(0.0), nn.Linear(2, 1, rng=seed + 2))
    net[0].bias.data[...] = np.random.default_rng(seed).normal(size=4)
    x = np.random.default_rng(seed + 3).normal(size=(5, 3))

    def through_net(x, first_weight, maxout_weight):
        net[0].weight, net[2].weight = first_weight, maxout_weight
        return net(x)

    assert tg.gradcheck(through_net, (x, net[0].weight.data.copy(), net[2].weight.data.copy()))


def test_an_int_rng_seeds_the_mlp_once_so_no_two_layers_start_alike():
    net = nn.MLP([4, 4, 4, 4], rng=0)
    weights = [layer.weight.data for layer in net.layers if isinstance(layer, nn.Linear)]
    assert not np.array_equal(weights[0], weights[1]) and not np.array_equal(weights[1], weights[2])
    again = nn.MLP([4, 4, 4, 4], rng=0)
    assert all(np.array_equal(a.data, b.data) for a, b in zip(net.parameters(), again.parameters()))
    tanh_net = nn.MLP([4, 4, 4], activation=nn.Tanh, rng=0)
    assert not np.array_equal(tanh_net.layers[0].weight.data, tanh_net.layers[2].weight.data)


def test_mlp_copies_an_activation_instance_for_each_hidden_layer_and_refuses_other_things():
    template = nn.PReLU(init=0.1)
    net = nn.MLP([3, 4, 4, 2], activation=template)
    first, second = net.layers[1], net.layers[3]
    assert first is not template and second is not first and first.weight is not second.weight
    assert [name for name, _ in net.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.2.weight", "layers.2.bias",
        "layers.3.weight", "layers.4.weight", "layers.4.bias"]
    np.testing.assert_array_equal(second.weight.data, [0.1])
    with pytest.raises(TypeError, match="activation must be a Module class, a Module instance"):
        nn.MLP([3, 4, 2], activation="relu")
    with pytest.raises(TypeError, match=r"activation\(\) returned a float, not a Module"):
        nn.MLP([3, 4, 2], activation=lambda: 1.0)

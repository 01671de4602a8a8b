"""Small defects of round 4, each pinned against PyTorch's convention (or ours, where documented).

Dtypes of bool tensors with Python numbers, NaN and extreme integers in descending sorts, nn.init's
names and empty tensors, an optimizer whose state was replaced, gradcheck with the wrong number of
inputs, and forward pre-hooks on modules.
"""

import collections
import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn
from tinygrad_nn.nn import init



def mask():
    return tg.from_numpy(np.array([True, False, True]))


# ------------------------------------------------ dtypes (documented choices kept, defects pinned)
def test_tensor_of_python_ints_is_float64_as_documented():
    # tg.tensor follows the library's rule (as tg.Tensor does), not torch.tensor's int64: documented
    assert tg.tensor([0, 1]).dtype == np.float64 and tg.Tensor([0, 1]).dtype == np.float64
    assert tg.tensor([True, False]).dtype == np.float64
    assert tg.tensor(np.array([0, 1])).dtype == np.float64
    assert tg.tensor([0, 1], dtype=np.int64).dtype == np.int64


def test_integer_and_float_tensors_follow_numpy_with_float64_as_default_float():
    ints = tg.from_numpy(np.array([1, 2, 3]))
    assert (ints + ints).dtype == np.int64 and (ints * 2).dtype == np.int64
    assert (ints / ints).dtype == np.float64 and (ints + 2.5).dtype == np.float64   # torch: float32
    assert (mask() + ints).dtype == np.int64 and (mask() * mask()).dtype == np.bool_
    assert (mask() * 2.5).dtype == np.float64 and (2.5 + mask()).dtype == np.float64  # torch: float32


@pytest.mark.parametrize("scalar, dtype", [(True, np.bool_), (2, np.int64)])
def test_a_bool_tensor_with_a_python_number_takes_the_numbers_kind_as_in_pytorch(scalar, dtype):
    # torch: bool + True -> bool, bool * 2 -> int64
    assert (mask() * scalar).dtype == dtype and (scalar * mask()).dtype == dtype
    assert (mask() + scalar).dtype == dtype


def test_a_bool_tensor_with_a_python_number_matches_pytorch():
    torch = pytest.importorskip("torch")
    for scalar in (True, 2):
        for op in (lambda a, b: a + b, lambda a, b: a * b, lambda a, b: b * a):
            ours = op(mask(), scalar)
            theirs = op(torch.tensor([True, False, True]), scalar)
            assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
            np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_a_dot_product_of_integer_vectors_keeps_the_integer_dtype():
    ints = tg.from_numpy(np.array([1, 2, 3]))
    assert (ints @ ints).dtype == np.int64                      # numpy and torch: int64
    assert (tg.from_numpy(np.ones((2, 3), dtype=np.int64)) @ ints).dtype == np.int64


# ------------------------------------------------------------------------ sort / topk
NAN_DATA = [np.nan, 1.0, 2.0, np.nan, 2.0]


def test_descending_sort_and_topk_put_nan_first_as_the_largest_value():
    x = tg.tensor(np.array(NAN_DATA))
    values, indices = x.sort(descending=True)
    assert indices.tolist() == [0, 3, 2, 4, 1]                  # NaN largest (torch), ties in order
    assert np.isnan(values.data[:2]).all()
    assert x.argsort(descending=True).tolist() == [0, 3, 2, 4, 1]
    assert x.topk(3).indices.tolist() == [0, 3, 2]
    assert x.topk(2, largest=False).indices.tolist() == [1, 2]  # NaN is no small value either
    assert x.sort().indices.tolist() == [1, 2, 4, 0, 3]


@pytest.mark.parametrize("dtype", [np.int64, np.uint64, np.int8, np.uint8, np.bool_])
def test_descending_sort_of_extreme_integers_is_right(dtype):
    info = np.iinfo(dtype) if dtype is not np.bool_ else None
    data = np.array([0, 1, 0], dtype=dtype) if info is None else np.array([info.min, 0, info.max, info.min],
                                                                          dtype=dtype)
    t = tg.from_numpy(data)
    values, indices = t.sort(descending=True)
    expected = sorted(range(len(data)), key=lambda i: (-int(data[i]), i))
    assert indices.tolist() == expected
    np.testing.assert_array_equal(values.data, data[expected])


def test_descending_sort_and_topk_match_torch_on_nan_and_ties():
    torch = pytest.importorskip("torch")
    data = np.array(NAN_DATA + [1.0, -np.inf, np.inf])
    ours, theirs = tg.tensor(data), torch.tensor(data)
    assert ours.sort(descending=True).indices.tolist() == theirs.sort(descending=True, stable=True).indices.tolist()
    assert ours.argsort(dim=0, descending=True).tolist() == theirs.argsort(descending=True, stable=True).tolist()
    for largest in (True, False):
        np.testing.assert_array_equal(ours.topk(4, largest=largest).values.data,
                                      theirs.topk(4, largest=largest).values.numpy())


def test_descending_sort_still_sends_the_gradient_to_each_value():
    x = tg.Tensor(np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]]), requires_grad=True)
    (x.sort(dim=1, descending=True).values * tg.Tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [[1.0, 3.0, 2.0], [3.0, 1.0, 2.0]])


# ------------------------------------------------------------------------ nn.init
@pytest.mark.parametrize("name", ["ReLU", "Tanh", "Leaky_ReLU", "SELU", "Linear"])
def test_calculate_gain_takes_torchs_lower_case_names_only(name):
    with pytest.raises(ValueError, match=f"calculate_gain: unknown nonlinearity '{name}'; "
                                         f"the names are lower case: did you mean '{name.lower()}'"):
        init.calculate_gain(name)
    with pytest.raises(ValueError, match="kaiming_normal_: unknown nonlinearity"):
        init.kaiming_normal_(tg.zeros(2, 2), nonlinearity=name)


def test_calculate_gain_names_the_known_nonlinearities_for_an_unknown_one():
    with pytest.raises(ValueError, match=r"calculate_gain: unknown nonlinearity 'swish'; known: conv1d, .*leaky_relu"):
        init.calculate_gain("swish")


def test_calculate_gain_refuses_what_torch_refuses():
    torch = pytest.importorskip("torch")
    for name in ["ReLU", "Tanh", "swish"]:
        with pytest.raises(ValueError):
            torch.nn.init.calculate_gain(name)
        with pytest.raises(ValueError):
            init.calculate_gain(name)


EMPTY_SHAPES = [(0, 3), (3, 0), (0, 0), (0,), (2, 0, 4)]


@pytest.mark.parametrize("name", ["kaiming_normal_", "kaiming_uniform_"])
@pytest.mark.parametrize("shape", EMPTY_SHAPES)
def test_kaiming_on_an_empty_tensor_warns_and_returns_it_as_in_pytorch(name, shape):
    t = tg.zeros(*shape)
    with pytest.warns(UserWarning, match=f"{name}: the tensor of shape .* has no elements: nothing to fill"):
        assert getattr(init, name)(t, mode="fan_out") is t
    assert t.shape == shape


@pytest.mark.parametrize("name", ["kaiming_normal_", "kaiming_uniform_"])
def test_kaiming_on_an_empty_tensor_still_checks_its_arguments(name):
    with pytest.raises(ValueError, match=f"{name}: mode must be 'fan_in' or 'fan_out'"):
        getattr(init, name)(tg.zeros(0, 3), mode="fan_avg")
    with pytest.raises(TypeError, match=f"{name}: can only fill a floating tensor"):
        getattr(init, name)(tg.Tensor(np.zeros((0, 3), dtype=np.int64), dtype=np.int64))


@pytest.mark.parametrize("name", ["xavier_normal_", "xavier_uniform_"])
@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0), (2, 0, 4)])
def test_xavier_on_an_empty_tensor_returns_it_as_in_pytorch(name, shape):
    t = tg.zeros(*shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert getattr(init, name)(t) is t
    with pytest.raises(ValueError, match=f"fans: need a weight with at least 2 axes"):
        getattr(init, name)(tg.zeros(0))                        # torch refuses fewer than 2 axes too


def test_empty_tensors_are_handled_as_torch_handles_them():
    torch = pytest.importorskip("torch")
    for shape in EMPTY_SHAPES:
        for name in ["kaiming_normal_", "kaiming_uniform_", "xavier_normal_", "xavier_uniform_"]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    getattr(torch.nn.init, name)(torch.empty(shape))
                    torch_ok = True
                except (ValueError, ZeroDivisionError):
                    torch_ok = False
                if torch_ok:
                    assert getattr(init, name)(tg.zeros(*shape)).shape == shape, (name, shape)


# ------------------------------------------------------------------------ optimizer state
@pytest.mark.parametrize("make", [lambda p: tg.optim.Adam(p), lambda p: tg.optim.SGD(p, lr=0.1, momentum=0.9),
                                  lambda p: tg.optim.SGD(p, lr=0.1)], ids=["Adam", "SGD-momentum", "SGD"])
@pytest.mark.parametrize("value", [None, [], "state"])
def test_assigning_a_non_dict_state_is_refused_clearly_and_the_optimizer_still_steps(make, value):
    w = tg.Tensor(np.ones(3), requires_grad=True)
    w.grad = np.ones(3)
    optimizer = make([w])
    name = type(optimizer).__name__
    with pytest.raises(TypeError, match=rf"{name}: state must be a dict \{{parameter: \{{name: array\}}\}}, got "
                                        rf".*\({type(value).__name__}\); .*optimizer.state = \{{\}}"):
        optimizer.state = value
    optimizer.step()
    assert not np.array_equal(w.data, np.ones(3)) and set(optimizer.state_dict())


@pytest.mark.parametrize("fresh", [dict, lambda: collections.defaultdict(dict)], ids=["dict", "defaultdict"])
def test_an_emptied_optimizer_state_starts_afresh(fresh):
    w = tg.Tensor(np.ones(3), requires_grad=True)
    optimizer = tg.optim.Adam([w], lr=0.1)
    w.grad = np.ones(3)
    optimizer.step()
    optimizer.state = fresh()
    assert optimizer.state[w] == {}                              # as a new optimizer's
    optimizer.step()                                            # a fresh Adam: step 1 again
    np.testing.assert_allclose(w.data, np.ones(3) - 0.2)
    assert int(optimizer.state[w]["step"]) == 1


# ------------------------------------------------------------------------ gradcheck arity
def two(x, y):
    return (x * y).sum()


@pytest.mark.parametrize("check", [tg.gradcheck, tg.gradgradcheck], ids=["gradcheck", "gradgradcheck"])
@pytest.mark.parametrize("fn, inputs, words", [
    (two, (np.ones(2),), r"two\(x, y\) takes 2 argument\(s\) but inputs has 1 \(missing a required argument: 'y'\)"),
    (two, (np.ones(2),) * 3, r"two\(x, y\) takes 2 argument\(s\) but inputs has 3 \(too many positional"),
    (lambda x: x.sum(), (np.ones(2),) * 2, r"<lambda>\(x\) takes 1 argument\(s\) but inputs has 2"),
    (lambda x, scale=2.0: x.sum(), (np.ones(2),) * 3, r"<lambda>\(x, scale=2.0\) takes 1 to 2 argument\(s\) but "
                                                        r"inputs has 3"),
    (lambda x, y, *rest: x.sum(), (np.ones(2),), r"<lambda>\(x, y, \*rest\) takes 2 or more argument\(s\) but inputs has 1"),
])
def test_gradcheck_with_the_wrong_number_of_inputs_names_fn_and_both_counts(check, fn, inputs, words):
    name = check.__name__
    with pytest.raises(TypeError, match=rf"{name}: {words}.*fn is called as fn\(\*inputs\)"):
        check(fn, inputs)


def test_gradcheck_of_a_function_class_with_the_wrong_number_of_inputs_is_clear():
    class Scale(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad):
            return 2 * grad

    for check in (tg.gradcheck, tg.gradgradcheck):
        with pytest.raises(TypeError, match=rf"{check.__name__}: Scale.forward\(ctx, x\) takes 1 input\(s\) but "
                                            r"inputs has 2"):
            check(Scale, (np.ones(2), np.ones(2)))
        assert check(Scale, (np.ones(2),))


def test_gradcheck_still_takes_varargs_defaults_and_modules():
    assert tg.gradcheck(lambda *xs: sum(x.sum() for x in xs), (np.ones(2), np.ones(3), np.ones(1)))
    assert tg.gradcheck(lambda x, scale=2.0: (x * scale).sum(), (np.ones(2),))
    assert tg.gradcheck(nn.Linear(2, 3, rng=0), (np.ones((1, 2)),))


# ------------------------------------------------------------------------ forward pre-hooks
def test_a_forward_pre_hook_sees_the_arguments_and_may_replace_them():
    layer = nn.Linear(2, 1, rng=0)
    seen = []

    def hook(module, args):
        seen.append((module, args))
        return (args[0] * 0,)

    handle = layer.register_forward_pre_hook(hook)
    x = tg.Tensor(np.ones((1, 2)))
    np.testing.assert_array_equal(layer(x).data, layer.bias.data.reshape(1, 1))
    assert seen[0][0] is layer and type(seen[0][1]) is tuple and seen[0][1][0] is x
    handle.remove()
    assert layer(x).data.item() != layer.bias.data.item() and len(seen) == 1
    handle.remove()                                             # removing twice is harmless


def test_a_pre_hook_returning_a_single_value_is_the_one_argument_and_none_changes_nothing():
    layer = nn.Identity()
    layer.register_forward_pre_hook(lambda module, args: None)
    layer.register_forward_pre_hook(lambda module, args: args[0] * 3)   # not a tuple: wrapped, as in PyTorch
    assert layer(tg.Tensor([1.0])).data.item() == 3.0


def test_pre_hooks_run_in_order_before_forward_and_forward_hooks_see_their_arguments():
    order = []
    layer = nn.Identity()
    layer.register_forward_pre_hook(lambda module, args: order.append("pre 1") or (args[0] + 1,))
    layer.register_forward_pre_hook(lambda module, args: order.append("pre 2") or (args[0] * 10,))
    layer.register_forward_hook(lambda module, args, out: order.append(("post", args[0].item(), out.item())))
    assert layer(tg.Tensor(1.0)).item() == 20.0
    assert order == ["pre 1", "pre 2", ("post", 20.0, 20.0)]


def test_a_pre_hook_is_no_child_or_parameter_and_must_be_callable():
    layer = nn.Linear(2, 1, rng=0)
    with layer.register_forward_pre_hook(nn.Identity()):        # a Module as hook: called, never a child
        assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
        assert list(layer.children()) == [] and set(layer.state_dict()) == {"weight", "bias"}
    with pytest.raises(TypeError, match="register_forward_pre_hook: the hook must be callable, got int"):
        layer.register_forward_pre_hook(3)


def test_a_forward_pre_hook_behaves_as_pytorchs():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Linear(3, 2, rng=0), torch.nn.Linear(3, 2).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    for module in (ours, theirs):
        module.register_forward_pre_hook(lambda module, args: (args[0] * 2,))
        module.register_forward_pre_hook(lambda module, args: args[0] - 1)
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(ours(tg.Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy())

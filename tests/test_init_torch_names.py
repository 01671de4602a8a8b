"""nn.init with torch.nn.init's names, arguments and defaults: the Kaiming functions' (a, mode, nonlinearity),
uniform_(a, b), constant_(val), calculate_gain('selu'), eye_ and orthogonal_; moments against the formulas."""

import inspect
import math

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.nn import init

OUT, IN = 300, 400  # a Linear(400, 300) weight: fan_in 400, fan_out 300
N = OUT * IN


def weight(shape=(OUT, IN)):
    return tg.Tensor(np.zeros(shape), requires_grad=True)


def assert_moments(w, mean, std):
    """Sample mean and std of ``w`` against the formula's (seeded; about 10 standard errors of slack)."""
    values = np.asarray(w.data).ravel()
    assert abs(values.mean() - mean) < 10 * std / math.sqrt(values.size) + 1e-12
    assert abs(values.std() / std - 1) < 10 / math.sqrt(2 * values.size) + 1e-12


LEAKY = math.sqrt(2 / (1 + 0.1 ** 2))
NORMAL_CASES = [  # (fill, expected std); mean 0
    (lambda w: init.kaiming_normal_(w, rng=0), math.sqrt(2 / IN)),
    (lambda w: init.kaiming_normal_(w, 0.1, rng=0), LEAKY / math.sqrt(IN)),
    (lambda w: init.kaiming_normal_(w, a=0.1, mode="fan_out", rng=0), LEAKY / math.sqrt(OUT)),
    (lambda w: init.kaiming_normal_(w, 0.1, "fan_in", "relu", rng=0), math.sqrt(2 / IN)),  # a unused by relu
    (lambda w: init.kaiming_normal_(w, nonlinearity="tanh", rng=0), 5 / 3 / math.sqrt(IN)),
    (lambda w: init.kaiming_normal_(w, mode="FAN_OUT", nonlinearity="selu", rng=0), 0.75 / math.sqrt(OUT)),
    (lambda w: init.kaiming_normal_(w, nonlinearity="linear", rng=0), 1 / math.sqrt(IN)),
    (lambda w: init.kaiming_normal_(w, "leaky_relu", 0.2, rng=0), math.sqrt(2 / 1.04 / IN)),  # the older form
    (lambda w: init.xavier_normal_(w, gain=2.0, rng=0), 2 * math.sqrt(2 / (IN + OUT))),
]
UNIFORM_CASES = [  # (fill, bound): U(-bound, bound)
    (lambda w: init.kaiming_uniform_(w, rng=0), math.sqrt(6 / IN)),
    (lambda w: init.kaiming_uniform_(w, 0.1, rng=0), math.sqrt(3) * LEAKY / math.sqrt(IN)),
    (lambda w: init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu", rng=0), math.sqrt(6 / OUT)),
    (lambda w: init.xavier_uniform_(w, gain=0.5, rng=0), 0.5 * math.sqrt(6 / (IN + OUT))),
    (lambda w: init.xavier_uniform_(w, rng=0), math.sqrt(6 / (IN + OUT))),
]


@pytest.mark.parametrize("case", range(len(NORMAL_CASES)))
def test_normal_schemes_have_torchs_standard_deviation(case):
    fill, std = NORMAL_CASES[case]
    assert_moments(fill(weight()), 0.0, std)


@pytest.mark.parametrize("case", range(len(UNIFORM_CASES)))
def test_uniform_schemes_have_torchs_bound(case):
    fill, bound = UNIFORM_CASES[case]
    w = fill(weight())
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.999 * bound
    assert_moments(w, 0.0, bound / math.sqrt(3))


def test_uniform_and_normal_take_torchs_arguments():
    assert_moments(init.uniform_(weight(), a=-2.0, b=3.0, rng=0), 0.5, 5 / math.sqrt(12))
    w = init.uniform_(weight(), -2.0, 3.0, rng=0)
    assert w.data.min() >= -2.0 and w.data.max() <= 3.0
    assert_moments(init.uniform_(weight(), rng=0), 0.5, 1 / math.sqrt(12))  # U(0, 1)
    np.testing.assert_array_equal(init.uniform_(weight(), low=-2.0, high=3.0, rng=0).data, w.data)  # older names
    with pytest.raises(TypeError, match="uniform_: got both a=-1.0 and low=-2.0"):
        init.uniform_(weight(), -1.0, low=-2.0)
    with pytest.raises(ValueError, match="uniform_: a must be <= b, got a=2, b=1"):
        init.uniform_(weight(), a=2.0, b=1.0)
    assert_moments(init.normal_(weight(), mean=2.0, std=0.5, rng=0), 2.0, 0.5)
    assert_moments(init.normal_(weight(), rng=0), 0.0, 1.0)


def test_calculate_gain_is_torchs_table():
    assert init.calculate_gain("selu") == 3 / 4
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("leaky_relu", 0) == pytest.approx(math.sqrt(2))
    for name in ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d", "sigmoid"]:
        assert init.calculate_gain(name) == 1.0
    with pytest.raises(TypeError, match="calculate_gain: param"):
        init.calculate_gain("leaky_relu", True)
    with pytest.raises(TypeError, match="calculate_gain: param"):
        init.calculate_gain("leaky_relu", "0.2")


def test_gains_and_fans_match_torch():
    torch = pytest.importorskip("torch")
    for name in ["linear", "conv2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]:
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name)), name
    assert init.calculate_gain("leaky_relu", 0.3) == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", 0.3))
    for shape in [(OUT, IN), (1, 7), (5, 1)]:
        assert init.fans(shape) == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


@pytest.mark.parametrize("name, kwargs", [
    ("kaiming_normal_", {}), ("kaiming_normal_", dict(a=0.3, mode="fan_out")),
    ("kaiming_uniform_", {}), ("kaiming_uniform_", dict(a=0.1, nonlinearity="relu")),
    ("xavier_normal_", dict(gain=1.5)), ("xavier_uniform_", {}),
    ("uniform_", dict(a=-1.0, b=2.0)), ("normal_", dict(mean=1.0, std=0.2)),
])
def test_the_same_call_gives_torchs_distribution(name, kwargs):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = getattr(torch.nn.init, name)(torch.empty(OUT, IN, dtype=torch.float64), **kwargs).numpy()
    ours = getattr(init, name)(weight(), **kwargs, rng=0).data
    assert_moments(tg.Tensor(ours), theirs.mean(), theirs.std())
    if name.endswith("uniform_"):
        assert abs(ours.max() - theirs.max()) < 1e-3 * (theirs.max() - theirs.min())


def test_signatures_are_torchs():
    torch = pytest.importorskip("torch")
    for name in ["calculate_gain", "zeros_", "ones_", "constant_", "eye_", "normal_", "uniform_",
                 "kaiming_normal_", "kaiming_uniform_", "xavier_normal_", "xavier_uniform_", "orthogonal_"]:
        ours = [p for p in inspect.signature(getattr(init, name)).parameters.values()
                if p.name != "rng" and p.kind != p.KEYWORD_ONLY]
        theirs = [p for p in inspect.signature(getattr(torch.nn.init, name)).parameters.values()
                  if p.name != "generator"]
        assert [(p.name, p.default) for p in ours] == [(p.name, p.default) for p in theirs], name


def test_constant_zeros_ones_eye_and_orthogonal_fill_as_torch():
    torch = pytest.importorskip("torch")
    for name, args in [("zeros_", ()), ("ones_", ()), ("constant_", (0.3,)), ("eye_", ())]:
        for shape in [(3, 5), (4, 2)]:
            ours = getattr(init, name)(weight(shape), *args).data
            theirs = getattr(torch.nn.init, name)(torch.empty(shape, dtype=torch.float64), *args).numpy()
            np.testing.assert_array_equal(ours, theirs, err_msg=name)
    assert init.constant_(weight((2, 2)), val=-1.5).data.tolist() == [[-1.5, -1.5], [-1.5, -1.5]]


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (4, 2, 3)])
def test_orthogonal_gives_orthonormal_rows_or_columns_times_gain(shape):
    w = init.orthogonal_(weight(shape), gain=2.0, rng=0).data.reshape(shape[0], -1)
    small = min(w.shape)
    gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-12)
    np.testing.assert_array_equal(init.orthogonal_(weight(shape), 2.0, rng=0).data.reshape(w.shape), w)  # seeded


def test_orthogonal_is_uniformly_distributed():
    # each entry of a uniformly random orthogonal n x n matrix has mean 0 and variance 1 / n
    values = np.concatenate([init.orthogonal_(weight((8, 8)), rng=seed).data.ravel() for seed in range(400)])
    assert_moments(tg.Tensor(values), 0.0, math.sqrt(1 / 8))
    assert abs(np.mean([init.orthogonal_(weight((8, 8)), rng=s).data[0, 0] > 0 for s in range(400)]) - 0.5) < 0.1


FILLS = {
    "zeros_": lambda w: init.zeros_(w), "ones_": lambda w: init.ones_(w), "constant_": lambda w: init.constant_(w, 2.0),
    "eye_": lambda w: init.eye_(w),
    "normal_": lambda w: init.normal_(w, 0.0, 1.0, rng=0), "uniform_": lambda w: init.uniform_(w, -1, 1, rng=0),
    "kaiming_normal_": lambda w: init.kaiming_normal_(w, 0.1, rng=0),
    "kaiming_uniform_": lambda w: init.kaiming_uniform_(w, 0.1, "fan_out", rng=0),
    "xavier_normal_": lambda w: init.xavier_normal_(w, rng=0),
    "xavier_uniform_": lambda w: init.xavier_uniform_(w, rng=0),
    "orthogonal_": lambda w: init.orthogonal_(w, rng=0),
}


@pytest.mark.parametrize("name", sorted(FILLS))
def test_every_init_fills_in_place_bumps_the_version_and_returns_the_tensor(name):
    w = weight((4, 3))
    data, version = w.data, w.version
    assert FILLS[name](w) is w
    assert w.data is data and w.version > version and w.requires_grad and w.is_leaf


@pytest.mark.parametrize("call, error, words", [
    (lambda w: init.kaiming_normal_(w, mode="fan_avg"), ValueError,
     "kaiming_normal_: mode must be 'fan_in' or 'fan_out', got 'fan_avg'"),
    (lambda w: init.kaiming_uniform_(w, mode=1), TypeError, "kaiming_uniform_: mode must be 'fan_in' or 'fan_out'"),
    (lambda w: init.kaiming_normal_(w, a=True), TypeError, "kaiming_normal_: a (the negative slope"),
    (lambda w: init.kaiming_normal_(w, a=[0.1]), TypeError, "kaiming_normal_: a (the negative slope"),
    (lambda w: init.kaiming_normal_(w, a=float("nan")), ValueError, "kaiming_normal_: a must be a finite number"),
    (lambda w: init.kaiming_normal_(w, "relu", nonlinearity="tanh"), TypeError, "kaiming_normal_: a must be a number"),
    (lambda w: init.kaiming_uniform_(w, nonlinearity="swish"), ValueError,
     "kaiming_uniform_: unknown nonlinearity 'swish'"),
    (lambda w: init.eye_(tg.Tensor(np.zeros(3))), ValueError, "eye_: only 2-D tensors are supported, got shape (3,)"),
    (lambda w: init.orthogonal_(tg.Tensor(np.zeros(3))), ValueError, "orthogonal_: need a tensor with at least 2"),
    (lambda w: init.orthogonal_(w, gain="2"), TypeError, "orthogonal_: gain must be a number"),
    (lambda w: init.orthogonal_(np.zeros((2, 2))), TypeError, "orthogonal_: expected a Tensor"),
    (lambda w: init.constant_(w, val=None), TypeError, "constant_: val must be a number"),
    (lambda w: init.uniform_(w, a="0"), TypeError, "uniform_: a must be a number"),
])
def test_bad_arguments_raise_clear_errors_and_change_nothing(call, error, words):
    w = weight((3, 4))
    version = w.version
    with pytest.raises(error) as info:
        call(w)
    assert words in str(info.value)
    assert w.version == version and not w.data.any()

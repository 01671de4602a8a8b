"""PyTorch's ``device=``: "cpu" (or None) is accepted everywhere PyTorch takes it; another device is refused by name."""

import inspect

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import factories, nn

ARGUMENTS = {"full": ((2, 3), 1.5), "full_like": (np.ones(2), 1.5), "arange": (3,), "linspace": (0, 1, 5),
             "eye": (2,), "zeros_like": (np.ones(2),), "ones_like": (np.ones(2),), "rand_like": (np.ones(2),),
             "randn_like": (np.ones(2),)}
MAKERS = {name: (getattr(factories, name), ARGUMENTS.get(name, (2, 3)))
          for name in factories.__all__ if callable(getattr(factories, name))}
MAKERS["tensor"] = (tg.tensor, ([1.0, 2.0],))
MAKERS["Linear"] = (nn.Linear, (2, 3))
MAKERS["Maxout"] = (nn.Maxout, (2, 3))
MAKERS["PReLU"] = (nn.PReLU, ())


def test_every_factory_takes_device():
    assert all("device" in inspect.signature(getattr(factories, name)).parameters
               for name in factories.__all__ if callable(getattr(factories, name)))


@pytest.mark.parametrize("name", sorted(MAKERS))
@pytest.mark.parametrize("device", ["cpu", "cpu:0", None])
def test_the_cpu_is_accepted_and_changes_nothing(name, device):
    make, arguments = MAKERS[name]
    tg.manual_seed(0)
    with_device = make(*arguments, device=device)
    tg.manual_seed(0)
    without = make(*arguments)
    if isinstance(without, tg.Tensor):
        np.testing.assert_array_equal(with_device.numpy(), without.numpy())
        assert with_device.dtype == without.dtype
    else:
        assert list(with_device.state_dict()) == list(without.state_dict())


@pytest.mark.parametrize("name", sorted(MAKERS))
@pytest.mark.parametrize("device, error, words", [
    ("cuda", ValueError, "CPU only, so device 'cuda' is not available"),
    ("cuda:1", ValueError, "device 'cuda:1' is not available"),
    ("gpu", ValueError, "there is no device 'gpu'"),
    (0, TypeError, "device must be 'cpu' \\(or None\\), got 0 \\(int\\)"),
    (np.float32, TypeError, "device must be 'cpu'"),
])
def test_another_device_is_refused_naming_the_op(name, device, error, words):
    make, arguments = MAKERS[name]
    with pytest.raises(error, match=f"^{name}: .*{words}"):
        make(*arguments, device=device)


def test_to_takes_a_device_positionally_or_by_keyword():
    x = tg.ones(2, dtype=np.float32)
    assert x.to("cpu") is x and x.to(device="cpu") is x and x.to("cpu", np.float64).dtype == np.float64
    layer = nn.Linear(2, 2)
    assert layer.to("cpu") is layer
    with pytest.raises(ValueError, match="^to: .*device 'mps' is not available"):
        x.to("mps")
    with pytest.raises(ValueError, match="^Linear.to: .*device 'cuda' is not available"):
        layer.to(device="cuda")


def test_a_torch_device_object_is_understood():
    torch = pytest.importorskip("torch")
    assert tg.zeros(2, device=torch.device("cpu")).shape == (2,)
    assert nn.Linear(2, 2, device=torch.device("cpu")).weight.shape == (2, 2)
    with pytest.raises(ValueError, match="device 'cuda' is not available"):
        tg.ones(2, device=torch.device("cuda"))

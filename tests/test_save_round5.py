"""Saving and loading: keys that round-trip as given, PyTorch files and tensors named, tied weights loaded.

* every string key of a flat state dict comes back as given, ``""`` and the
  name of the structure entry too (both were refused as "reserved");
* a file written by ``torch.save`` (a zip holding ``data.pkl``) is refused as
  a pickle with the way to convert it (it was called a damaged npz);
* saving an object that is an array elsewhere (a PyTorch tensor) names its
  full type and how to convert it;
* a PyTorch state dict of tied weights lists the shared tensor under every
  path: ``load_state_dict`` takes those paths (they were "unexpected keys").
"""

import os
import io
import types
import zipfile

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn
from tinygrad_nn.serialization import _MANIFEST

OLD = {"weight": np.arange(4.0)}


def _npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


# ------------------------------------------------------------ keys round-trip
@pytest.mark.parametrize("state", [
    {"": np.ones(2)},
    {"array": np.ones(2), "": np.zeros(1)},
    {_MANIFEST: np.ones(2), "b": np.zeros(3)},
    {_MANIFEST: tg.Tensor([1.0, 2.0])},
], ids=["empty key", "empty key next to 'array'", "the structure entry's name", "the structure name, a Tensor"])
def test_every_string_key_of_a_flat_state_dict_round_trips(tmp_path, state):
    path = tmp_path / "flat.npz"
    tg.save(state, path)
    loaded = tg.load(path)
    assert list(loaded) == list(state)
    for key, value in state.items():
        np.testing.assert_array_equal(loaded[key], value.data if isinstance(value, tg.Tensor) else value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flat.npz"]


def test_an_empty_key_is_an_entry_that_np_load_reads_too(tmp_path):
    tg.save({"": np.arange(3.0), "w": np.ones(1)}, tmp_path / "e.npz")
    with np.load(tmp_path / "e.npz", allow_pickle=False) as archive:
        assert sorted(archive.files) == ["", "w"]
        np.testing.assert_array_equal(archive[""], np.arange(3.0))


def test_a_module_state_dict_under_the_empty_key_loads_back(tmp_path):
    net = nn.Linear(2, 1, rng=0)
    tg.save({"": net.state_dict()["weight"]}, tmp_path / "w.npz")
    assert tg.load(tmp_path / "w.npz")[""].shape == (1, 2)


# ------------------------------------------------------------ PyTorch's files
def _torch_like_zip(path, pickle_name="model/data.pkl"):
    with zipfile.ZipFile(path, "w") as archive:  # what torch.save writes: pickles and raw storages
        archive.writestr(pickle_name, b"\x80\x02}q\x00.")
        archive.writestr("model/data/0", b"\0" * 8)
        archive.writestr("model/version", b"3\n")


def test_a_zip_of_pickles_as_torch_writes_is_refused_as_a_pickle_with_the_conversion(tmp_path):
    path = tmp_path / "model.pt"
    _torch_like_zip(path)
    with pytest.raises(tg.UnsafeFileError) as info:
        tg.load(path)
    assert type(info.value) is tg.UnsafeFileError  # refused for its pickle, not called damaged
    message = str(info.value)
    assert "holds the pickle 'model/data.pkl'" in message and "torch.save" in message
    assert "never unpickles" in message and "tg.interop.from_torch(torch.load(path, weights_only=True))" in message


def test_a_pickle_entry_anywhere_in_the_zip_is_found_even_after_npy_entries(tmp_path):
    path = tmp_path / "mixed.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("w.npy", _npy(np.ones(2)))
        archive.writestr("evil.pkl", b"\x80\x04K\x01.")
    with pytest.raises(tg.UnsafeFileError, match="holds the pickle 'evil.pkl'") as info:
        tg.load(path)
    assert type(info.value) is tg.UnsafeFileError


def test_a_real_torch_save_file_is_refused_and_the_conversion_works(tmp_path):
    torch = pytest.importorskip("torch")
    layer = torch.nn.Linear(2, 1)
    torch.save(layer.state_dict(), tmp_path / "layer.pt")
    with pytest.raises(tg.UnsafeFileError, match=r"holds the pickle '.*data\.pkl'"):
        tg.load(tmp_path / "layer.pt")
    path = tmp_path / "layer.pt"
    tg.save(tg.interop.from_torch(torch.load(path, weights_only=True)), tmp_path / "model.npz")
    ours = nn.Linear(2, 1)
    ours.load_state_dict(tg.load(tmp_path / "model.npz"))
    np.testing.assert_array_equal(ours.weight.data, layer.weight.detach().numpy())


# ------------------------------------------------------------ foreign arrays named
def _foreign_tensor():
    """An object of another library that numpy can convert, as a PyTorch tensor is."""
    module = types.ModuleType("otherlib.core")
    exec("class Tensor:\n    def __array__(self, dtype=None, copy=None):\n        import numpy\n"
         "        return numpy.ones(2)\n", module.__dict__)
    return module.Tensor()


def test_saving_an_array_of_another_library_names_its_type_and_the_conversion(tmp_path):
    path = tmp_path / "ckpt.npz"
    tg.save(OLD, path)
    before = path.read_bytes()
    with pytest.raises(TypeError) as info:
        tg.save({"model": {"weight": _foreign_tensor()}}, path)
    message = str(info.value)
    assert message.startswith("save: cannot store model/weight of type otherlib.Tensor;")
    assert "np.asarray(value)" in message and "tg.interop.from_torch(state_dict)" in message
    assert path.read_bytes() == before


def test_saving_a_plain_unsupported_value_has_no_conversion_hint(tmp_path):
    with pytest.raises(TypeError) as info:
        tg.save({"opt": {"ids": {1, 2}}}, tmp_path / "unused.npz")
    assert str(info.value) == ("save: cannot store opt/ids of type set; use numpy arrays, tinygrad_nn Tensors, "
                               "numbers, strings, None, and dicts/lists of them")


def test_saving_a_torch_state_dict_names_torch_tensor(tmp_path):
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"cannot store weight of type torch\.Tensor;.*from_torch"):
        tg.save(torch.nn.Linear(2, 1).state_dict(), tmp_path / "t.npz")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------ tied weights
class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.encode = nn.Linear(3, 3, rng=0)
        self.decode = nn.Linear(3, 3, rng=1)
        self.decode.weight = self.encode.weight

    def forward(self, x):
        return self.decode(self.encode(x))


def _torch_style_state(model):
    """What PyTorch's state_dict holds for ``Tied``: the shared weight under both paths."""
    state = model.state_dict()
    return {"encode.weight": state["encode.weight"], "encode.bias": state["encode.bias"],
            "decode.weight": state["encode.weight"].copy(), "decode.bias": state["decode.bias"]}


def test_a_state_dict_naming_a_shared_parameter_by_every_path_loads():
    source, target = Tied(), Tied()
    source.encode.weight.data = source.encode.weight.data * 3 + 1
    assert list(target.state_dict()) == ["encode.weight", "encode.bias", "decode.bias"]
    result = target.load_state_dict(_torch_style_state(source))
    assert result == ([], []) and result.unexpected_keys == []
    np.testing.assert_array_equal(target.decode.weight.data, source.encode.weight.data)
    assert target.decode.weight is target.encode.weight


def test_a_shared_parameter_given_only_under_its_other_path_loads_and_is_not_missing():
    source, target = Tied(), Tied()
    state = _torch_style_state(source)
    del state["encode.weight"]
    state["decode.weight"] = np.full((3, 3), 7.0)
    assert target.load_state_dict(state) == ([], [])
    np.testing.assert_array_equal(target.encode.weight.data, np.full((3, 3), 7.0))
    assert target.load_state_dict({"decode.weight": np.zeros((3, 3))}, strict=False) == (
        ["encode.bias", "decode.bias"], [])


def test_two_paths_of_one_shared_parameter_with_different_values_are_refused_and_nothing_changes():
    model = Tied()
    before = [p.data.copy() for p in model.parameters()]
    state = _torch_style_state(Tied())
    state["decode.weight"] = state["decode.weight"] + 1
    with pytest.raises(nn.StateDictError) as info:
        model.load_state_dict(state, strict=False)
    assert ("encode.weight, decode.weight: these name one shared parameter but hold different values"
            in str(info.value))
    assert all(np.array_equal(b, p.data) for b, p in zip(before, model.parameters()))


def test_a_bad_value_under_the_other_path_of_a_shared_parameter_is_named_by_that_path():
    state = _torch_style_state(Tied())
    state["decode.weight"] = np.ones((3, 2))
    with pytest.raises(nn.StateDictError, match=r"decode\.weight: expected shape \(3, 3\), got \(3, 2\)"):
        Tied().load_state_dict(state)


def test_keys_through_a_shared_path_that_name_no_parameter_stay_unexpected():
    result = Tied().load_state_dict({"decode.nothing": 1, "decode": 2, "decode.weight.x": 3, "zz.weight": 4},
                                    strict=False)
    assert result.missing_keys == ["encode.weight", "encode.bias", "decode.bias"]
    assert result.unexpected_keys == ["decode.nothing", "decode", "decode.weight.x", "zz.weight"]


def test_a_module_used_twice_loads_the_state_dict_that_lists_it_twice():
    shared = nn.Linear(2, 2, rng=0)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert list(model.state_dict()) == ["0.weight", "0.bias"]
    state = {f"{i}.{name}": np.full(shape, 0.5) for i in (0, 2) for name, shape in [("weight", (2, 2)),
                                                                                     ("bias", (2,))]}
    assert model.load_state_dict(state) == ([], [])
    np.testing.assert_array_equal(shared.weight.data, np.full((2, 2), 0.5))


def test_a_tied_pytorch_model_loads_into_ours_and_ours_into_it_with_strict_false():
    torch = pytest.importorskip("torch")

    class TorchTied(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encode = torch.nn.Linear(3, 3, dtype=torch.float64)
            self.decode = torch.nn.Linear(3, 3, dtype=torch.float64)
            self.decode.weight = self.encode.weight

        def forward(self, x):
            return self.decode(self.encode(x))

    torch.manual_seed(0)
    theirs, ours = TorchTied(), Tied()
    assert list(theirs.state_dict()) == ["encode.weight", "encode.bias", "decode.weight", "decode.bias"]
    assert ours.load_state_dict(tg.interop.from_torch(theirs.state_dict())) == ([], [])
    x = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_allclose(ours(tg.Tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-12)
    back = TorchTied()
    result = back.load_state_dict(tg.interop.to_torch(ours.state_dict()), strict=False)  # as the docs say
    assert result.missing_keys == ["decode.weight"] and result.unexpected_keys == []
    np.testing.assert_array_equal(back.decode.weight.detach().numpy(), ours.decode.weight.data)


def test_a_path_like_that_gives_no_str_is_refused_clearly(tmp_path):
    class BytesPath(os.PathLike):
        def __fspath__(self):
            return os.fsencode(str(tmp_path / "x.npz"))

    class BrokenPath(os.PathLike):
        def __fspath__(self):
            raise RuntimeError("no name today")

    with pytest.raises(TypeError, match=r"save: path must be a file name .* whose __fspath__ gave bytes"):
        tg.save({}, BytesPath())
    with pytest.raises(TypeError, match=r"load: path .* gave no file name: no name today"):
        tg.load(BrokenPath())
    assert not list(tmp_path.iterdir())

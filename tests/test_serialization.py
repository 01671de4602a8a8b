"""tg.save / tg.load: npz round trips, nested state, and refusal of pickled content."""

import pickle

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_nn as tg
from tinygrad_nn import nn


@given(st.lists(st.integers(1, 5), min_size=2, max_size=4), st.sampled_from([np.float32, np.float64]))
def test_module_state_round_trips_exactly(tmp_path_factory, sizes, dtype):
    path = tmp_path_factory.mktemp("save") / "net.npz"
    source = nn.MLP(sizes, dtype=dtype, rng=0)
    tg.save(source.state_dict(), path)
    loaded = tg.load(path)
    assert list(loaded) == list(source.state_dict())
    for name, array in source.state_dict().items():
        assert loaded[name].dtype == dtype
        np.testing.assert_array_equal(loaded[name], array)
    target = nn.MLP(sizes, dtype=dtype, rng=1)
    target.load_state_dict(loaded)
    x = tg.Tensor(np.ones((2, sizes[0]), dtype=dtype))
    np.testing.assert_array_equal(target(x).data, source(x).data)


def test_flat_files_are_plain_npz_that_numpy_reads(tmp_path):
    path = tmp_path / "plain.npz"
    tg.save({"w": tg.Tensor([1.0, 2.0]), "b": np.zeros(3)}, path)
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["b", "w"]
        np.testing.assert_array_equal(archive["w"], [1.0, 2.0])


def test_nested_state_with_numbers_strings_lists_and_tuples_round_trips(tmp_path):
    state = {"step": 7, "lr": 0.05, "name": "adam", "flag": True, "nothing": None,
             "betas": (0.9, 0.999), "slots": [{"m": np.arange(3.0)}, {"m": np.ones((2, 2), np.float32)}]}
    tg.save(state, tmp_path / "opt.npz")
    loaded = tg.load(tmp_path / "opt.npz")
    assert {k: loaded[k] for k in ("step", "lr", "name", "flag", "nothing", "betas")} == {
        "step": 7, "lr": 0.05, "name": "adam", "flag": True, "nothing": None, "betas": (0.9, 0.999)}
    np.testing.assert_array_equal(loaded["slots"][0]["m"], np.arange(3.0))
    assert loaded["slots"][1]["m"].dtype == np.float32


def test_a_crafted_npz_with_an_object_array_is_refused_and_never_unpickled(tmp_path):
    class Bomb:
        def __reduce__(self):
            return (exec, ("raise SystemExit('pickle was executed')",))

    path = tmp_path / "evil.npz"
    np.savez(path, weight=np.array([Bomb()], dtype=object), allow_pickle=True)
    with pytest.raises(tg.UnsafeFileError, match="entry 'weight'.*holds pickled objects"):
        tg.load(path)


def test_a_raw_pickle_file_is_refused(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(pickle.dumps({"weight": [1.0]}))
    with pytest.raises(tg.UnsafeFileError, match="refused unread"):
        tg.load(path)


def test_saving_refuses_objects_and_non_string_keys(tmp_path):
    with pytest.raises(TypeError, match="dtype object"):
        tg.save({"w": np.array([object()], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="keys must be strings"):
        tg.save({1: np.zeros(2), "nested": {2: 3}}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="cannot store"):
        tg.save({"f": lambda: 0, "nested": {}}, tmp_path / "x.npz")


def test_a_pickled_npy_and_a_damaged_manifest_are_refused_with_clear_errors(tmp_path):
    npy = tmp_path / "objects.npy"
    np.save(npy, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(tg.UnsafeFileError, match=r"\.npy array of Python objects"):
        tg.load(npy)
    damaged = tmp_path / "damaged.npz"
    tg.save({"optimizer": {"step": 3, "moments": [np.ones(2)]}}, damaged)
    with np.load(damaged) as archive:
        kept = {name: archive[name] for name in archive.files if "moments" not in name}
    np.savez(damaged, **kept)
    with pytest.raises(tg.UnsafeFileError, match="damaged"):
        tg.load(damaged)

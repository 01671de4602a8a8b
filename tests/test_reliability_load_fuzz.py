"""Fuzzing tg.load: damaged copies of valid files either load their original content or raise the
documented error; files numpy writes load exactly as np.load reads them."""

import io
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import tinygrad_nn as tg
from tinygrad_nn import UnsafeFileError

KINDS = ["flat", "nested", "compressed"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def valid(folder):
    """``{kind: (bytes, state)}``: a module's flat state, nested optimizer-like state, np.savez_compressed."""
    return {kind: valid_file(folder / f"{kind}.npz", kind) for kind in KINDS}


def valid_file(path, kind):
    if kind == "flat":
        state = tg.nn.MLP([3, 4, 2], rng=0).state_dict()
        tg.save(state, path)
    elif kind == "nested":
        state = {"model": {"w": np.arange(6.0).reshape(2, 3)}, "step": 3, "name": "adam",
                 "betas": (0.9, 0.999), "moments": [np.ones(3, np.float32), np.zeros((2, 2))]}
        tg.save(state, path)
    else:
        state = {"a": np.zeros(500), "b": np.arange(10)}
        np.savez_compressed(path, **state)
    return path.read_bytes(), state


def same(loaded, original):
    if isinstance(original, dict):
        return isinstance(loaded, dict) and list(loaded) == list(original) and all(
            same(loaded[key], value) for key, value in original.items())
    if isinstance(original, (list, tuple)):
        return type(loaded) is type(original) and len(loaded) == len(original) and all(
            same(a, b) for a, b in zip(loaded, original))
    if isinstance(original, np.ndarray):
        return loaded.dtype == original.dtype and np.array_equal(loaded, original)
    return loaded == original


def load_quietly(data, path):
    """``tg.load`` of ``data`` written to ``path``; returns ``(result, error)``, with warnings as errors."""
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return tg.load(path), None
        except UnsafeFileError as error:
            assert str(path) in str(error)
            return None, error


damage = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1, exclude_max=True)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)),
                                        min_size=1, max_size=4)))


def damaged(data, how):
    kind, detail = how
    if kind == "truncate":
        return data[:int(detail * len(data))]
    data = bytearray(data)
    for where, mask in detail:
        data[int(where * len(data))] ^= mask
    return bytes(data)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(KINDS), how=damage)
def test_a_damaged_file_gives_its_original_content_or_the_documented_error(folder, valid, kind, how):
    data, state = valid[kind]
    result, error = load_quietly(damaged(data, how), folder / "damaged.npz")
    if error is None:  # the damage hit bytes that do not matter (dates, unused header fields)
        assert same(result, state)


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(KINDS), data=st.data(), how=damage)
def test_a_damaged_entry_in_a_well_formed_zip_loads_or_raises_the_documented_error(folder, valid, kind, data, how):
    with zipfile.ZipFile(io.BytesIO(valid[kind][0])) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    name = data.draw(st.sampled_from(sorted(entries)))
    entries[name] = damaged(entries[name], how)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # fresh checksums: only the entry's content is wrong
        for entry, content in entries.items():
            archive.writestr(entry, content)
    load_quietly(buffer.getvalue(), folder / "damaged_entry.npz")


DTYPES = ["<f8", ">f4", "<f2", "<i2", ">i8", "<u8", "|u1", "|b1", "<c16", "<U3", "|S2"]


@settings(max_examples=150, deadline=None)
@given(array=st.sampled_from(DTYPES).flatmap(lambda dtype: arrays(dtype, array_shapes(min_dims=0, max_dims=3,
                                                                                       min_side=0, max_side=4))),
       fortran_order=st.booleans(), compressed=st.booleans())
def test_load_reads_every_file_numpy_writes_as_np_load_does(folder, array, fortran_order, compressed):
    path = folder / "numpy.npz"
    array = np.asfortranarray(array) if fortran_order else array
    (np.savez_compressed if compressed else np.savez)(path, x=array, y=np.arange(3))
    loaded = tg.load(path)
    with np.load(path, allow_pickle=False) as archive:
        expected = {name: archive[name] for name in archive.files}
    assert list(loaded) == list(expected)
    for name, value in expected.items():
        assert loaded[name].dtype == value.dtype and loaded[name].shape == value.shape
        np.testing.assert_array_equal(loaded[name], value)
        assert loaded[name].flags.writeable

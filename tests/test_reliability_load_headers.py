"""tg.load of hostile headers and structure descriptions: the documented error, never numpy's or a warning.

A ``.npy`` header may declare a shape that holds no data and still is more
than numpy can index; its text may make ``ast.literal_eval`` or ``np.dtype``
warn. A structure description (JSON) may be tiny when deflated and cost
hundreds of megabytes to parse; ``max_bytes`` caps it.
"""

import contextlib
import json
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import CorruptFileError, UnsafeFileError

from test_reliability_load import MANIFEST, npy_bytes, npy_with_header, write_zip


def header(shape, descr="<f8", fortran_order=False):
    return f"{{'descr': {descr!r}, 'fortran_order': {fortran_order}, 'shape': {shape}, }}"


def load_quietly(path, **options):
    """``tg.load(path)`` with every warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return tg.load(path, **options)


# Each case: (the header text, words the message must hold).
BAD_HEADERS = {
    "zero-size shape with an axis of 10**30": (header((0, 10**30)), ["larger than numpy can index"]),
    "zero-size shape with an axis of 2**63": (header((0, 2**63)), ["larger than numpy can index"]),
    "zero-size shape of more than 2**63 bytes": (header((0, 2**62, 2**62)), ["larger than numpy can index"]),
    "the same in Fortran order": (header((2**62, 2**62, 0), fortran_order=True), ["larger than numpy can index"]),
    "2**60 float64 beside a 0": (header((2**60, 0)), ["larger than numpy can index"]),
    "huge strings beside a 0": (header((0, 2**40), descr="|S100000000"), ["larger than numpy can index"]),
    "negative axis beside a 0": (header((0, -1)), ["whole numbers >= 0"]),
    "float axis": (header((1.0,)), ["whole numbers >= 0"]),
    "bool axis": (header((True,)), ["whole numbers >= 0"]),
    "65 axes": (header((0,) * 65), ["the shape must be a tuple of at most"]),
    "fortran_order of 1": (header((1,), fortran_order=1), ["'fortran_order' must be True or False"]),
    "fortran_order of None": (header((1,), fortran_order=None), ["'fortran_order' must be True or False"]),
    "invalid escape in the descr": ("{'descr': '<f8\\d', 'fortran_order': False, 'shape': (0,), }",
                                    ["backslash"]),
    "a number run into a keyword": ("{'descr': '<f8', 'fortran_order': False, 'shape': (1if 1 else 0,), }",
                                    ["digit run into a letter"]),
    "a hexadecimal axis": (header("(0x0,)"), ["digit run into a letter"]),
}


@pytest.mark.parametrize("case", BAD_HEADERS, ids=list(BAD_HEADERS))
def test_a_hostile_header_raises_corrupt_file_error_naming_file_and_entry(tmp_path, case):
    text, words = BAD_HEADERS[case]
    path = write_zip(tmp_path / "f.npz", {"w.npy": npy_with_header(text)})
    with pytest.raises(CorruptFileError) as info:
        load_quietly(path)
    message = str(info.value)
    assert message.startswith("load: ") and f"entry 'w' of {path}" in message
    for word in words:
        assert word in message
    assert len(message) < 600


def test_the_largest_zero_size_shapes_numpy_indexes_load_as_empty_arrays(tmp_path):
    limit = np.iinfo(np.intp).max
    for shape, fortran_order in [((0, limit // 8), False), ((limit // 16, 0, 2), True), ((0,) * 64, False)]:
        path = write_zip(tmp_path / "f.npz", {"w.npy": npy_with_header(header(shape, fortran_order=fortran_order))})
        loaded = load_quietly(path)["w"]
        assert loaded.shape == shape and loaded.size == 0
        assert loaded.flags.f_contiguous if fortran_order else loaded.flags.c_contiguous


def test_the_deprecated_bytes_alias_a_loads_as_s_without_a_warning(tmp_path):
    path = write_zip(tmp_path / "f.npz", {"w.npy": npy_with_header(header((2,), descr="|a3"), b"abcdef")})
    loaded = load_quietly(path)["w"]
    assert loaded.dtype == np.dtype("S3") and loaded.tolist() == [b"abc", b"def"]


def test_headers_numpy_writes_still_load(tmp_path):
    arrays = {"f": np.arange(6.0).reshape(2, 3), "fortran": np.asfortranarray(np.ones((2, 3), np.float32)),
              "text": np.array(["ab", "c"]), "bytes": np.array([b"x"]), "c": np.array(1 + 2j), "e": np.zeros((0, 5))}
    path = write_zip(tmp_path / "f.npz", {f"{name}.npy": npy_bytes(array) for name, array in arrays.items()})
    loaded = load_quietly(path)
    for name, array in arrays.items():
        assert loaded[name].dtype == array.dtype and loaded[name].flags.f_contiguous == array.flags.f_contiguous
        np.testing.assert_array_equal(loaded[name], array)


# ------------------------------------------------------ the structure description
def with_manifest(path, text, compression=zipfile.ZIP_DEFLATED):
    return write_zip(path, {MANIFEST: npy_bytes(np.array(text))}, compression)


def peak_and_error(call):
    """The largest amount of memory (bytes) traced while ``call()`` ran, and the UnsafeFileError it raised."""
    tracemalloc.start()
    try:
        call()
    except UnsafeFileError as error:
        raised = error
    else:
        raised = None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, raised


@contextlib.contextmanager
def bytes_read_from_zip_entries():
    """``[n]``: how many bytes were read out of (inflated from) zip entries inside the block."""
    count = [0]
    real = {name: getattr(zipfile.ZipExtFile, name) for name in ("read", "read1", "readline")}

    def counting(method):
        def read(self, *args, **options):
            data = method(self, *args, **options)
            count[0] += len(data)
            return data
        return read

    with pytest.MonkeyPatch.context() as patch:
        for name, method in real.items():
            patch.setattr(zipfile.ZipExtFile, name, counting(method))
        yield count


def test_a_small_file_with_a_huge_structure_description_is_refused_before_it_is_decompressed(tmp_path):
    text = '{"list":[' + ",".join(['{"list":[]}'] * 400_000) + "]}"  # 4.8 MB of JSON, 19 MB stored
    path = with_manifest(tmp_path / "bomb.npz", text)
    assert path.stat().st_size < 100_000  # so the default max_bytes is about 64 MiB, and 19 MB fit in it
    with bytes_read_from_zip_entries() as inflated:
        peak, raised = peak_and_error(lambda: load_quietly(path))
    assert type(raised) is UnsafeFileError
    message = str(raised)
    assert message.startswith(f"load: {path} has a structure description") and "max_bytes=" in message
    assert "(uncompressed)" in message and "default: 64 MiB + 4 x the file size" in message
    # not inflated, not even piece by piece (a count, not a time: the same on a slow machine)
    assert peak < 2**20 and inflated[0] < 2**20


def test_a_structure_description_over_max_bytes_over_16_characters_is_refused(tmp_path):
    text = json.dumps({"value": "x" * 70_000})  # 70 kB of text: one item, many characters
    path = with_manifest(tmp_path / "f.npz", text, zipfile.ZIP_STORED)
    assert load_quietly(path, max_bytes=16 * len(text)) == "x" * 70_000
    with pytest.raises(UnsafeFileError, match=f"that is {len(text)} characters long, over the") as info:
        load_quietly(path, max_bytes=16 * len(text) - 16)
    assert type(info.value) is UnsafeFileError and "(as given)" in str(info.value)


def test_a_structure_description_with_too_many_items_is_refused_before_it_is_parsed(tmp_path):
    text = "[" + ",".join(["[]"] * 200_000) + "]"  # few characters per item: 400001 of '[' and ','
    path = with_manifest(tmp_path / "f.npz", text)
    peak, raised = peak_and_error(lambda: load_quietly(path, max_bytes=16 * len(text)))
    assert type(raised) is UnsafeFileError
    assert "holds 400001 items (counted as its '{', '[', ',' and ':'), over the 150000" in str(raised)
    assert peak < 4 * 16 * len(text) // 4 + 2**20  # the text itself, not 200000 parsed lists


def test_parsing_a_description_at_the_caps_stays_near_max_bytes(tmp_path):
    max_bytes = 2**22
    count = max_bytes // 64 // 4 - 10  # 4 items each: '{', ':', '[' and ','
    text = '{"list":[' + ",".join(['{"list":[]}'] * count) + "]}"
    path = with_manifest(tmp_path / "f.npz", text)
    peak, raised = peak_and_error(lambda: tg.load(path, max_bytes=max_bytes))
    assert raised is None
    assert peak < 2 * max_bytes


def test_a_checkpoint_with_a_large_optimizer_state_loads_with_the_default_limit(tmp_path):
    params = [tg.Tensor(np.full(2, float(i)), requires_grad=True) for i in range(500)]
    adam = tg.optim.Adam(params, lr=0.01)
    for param in params:
        param.grad = np.ones(2)
    adam.step()
    tg.save({"optimizer": adam.state_dict(), "epoch": 3}, tmp_path / "f.npz")
    loaded = load_quietly(tmp_path / "f.npz")
    assert loaded["epoch"] == 3
    np.testing.assert_array_equal(loaded["optimizer"]["state.499.exp_avg"],
                                  adam.state_dict()["state.499.exp_avg"])

"""tg.load of an untrusted file: every malformed file raises UnsafeFileError or CorruptFileError, says
what is wrong (naming the file and the entry), never allocates more than max_bytes, never unpickles."""

import io
import json
import pickle
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import CorruptFileError, UnsafeFileError

MANIFEST = "__tinygrad_nn_structure__.npy"


def npy_bytes(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def npy_with_header(header, data=b""):
    """A .npy entry (format 1.0) with ``header`` as its header text, as numpy would frame it."""
    text = (header + " " * (63 - (10 + len(header)) % 64) + "\n").encode("latin1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + data


def write_zip(path, entries, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def with_manifest(path, text, arrays=None):
    entries = {f"{name}.npy": npy_bytes(array) for name, array in (arrays or {"w": np.ones(2)}).items()}
    return write_zip(path, {**entries, MANIFEST: npy_bytes(np.array(text))})


def patch_central_directory(path, **fields):
    """Overwrite fields of the first central directory record: compress_size, file_size, comment_length."""
    data = bytearray(path.read_bytes())
    record = data.index(b"PK\x01\x02")
    for field, value in fields.items():
        offset, layout = {"compress_size": (20, "<I"), "file_size": (24, "<I"), "comment_length": (32, "<H")}[field]
        data[record + offset:record + offset + struct.calcsize(layout)] = struct.pack(layout, value)
    path.write_bytes(bytes(data))
    return path


def saved(path, state):
    tg.save(state, path)
    return path


def cut(path, fraction):
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * fraction)])
    return path


def write_bytes(path, data):
    path.write_bytes(data)
    return path


def flip_last_data_byte(path):
    data = bytearray(path.read_bytes())
    data[data.index(b"PK\x01\x02") - 1] ^= 0xFF  # the last byte of the (stored) entry's data
    path.write_bytes(bytes(data))
    return path


# Each case: (a builder of the bad file in a folder, the exact error class, words the message must hold).
MALFORMED = {
    "empty file": (lambda d: write_bytes(d / "f.npz", b""), CorruptFileError, ["is empty"]),
    "not a zip": (lambda d: write_bytes(d / "f.npz", b"weight = [1, 2, 3]\n"),
                  CorruptFileError, ["is not an npz archive"]),
    "truncated file": (lambda d: cut(saved(d / "f.npz", {"w": np.ones(100)}), 0.6),
                       CorruptFileError, ["is not an npz archive, or is truncated"]),
    "truncated entry": (lambda d: write_zip(d / "f.npz", {"w.npy": npy_bytes(np.ones(10))[:-8]}),
                        CorruptFileError, ["entry 'w'", "is truncated", "shape (10,) of float64 (80 bytes)",
                                           "holds 72"]),
    "entry cut inside its header": (lambda d: write_zip(d / "f.npz", {"w.npy": npy_bytes(np.ones(3))[:30]}),
                                    CorruptFileError, ["entry 'w'", "truncated inside its .npy header"]),
    "garbage header": (lambda d: write_zip(d / "f.npz", {"w.npy": npy_with_header("{'descr': <f8, !!")}),
                       CorruptFileError, ["entry 'w'", "damaged .npy header", "not a Python literal"]),
    "header of the wrong type": (lambda d: write_zip(d / "f.npz", {"w.npy": npy_with_header("[1, 2, 3]")}),
                                 CorruptFileError, ["entry 'w'", "expected a dict with 'descr'"]),
    "negative shape": (lambda d: write_zip(d / "f.npz", {"w.npy": npy_with_header(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }")}),
        CorruptFileError, ["entry 'w'", "whole numbers >= 0"]),
    "unknown dtype": (lambda d: write_zip(d / "f.npz", {"w.npy": npy_with_header(
        "{'descr': 'float99', 'fortran_order': False, 'shape': (1,), }")}),
        CorruptFileError, ["entry 'w'", "'float99' is no dtype"]),
    "header declares far more data than the entry holds": (
        lambda d: write_zip(d / "f.npz", {"w.npy": npy_with_header(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }", b"\0" * 16)}),
        CorruptFileError, ["entry 'w'", "is truncated", "8000000000000 bytes", "holds 16"]),
    "directory declares far more data than the archive holds": (
        lambda d: patch_central_directory(write_zip(d / "f.npz", {"w.npy": npy_bytes(np.ones(4))}),
                                          compress_size=2**31, file_size=2**31),
        CorruptFileError, ["entry 'w'", "is truncated", "past the end"]),
    "directory that hides an entry": (  # the first record's comment swallows the second record (46 + 5 bytes)
        lambda d: patch_central_directory(write_zip(d / "f.npz", {"w.npy": npy_bytes(np.ones(2)),
                                                                  "v.npy": npy_bytes(np.ones(3))}),
                                          comment_length=51),
        CorruptFileError, ["is damaged", "bytes no entry accounts for"]),
    "checksum mismatch": (lambda d: flip_last_data_byte(saved(d / "f.npz", {"w": np.ones(4)})),
                          CorruptFileError, ["entry 'w'", "checksum does not match"]),
    "entry that is no .npy": (lambda d: write_zip(d / "f.npz", {"notes.txt": b"hello"}),
                              CorruptFileError, ["entry 'notes.txt'", "is not a .npy array"]),
    "entry that is no .npy array inside": (lambda d: write_zip(d / "f.npz", {"w.npy": b"hello world"}),
                                           CorruptFileError, ["entry 'w'", "does not start with the .npy signature"]),
    "manifest that is not JSON": (lambda d: with_manifest(d / "f.npz", "{'dict': [}"),
                                  CorruptFileError, ["structure description is not JSON"]),
    "manifest nested too deeply for JSON": (lambda d: with_manifest(d / "f.npz", "[" * 100_000),
                                            CorruptFileError, ["nested too deeply"]),
    "manifest nested too deeply": (lambda d: with_manifest(d / "f.npz", '{"list": [' * 100 + "]}" * 100),
                                   CorruptFileError, ["nested more than 64 levels"]),
    "manifest of the wrong types": (lambda d: with_manifest(d / "f.npz", '{"dict": 5}'),
                                    CorruptFileError, ["'dict' with content '5' is no saved value"]),
    "manifest value that is a container": (lambda d: with_manifest(d / "f.npz", '{"value": {"a": 1}}'),
                                           CorruptFileError, ["'value'", "is no saved value"]),
    "manifest naming an array twice": (
        lambda d: with_manifest(d / "f.npz", '{"list": [{"array": "w"}, {"array": "w"}]}'),
        CorruptFileError, ["names the array 'w' twice"]),
    "manifest naming a missing array": (lambda d: with_manifest(d / "f.npz", '{"array": "v"}'),
                                        CorruptFileError, ["names the array 'v' but the archive has no such entry"]),
    "manifest ignoring an array": (lambda d: with_manifest(d / "f.npz", '{"value": 3}'),
                                   CorruptFileError, ["does not mention the entries ['w']"]),
    "manifest that is no text": (lambda d: write_zip(d / "f.npz", {MANIFEST: npy_bytes(np.ones(2))}),
                                 CorruptFileError, ["structure description is a float64 array"]),
    "raw pickle bytes in an entry": (lambda d: write_zip(d / "f.npz", {"w.npy": pickle.dumps([1.0, 2.0])}),
                                     UnsafeFileError, ["entry 'w'", "holds a pickle", "nothing was unpickled"]),
    "object array": (lambda d: write_zip(d / "f.npz", {"w.npy": npy_bytes(np.array([{}], dtype=object))}),
                     UnsafeFileError, ["entry 'w'", "holds pickled objects"]),
    "structured dtype": (lambda d: write_zip(d / "f.npz", {"w.npy": npy_bytes(np.zeros(2, "f8,i4"))}),
                         UnsafeFileError, ["entry 'w'", "structured dtype"]),
    "raw pickle file": (lambda d: write_bytes(d / "f.npz", pickle.dumps({"w": 1})),
                        UnsafeFileError, ["is a pickle and was refused unread"]),
    "a single .npy array": (lambda d: write_bytes(d / "f.npz", npy_bytes(np.ones(3))),
                            UnsafeFileError, ["holds a single .npy array (float64, shape (3,))"]),
    "bzip2 entry": (lambda d: write_zip(d / "f.npz", {"w.npy": npy_bytes(np.ones(3))}, zipfile.ZIP_BZIP2),
                    UnsafeFileError, ["entry 'w'", "compression method 12"]),
    "text beyond Unicode": (lambda d: write_zip(d / "f.npz", {"w.npy": npy_with_header(
        "{'descr': '<U1', 'fortran_order': False, 'shape': (1,), }", struct.pack("<I", 0x110077))}),
                            CorruptFileError, ["entry 'w'", "0x110077", "no Unicode character"]),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_each_malformed_file_raises_the_documented_error_naming_file_entry_and_problem(tmp_path, case):
    build, error_class, words = MALFORMED[case]
    path = build(tmp_path)
    with pytest.raises(UnsafeFileError) as info:
        tg.load(path)
    assert type(info.value) is error_class
    message = str(info.value)
    assert message.startswith("load: ") and str(path) in message
    for word in words:
        assert word in message


def test_a_missing_file_stays_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        tg.load(tmp_path / "nowhere.npz")


# ------------------------------------------------------------ size limits
def peak_allocation(call):
    """The largest amount of memory (bytes) traced while ``call()`` ran, and what it raised."""
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


def test_a_decompression_bomb_is_refused_before_it_is_decompressed(tmp_path):
    path = tmp_path / "bomb.npz"
    count = 10_000_000  # 80 MB of zeros in a file of about 80 kB
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("w.npy", "w", force_zip64=True) as entry:
            entry.write(npy_with_header(f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({count},), }}"))
            zeros = bytes(2**20)
            for _ in range(count * 8 // len(zeros)):
                entry.write(zeros)
            entry.write(bytes(count * 8 % len(zeros)))
    assert path.stat().st_size < 200_000
    peak, raised = peak_allocation(lambda: tg.load(path))
    assert isinstance(raised, UnsafeFileError) and not isinstance(raised, CorruptFileError)
    assert "max_bytes=" in str(raised) and "default: 64 MiB + 4 x the file size" in str(raised)
    assert peak < 2**20


def test_a_1_mb_file_that_declares_1_gb_allocates_nothing_of_it(tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, 2**20, dtype=np.uint8)  # incompressible
    path = write_zip(tmp_path / "big.npz", {"w.npy": npy_bytes(noise)}, zipfile.ZIP_DEFLATED)
    patch_central_directory(path, file_size=2**30)
    peak, raised = peak_allocation(lambda: tg.load(path))
    assert isinstance(raised, UnsafeFileError) and "1073741824 bytes" in str(raised)
    assert peak < 2**20


def test_a_header_that_lies_about_its_size_allocates_nothing_of_it(tmp_path):
    path = write_zip(tmp_path / "f.npz", {"w.npy": npy_with_header(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (134217728,), }", b"\0" * 64)})
    peak, raised = peak_allocation(lambda: tg.load(path, max_bytes=2**40))
    assert isinstance(raised, CorruptFileError) and "is truncated" in str(raised)
    assert peak < 2**20


def test_max_bytes_caps_what_a_compressed_file_may_expand_to(tmp_path):
    path = tmp_path / "zeros.npz"
    np.savez_compressed(path, w=np.zeros(100_000))  # 800 kB in a file of about 1 kB
    np.testing.assert_array_equal(tg.load(path)["w"], np.zeros(100_000))  # under the 64 MiB floor
    with pytest.raises(UnsafeFileError, match=r"over max_bytes=100000 \(as given\)"):
        tg.load(path, max_bytes=100_000)
    with pytest.raises(TypeError, match="max_bytes must be a whole number"):
        tg.load(path, max_bytes=1.5)
    with pytest.raises(ValueError, match="max_bytes must be >= 0"):
        tg.load(path, max_bytes=-1)


# -------------------------------------------------------- nothing unpickled
class WritesAMarker:
    """Unpickling this object would create the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('unpickled')",))


PAYLOADS = {
    "object array in an npz": lambda path, bomb: np.savez(path, w=np.array([bomb], dtype=object)),
    "pickle renamed to .npz": lambda path, bomb: path.write_bytes(pickle.dumps({"w": bomb})),
    "pickle inside an entry": lambda path, bomb: write_zip(path, {"w.npy": pickle.dumps(bomb)}),
    "object .npy renamed to .npz": lambda path, bomb: path.write_bytes(npy_bytes(np.array([bomb], dtype=object))),
    "object array behind a manifest": lambda path, bomb: write_zip(path, {
        "w.npy": npy_bytes(np.array([bomb], dtype=object)),
        MANIFEST: npy_bytes(np.array(json.dumps({"dict": [["w", {"array": "w"}]]})))}),
}


@pytest.mark.parametrize("payload", PAYLOADS, ids=list(PAYLOADS))
def test_a_pickle_payload_is_refused_and_never_runs(tmp_path, payload):
    marker = tmp_path / "marker.txt"
    bomb = WritesAMarker(marker)
    pickle.loads(pickle.dumps(bomb))  # the payload works: unpickling it writes the marker
    assert marker.exists()
    marker.unlink()
    path = tmp_path / "evil.npz"
    PAYLOADS[payload](path, bomb)
    with pytest.raises(UnsafeFileError, match="pickle"):
        tg.load(path)
    assert not marker.exists()

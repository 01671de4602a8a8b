"""Reading an ``.npz`` archive without trusting it (the reading half of ``tg.load``).

An npz file is a zip archive of ``.npy`` entries. Only two things in it are
parsed: the zip directory (by ``zipfile``) and each entry's ``.npy`` header,
a short Python literal read with ``ast.literal_eval``, which builds numbers,
strings, tuples and dicts and runs nothing. The array data is copied as raw
bytes into an array allocated only after its size was checked against the
entry's size and the ``max_bytes`` budget. Nothing is ever unpickled, and
no error from ``zipfile``, ``zlib`` or ``ast`` reaches the caller: each
damaged or refused file raises ``CorruptFileError`` or ``UnsafeFileError``
with the file, the entry and what is wrong.
"""

import ast
import math
import os
import re
import struct
import zipfile
import zlib

import numpy as np

__all__ = ["UnsafeFileError", "CorruptFileError", "read_archive", "default_max_bytes"]

NPY_SIGNATURE = b"\x93NUMPY"
PICKLE_PROTOCOL_OPCODE = 0x80     # the first byte of every pickle of protocol 2 or later
MAX_HEADER_BYTES = 10000          # numpy's own limit on the .npy header it will parse
MAX_INDEX = int(np.iinfo(np.intp).max)  # numpy's limit on each axis and on an array's size in bytes
DEFLATE_MAX_RATIO = 1032          # deflate cannot expand data by more than this factor
DEFLATE_SLACK = 1024              # ... plus this much, so that tiny entries never trip the check
READ_CHUNK = 2**20               # array data is copied in pieces of this size
LOCAL_HEADER_SIZE = 30            # the fixed part of a zip entry's own header
LOCAL_DESCRIPTOR_MAX = 24         # the largest data descriptor that may follow an entry's data
DEFAULT_MAX_BYTES_FLOOR = 64 * 2**20
DEFAULT_MAX_BYTES_FACTOR = 4
READABLE_KINDS = "biufcUS"        # bools, integers, floats, complex numbers, strings, bytes
# A header that ast.literal_eval would warn about (invalid escapes, "1if ...": DeprecationWarning or
# SyntaxWarning) is refused before it is parsed: numpy never writes a backslash, nor a digit run into a letter.
_STRING_LITERAL = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
_DIGIT_THEN_LETTER = re.compile(r"[0-9][A-Za-z]")
_BYTES_ALIAS = re.compile(r"([<>|=]?)a([0-9]*)")  # numpy 2 deprecates the 'a' of 'a5'; it means 'S5'


def _numpy_max_ndim():
    """numpy's limit on the number of axes: 64 since numpy 2, 32 before."""
    try:
        np.empty((1,) * 64)
    except ValueError:
        return 32
    return 64


MAX_NDIM = _numpy_max_ndim()

# What zipfile and zlib raise on damaged bytes (OSError: a seek to a corrupt, negative offset).
_DAMAGE = (zipfile.BadZipFile, EOFError, OSError, ValueError, struct.error, zlib.error,
           OverflowError, NotImplementedError, KeyError, IndexError)


class UnsafeFileError(ValueError):
    """``tg.load`` refused a file: it holds pickled data or more data than ``max_bytes`` allows.

    Subclass ``CorruptFileError``: the file is damaged or is no npz archive.
    Either way nothing was unpickled and nothing was returned.
    """


class CorruptFileError(UnsafeFileError):
    """The file is not a well-formed npz archive: empty, truncated, no zip, or a damaged header or entry."""


def default_max_bytes(file_size):
    """The default ``max_bytes`` of ``tg.load``: 64 MiB plus 4 times the size of the file."""
    return DEFAULT_MAX_BYTES_FLOOR + DEFAULT_MAX_BYTES_FACTOR * file_size


def read_archive(path, max_bytes=None, check_entries=None):
    """``{entry name without .npy: array}`` of the npz file at ``path``, every entry checked.

    ``max_bytes`` caps the total size of the arrays (None: ``default_max_bytes``
    of the file's size). ``check_entries(entries, limit)``, if given, is called
    with ``{name: ZipInfo}`` and the byte limit once the zip directory passed
    its checks, before any entry is read; it may refuse the file by raising.
    A missing file raises ``FileNotFoundError``; every problem with the
    content raises ``UnsafeFileError`` or ``CorruptFileError``.
    """
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        limit = default_max_bytes(size) if max_bytes is None else max_bytes
        if size == 0:
            raise CorruptFileError(f"load: {path} is empty (0 bytes), not an npz archive")
        head = file.read(len(NPY_SIGNATURE))
        if head[0] == PICKLE_PROTOCOL_OPCODE:
            raise UnsafeFileError(f"load: {path} is a pickle and was refused unread; tinygrad_nn only reads "
                                  "files written by tg.save or np.savez and never unpickles")
        if head == NPY_SIGNATURE:
            file.seek(0)
            dtype, shape, _, _ = read_npy_header(file, str(path))
            raise UnsafeFileError(f"load: {path} holds a single .npy array ({dtype}, shape {shape}), "
                                  "not a saved state dict (.npz); read it with np.load(path, allow_pickle=False)")
        file.seek(0)
        try:
            archive = zipfile.ZipFile(file)
        except _DAMAGE as error:
            raise CorruptFileError(f"load: {path} is not an npz archive, or is truncated: no readable zip "
                                   f"directory ({type(error).__name__}: {error})") from error
        with archive:
            entries = _checked_entries(archive, path, size, limit, max_bytes is None)
            _check_layout(file, entries, getattr(archive, "start_dir", None), path)
            if check_entries is not None:
                check_entries(entries, limit)
            return {name: _read_entry(archive, info, f"entry {name!r} of {path}")
                    for name, info in entries.items()}


def _refuse_pickle_entries(archive, path):
    """Raise ``UnsafeFileError`` for an archive holding a ``.pkl`` entry (``torch.save`` writes such zips)."""
    pickles = [info.filename for info in archive.infolist() if info.filename.endswith(".pkl")]
    if pickles:
        raise UnsafeFileError(f"load: {path} holds the pickle {pickles[0]!r:.120} (a file written by torch.save is "
                              "a zip archive of such pickles) and was refused unread; tinygrad_nn never unpickles. "
                              "Convert a PyTorch state dict where PyTorch is installed: "
                              "tg.save(tg.interop.from_torch(torch.load(path, weights_only=True)), 'model.npz')")


def _checked_entries(archive, path, size, limit, is_default):
    """``{name: ZipInfo}`` after the checks that need only the zip directory (sizes, methods, names)."""
    entries, total = {}, 0
    _refuse_pickle_entries(archive, path)
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            raise CorruptFileError(f"load: entry {info.filename!r} of {path} is not a .npy array; "
                                   "an npz archive holds .npy entries only")
        name = info.filename[:-len(".npy")]
        where = f"entry {name!r} of {path}"
        if name in entries:
            raise CorruptFileError(f"load: {where} appears twice in the archive")
        if info.flag_bits & 0x1:
            raise UnsafeFileError(f"load: {where} is encrypted; tg.load reads only plain entries")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsafeFileError(f"load: {where} uses zip compression method {info.compress_type}; tg.load "
                                  "reads stored and deflated entries only (what numpy writes)")
        if info.header_offset + info.compress_size > size:
            raise CorruptFileError(f"load: {where} is truncated: it declares {info.compress_size} bytes at offset "
                                   f"{info.header_offset}, past the end of the {size}-byte file")
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise CorruptFileError(f"load: {where} is damaged: stored without compression, it declares "
                                   f"{info.file_size} bytes but occupies {info.compress_size}")
        if info.file_size > DEFLATE_MAX_RATIO * info.compress_size + DEFLATE_SLACK:
            raise CorruptFileError(f"load: {where} is damaged: it declares {info.file_size} bytes from "
                                   f"{info.compress_size} compressed bytes, more than deflate can produce")
        total += info.file_size
        if total > limit:
            source = "the default: 64 MiB + 4 x the file size" if is_default else "as given"
            raise UnsafeFileError(f"load: {path} declares {total} bytes of data up to {where}, over "
                                  f"max_bytes={limit} ({source}); if you trust this file, pass a larger "
                                  "max_bytes= to tg.load")
        entries[name] = info
    return entries


def _check_layout(file, entries, directory_start, path):
    """Every byte before the zip directory belongs to exactly one entry: no gaps, no overlaps.

    A damaged directory can otherwise hide an entry (a wrong comment length
    swallows the next record) and the archive would load as something else.
    """
    position, slack = 0, 0  # slack: room for a data descriptor after the entry before
    for name, info in sorted(entries.items(), key=lambda item: item[1].header_offset):
        if not position <= info.header_offset <= position + slack:
            raise CorruptFileError(f"load: {path} is damaged: entry {name!r} starts at byte {info.header_offset}, "
                                   f"but the entry before it ends at byte {position} (its zip directory does not "
                                   "account for every byte, or entries overlap)")
        file.seek(info.header_offset)
        local = file.read(LOCAL_HEADER_SIZE)
        if len(local) < LOCAL_HEADER_SIZE or not local.startswith(b"PK\x03\x04"):
            raise CorruptFileError(f"load: entry {name!r} of {path} is damaged: no zip entry header at byte "
                                   f"{info.header_offset}")
        name_length, extra_length = struct.unpack("<HH", local[26:30])
        position = info.header_offset + LOCAL_HEADER_SIZE + name_length + extra_length + info.compress_size
        slack = LOCAL_DESCRIPTOR_MAX if info.flag_bits & 0x8 else 0
    if directory_start is not None and not position <= directory_start <= position + slack:
        raise CorruptFileError(f"load: {path} is damaged: its zip directory starts at byte {directory_start}, "
                               f"but its entries end at byte {position} (bytes no entry accounts for)")


def _read_entry(archive, info, where):
    """The array in one zip entry: header checked, size matched, then the data copied in."""
    try:
        with archive.open(info) as entry:
            dtype, shape, fortran_order, header_size = read_npy_header(entry, where)
            count = math.prod(shape)
            data_size = count * dtype.itemsize
            if header_size + data_size > info.file_size:
                raise CorruptFileError(f"load: {where} is truncated: its header declares shape {shape} of {dtype} "
                                       f"({data_size} bytes), but it holds {info.file_size - header_size}")
            if header_size + data_size < info.file_size:
                raise CorruptFileError(f"load: {where} is damaged: {info.file_size - header_size - data_size} "
                                       f"bytes follow the {data_size} bytes of its shape {shape} of {dtype}")
            flat = np.empty(count, dtype=dtype)
            _read_exactly_into(entry, memoryview(flat.view(np.uint8)), where)
            entry.read(1)  # reaching the end makes zipfile compare the checksum
    except UnsafeFileError:
        raise
    except EOFError as error:
        raise CorruptFileError(f"load: {where} is truncated: its compressed data ends early") from error
    except _DAMAGE as error:
        what = "its checksum does not match its bytes" if "CRC" in str(error) else f"{type(error).__name__}: {error}"
        raise CorruptFileError(f"load: {where} is damaged ({what})") from error
    if dtype.kind == "U" and count:  # numpy keeps any 4 bytes as a character; Python's str cannot hold them all
        codes = flat.view(np.dtype(np.uint32).newbyteorder(dtype.byteorder))
        if codes.max() > 0x10FFFF:
            raise CorruptFileError(f"load: {where} is damaged: its text holds the number {int(codes.max()):#x}, "
                                   "which is no Unicode character")
    try:  # read_npy_header checked what numpy checks; this only keeps a numpy error from getting out
        return flat.reshape(shape[::-1]).transpose() if fortran_order else flat.reshape(shape)
    except ValueError as error:
        raise CorruptFileError(f"load: {where} has a damaged .npy header: numpy cannot make an array of "
                               f"shape {str(shape)[:120]} ({error})") from error


def _read_exactly_into(stream, buffer, where):
    position = 0
    while position < len(buffer):
        got = stream.readinto(buffer[position:position + READ_CHUNK])
        if not got:
            raise CorruptFileError(f"load: {where} is truncated: its data ends after {position} of "
                                   f"{len(buffer)} bytes")
        position += got


def _read_exactly(stream, count, where, what):
    data = stream.read(count)
    if len(data) != count:
        raise CorruptFileError(f"load: {where} is truncated inside its {what} ({len(data)} of {count} bytes)")
    return data


def read_npy_header(stream, where):
    """``(dtype, shape, fortran_order, header_size)`` from the start of a ``.npy`` stream, every field checked.

    Raises ``UnsafeFileError`` for pickle content and object arrays, and
    ``CorruptFileError`` for anything that is not a well-formed header.
    """
    start = stream.read(len(NPY_SIGNATURE) + 2)
    if start[:1] == bytes([PICKLE_PROTOCOL_OPCODE]):
        raise UnsafeFileError(f"load: {where} holds a pickle, not a .npy array; refused, nothing was unpickled")
    if len(start) < len(NPY_SIGNATURE) + 2 and NPY_SIGNATURE.startswith(start[:len(NPY_SIGNATURE)]):
        raise CorruptFileError(f"load: {where} is truncated inside its .npy signature ({len(start)} bytes)")
    if not start.startswith(NPY_SIGNATURE):
        raise CorruptFileError(f"load: {where} is not a .npy array: it does not start with the "
                               f".npy signature {NPY_SIGNATURE!r}")
    major, minor = start[-2], start[-1]
    if major not in (1, 2, 3):
        raise CorruptFileError(f"load: {where} has .npy format version {major}.{minor}; numpy writes 1.0 to 3.0")
    length_bytes = 2 if major == 1 else 4
    length, = struct.unpack("<H" if major == 1 else "<I",
                            _read_exactly(stream, length_bytes, where, ".npy header length"))
    if length > MAX_HEADER_BYTES:
        raise CorruptFileError(f"load: {where} has a damaged .npy header: it claims {length} bytes "
                               f"(numpy reads at most {MAX_HEADER_BYTES})")
    raw = _read_exactly(stream, length, where, ".npy header")
    fields = _header_fields(raw.decode("utf-8" if major == 3 else "latin1", errors="replace"), where)
    dtype, shape = _header_dtype(fields["descr"], where), fields["shape"]
    if max(shape, default=0) > MAX_INDEX or dtype.itemsize * math.prod(n for n in shape if n) > MAX_INDEX:
        # numpy refuses these even when another axis is 0 (so that the array holds no data)
        raise CorruptFileError(f"load: {where} has a damaged .npy header: its shape {str(shape)[:120]} of {dtype} "
                               f"is larger than numpy can index (axes and bytes at most {MAX_INDEX})")
    return dtype, shape, fields["fortran_order"], len(start) + length_bytes + length


def _header_fields(text, where):
    """The header's dict ``{'descr': str, 'fortran_order': bool, 'shape': tuple of ints >= 0}``."""
    damaged = f"load: {where} has a damaged .npy header ({text[:80]!r})"
    if "\\" in text or _DIGIT_THEN_LETTER.search(_STRING_LITERAL.sub("''", text)):
        raise CorruptFileError(f"{damaged}: not a Python literal numpy writes (it holds a backslash, or a "
                               "digit run into a letter)")
    try:
        fields = ast.literal_eval(text)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError) as error:
        raise CorruptFileError(f"{damaged}: not a Python literal") from error
    if not isinstance(fields, dict) or set(fields) != {"descr", "fortran_order", "shape"}:
        raise CorruptFileError(f"{damaged}: expected a dict with 'descr', 'fortran_order' and 'shape'")
    shape = fields["shape"]
    if not (isinstance(shape, tuple) and len(shape) <= MAX_NDIM
            and all(type(n) is int and n >= 0 for n in shape)):
        raise CorruptFileError(f"{damaged}: the shape must be a tuple of at most {MAX_NDIM} whole numbers >= 0")
    if not isinstance(fields["fortran_order"], bool):
        raise CorruptFileError(f"{damaged}: 'fortran_order' must be True or False")
    if isinstance(fields["descr"], list):  # what numpy writes for a structured dtype: never parsed here
        raise UnsafeFileError(f"load: {where} holds an array of a structured dtype; tg.load reads arrays "
                              "of numbers, bools and strings only")
    if not isinstance(fields["descr"], str):
        raise CorruptFileError(f"{damaged}: 'descr' must be a dtype string")
    return fields


def _header_dtype(descr, where):
    """The dtype named by a header's ``descr``, if it is one that can be read without unpickling."""
    alias = _BYTES_ALIAS.fullmatch(descr)
    try:
        dtype = np.dtype(f"{alias[1]}S{alias[2]}" if alias else descr)
    except (TypeError, ValueError, OverflowError, SyntaxError, KeyError) as error:
        raise CorruptFileError(f"load: {where} has a damaged .npy header: {descr[:40]!r} is no dtype") from error
    if dtype.hasobject:
        raise UnsafeFileError(f"load: {where} holds pickled objects (a .npy array of Python objects); "
                              "refused, nothing was unpickled")
    if dtype.kind not in READABLE_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise UnsafeFileError(f"load: {where} holds an array of dtype {dtype}; tg.load reads arrays of "
                              "numbers, bools and strings only")
    if dtype.itemsize == 0:
        raise CorruptFileError(f"load: {where} has a damaged .npy header: dtype {dtype} has no size")
    return dtype

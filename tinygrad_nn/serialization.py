"""``save`` / ``load``: state dicts as ``.npz`` files, written atomically, read without trust.

A file is a zip of ``.npy`` arrays (what ``np.savez`` writes) plus, for
nested state (a checkpoint ``{"model": ..., "optimizer": ..., "epoch": 5}``),
one JSON entry describing the structure.

``save`` never destroys the previous file: it writes a temporary file in the
same folder, syncs it to disk and renames it over the target in one step.
``load`` never unpickles and never trusts a size it has not checked (see
``tinygrad_nn.npz_reader``): a damaged file raises ``CorruptFileError``, a
refused one (pickled objects, more data than ``max_bytes``) ``UnsafeFileError``,
its base class. docs/reliability.md lists what each bad file raises.

>>> import os, tempfile, tinygrad_nn as tg
>>> net = tg.nn.MLP([3, 4, 2], rng=0)
>>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
>>> tg.save(net.state_dict(), path)
>>> net.load_state_dict(tg.load(path))
([], [])
"""

import json
import numbers
import sys
import zipfile

import numpy as np

from .engine import Tensor
from .engine.methods.arguments import path_argument
from .atomic_write import replace_atomically
from .npz_reader import MAX_HEADER_BYTES, CorruptFileError, UnsafeFileError, read_archive

__all__ = ["save", "load", "UnsafeFileError", "CorruptFileError"]

_MANIFEST = "__tinygrad_nn_structure__"
MAX_DEPTH = 64  # containers nested deeper than this are refused by save and by load
MAX_ENTRY_NAME_BYTES = 0xFFFF  # zip stores an entry's name (``<key>.npy``, UTF-8) in a 16-bit length field
MAX_INT_DIGITS = 4300  # Python's default limit on converting ints to text (and back), sys.get_int_max_str_digits
# Parsing the structure description (JSON) into Python objects costs up to ~30 bytes per character and
# ~80 per item, so load caps it relative to max_bytes: memory stays about max_bytes. The description of a
# file from save (4 bytes per character in the file) always fits the default max_bytes on the characters.
MANIFEST_BYTES_PER_CHARACTER = 16  # its text may be at most max_bytes / 16 characters
MANIFEST_BYTES_PER_ITEM = 64  # ... and hold at most max_bytes / 64 items (its "{", "[", "," and ":")


# ------------------------------------------------------------------ saving
def _shown(key):
    """``repr(key)``, shortened for a message when the key is very long."""
    return repr(key) if len(key) <= 80 else f"{key[:60]!r}... ({len(key)} characters)"


def _entry_name_problem(name):
    """Why zip cannot store ``name + '.npy'`` as an entry name that reads back unchanged, or None."""
    if "\x00" in name:
        return "it holds a NUL character, at which zip cuts entry names"
    try:
        size = len(name.encode("utf-8")) + len(".npy")
    except UnicodeEncodeError as error:
        return (f"it holds the lone surrogate {name[error.start]!r}, which UTF-8 (the encoding of zip "
                "entry names) cannot encode")
    if size > MAX_ENTRY_NAME_BYTES:
        return f"its entry name would be {size} bytes of UTF-8, and zip holds at most {MAX_ENTRY_NAME_BYTES}"
    stored = zipfile.ZipInfo(name + ".npy").filename  # what zip would store (it turns os.sep into "/")
    if stored != name + ".npy":
        return f"zip would store it as the entry {_shown(stored)}"
    return None


def _int_digit_limit():
    """The most decimal digits an int in the structure description may have (this Python's limit if lower)."""
    current = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    return min(MAX_INT_DIGITS, current) if current else MAX_INT_DIGITS


def _add_array(array, name, key, arrays):
    """Put ``array`` (saved under ``key``) into ``arrays`` under the first free entry name from ``name``."""
    if array.dtype.kind not in "biufc":
        raise TypeError(f"save: {key or 'value'} is an array of dtype {array.dtype}; only numeric arrays can be saved")
    while name in arrays or name == _MANIFEST:
        name += "_"
    problem = _entry_name_problem(name)
    if problem is not None:
        raise ValueError(f"save: the key {_shown(key)} cannot name an entry of the .npz archive: {problem}; "
                         "nothing was written")
    arrays[name] = array
    return {"array": name}


def _type_name(value):
    """The type of ``value`` as a message shows it: ``set``, ``torch.Tensor``."""
    kind = type(value)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__.split('.')[0]}.{kind.__qualname__}"


def _flatten(value, key, arrays, depth=0):
    """The JSON description of ``value``; arrays go into ``arrays`` under fresh entry names."""
    if depth > MAX_DEPTH:
        raise ValueError(f"save: {key} is nested more than {MAX_DEPTH} levels deep (does a container hold itself?)")
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.ndarray):
        return _add_array(value, key or "array", key, arrays)
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise TypeError(f"save: keys must be strings, got {k!r} ({type(k).__name__}) in {key or 'the state dict'}")
        return {"dict": [[k, _flatten(v, f"{key}/{k}" if key else k, arrays, depth + 1)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        items = [_flatten(v, f"{key}/{i}" if key else str(i), arrays, depth + 1) for i, v in enumerate(value)]
        return {"tuple" if isinstance(value, tuple) else "list": items}
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, str)):
        return {"value": value}
    if isinstance(value, numbers.Integral):
        value, limit = int(value), _int_digit_limit()
        if value.bit_length() > 3 * limit and abs(value) >= 10**limit:  # 2**(3 * limit) < 10**limit
            raise ValueError(f"save: {key or 'value'} is an integer of more than {limit} digits, more than "
                             "Python converts to text (sys.get_int_max_str_digits), so it cannot be stored in "
                             "the JSON structure description; store it as an array or a string")
        return {"value": value}
    if isinstance(value, numbers.Real):
        try:
            return {"value": float(value)}
        except OverflowError as error:
            raise ValueError(f"save: {key or 'value'} is a number too large for a float ({error})") from None
    hint = ("; convert it to a numpy array first (np.asarray(value); a PyTorch state dict: "
            "tg.interop.from_torch(state_dict))") if hasattr(value, "__array__") else ""
    raise TypeError(f"save: cannot store {key or 'value'} of type {_type_name(value)}; use numpy arrays, "
                    f"tinygrad_nn Tensors, numbers, strings, None, and dicts/lists of them{hint}")


def _is_flat(state):
    """Whether ``state`` is a ``{name: array}`` dict whose names can be the entry names as they are."""
    return (isinstance(state, dict) and all(isinstance(k, str) for k in state) and _MANIFEST not in state
            and all(isinstance(v, (np.ndarray, Tensor)) for v in state.values()))


def _entries(state_dict):
    """``(arrays, manifest)``: the npz entries and the JSON structure (None for a flat dict)."""
    arrays = {}
    if not _is_flat(state_dict):
        return arrays, json.dumps(_flatten(state_dict, "", arrays))
    for name, value in state_dict.items():  # every key its own entry name, "" too (the entry ".npy")
        _add_array(value.data if isinstance(value, Tensor) else value, name, name, arrays)
    return arrays, None


def _write_archive(file, arrays, manifest):
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.asarray(array, order="C"), allow_pickle=False)  # keeps 0-d arrays 0-d
        if manifest is not None:
            with archive.open(_MANIFEST + ".npy", "w") as entry:
                np.lib.format.write_array(entry, np.array(manifest), allow_pickle=False)


def save(state_dict, path):
    """Write ``state_dict`` to ``path`` (an ``.npz`` file), replacing any file there atomically.

    A flat ``{name: array or Tensor}`` dict (``module.state_dict()``) becomes
    plain npz entries that ``np.load`` reads too (an optimizer's state dict
    is flat as well). Nested dicts, lists, numbers and strings (a checkpoint
    of several state dicts and the epoch) are stored with a JSON description
    of their structure.

    Every key and value is checked before the disk is touched; ``TypeError``
    or ``ValueError`` (naming the key) refuses object arrays, keys that are
    no strings, and what the file could not hold as given: the key of an
    array becomes the name of its zip entry, so it may hold no NUL character
    and no lone surrogate (``"\\udcff"``) and must fit zip's 65535 bytes
    of UTF-8; an integer may have at most 4300 digits (what Python converts
    to text, and back when loading).

    The data goes to a temporary file ``.<name>.<random>.tmp`` in the same
    folder, which is flushed, synced to disk and then renamed over ``path``
    with ``os.replace``. An exception, a full disk or a killed process
    therefore leaves the previous file at ``path`` whole (a process killed
    with ``kill -9`` may leave its temporary file behind). A path that names
    no file raises what ``open(path, "wb")`` would (an empty path, a folder,
    a read-only file), saying why; a device or FIFO (``/dev/null``) is
    written into, as ``open`` would, never replaced.
    """
    path_argument(path, "save")
    arrays, manifest = _entries(state_dict)
    replace_atomically(path, lambda file: _write_archive(file, arrays, manifest))


# ----------------------------------------------------------------- loading
def _rebuild(description, arrays, unused, damaged, depth=0):
    """The saved value a structure description stands for; every field of it checked."""
    if depth > MAX_DEPTH:
        raise CorruptFileError(f"{damaged}: it is nested more than {MAX_DEPTH} levels deep")
    if not (isinstance(description, dict) and len(description) == 1):
        raise CorruptFileError(f"{damaged}: expected {{kind: content}}, got {str(description)[:60]!r}")
    (kind, content), = description.items()
    if kind == "array":
        if not isinstance(content, str) or content not in unused:
            what = "twice" if isinstance(content, str) and content in arrays else "but the archive has no such entry"
            raise CorruptFileError(f"{damaged}: it names the array {str(content)[:60]!r} {what}")
        unused.discard(content)
        return arrays[content]
    if kind == "dict" and isinstance(content, list) and all(
            isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str) for pair in content):
        rebuilt = {}
        for key, value in content:
            if key in rebuilt:  # save writes each key once: loading would keep only the last one
                raise CorruptFileError(f"{damaged}: a dict in it holds the key {key[:60]!r} twice")
            rebuilt[key] = _rebuild(value, arrays, unused, damaged, depth + 1)
        return rebuilt
    if kind in ("list", "tuple") and isinstance(content, list):
        items = [_rebuild(value, arrays, unused, damaged, depth + 1) for value in content]
        return tuple(items) if kind == "tuple" else items
    if kind == "value" and (content is None or isinstance(content, (bool, int, float, str))):
        return content
    raise CorruptFileError(f"{damaged}: {kind!r} with content {str(content)[:60]!r} is no saved value")


def _manifest_caps(limit):
    """``(characters, items)``: the most the structure description may hold when ``load`` may use ``limit`` bytes."""
    return limit // MANIFEST_BYTES_PER_CHARACTER, limit // MANIFEST_BYTES_PER_ITEM


def _refuse_large_manifest(path, what, cap, limit, is_default):
    """Raise the ``UnsafeFileError`` of a structure description that ``what`` (its size) puts over ``cap``."""
    source = "the default: 64 MiB + 4 x the file size" if is_default else "as given"
    raise UnsafeFileError(f"load: {path} has a structure description (entry {_MANIFEST!r}) that {what}, over the "
                          f"{cap} that max_bytes={limit} ({source}) allows; if you trust this file, pass a larger "
                          "max_bytes= to tg.load")


def _structure(arrays, path, limit, is_default):
    """The nested state described by the manifest entry, which must use every array exactly once."""
    manifest = arrays.pop(_MANIFEST)
    damaged = f"load: {path} is damaged: its structure description does not match its arrays"
    if manifest.dtype.kind != "U" or manifest.shape != ():
        raise CorruptFileError(f"load: {path} is damaged: its structure description is a {manifest.dtype} "
                               f"array of shape {manifest.shape}, not a text")
    text = str(manifest)
    max_characters, max_items = _manifest_caps(limit)
    if len(text) > max_characters:
        _refuse_large_manifest(path, f"is {len(text)} characters long", max_characters, limit, is_default)
    items = 1 + sum(map(text.count, "{[,:"))  # every JSON value or key but the first follows one of these
    if items > max_items:
        _refuse_large_manifest(path, f"holds {items} items (counted as its '{{', '[', ',' and ':')", max_items,
                               limit, is_default)

    def unique_keys(pairs):
        """A JSON object as a dict, refusing a key given twice (json would keep only the last)."""
        result = dict(pairs)
        if len(result) != len(pairs):
            key = next(key for i, (key, _) in enumerate(pairs) if key in dict(pairs[:i]))
            raise CorruptFileError(f"load: {path} is damaged: its structure description holds the key "
                                   f"{key[:60]!r} twice in one object")
        return result

    try:
        description = json.loads(text, object_pairs_hook=unique_keys)
    except UnsafeFileError:
        raise
    except RecursionError as error:
        raise CorruptFileError(f"load: {path} is damaged: its structure description is nested too deeply") from error
    except json.JSONDecodeError as error:
        raise CorruptFileError(f"load: {path} is damaged: its structure description is not JSON ({error})") from error
    except ValueError as error:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        raise CorruptFileError(f"load: {path} is damaged: its structure description holds a number "
                               f"that cannot be read ({error})") from error
    unused = set(arrays)
    state = _rebuild(description, arrays, unused, damaged)
    if unused:
        raise CorruptFileError(f"{damaged}: it does not mention the entries {sorted(unused)}")
    return state


def load(path, max_bytes=None):
    """Read a file written by ``save`` (or ``np.savez``) without ever unpickling.

    Returns the dict of numpy arrays (or the nested structure that was
    saved). ``max_bytes`` caps the total size of the arrays read; the
    default is 64 MiB plus 4 times the file's size, so a small file can
    never make ``load`` allocate much memory (a compressed file that
    legitimately expands more needs a larger ``max_bytes``). The structure
    description of nested state may be at most ``max_bytes / 16``
    characters long and hold at most ``max_bytes / 64`` items (counted as
    its ``{``, ``[``, ``,`` and ``:``), since parsing it into Python objects
    costs up to about 30 bytes per character; what ``save`` wrote fits the
    default unless it describes millions of values.

    A missing file raises ``FileNotFoundError``. Every problem with the
    content raises ``UnsafeFileError`` (pickled objects, too much data) or its
    subclass ``CorruptFileError`` (an empty, truncated or damaged file, or no
    npz at all), naming the file and the entry. Nothing is returned then.
    """
    path_argument(path, "load")
    if max_bytes is not None and (isinstance(max_bytes, bool) or not isinstance(max_bytes, numbers.Integral)):
        raise TypeError(f"load: max_bytes must be a whole number of bytes or None, got {max_bytes!r:.60}")
    if max_bytes is not None and max_bytes < 0:
        raise ValueError(f"load: max_bytes must be >= 0, got {max_bytes}")
    budget = {}

    def check_manifest_entry(entries, limit):
        """Refuse an oversized structure description from the zip directory, before it is decompressed."""
        budget["limit"] = limit
        info = entries.get(_MANIFEST)
        max_stored = 4 * _manifest_caps(limit)[0] + MAX_HEADER_BYTES + 16  # 4 bytes per character, plus a header
        if info is not None and info.file_size > max_stored:
            _refuse_large_manifest(path, f"declares {info.file_size} bytes (uncompressed)", max_stored, limit,
                                   max_bytes is None)

    arrays = read_archive(path, None if max_bytes is None else int(max_bytes), check_entries=check_manifest_entry)
    return _structure(arrays, path, budget["limit"], max_bytes is None) if _MANIFEST in arrays else arrays

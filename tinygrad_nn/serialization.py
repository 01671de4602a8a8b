"""``save`` / ``load``: state dicts as ``.npz`` files, written atomically, read without trust.

A file is a zip of ``.npy`` arrays (what ``np.savez`` writes) plus, for
nested state (an optimizer's), one JSON entry describing the structure.

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

import contextlib
import json
import numbers
import os
import secrets
import stat
import zipfile

import numpy as np

from .engine import Tensor
from .engine.methods.arguments import path_argument
from .npz_reader import CorruptFileError, UnsafeFileError, read_archive

__all__ = ["save", "load", "UnsafeFileError", "CorruptFileError"]

_MANIFEST = "__tinygrad_nn_structure__"
MAX_DEPTH = 64  # containers nested deeper than this are refused by save and by load


# ------------------------------------------------------------------ saving
def _flatten(value, key, arrays, depth=0):
    """The JSON description of ``value``; arrays go into ``arrays`` under fresh entry names."""
    if depth > MAX_DEPTH:
        raise ValueError(f"save: {key} is nested more than {MAX_DEPTH} levels deep (does a container hold itself?)")
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufcb":
            raise TypeError(f"save: {key or 'value'} is an array of dtype {value.dtype}; only numeric arrays can be saved")
        name = key or "array"
        while name in arrays or name == _MANIFEST:
            name += "_"
        arrays[name] = value
        return {"array": name}
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
        return {"value": int(value)}
    if isinstance(value, numbers.Real):
        return {"value": float(value)}
    raise TypeError(f"save: cannot store {key or 'value'} of type {type(value).__name__}; "
                    "use arrays, Tensors, numbers, strings, None, and dicts/lists of them")


def _is_flat(state):
    return (isinstance(state, dict) and all(isinstance(k, str) for k in state)
            and all(isinstance(v, (np.ndarray, Tensor)) for v in state.values()))


def _entries(state_dict):
    """``(arrays, manifest)``: the npz entries and the JSON structure (None for a flat dict)."""
    arrays = {}
    if not _is_flat(state_dict):
        return arrays, json.dumps(_flatten(state_dict, "", arrays))
    for name, value in state_dict.items():
        _flatten(value, name, arrays)
        if name not in arrays:
            raise ValueError(f"save: the key {name!r} is reserved")
    return arrays, None


def _write_archive(file, arrays, manifest):
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.asarray(array, order="C"), allow_pickle=False)  # keeps 0-d arrays 0-d
        if manifest is not None:
            with archive.open(_MANIFEST + ".npy", "w") as entry:
                np.lib.format.write_array(entry, np.array(manifest), allow_pickle=False)


def _new_temporary_file(folder, base):
    """``(path, descriptor)`` of a new file ``.<base>.<random>.tmp`` in ``folder`` (mode as ``open`` gives)."""
    while True:
        path = os.path.join(folder, f".{base}.{secrets.token_hex(4)}.tmp")
        try:
            return path, os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue


def _sync_folder(folder):
    """Make a rename in ``folder`` durable (POSIX); the data itself was synced before."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):  # some file systems cannot sync a folder; nothing is lost then
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _replace_atomically(path, write):
    """Run ``write(file)`` on a temporary file next to ``path``, sync it, then rename it over ``path``.

    On any failure (an exception, a full disk, ``KeyboardInterrupt``) the
    temporary file is removed and ``path`` is untouched. Writing through a
    symbolic link replaces the file it points to, as ``open(path, "wb")`` would.
    """
    target = os.path.realpath(path)
    folder, base = os.path.split(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: the folder {folder} does not exist (saving {os.fspath(path)})")
    temporary, descriptor = _new_temporary_file(folder, base)
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileNotFoundError):  # replacing a file keeps its permissions
            os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)


def save(state_dict, path):
    """Write ``state_dict`` to ``path`` (an ``.npz`` file), replacing any file there atomically.

    A flat ``{name: array or Tensor}`` dict (``module.state_dict()``) becomes
    plain npz entries that ``np.load`` reads too. Nested dicts, lists,
    numbers and strings (an optimizer's state) are stored with a JSON
    description of their structure. Object arrays are refused, before the
    disk is touched.

    The data goes to a temporary file ``.<name>.<random>.tmp`` in the same
    folder, which is flushed, synced to disk and then renamed over ``path``
    with ``os.replace``. An exception, a full disk or a killed process
    therefore leaves the previous file at ``path`` whole (a process killed
    with ``kill -9`` may leave its temporary file behind).
    """
    path_argument(path, "save")
    arrays, manifest = _entries(state_dict)
    _replace_atomically(path, lambda file: _write_archive(file, arrays, manifest))


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
        return {key: _rebuild(value, arrays, unused, damaged, depth + 1) for key, value in content}
    if kind in ("list", "tuple") and isinstance(content, list):
        items = [_rebuild(value, arrays, unused, damaged, depth + 1) for value in content]
        return tuple(items) if kind == "tuple" else items
    if kind == "value" and (content is None or isinstance(content, (bool, int, float, str))):
        return content
    raise CorruptFileError(f"{damaged}: {kind!r} with content {str(content)[:60]!r} is no saved value")


def _structure(arrays, path):
    """The nested state described by the manifest entry, which must use every array exactly once."""
    manifest = arrays.pop(_MANIFEST)
    damaged = f"load: {path} is damaged: its structure description does not match its arrays"
    if manifest.dtype.kind != "U" or manifest.shape != ():
        raise CorruptFileError(f"load: {path} is damaged: its structure description is a {manifest.dtype} "
                               f"array of shape {manifest.shape}, not a text")
    try:
        description = json.loads(str(manifest))
    except RecursionError as error:
        raise CorruptFileError(f"load: {path} is damaged: its structure description is nested too deeply") from error
    except ValueError as error:
        raise CorruptFileError(f"load: {path} is damaged: its structure description is not JSON ({error})") from error
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
    legitimately expands more needs a larger ``max_bytes``).

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
    arrays = read_archive(path, None if max_bytes is None else int(max_bytes))
    return _structure(arrays, path) if _MANIFEST in arrays else arrays

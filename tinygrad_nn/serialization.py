"""``save`` / ``load``: state dicts as ``.npz`` files, never pickle.

A file is a zip of ``.npy`` arrays (what ``np.savez`` writes) plus, for
nested state (an optimizer's), one JSON entry describing the structure.
Loading uses ``np.load(..., allow_pickle=False)`` and ``json``: no code in a
file can run. An entry holding pickled objects (an object array) is refused
with ``UnsafeFileError`` before anything is returned.

>>> import os, tempfile, tinygrad_nn as tg
>>> net = tg.nn.MLP([3, 4, 2], rng=0)
>>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
>>> tg.save(net.state_dict(), path)
>>> net.load_state_dict(tg.load(path))
([], [])
"""

import json
import numbers
import zipfile

import numpy as np

from .engine import Tensor

__all__ = ["save", "load", "UnsafeFileError"]

_MANIFEST = "__tinygrad_nn_structure__"


class UnsafeFileError(ValueError):
    """The file holds pickled data (or is no npz at all) and was refused unread."""


def _flatten(value, key, arrays):
    """The JSON description of ``value``; arrays go into ``arrays`` under fresh entry names."""
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
        return {"dict": [[k, _flatten(v, f"{key}/{k}" if key else k, arrays)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        items = [_flatten(v, f"{key}/{i}" if key else str(i), arrays) for i, v in enumerate(value)]
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


def save(state_dict, path):
    """Write ``state_dict`` to ``path`` (an ``.npz`` file, written at exactly this path).

    A flat ``{name: array or Tensor}`` dict (``module.state_dict()``) becomes
    plain npz entries that ``np.load`` reads too. Nested dicts, lists,
    numbers and strings (an optimizer's state) are stored with a JSON
    description of their structure. Object arrays are refused.
    """
    arrays = {}
    if _is_flat(state_dict):
        for name, value in state_dict.items():
            _flatten(value, name, arrays)
            if name not in arrays:
                raise ValueError(f"save: the key {name!r} is reserved")
        manifest = None
    else:
        manifest = json.dumps(_flatten(state_dict, "", arrays))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.asarray(array, order="C"), allow_pickle=False)  # keeps 0-d arrays 0-d
        if manifest is not None:
            with archive.open(_MANIFEST + ".npy", "w") as entry:
                np.lib.format.write_array(entry, np.array(manifest), allow_pickle=False)


def _rebuild(description, arrays):
    if "array" in description:
        return arrays[description["array"]]
    if "dict" in description:
        return {k: _rebuild(v, arrays) for k, v in description["dict"]}
    if "list" in description:
        return [_rebuild(v, arrays) for v in description["list"]]
    if "tuple" in description:
        return tuple(_rebuild(v, arrays) for v in description["tuple"])
    return description["value"]


def load(path):
    """Read a file written by ``save`` (or ``np.savez``) without ever unpickling.

    Returns the dict of numpy arrays (or the nested structure that was
    saved). Raises ``UnsafeFileError`` when an entry holds pickled objects or
    the file is not an npz archive.
    """
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as error:
        with open(path, "rb") as file:
            head = file.read(6)
        if head.startswith(b"\x80"):  # the pickle protocol 2+ opcode PROTO
            what = "a pickle"
        elif head == b"\x93NUMPY":
            what = "a .npy array of Python objects (stored pickled)"
        else:
            what = "not an npz archive (nor a .npy array)"
        raise UnsafeFileError(f"load: {path} is {what} and was refused unread; tinygrad_nn only reads "
                              "files written by tg.save or np.savez and never unpickles") from error
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise UnsafeFileError(f"load: {path} holds a single .npy array, not a saved state dict (.npz)")
    arrays = {}
    with archive:
        for name in archive.files:
            try:
                arrays[name] = archive[name]
            except ValueError as error:
                raise UnsafeFileError(f"load: entry {name!r} of {path} holds pickled objects (an object array); "
                                      f"refused, nothing was unpickled ({error})") from error
    if _MANIFEST in arrays:
        description = json.loads(str(arrays.pop(_MANIFEST)))
        try:
            return _rebuild(description, arrays)
        except (KeyError, TypeError) as error:
            raise UnsafeFileError(f"load: {path} is damaged: its structure description does not match "
                                  f"its arrays ({type(error).__name__}: {error})") from error
    return arrays

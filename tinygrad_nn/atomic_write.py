"""Writing a file atomically: ``replace_atomically`` (what ``tg.save`` writes through).

The new content goes to a temporary file in the target's folder, which is
flushed, synced to disk and then renamed over the target with
``os.replace``: an exception, a full disk or a killed process leaves the
previous file whole. Paths that name no regular file are refused, or written
into, as ``open(path, "wb")`` would.
"""

import contextlib
import os
import secrets
import stat
import sys

__all__ = ["replace_atomically"]


MAX_TEMPORARY_STEM_BYTES = 200  # of the target's name in the temporary file's: names hold at most 255 bytes


def _new_temporary_file(folder, base):
    """``(path, descriptor)`` of a new file ``.<base>.<random>.tmp`` in ``folder`` (mode as ``open`` gives).

    A long ``base`` is cut (to 200 bytes), so that a target whose name is at
    the file system's limit still gets a temporary file next to it.
    """
    stem = os.fsencode(base)[:MAX_TEMPORARY_STEM_BYTES].decode(sys.getfilesystemencoding(), "ignore")
    while True:
        path = os.path.join(folder, f".{stem}.{secrets.token_hex(4)}.tmp")
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


class _WriteOnly:
    """A device or FIFO seen only through ``write`` and ``flush``: what its ``tell`` says means nothing
    (``/dev/null`` always says 0), so ``zipfile`` counts the bytes itself, as it does for a pipe."""

    def __init__(self, file):
        self.write, self.flush = file.write, file.flush


def _existing_target(path):
    """``(real path, os.stat of it or None)`` of the file ``save`` writes; refuses paths that name no file.

    An empty path, one ending in a separator and an existing folder raise
    the error ``open(path, "wb")`` would raise, saying why; so does a file
    ``open`` could not write (read-only, for a user other than root).
    """
    text = os.fspath(path)
    if not text:
        raise FileNotFoundError("save: the path is empty; give a file name, such as 'model.npz'")
    if text.endswith(tuple(filter(None, (os.sep, os.altsep)))):
        raise IsADirectoryError(f"save: {text!r} ends with {text[-1]!r}, so it names a folder; give a file name "
                                f"(such as {os.path.join(text, 'model.npz')!r})")
    target = os.path.realpath(path)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return target, None
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(f"save: {text} is a folder; give the path of a file in it, such as "
                                f"{os.path.join(text, 'model.npz')}")
    effective = os.access in os.supports_effective_ids
    if stat.S_ISREG(info.st_mode) and not os.access(target, os.W_OK, effective_ids=effective):
        raise PermissionError(f"save: {text} is read-only (its permissions allow no writing), so it was not "
                              "replaced; make it writeable (chmod u+w) or save to another name")
    return target, info


def replace_atomically(path, write):
    """Run ``write(file)`` on a temporary file next to ``path``, sync it, then rename it over ``path``.

    On any failure (an exception, a full disk, ``KeyboardInterrupt``) the
    temporary file is removed and ``path`` is untouched. Writing through a
    symbolic link replaces the file it points to, as ``open(path, "wb")`` would.
    A target that exists and is no regular file (a device such as
    ``/dev/null``, a FIFO) holds no previous file to keep: it is written
    into directly, as ``open`` would, never replaced by a file.
    """
    target, info = _existing_target(path)
    if info is not None and not stat.S_ISREG(info.st_mode):
        with open(target, "wb") as file:
            write(_WriteOnly(file))
        return
    folder, base = os.path.split(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: the folder {folder} does not exist (saving {os.fspath(path)})")
    try:
        temporary, descriptor = _new_temporary_file(folder, base)
    except OSError as error:
        raise type(error)(f"save: cannot write {os.fspath(path)}: creating a new file in its folder {folder} "
                          f"failed ({error.strerror or error}); saving writes the new file next to the old one "
                          "and then renames it over it, so it needs permission to write in the folder") from error
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

"""tg.save never destroys the previous file: faults injected in the middle of a save leave it whole.

Each fault (an exception from the writer, a full disk, ``kill -9``) strikes
while the new file is being written; afterwards ``tg.load`` of the target
still gives the old contents.
"""

import errno
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_nn as tg

OLD = {"weight": np.arange(6.0).reshape(2, 3), "bias": np.array([0.5, -0.5])}
NEW = {"weight": np.zeros((2, 3)), "bias": np.zeros(2), "extra": np.ones(4)}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def saved_old_file(folder):
    path = folder / "net.npz"
    tg.save(OLD, path)
    return path


def assert_holds_the_old_contents(path):
    loaded = tg.load(path)
    assert list(loaded) == list(OLD)
    for name, array in OLD.items():
        np.testing.assert_array_equal(loaded[name], array)


def other_files(folder):
    return sorted(entry.name for entry in folder.iterdir() if entry.name != "net.npz")


def run_child(source, *args):
    """Start ``python -c source args`` with this checkout importable."""
    path = os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))
    return subprocess.Popen([sys.executable, "-c", source, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=path))


@pytest.mark.parametrize("fault", [OSError(errno.EIO, "simulated I/O error"), KeyboardInterrupt()],
                         ids=["OSError", "KeyboardInterrupt"])
def test_an_exception_in_the_middle_of_a_save_leaves_the_previous_file_whole(tmp_path, monkeypatch, fault):
    path = saved_old_file(tmp_path)
    real_write, calls = np.lib.format.write_array, []

    def write_then_fail(stream, array, **options):
        calls.append(array.shape)
        if len(calls) == 2:  # the first entry is written, the second is half written
            stream.write(b"\0" * 100)
            raise fault
        return real_write(stream, array, **options)

    monkeypatch.setattr(np.lib.format, "write_array", write_then_fail)
    with pytest.raises(type(fault)):
        tg.save(NEW, path)
    monkeypatch.undo()
    assert len(calls) == 2
    assert_holds_the_old_contents(path)
    assert other_files(tmp_path) == []  # the temporary file was removed


FULL_DISK_CHILD = """
import resource, signal, sys
import numpy as np, tinygrad_nn as tg
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # so that a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
try:
    tg.save({"weight": np.ones(100_000)}, sys.argv[1])  # 800 kB: more than the 64 kB allowed
except OSError as error:
    print(error.errno)
    sys.exit(3)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs POSIX file size limits")
def test_a_full_disk_leaves_the_previous_file_whole(tmp_path):
    path = saved_old_file(tmp_path)
    child = run_child(FULL_DISK_CHILD, path)
    out, err = child.communicate(timeout=600)
    assert child.returncode == 3, err
    assert out.strip() == str(errno.EFBIG)
    assert_holds_the_old_contents(path)
    assert other_files(tmp_path) == []


KILLED_CHILD = """
import sys, time
import numpy as np, tinygrad_nn as tg
real_write = np.lib.format.write_array
def write_part_then_wait(stream, array, **options):
    if array.size > 1000:  # the big entry: part of its bytes, then wait to be killed
        stream.write(b"\\1" * 65536)
        print("writing", flush=True)
        time.sleep(60)
    return real_write(stream, array, **options)
np.lib.format.write_array = write_part_then_wait
tg.save({"bias": np.zeros(2), "weight": np.ones(200_000)}, sys.argv[1])
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9")
def test_kill_9_in_the_middle_of_a_save_leaves_the_previous_file_whole(tmp_path):
    path = saved_old_file(tmp_path)
    child = run_child(KILLED_CHILD, path)
    try:
        assert child.stdout.readline().strip() == "writing", child.stderr.read()
        temporary, = other_files(tmp_path)  # the new file exists, half written, under another name
        assert temporary.startswith(".net.npz.") and temporary.endswith(".tmp")
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert_holds_the_old_contents(path)


def test_a_state_dict_that_cannot_be_saved_is_refused_before_the_disk_is_touched(tmp_path):
    path = saved_old_file(tmp_path)
    with pytest.raises(TypeError, match="dtype object"):
        tg.save({"weight": np.zeros(2), "names": np.array([object()], dtype=object)}, path)
    assert_holds_the_old_contents(path)
    assert other_files(tmp_path) == []


def test_a_save_replaces_the_file_keeping_its_permissions_and_leaves_nothing_else(tmp_path):
    path = saved_old_file(tmp_path)
    os.chmod(path, 0o640)
    tg.save(NEW, path)
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert list(tg.load(path)) == list(NEW)
    assert other_files(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_saving_through_a_symbolic_link_replaces_the_file_it_points_to(tmp_path):
    path = saved_old_file(tmp_path)
    link = tmp_path / "latest.npz"
    os.symlink(path.name, link)
    tg.save(NEW, link)
    assert link.is_symlink()
    assert list(tg.load(path)) == list(NEW)


def test_saving_into_a_missing_folder_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="folder .*missing does not exist"):
        tg.save(OLD, tmp_path / "missing" / "net.npz")

"""Trust, round 2: what a user's path or state can do to ``tg.save``, and other cases where the library
was silently wrong or raised a raw error.

``tg.save`` replaces a regular file atomically; a target that is no regular file (a folder, a device, a FIFO),
a path that names a folder, a read-only file or folder, and a file name at the system's length limit each get
what ``open(path, "wb")`` would give, or a clear error naming the path: never a replaced device node, a
renamed folder or an error about a temporary file the user never named.
"""

import os
import stat
import threading

import numpy as np
import pytest

import tinygrad_nn as tg

STATE = {"weight": np.arange(6.0).reshape(2, 3), "bias": np.array([0.5, -0.5])}


def assert_holds_state(loaded, state=STATE):
    assert list(loaded) == list(state)
    for name, array in state.items():
        np.testing.assert_array_equal(loaded[name], array)


# ------------------------------------------------------------------ targets that are no regular file
def test_saving_to_a_folder_names_the_folder_and_leaves_it_as_it_was(tmp_path):
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match=r"^save: .*checkpoints is a folder.*checkpoints/model\.npz"):
        tg.save(STATE, folder)
    assert folder.is_dir() and list(folder.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoints"]  # no temporary file left behind


@pytest.mark.parametrize("name", ["net.npz/", "sub/"])
def test_a_path_ending_in_a_separator_names_a_folder_and_is_refused(tmp_path, name):
    (tmp_path / "sub").mkdir()
    with pytest.raises(IsADirectoryError, match="^save: .* ends with '/', so it names a folder"):
        tg.save(STATE, f"{tmp_path}/{name}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"]  # open() would not write net.npz either


def test_an_empty_path_is_refused_and_the_current_folder_is_untouched(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="^save: the path is empty"):
        tg.save(STATE, "")
    assert list(tmp_path.iterdir()) == []


def test_a_fifo_is_written_into_as_open_would_not_replaced_by_a_file(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    tg.save(STATE, fifo)
    reader.join(timeout=10)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the FIFO
    copy = tmp_path / "received.npz"
    copy.write_bytes(received[0])
    assert_holds_state(tg.load(copy))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe", "received.npz"]


def test_a_character_device_is_written_into_not_replaced_by_a_file(tmp_path):
    device = tmp_path / "null"  # a /dev/null of our own: saving to the real one must never replace it either
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError, OSError):
        pytest.skip("making a device node needs root")
    tg.save(STATE, device)
    assert stat.S_ISCHR(os.lstat(device).st_mode)  # before the fix it became a regular file holding the archive
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


# ------------------------------------------------------------------ names and permissions
def test_a_file_name_at_the_length_limit_saves_and_loads(tmp_path):
    path = tmp_path / ("w" * 251 + ".npz")  # 255 bytes: the longest name most file systems hold
    tg.save(STATE, path)
    assert_holds_state(tg.load(path))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.fixture
def unprivileged(monkeypatch):
    """Permissions as a user who owns the files sees them: root ignores them, so as root they are emulated.

    As root, ``os.access(path, W_OK)`` and creating a file in a folder then follow the owner's write bit,
    as the kernel decides for an owner who is not root.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    real_access, real_open = os.access, os.open

    def access(path, mode, **options):
        if mode & os.W_OK and not os.stat(path).st_mode & stat.S_IWUSR:
            return False
        return real_access(path, mode, **options)

    def open_(path, flags, *args, **options):
        folder = os.path.dirname(os.fspath(path)) or "."
        if flags & os.O_CREAT and not os.path.exists(path) and not os.stat(folder).st_mode & stat.S_IWUSR:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, flags, *args, **options)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(os, "open", open_)


def test_a_read_only_file_is_not_replaced_as_open_would_refuse_to_write_it(tmp_path, unprivileged):
    path = tmp_path / "best.npz"
    tg.save(STATE, path)
    os.chmod(path, 0o444)  # the user protected the checkpoint; before, save replaced it anyway
    with pytest.raises(PermissionError, match=r"^save: .*best\.npz is read-only"):
        tg.save({"w": np.zeros(2)}, path)
    assert_holds_state(tg.load(path))
    assert [p.name for p in tmp_path.iterdir()] == ["best.npz"]


def test_a_folder_without_write_permission_names_the_folder_not_a_temporary_file(tmp_path, unprivileged):
    folder = tmp_path / "locked"
    folder.mkdir()
    os.chmod(folder, 0o555)
    try:
        with pytest.raises(PermissionError, match=r"^save: cannot write .*net\.npz") as info:
            tg.save(STATE, folder / "net.npz")
        assert f"in its folder {folder} failed" in str(info.value) and ".tmp" not in str(info.value)
        assert list(folder.iterdir()) == []
    finally:
        os.chmod(folder, 0o755)


# ------------------------------------------------------------------ optimizers: param_groups edited by hand
@pytest.mark.parametrize("make", [lambda p: tg.optim.SGD([p], lr=0.1, momentum=0.9),
                                  lambda p: tg.optim.Adam([p], lr=0.1)], ids=["SGD", "Adam"])
def test_params_replaced_by_one_tensor_is_refused_by_step_not_skipped_silently(make):
    p = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    optimizer = make(p)
    p.grad = np.ones(3)
    optimizer.step()
    before, version = p.data.copy(), p.version
    optimizer.param_groups[0]["params"] = p  # a Tensor, not a list: iterating it gives its elements
    name = type(optimizer).__name__
    with pytest.raises(TypeError, match=rf"^{name}.step: param group 0: 'params' must be a list of Tensors"):
        optimizer.step()  # before: stepped nothing, warning only that a non-leaf's .grad was read
    np.testing.assert_array_equal(p.data, before)
    assert p.version == version
    optimizer.param_groups[0]["params"] = [p]
    optimizer.step()  # fixed by hand: steps again
    assert (p.data < before).all()


@pytest.mark.parametrize("value", [None, {"params": []}, "groups"], ids=["None", "a dict", "a str"])
def test_param_groups_replaced_by_something_else_is_named_by_step_and_state_dict(value):
    p = tg.Tensor([1.0], requires_grad=True)
    optimizer = tg.optim.Adam([p], lr=0.1)
    p.grad = np.ones(1)
    optimizer.param_groups = value
    with pytest.raises(TypeError, match=r"^Adam.step: param_groups must be a list of parameter-group dicts"):
        optimizer.step()  # before: "object of type 'NoneType' has no len()"
    with pytest.raises(TypeError, match=r"^Adam.state_dict: param_groups must be a list of parameter-group dicts"):
        optimizer.state_dict()
    assert p.data[0] == 1.0


# ------------------------------------------------------------------ versions: a data view of the old array
def test_a_change_through_a_detached_tensor_given_a_view_of_the_saved_array_is_refused():
    w = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (w * w).sum()
    d = w.detach()          # shares w's array, the one Mul saved
    with tg.no_grad():
        d.data = d.data[:]  # a view of that same memory
        d.data += 5.0       # changes the saved values: before, backward gave [12, 14, 16] without a word
    with pytest.raises(tg.VersionError, match="Mul saved input 0"):
        y.backward()


def test_a_leaf_given_a_view_of_its_own_array_and_changed_is_refused():
    w = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (w * w).sum()
    with tg.no_grad():
        w.data = w.data[:]
        w.data -= 1.0
    with pytest.raises(tg.VersionError, match="Mul saved input 0"):
        y.backward()


def _change_through_a_detached_tensor_then_drop_it(w):
    d = w.detach()          # shares the array Mul saved
    with tg.no_grad():
        w.data = np.zeros(3)
        d += 5.0            # changes that saved array
    # d is gone when this returns: only w remembers (weakly, before the fix) the array it had


def test_a_change_through_a_dropped_detached_tensor_of_a_replaced_leaf_is_refused():
    w = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (w * w).sum()
    _change_through_a_detached_tensor_then_drop_it(w)
    with pytest.raises(tg.VersionError, match="Mul saved input 0"):
        y.backward()        # before: [12, 14, 16] without a word (the true gradient of the forward is [2, 4, 6])


def test_a_change_of_the_saved_array_is_refused_after_two_replacements_of_the_leaf():
    w = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (w * w).sum()
    d = w.detach()
    with tg.no_grad():
        w.data = np.zeros(3)
        w.data = np.ones(3)  # the array of zeros is freed: the walk back to the saved array stopped there
        d += 5.0
    with pytest.raises(tg.VersionError, match="Mul saved input 0"):
        y.backward()


def test_replacing_data_many_times_keeps_only_the_counters_of_arrays_still_alive():
    w = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (w * w).sum()       # keeps the first array alive
    d = w.detach()          # ... and may change it
    with tg.no_grad():
        for step in range(1000):
            w.data = np.full(3, float(step))
    chain = list(w._versions.counters(w._data))
    assert len(chain) == 2  # the current array and the one the graph saved, not a thousand freed ones
    assert chain[1][1] is d.data
    y.backward()            # nothing changed the saved array: the gradient of the forward
    np.testing.assert_array_equal(w.grad, [2.0, 4.0, 6.0])


# ------------------------------------------------------------------ load: a structure description that repeats a key
def _file_with_description(path, text):
    import io
    import zipfile

    def npy(array):
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, array)
        return buffer.getvalue()

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("w.npy", npy(np.ones(2)))
        archive.writestr("__tinygrad_nn_structure__.npy", npy(np.array(text)))
    return path


@pytest.mark.parametrize("text, words", [
    ('{"dict": [["model", {"array": "w"}], ["model", {"value": 5}]]}', "the key 'model' twice"),
    ('{"dict": [["w", {"array": "w"}], ["epoch", {"value": 5}]], "dict": [["w", {"array": "w"}]]}',
     "the key 'dict' twice"),
], ids=["a dict key twice", "a JSON object key twice"])
def test_a_structure_description_that_repeats_a_key_is_damaged_not_loaded_as_something_else(tmp_path, text, words):
    # tg.save never writes a key twice; loading such a file kept only the last one and dropped the others silently
    path = _file_with_description(tmp_path / "f.npz", text)
    with pytest.raises(tg.CorruptFileError, match="structure description") as info:
        tg.load(path)
    assert words in str(info.value) and "f.npz" in str(info.value)


# ------------------------------------------------------------------ versions: two threads changing their own tensors
def test_a_change_in_another_thread_cannot_hide_this_threads_change_from_backward(monkeypatch):
    """Thread A changes its tensor, thread B records a graph and changes a leaf of it, then runs backward.

    The clock is made to stop inside A's change, between drawing its tick and storing it, and B runs there: before
    the fix A then stored its older tick as the latest change over B's newer one, and B's backward skipped its check
    and gave a wrong gradient. Under the lock B's change waits for A's to finish.
    """
    from tinygrad_nn.engine import versions

    real, window = versions.TICKS, threading.Event()
    mine, theirs = tg.Tensor([1.0]), {}

    def thread_b():
        w = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = (w * w).sum()
        with tg.no_grad():
            w -= 1.0  # changes what Mul saved
        theirs.update(w=w, y=y)

    class PausingClock:
        def __next__(self):
            tick = next(real)
            if window.is_set() and threading.current_thread() is threading.main_thread():
                window.clear()
                other = threading.Thread(target=thread_b)
                other.start()
                other.join(timeout=0.5)  # B runs here, unless its change waits for this one
                theirs["thread"] = other
            return tick

    monkeypatch.setattr(versions, "TICKS", PausingClock())
    window.set()
    with tg.no_grad():
        mine += 1.0  # thread A (here: the main thread) changes its own tensor
    theirs["thread"].join(timeout=10)
    with pytest.raises(tg.VersionError, match="Mul saved input 0"):
        theirs["y"].backward()  # before: [0, 2, 4] from the changed w, without a word

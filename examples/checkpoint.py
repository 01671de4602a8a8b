"""Checkpoints you can trust: save while training, survive a crash mid-save, refuse damaged files.

We train a small network on the spiral and save a checkpoint (model,
optimizer, epoch) every few epochs with ``tg.save``. Then three things go
wrong on purpose:

1. a save fails in the middle (a simulated disk error): the previous
   checkpoint is still whole, because ``tg.save`` writes a temporary file
   and renames it over the old one only when it is complete;
2. the checkpoint file is damaged (cut short, one byte changed): ``tg.load``
   raises ``tg.CorruptFileError`` saying what is wrong, and returns nothing;
3. a state dict with bad entries (a transposed weight, a value beyond
   float32's range) is loaded: ``load_state_dict`` names both and leaves
   every parameter as it was.

Finally training resumes from the checkpoint and continues exactly as the
uninterrupted run does.

Run: ``python examples/checkpoint.py`` (``TINYGRAD_NN_QUICK=1`` for a fast run).
"""

import os
import shutil
import tempfile

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import functional as F, nn, optim

QUICK = os.environ.get("TINYGRAD_NN_QUICK") == "1"
EPOCHS = 20 if QUICK else 200
FOLDER = tempfile.mkdtemp(prefix="checkpoint_")
PATH = os.path.join(FOLDER, "checkpoint.npz")


def make_training(seed=0):
    tg.manual_seed(seed)
    net = nn.MLP([2, 16, 3], dtype=np.float32)
    return net, optim.Adam(net.parameters(), lr=0.01)


def train(net, optimizer, X, y, epochs):
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = F.cross_entropy(net(tg.Tensor(X)), y)
        loss.backward()
        optimizer.step()
    return loss.item()


def save_checkpoint(net, optimizer, epoch):
    tg.save({"model": net.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, PATH)


def main():
    X, y = tg.data.spiral(n_per_class=50)
    X = X.astype(np.float32)
    net, optimizer = make_training()
    half = EPOCHS // 2
    loss = train(net, optimizer, X, y, half)
    save_checkpoint(net, optimizer, half)
    print(f"epoch {half}: loss {loss:.4f}, checkpoint saved ({os.path.getsize(PATH)} bytes)")

    # 1. a save that fails half way leaves the previous checkpoint whole
    real_write = np.lib.format.write_array
    def failing_write(stream, array, **options):
        stream.write(b"\0" * 64)
        raise OSError("simulated disk error")
    np.lib.format.write_array = failing_write
    try:
        save_checkpoint(net, optimizer, half + 1)
    except OSError as error:
        print(f"a save failed ({error}); the checkpoint still loads: epoch {tg.load(PATH)['epoch']}")
    finally:
        np.lib.format.write_array = real_write
    print(f"files in the folder: {sorted(os.listdir(FOLDER))}")

    # 2. damaged copies are refused with the reason
    with open(PATH, "rb") as file:
        data = file.read()
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF
    for name, damaged in [("cut.npz", data[: len(data) // 2]), ("flipped.npz", bytes(flipped))]:
        path = os.path.join(FOLDER, name)
        with open(path, "wb") as file:
            file.write(damaged)
        try:
            tg.load(path)
        except tg.UnsafeFileError as error:
            print(f"{type(error).__name__}: {str(error).replace(FOLDER + os.sep, '')}")

    # 3. a bad entry is refused and nothing changes
    broken = net.state_dict()
    broken["layers.2.bias"] = np.full(3, 1e300)
    broken["layers.0.weight"] = broken["layers.0.weight"].T
    before = [p.data.copy() for p in net.parameters()]
    try:
        net.load_state_dict(broken)
    except nn.StateDictError as error:
        print(error)
    print("parameters unchanged:", all(np.array_equal(b, p.data) for b, p in zip(before, net.parameters())))

    # resume from the checkpoint: the same losses as the uninterrupted run
    uninterrupted = train(net, optimizer, X, y, EPOCHS - half)
    checkpoint = tg.load(PATH)
    resumed_net, resumed_optimizer = make_training(seed=1)  # other initial weights, replaced below
    resumed_net.load_state_dict(checkpoint["model"])
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    resumed = train(resumed_net, resumed_optimizer, X, y, EPOCHS - checkpoint["epoch"])
    print(f"epoch {EPOCHS}: loss {uninterrupted:.4f} uninterrupted, {resumed:.4f} resumed from epoch "
          f"{checkpoint['epoch']} (identical: {uninterrupted == resumed})")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(FOLDER)

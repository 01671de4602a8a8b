"""tg.save refuses, before the disk is touched, every key and value the file could not hold as given.

The key of an array becomes the name of its zip entry: a NUL cuts it, a lone
surrogate cannot be encoded, more than 65535 bytes do not fit, and two keys
cut to the same name would merge. A huge int cannot become JSON text. Each is
refused with a ``save:`` message naming the key, no warning is emitted, and
the previous file stays byte for byte as it was.
"""

import sys
import warnings
from fractions import Fraction

import numpy as np
import pytest

import tinygrad_nn as tg

OLD = {"weight": np.arange(6.0).reshape(2, 3), "bias": np.array([0.5, -0.5])}
LONG_KEY = "k" * 65_600


def saved_old_file(folder):
    path = folder / "ckpt.npz"
    tg.save(OLD, path)
    return path


# Each case: (the state, words the message must hold: the key as repr shows it and what is wrong).
REFUSED = {
    "NUL in two keys that zip would cut to one name": (
        {"layer\x00.w": np.ones(2), "layer\x00.b": np.zeros(2)}, ["'layer\\x00.w'", "NUL"]),
    "NUL in a nested array's key": ({"model": {"w\x00": np.ones(2)}, "epoch": 3}, ["'model/w\\x00'", "NUL"]),
    "lone surrogate": ({"\udcff": np.ones(2)}, ["'\\udcff'", "lone surrogate"]),
    "lone surrogate in a nested array's key": ({"opt": [{"m\ud800": np.ones(1)}]}, ["'opt/0/m\\ud800'", "surrogate"]),
    "name over 65535 bytes": ({LONG_KEY: np.ones(2)}, ["(65600 characters)", "65604 bytes", "65535"]),
    "name over 65535 bytes in UTF-8 only": ({"é" * 32_766: np.ones(2)}, ["65536 bytes", "65535"]),
    "integer of 5001 digits": ({"n": 10**5000}, ["save: n is an integer of more than 4300 digits"]),
    "negative integer of 4301 digits": ({"opt": {"step": -10**4300}}, ["opt/step", "more than 4300 digits"]),
    "integer too long inside a list": ({"count": [np.ones(1), 7 * 10**4400]}, ["count/1", "4300 digits"]),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_a_key_or_value_the_file_cannot_hold_is_refused_and_the_old_file_stays_byte_identical(tmp_path, case):
    state, words = REFUSED[case]
    path = saved_old_file(tmp_path)
    before = path.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # zipfile's "Duplicate name" UserWarning would fail here
        with pytest.raises(ValueError) as info:
            tg.save(state, path)
    message = str(info.value)
    assert message.startswith("save: ")
    for word in words:
        assert word in message
    assert len(message) < 400  # a 65600-character key is shortened in the message
    assert path.read_bytes() == before
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["ckpt.npz"]  # no temporary file left
    loaded = tg.load(path)
    assert list(loaded) == list(OLD)


def test_keys_at_the_limits_of_what_zip_holds_round_trip(tmp_path):
    longest = "k" * (65535 - len(".npy"))
    state = {longest: np.ones(2), "é" * 32_765: np.zeros(1), "naïve/日本": np.arange(3)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.save(state, tmp_path / "f.npz")
        loaded = tg.load(tmp_path / "f.npz")
    assert list(loaded) == list(state)
    for key, array in state.items():
        np.testing.assert_array_equal(loaded[key], array)


def test_nul_and_surrogates_in_keys_that_name_no_array_are_kept_in_the_structure(tmp_path):
    state = {"a\x00b": 1, "\udcff": "x\udcff", "w": np.ones(2)}
    tg.save(state, tmp_path / "f.npz")
    loaded = tg.load(tmp_path / "f.npz")
    assert list(loaded) == list(state)
    assert loaded["a\x00b"] == 1 and loaded["\udcff"] == "x\udcff"


def test_integers_up_to_4300_digits_round_trip_exactly(tmp_path):
    state = {"big": 10**4300 - 1, "small": -(10**4299), "np": np.int64(-5), "w": np.ones(1)}
    tg.save(state, tmp_path / "f.npz")
    loaded = tg.load(tmp_path / "f.npz")
    assert loaded["big"] == 10**4300 - 1 and loaded["small"] == -(10**4299) and loaded["np"] == -5


def test_an_integer_longer_than_this_python_converts_is_refused_naming_the_key(tmp_path):
    if not hasattr(sys, "set_int_max_str_digits"):
        pytest.skip("needs Python's limit on int-to-text conversion")
    previous = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(1000)
    try:
        with pytest.raises(ValueError, match="save: n is an integer of more than 1000 digits"):
            tg.save({"n": 10**2000}, tmp_path / "f.npz")
    finally:
        sys.set_int_max_str_digits(previous)
    assert not (tmp_path / "f.npz").exists()


def test_a_number_too_large_for_a_float_is_refused_naming_the_key(tmp_path):
    with pytest.raises(ValueError, match="save: lr is a number too large for a float"):
        tg.save({"lr": Fraction(10**400, 3)}, tmp_path / "f.npz")
    assert not (tmp_path / "f.npz").exists()

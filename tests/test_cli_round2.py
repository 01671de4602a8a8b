"""The command line as a terminal user meets it: output piped into ``head``, a terminal whose encoding is not
UTF-8, user files written with ordinary Python (dataclasses), activations written as PyTorch-style Module
classes, and FILE.py:NAME targets typed the wrong way (a Windows path without :NAME, a module name)."""

import io
import subprocess
import sys
import textwrap

import pytest

from tinygrad_nn.cli import main

from cli_runner import cli

ACTIVATIONS = textwrap.dedent("""
    import tinygrad_nn as tg

    def swish(x):
        return x * x.sigmoid()

    class Swish(tg.nn.Module):            # the PyTorch way to write an activation
        def forward(self, x):
            return x * x.sigmoid()

    class WrongSwish(tg.nn.Module):       # a Module whose forward is a Function with a wrong backward
        def forward(self, x):
            return Doubled.apply(x)

    class Doubled(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad):
            return 3 * grad

    class Scaled(tg.nn.Module):
        def __init__(self, scale):
            self.scale = scale

        def forward(self, x):
            return x * self.scale

    class BrokenInit(tg.nn.Module):
        def __init__(self):
            raise RuntimeError("init boom")
""")

DATACLASS_MODEL = textwrap.dedent("""
    from __future__ import annotations
    from dataclasses import dataclass
    import tinygrad_nn as tg

    @dataclass
    class Config:
        width: int = 4

    net = tg.nn.MLP([3, Config().width, 2])
""")


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "act.py").write_text(ACTIVATIONS)
    (tmp_path / "config_model.py").write_text(DATACLASS_MODEL)
    (tmp_path / "model.py").write_text("import tinygrad_nn as tg\nnet = tg.nn.MLP([3, 4, 2])\n")
    return tmp_path


# ------------------------------------------------------------------ | head: the reader closed the pipe
def test_output_into_a_closed_pipe_ends_quietly_with_the_sigpipe_code(files):
    argv = ["gradcheck", "act.py:swish", "--examples", "2"]   # prints, runs the check, prints again
    process = subprocess.Popen([sys.executable, "-m", "tinygrad_nn", *argv], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=files)
    process.stdout.close()          # what `| head -0` does: nobody reads what the command writes
    _, err = process.communicate(timeout=600)
    assert err.decode() == ""       # no BrokenPipeError traceback, no "Exception ignored" at exit
    assert process.returncode == 141   # 128 + SIGPIPE, what a shell shows for a program stopped by it


# ------------------------------------------------------------ a terminal that cannot write every character
def run_on_an_ascii_stdout(monkeypatch, *argv):
    """``(exit code, bytes written, stdout's errors after)`` with stdout as on a terminal whose encoding is ASCII."""
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    monkeypatch.setattr(sys, "stdout", stream)   # in the test itself: pytest's capturing resets fixtures' patches
    code = main(list(argv))
    stream.flush()
    return code, raw.getvalue(), stream.errors


def test_a_path_the_terminal_cannot_write_is_printed_with_escapes(files, monkeypatch):
    (files / "modèle.py").write_text((files / "model.py").read_text())
    code, written, errors = run_on_an_ascii_stdout(monkeypatch, "draw", "modèle.py:net", "--what", "module",
                                                   "-o", "arbre é.dot")
    assert code == 0 and (files / "arbre é.dot").is_file()
    assert written.decode("ascii") == "wrote arbre \\xe9.dot (module of MLP)\n"
    assert errors == "strict"   # the stream is given back as it was


def test_generated_code_the_terminal_cannot_write_is_refused_not_mangled(files, monkeypatch, capsys):
    (files / "named.py").write_text(textwrap.dedent("""
        import tinygrad_nn as tg

        class Net(tg.nn.Module):
            def __init__(self):
                self.couché = tg.nn.Linear(3, 2)

            def forward(self, x):
                return self.couché(x)

        net = Net()
    """))
    code, written, _ = run_on_an_ascii_stdout(monkeypatch, "compile", "named.py:net", "--input-shape", "2,3")
    err = capsys.readouterr().err
    assert code == 2 and written == b""   # no code with \\xe9 in its names, which would not run
    assert err.startswith("tinygrad-nn: error: the generated code has names (couché, couché_bias, couché_weight")
    assert "that stdout's encoding ascii cannot write; run the command with PYTHONIOENCODING=utf-8" in err


# ------------------------------------------------------------------------- user files as people write them
def test_a_file_with_a_dataclass_loads(files, capsys):
    code, out, err = cli(capsys, "draw", "config_model.py:net", "--what", "module", "-o", "tree.dot")
    assert (code, err) == (0, "")
    assert out == "wrote tree.dot (module of MLP)\n"


@pytest.mark.parametrize("name", ["Swish", "swish"])
def test_an_activation_written_as_a_module_class_is_checked_like_a_function(files, capsys, name):
    code, out, err = cli(capsys, "gradcheck", f"act.py:{name}", "--examples", "3")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == f"PASSED: {name} over 3 drawn input(s)"


def test_a_module_class_with_a_wrong_backward_fails_the_check(files, capsys):
    code, out, err = cli(capsys, "gradcheck", "act.py:WrongSwish", "--examples", "3")
    assert (code, err) == (1, "")
    assert "FAILED: WrongSwish" in out and "analytic 3, numerical 2" in out


@pytest.mark.parametrize("name, message", [
    ("Scaled", "Scaled in act.py must be callable with no arguments to make the model: missing a required "
               "argument: 'scale'"),
    ("BrokenInit", "calling BrokenInit in act.py failed: RuntimeError: init boom"),
])
def test_a_module_class_that_cannot_be_made_is_one_line(files, capsys, name, message):
    code, out, err = cli(capsys, "gradcheck", f"act.py:{name}", "--examples", "3")
    assert (code, out) == (2, "")
    assert err == f"tinygrad-nn: error: {message}\n"


# ------------------------------------------------------------------------ FILE.py:NAME typed the wrong way
def test_a_file_path_without_the_name_says_to_add_it_even_with_a_colon_in_the_path(files, capsys):
    (files / "C:\\models").mkdir()   # a Windows-style path: its drive colon is not the NAME separator
    target = files / "C:\\models" / "model.py"
    target.write_text((files / "model.py").read_text())
    code, out, err = cli(capsys, "draw", str(target), "-o", "x.dot", "--what", "module")
    assert (code, out) == (2, "")
    assert err == (f"tinygrad-nn: error: expected FILE.py:NAME (e.g. model.py:net), got {str(target)!r}: add the "
                   f"name to use from that file after a colon ({target}:net)\n")


@pytest.mark.parametrize("target, hint", [
    ("model:net", "no such file: model (did you mean model.py:net?)"),
    ("tinygrad_nn.nn:MLP", "no such file: tinygrad_nn.nn (FILE is the path of a Python file, such as "
                           "model.py, not a module name)"),
])
def test_a_module_name_instead_of_a_file_gets_a_hint(files, capsys, target, hint):
    code, out, err = cli(capsys, "draw", target, "-o", "x.dot", "--what", "module")
    assert (code, out) == (2, "")
    assert err == f"tinygrad-nn: error: {hint}\n"

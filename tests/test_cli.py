"""The command line skeleton: --help, --version, python -m tinygrad_nn, loading FILE.py:NAME."""

import subprocess
import sys
import textwrap

import pytest

import tinygrad_nn
from tinygrad_nn.cli import UsageError, load_from_file, main


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"tinygrad-nn {tinygrad_nn.__version__}"


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    from tinygrad_nn.cli import COMMANDS
    for name in COMMANDS:
        assert name in out


def test_no_command_prints_usage_and_exits_2(capsys):
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("usage: tinygrad-nn")
    assert "choose a command (demo, draw, gradcheck, compile)" in captured.err


def test_no_command_from_the_shell_exits_2():
    result = subprocess.run([sys.executable, "-m", "tinygrad_nn"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 2 and "usage: tinygrad-nn" in result.stderr


def test_unknown_command_exits_2(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["no-such-command"])
    assert stop.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_python_dash_m():
    result = subprocess.run([sys.executable, "-m", "tinygrad_nn", "--version"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0
    assert result.stdout.startswith("tinygrad-nn ")


# ----------------------------------------------------------- load_from_file
def write(tmp_path, text):
    path = tmp_path / "user_file.py"
    path.write_text(textwrap.dedent(text))
    return path


def test_a_file_that_calls_sys_exit_is_a_usage_error(tmp_path):
    path = write(tmp_path, "import sys\nsys.exit(3)\n")
    with pytest.raises(UsageError, match=r"running .*user_file.py failed: it called sys.exit\(3\)"):
        load_from_file(f"{path}:net", "model.py:net")


def test_a_keyboard_interrupt_in_the_file_still_stops_the_program(tmp_path):
    path = write(tmp_path, "raise KeyboardInterrupt\n")
    with pytest.raises(KeyboardInterrupt):
        load_from_file(f"{path}:net", "model.py:net")


def test_a_missing_name_lists_what_the_file_defined_instances_too(tmp_path):
    path = write(tmp_path, """
        import numpy as np
        from math import sqrt
        from tinygrad_nn.nn import MLP

        net = MLP([2, 3, 1])
        width = 3
        _private = 1

        class Net(MLP):
            pass

        def make():
            return MLP([2, 2])
    """)
    with pytest.raises(UsageError) as error:
        load_from_file(f"{path}:nett", "model.py:net")
    assert str(error.value).endswith("has no name 'nett'; names defined there: Net, make, net, width")

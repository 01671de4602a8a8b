"""The command line skeleton: --help, --version, python -m tinygrad_nn."""

import subprocess
import sys

import pytest

import tinygrad_nn
from tinygrad_nn.cli import main


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


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "usage: tinygrad-nn" in capsys.readouterr().out


def test_unknown_command_exits_2(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["no-such-command"])
    assert stop.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_python_dash_m():
    result = subprocess.run([sys.executable, "-m", "tinygrad_nn", "--version"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.startswith("tinygrad-nn ")

"""Running the command line in-process from a test: ``cli(capsys, *argv)``."""

from tinygrad_nn.cli import main


def cli(capsys, *argv):
    """``(exit code, stdout, stderr)`` of the command line, argparse's exits included."""
    try:
        code = main(list(argv))
    except SystemExit as stop:
        code = stop.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err

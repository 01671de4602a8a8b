"""The ``tinygrad-nn`` command line.

Each subcommand lives in its own module under ``tinygrad_nn/commands/`` and
provides ``register(subparsers)``, which adds its parser and sets
``func=run`` on it. ``run(args)`` returns the exit code: 0 on success, 1
when the check it ran failed, 2 on bad usage.
"""

import argparse
import importlib
import sys

from . import __version__

# subcommand modules, in the order --help lists them
COMMANDS = ["demo", "draw", "gradcheck"]


class UsageError(Exception):
    """Bad usage found after parsing (missing file, wrong name...): exit code 2, no traceback."""


def build_parser():
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="tinygrad-nn",
        description="tinygrad_nn: a small autograd framework on numpy, for learning and "
                    "checking neural networks.")
    parser.add_argument("--version", action="version", version=f"tinygrad-nn {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"tinygrad_nn.commands.{name}").register(subparsers)
    return parser


def main(argv=None):
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except UsageError as error:
        print(f"tinygrad-nn: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

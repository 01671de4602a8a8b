"""The ``tinygrad-nn`` command line.

Each subcommand lives in its own module under ``tinygrad_nn/commands/`` and
provides ``register(subparsers)``, which adds its parser and sets
``func=run`` on it. ``run(args)`` returns the exit code: 0 on success, 1
when the check it ran failed, 2 on bad usage (no command at all included).
"""

import argparse
import importlib
import importlib.util
import inspect
import pathlib
import sys

from . import __version__

# subcommand modules, in the order --help lists them
COMMANDS = ["demo", "draw", "gradcheck", "compile"]


class UsageError(Exception):
    """Bad usage found after parsing (missing file, wrong name...): exit code 2, no traceback."""


def load_from_file(target, example):
    """The object named by ``FILE.py:NAME`` (``NAME`` may be dotted), as ``(NAME, object)``.

    Runs the user's file as a module (its folder first on ``sys.path`` while
    it runs). Every problem (a malformed target, a missing file, a file that
    fails to run or calls ``sys.exit``, a missing name) raises
    ``UsageError``; ``example`` is shown
    in the message for a malformed target (e.g. ``"model.py:net"``).
    """
    file_part, colon, name = target.rpartition(":")
    if not colon or not file_part or not name:
        raise UsageError(f"expected FILE.py:NAME (e.g. {example}), got {target!r}")
    path = pathlib.Path(file_part)
    if not path.is_file():
        raise UsageError(f"no such file: {file_part}")
    spec = importlib.util.spec_from_file_location(f"_tinygrad_nn_user_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot load {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # the user's file failed: bad input, not a crash of ours
        raise UsageError(f"running {path} failed: {type(error).__name__}: {error}") from error
    except SystemExit as error:  # KeyboardInterrupt still propagates
        raise UsageError(f"running {path} failed: it called sys.exit({error.code!r})") from error
    finally:
        sys.path.remove(folder)
    obj = module
    for part in name.split("."):
        if not hasattr(obj, part):
            defined = sorted(n for n, v in vars(module).items() if not n.startswith("_")
                             and not isinstance(v, type(sys))  # imported modules
                             and (getattr(v, "__module__", None) == module.__name__  # classes, functions made here
                                  or not (isinstance(v, type) or inspect.isroutine(v))))  # instances: net = MLP(...)
            more = ", ..." if len(defined) > 12 else ""
            hint = f"; names defined there: {', '.join(defined[:12])}{more}" if defined else ""
            raise UsageError(f"{file_part} has no name {name!r}{hint}")
        obj = getattr(obj, part)
    return name, obj


def required_positional(fn, skip=0):
    """How many positional arguments ``fn`` requires after its first ``skip``; None if unknown or ``*args``."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())[skip:]
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
               for p in parameters)


def module_from(obj, where):
    """``obj`` if it is a ``tg.nn.Module``, else the Module that calling it with no arguments returns.

    ``where`` names it in messages (``net in model.py``). A callable that
    needs arguments, raises, calls ``sys.exit`` or returns anything but a
    Module is a ``UsageError``.
    """
    from .nn import Module

    if isinstance(obj, Module):
        return obj
    if not callable(obj):
        raise UsageError(f"{where} has type {type(obj).__name__}: expected a tg.nn.Module "
                         "or a zero-argument callable returning one")
    try:
        inspect.signature(obj).bind()
    except TypeError as error:
        raise UsageError(f"{where} must be callable with no arguments to make the model: {error}") from error
    except ValueError:  # no signature to inspect (some builtins): just call it
        pass
    try:
        made = obj()
    except Exception as error:  # the user's factory failed: bad input, not a crash of ours
        raise UsageError(f"calling {where} failed: {type(error).__name__}: {error}") from error
    except SystemExit as error:
        raise UsageError(f"calling {where} failed: it called sys.exit({error.code!r})") from error
    if not isinstance(made, Module):
        raise UsageError(f"{where} returned type {type(made).__name__} when called, not a tg.nn.Module")
    return made


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
    if not hasattr(args, "func"):  # no command: usage on stderr and exit 2, as argparse does for bad usage
        parser.print_usage(sys.stderr)
        print(f"tinygrad-nn: error: choose a command ({', '.join(COMMANDS)}); "
              "'tinygrad-nn --help' explains them", file=sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except UsageError as error:
        print(f"tinygrad-nn: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""The ``tinygrad-nn`` command line.

Each subcommand lives in its own module under ``tinygrad_nn/commands/`` and
provides ``register(subparsers)``, which adds its parser and sets
``func=run`` on it. ``run(args)`` returns the exit code: 0 on success, 1
when the check it ran failed, 2 on bad usage (no command at all included);
``main`` returns 130 when Ctrl-C stopped it and 141 (128 + SIGPIPE) when the
reader of its output went away (``tinygrad-nn compile ... | head``).
"""

import argparse
import contextlib
import importlib
import importlib.util
import inspect
import math
import os
import pathlib
import re
import sys

from . import __version__

# subcommand modules, in the order --help lists them
COMMANDS = ["demo", "draw", "gradcheck", "compile"]

MAX_INPUT_SIZE = 1_000_000   # numbers in one random input that --input-shape builds (8 MB of float64)
MAX_INPUT_DIMS = 32          # axes in one --input-shape (numpy 1.x arrays have at most 32)

# an argument that starts with a minus and then a digit, ".digit", "inf" or "nan" is a value ("--input-shape
# -1,3", "--bounded -1,1", "--lr -inf": bad values to explain), never an option (no option looks like that)
NEGATIVE_VALUE = re.compile(r"^-(\.?\d|inf|nan)", re.IGNORECASE)
_MISSING = object()   # getattr's default when looking NAME up
INTERRUPTED_EXIT = 130     # 128 + SIGINT: stopped by Ctrl-C
BROKEN_PIPE_EXIT = 141     # 128 + SIGPIPE: what a shell shows for a program whose reader went away


class UsageError(Exception):
    """Bad usage found after parsing (missing file, wrong name...): exit code 2, no traceback."""


class Parser(argparse.ArgumentParser):
    """argparse's parser with the command line's rules for bad usage: one line on stderr, exit code 2.

    Arguments such as ``-1,3`` or ``-inf`` are read as (possibly bad) values
    of the option before them, not as unknown options ("expected one
    argument"); the error line ends with where to read the usage instead of
    printing the whole usage first. Subcommand parsers are of this class too.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = NEGATIVE_VALUE

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


@contextlib.contextmanager
def user_code(doing, hint=None):
    """Run the user's code (their file, factory, forward, ``extra_repr``...) inside ``with user_code(...)``.

    An exception or a ``sys.exit`` there is bad input, not a crash of ours:
    it becomes a ``UsageError`` "``doing`` failed: TypeName: message" (or
    "... failed: it called sys.exit(code)"), with ``hint(error)`` appended to
    the first when ``hint`` is given. A ``UsageError`` and ``KeyboardInterrupt``
    pass through unchanged.
    """
    try:
        yield
    except UsageError:
        raise
    except Exception as error:
        detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        raise UsageError(f"{doing} failed: {detail}{hint(error) if hint else ''}") from error
    except SystemExit as error:  # KeyboardInterrupt still propagates
        raise UsageError(f"{doing} failed: it called sys.exit({error.code!r})") from error


def parse_shape(text, command):
    """``"4,3"`` -> ``(4, 3)`` for ``--input-shape`` of ``command`` (``"draw"``, ``"compile"``).

    Raises ``UsageError`` naming the bad part, or saying the input would be
    too large (more than ``MAX_INPUT_SIZE`` numbers or ``MAX_INPUT_DIMS``
    axes) for that command to build.
    """
    example = "positive integers separated by commas, like 4,3"
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise UsageError(f"--input-shape must be {example}; got {text!r}") from None
    bad = [size for size in shape if size <= 0]
    if bad:
        raise UsageError(f"--input-shape must be {example}; got {text!r} ({bad[0]} is not a positive size)")
    if len(shape) > MAX_INPUT_DIMS:
        raise UsageError(f"--input-shape {text} has {len(shape)} sizes, more than the {MAX_INPUT_DIMS} axes "
                         f"the {command} command builds")
    size = math.prod(shape)
    if size > MAX_INPUT_SIZE:
        small = {"draw": "a small batch draws the same graph (e.g. 4 rows)"}.get(
            command, "a small batch (e.g. 4 rows) is enough to trace the model")
        raise UsageError(f"--input-shape {text} is {size:,} numbers, more than the {MAX_INPUT_SIZE:,} the "
                         f"{command} command builds; {small}")
    return shape


def load_from_file(target, example):
    """The object named by ``FILE.py:NAME`` (``NAME`` may be dotted), as ``(NAME, object)``.

    Runs the user's file as a module (its folder first on ``sys.path`` while
    it runs; the module stays in ``sys.modules``, as an import leaves it, for
    the dataclasses, pickle and typing that look it up). Every problem (a malformed target, a missing file, a file that
    fails to run or calls ``sys.exit``, a missing name) raises
    ``UsageError``; ``example`` is shown
    in the message for a malformed target (e.g. ``"model.py:net"``).
    """
    file_part, colon, name = target.rpartition(":")
    if pathlib.Path(target).is_file():   # also C:\models\model.py, whose drive's colon separates no NAME
        raise UsageError(f"expected FILE.py:NAME (e.g. {example}), got {target!r}: add the name to use from "
                         f"that file after a colon ({target}:{example.rpartition(':')[2]})")
    if not colon or not file_part or not name:
        raise UsageError(f"expected FILE.py:NAME (e.g. {example}), got {target!r}")
    path = pathlib.Path(file_part)
    if path.is_dir():
        raise UsageError(f"{file_part} is a folder, not a Python file")
    if not path.is_file():
        raise UsageError(f"no such file: {file_part}{_not_a_file_hint(path, name)}")
    module_name = f"_tinygrad_nn_user_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot load {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    sys.modules[module_name] = module   # as import does: dataclasses, pickle and typing look the module up
    try:
        with user_code(f"running {path}"):
            spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    finally:
        if folder in sys.path:  # unless the user's file took it off
            sys.path.remove(folder)
    obj = module
    for part in name.split("."):
        with user_code(f"looking up {name} in {file_part}"):  # a property of the user's may run
            found = getattr(obj, part, _MISSING)
        if found is _MISSING:
            defined = sorted(n for n, v in vars(module).items() if not n.startswith("_")
                             and not isinstance(v, type(sys))  # imported modules
                             and (getattr(v, "__module__", None) == module.__name__  # classes, functions made here
                                  or not (isinstance(v, type) or inspect.isroutine(v))))  # instances: net = MLP(...)
            more = ", ..." if len(defined) > 12 else ""
            hint = f"; names defined there: {', '.join(defined[:12])}{more}" if defined else ""
            raise UsageError(f"{file_part} has no name {name!r}{hint}")
        obj = found
    return name, obj


def _not_a_file_hint(path, name):
    """`` (did you mean model.py:net?)`` for a FILE typed without ``.py`` or as a module name, else ``""``."""
    if path.suffix == ".py":
        return ""
    if path.with_name(path.name + ".py").is_file():
        return f" (did you mean {path}.py:{name}?)"
    return " (FILE is the path of a Python file, such as model.py, not a module name)"


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
    with user_code(f"calling {where}"):
        made = obj()
    if not isinstance(made, Module):
        raise UsageError(f"{where} returned type {type(made).__name__} when called, not a tg.nn.Module")
    return made


def build_parser():
    """The argument parser with every registered subcommand."""
    parser = Parser(
        prog="tinygrad-nn",
        description="tinygrad_nn: a small autograd framework on numpy, for learning and "
                    "checking neural networks.")
    parser.add_argument("--version", action="version", version=f"tinygrad-nn {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"tinygrad_nn.commands.{name}").register(subparsers)
    return parser


def main(argv=None):
    """Run the command line; returns the exit code.

    Characters that stdout's encoding cannot write (a path with an accent on
    an ASCII terminal) are written as backslash escapes, as Python does on
    stderr, instead of stopping the program. When the reader of the output
    has gone away (``| head``), the program ends quietly with exit code 141.
    """
    stdout = sys.stdout
    escaping = getattr(stdout, "errors", None) == "strict" and hasattr(stdout, "reconfigure")
    if escaping:
        stdout.reconfigure(errors="backslashreplace")
    try:
        try:
            return _run(argv)
        finally:   # argparse's --help and --version end here too: a closed pipe shows now, not at exit
            if sys.stdout is not None:
                sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
        return BROKEN_PIPE_EXIT
    finally:
        if escaping:
            with contextlib.suppress(OSError, ValueError):   # a closed or broken stdout stays as it is
                stdout.reconfigure(errors="strict")


def _discard_stdout():
    """Point stdout at the null device: what is still buffered must not fail again when Python exits."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):   # stdout is no file (captured in a test, or closed)
        pass


def _run(argv):
    """Parse ``argv`` and run the command; bad usage is one line on stderr and exit code 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):  # no command: usage on stderr and exit 2, as argparse does for bad usage
        parser.print_usage(sys.stderr)
        print(f"tinygrad-nn: error: choose a command ({', '.join(COMMANDS)}); "
              "'tinygrad-nn --help' explains them", file=sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except UsageError as error:  # one line, even when the user's exception text has several
        message = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
        print(f"tinygrad-nn: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return INTERRUPTED_EXIT


if __name__ == "__main__":
    sys.exit(main())

"""``tinygrad-nn compile FILE.py:NAME``: print the numpy code ``tg.compile`` generates for a user's model.

``NAME`` is a ``Module`` instance in ``FILE.py``, a zero-argument callable
(a class or a function) that makes one, or a function of Tensors. The
command calls it once on random inputs of the shapes given by
``--input-shape`` (one per input), which traces it, and prints the
generated forward and backward. A module's parameters get gradients, its
input only with ``--input-grad``; a function's inputs always do (else its
backward would have nothing to compute).

Bad usage, a bad shape or a model whose code fails or calls ``sys.exit``
(while it is loaded, made, compiled or run) raise ``UsageError`` (one line,
exit code 2, no traceback); so does a model that returns anything but one
Tensor. Generated code that stdout's encoding cannot write (names with
accents on an ASCII terminal) is refused the same way rather than printed
with escapes that would not run.
"""

import re
import sys

import numpy as np

from ..cli import UsageError, load_from_file, module_from, parse_shape, required_positional, user_code

__all__ = ["register", "run"]


def register(subparsers):
    """Add the ``compile`` parser; it runs ``run``."""
    parser = subparsers.add_parser(
        "compile", help="print the numpy forward and backward that tg.compile generates for a model",
        description="Load NAME from FILE.py (a Module instance, a zero-argument callable making one, or a "
                    "function of Tensors), trace it once on random inputs and print the generated code.",
        epilog="example: tinygrad-nn compile model.py:net --input-shape 4,3")
    parser.add_argument("target", metavar="FILE.py:NAME", help="the file and the name of the model in it")
    parser.add_argument("--input-shape", metavar="N,D", action="append", default=None,
                        help="shape of one random input (required), e.g. 4,3; give it once per input of a function")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                        help="dtype of the random inputs (default float64)")
    parser.add_argument("--input-grad", action="store_true",
                        help="a module's input requires grad too (the backward then also computes its gradient)")
    parser.set_defaults(func=run)   # "--input-shape -2,3" is a (bad) value to explain: see cli.Parser
    return parser


def _load(target):
    """``(name, callable to compile, is_module)`` for ``FILE.py:NAME``."""
    from ..nn import Module

    name, obj = load_from_file(target, "model.py:net")
    where = f"{name} in {target.rpartition(':')[0]}"
    if isinstance(obj, Module):
        return name, obj, True
    if not callable(obj):
        raise UsageError(f"{where} has type {type(obj).__name__}: expected a tg.nn.Module, a callable making "
                         "one, or a function of Tensors")
    if isinstance(obj, type) or required_positional(obj) == 0:  # a class or a factory: it makes the model
        return name, module_from(obj, where), True
    return name, obj, False


def _check_writable_to_stdout(source):
    """Raise UsageError when stdout's encoding cannot write the names in ``source`` (escaped, they would not run)."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    names = sorted({word for word in re.findall(r"\w+", source) if not _encodes(word, encoding)})
    if names:
        raise UsageError(f"the generated code has names ({', '.join(names[:5])}{', ...' if len(names) > 5 else ''}) "
                         f"that stdout's encoding {encoding} cannot write; run the command with "
                         "PYTHONIOENCODING=utf-8 (or give them ASCII names)")


def _encodes(text, encoding):
    """Whether ``encoding`` can write ``text`` (an encoding Python does not know: let the print say so)."""
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    except LookupError:
        return True
    return True


def run(args):
    """Trace the model on random inputs and print the generated code; returns 0."""
    import tinygrad_nn as tg

    name, model, is_module = _load(args.target)
    if not args.input_shape:
        raise UsageError("give the shape of each input with --input-shape (e.g. --input-shape 4,3)")
    shapes = [parse_shape(text, "compile") for text in args.input_shape]
    rng = np.random.default_rng(0)
    requires_grad = args.input_grad or not is_module
    inputs = [tg.Tensor(rng.standard_normal(shape).astype(args.dtype), requires_grad=requires_grad)
              for shape in shapes]
    shape_hint = f"; check --input-shape (given: {', '.join(map(str, shapes))})"
    with user_code(f"running {name}",
                   hint=lambda error: shape_hint if isinstance(error, (ValueError, TypeError, IndexError)) else ""):
        compiled = tg.compile(model)   # reads the module's parameters: the user's code may run
        try:
            compiled(*inputs)
        except tg.TraceError as error:  # what the trace cannot record: the message says what and where
            raise UsageError(str(error)) from error
        except TypeError as error:
            returned = f"{compiled.what}: the function returned "
            if not str(error).startswith(returned):
                raise
            raise UsageError(f"{name} returned {str(error)[len(returned):]}") from error
    _check_writable_to_stdout(compiled.source)
    print(compiled.source, end="")
    return 0

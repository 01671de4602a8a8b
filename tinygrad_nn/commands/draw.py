"""``tinygrad-nn draw FILE.py:NAME``: draw a model from the command line.

``NAME`` is a ``Module`` instance in ``FILE.py`` or a zero-argument callable
(a class or a function) that makes one. ``--what graph`` (the default) runs
the model on a random input of ``--input-shape`` and draws the computation
graph; ``--what module`` draws the module tree; ``--what network`` the
circles-and-lines picture of a small fully connected net. The output format
comes from the suffix of ``-o`` (``.svg``, ``.png`` or ``.dot``).

Anything wrong with the usage, the file, the model or ``-o`` raises
``UsageError`` (one line, exit code 2): an option that does not apply to
``--what``, an ``--input-shape`` that is malformed, negative, larger than
``MAX_INPUT_SIZE`` numbers or of the wrong width for the model's first layer,
a model whose code (its file, factory, forward, backward, ``extra_repr``...)
fails or calls ``sys.exit`` while it is loaded, run or drawn. A failing Graphviz program
gives one line and exit code 1. Neither shows a traceback. What ``draw_graph``
folded in a big graph is printed as one ``note:`` line on standard error.
"""

import argparse
import pathlib
import sys
import warnings

import numpy as np

from ..cli import MAX_INPUT_SIZE, UsageError, load_from_file, module_from, parse_shape as _parse_shape, user_code

__all__ = ["register", "run", "load_model", "parse_shape", "MAX_INPUT_SIZE"]

GRAPH_ONLY = (("input_shape", "--input-shape"), ("depth", "--depth"), ("grads", "--grads"))


def register(subparsers):
    """Add the ``draw`` parser; it runs ``run``."""
    parser = subparsers.add_parser(
        "draw", help="draw a model's computation graph, module tree or network picture",
        description="Draw a model defined in a Python file. NAME is a Module instance or a "
                    "zero-argument callable returning one.",
        epilog="example: tinygrad-nn draw model.py:net --input-shape 4,3 -o graph.svg")
    parser.add_argument("target", metavar="FILE.py:NAME", help="the file and the name of the model in it")
    parser.add_argument("--what", choices=("graph", "module", "network"), default="graph",
                        help="graph: the computation graph of one forward pass (default); module: the "
                             "module tree; network: layers of circles for a small fully connected net")
    parser.add_argument("--input-shape", metavar="N,D", default=None,
                        help="shape of the random input for --what graph, e.g. 4,3 (batch of 4 rows of 3)")
    parser.add_argument("-o", "--output", required=True, metavar="PATH",
                        help="where to write; the suffix picks the format: .svg, .png or .dot")
    parser.add_argument("--depth", type=_depth, default=None, metavar="K",
                        help="fold modules deeper than this many levels into one node each (graph)")
    parser.add_argument("--rankdir", choices=("TB", "LR"), default=None,
                        help="layout direction: TB top to bottom, LR left to right")
    parser.add_argument("--grads", action="store_true",
                        help="backpropagate the sum of the output first and show gradient statistics (graph)")
    parser.set_defaults(func=run)   # "--input-shape -2,3" is a (bad) value to explain: see cli.Parser
    return parser


def _depth(text):
    """``--depth``: a non-negative integer, checked by argparse (bad values exit 2 with its usage line)."""
    try:
        depth = int(text)
    except ValueError:
        depth = -1
    if depth < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer (0 folds the whole model), got {text!r}")
    return depth


def parse_shape(text):
    """``"4,3"`` -> ``(4, 3)``; raises UsageError naming the bad part, or saying it is too large to build."""
    return _parse_shape(text, "draw")


def _check_input_width(model, shape, name):
    """For a plain stack of layers, the input's last size must be the first layer's ``in_features``."""
    from ..nn import MLP, Sequential
    from ..viz.network import dense_layers

    if not isinstance(model, (Sequential, MLP)):
        return   # a custom forward may use its layers in any order: running it will tell
    with user_code(f"reading the layers of {name}"):
        layers = dense_layers(model)
        first_width = layers[0][1].in_features if layers else None
    if not layers:
        return
    path, first = layers[0]
    if shape[-1] != first_width:
        wanted = ",".join(str(size) for size in shape[:-1] + (first_width,))
        raise UsageError(f"--input-shape {','.join(map(str, shape))} gives rows of {shape[-1]} numbers, but "
                         f"{name}'s first layer {path or type(model).__name__} ({type(first).__name__}) takes "
                         f"in_features={first_width}; use --input-shape {wanted}")


def _check_options(args):
    """Refuse the options that only ``--what graph`` reads when drawing something else."""
    if args.what == "graph":
        return
    given = [flag for attribute, flag in GRAPH_ONLY
             if getattr(args, attribute) is not None and getattr(args, attribute) is not False]  # --depth 0 counts
    if given:
        verb = "applies" if len(given) == 1 else "apply"
        raise UsageError(f"{' and '.join(given)} only {verb} to --what graph, not to --what {args.what}")


def load_model(target):
    """The Module named by ``FILE.py:NAME`` (a Module, or a zero-argument callable making one)."""
    name, obj = load_from_file(target, "model.py:net")
    return module_from(obj, f"{name} in {target.rpartition(':')[0]}")


def _draw_graph(model, args, viz):
    from ..engine import Tensor

    if args.input_shape is None:
        raise UsageError("--what graph needs --input-shape (e.g. --input-shape 4,3) to run the model once")
    shape = parse_shape(args.input_shape)
    name = args.target.rpartition(":")[2]
    _check_input_width(model, shape, name)
    x = Tensor(np.random.default_rng(0).standard_normal(shape), name="input")
    with user_code(f"running {name} on an input of shape {shape}",
                   hint=lambda error: "; check --input-shape" if isinstance(error, (ValueError, TypeError,
                                                                                   IndexError)) else ""):
        out = model(x)
    if not isinstance(out, Tensor):
        raise UsageError(f"{name} returned a {type(out).__name__}, not a Tensor; cannot draw its graph")
    if args.grads:
        with user_code(f"--grads: backpropagating the sum of {name}'s output"):
            out.sum().backward()
    with user_code(f"drawing the graph of {name}"):  # module labels: the user's named_modules, extra_repr...
        return viz.draw_graph(out, model=model, depth=args.depth, grads=args.grads, rankdir=args.rankdir or "TB")


def _check_writable(output):
    """Raise UsageError unless ``output`` can be written (checked before the model is loaded and run)."""
    nearest = next(folder for folder in output.absolute().parents if folder.exists())
    if not nearest.is_dir():
        raise UsageError(f"cannot write -o {output}: {nearest} is a file, not a folder")
    if nearest == output.absolute().parent:  # a missing folder is made by viz.render
        existed = output.exists()
        try:
            with open(output, "ab"):
                pass
        except OSError as error:
            raise UsageError(f"cannot write -o {output}: {error.strerror or error}") from error
        if not existed:
            output.unlink()


def run(args):
    """Load the model, draw what ``--what`` asks for, write ``--output``; returns 0, or 1 if the renderer failed."""
    from .. import viz
    from ..viz.render import FORMATS

    _check_options(args)
    output = pathlib.Path(args.output)
    if output.suffix.lower() not in FORMATS:
        raise UsageError(f"cannot tell the format of -o {args.output}: use a .svg, .png or .dot suffix")
    _check_writable(output)
    model = load_model(args.target)
    name = args.target.rpartition(":")[2]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", viz.GraphTooLargeWarning)
        graph = _draw(model, args, name, viz)
    for warning in caught:  # what was folded: one line each, not Python's warning with a source line
        if issubclass(warning.category, (viz.GraphTooLargeWarning, viz.GradientsNotComputedWarning)):
            print(f"note: {warning.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    try:
        viz.render(graph, output)
    except viz.RendererNotFoundError as error:
        raise UsageError(str(error)) from error
    except OSError as error:
        raise UsageError(f"cannot write -o {output}: {error.strerror or error}") from error
    except RuntimeError as error:  # the Graphviz program failed: not bad usage, but no traceback either
        print(f"tinygrad-nn: error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {output} ({args.what} of {type(model).__name__})")
    return 0


def _draw(model, args, name, viz):
    """The drawing ``--what`` asks for."""
    if args.what == "graph":
        return _draw_graph(model, args, viz)
    if args.what == "module":
        with user_code(f"drawing the module tree of {name}"):  # the user's extra_repr, named_modules...
            return viz.draw_module(model, rankdir=args.rankdir or "TB")
    with user_code(f"drawing the network of {name}"):
        try:
            return viz.draw_network(model, rankdir=args.rankdir or "LR")
        except ValueError as error:
            if not str(error).startswith("draw_network:"):  # the user's code raised it
                raise
            raise UsageError(f"{error} (here: --what module or --what graph)") from error

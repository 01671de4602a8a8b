"""``render(graph, path)``: write a drawing to a file, the format chosen by the suffix.

``.dot`` / ``.gv`` write the DOT text and always work. ``.svg`` and ``.png``
need a Graphviz layout program. We look for one in this order:

1. the program named by the environment variable ``TINYGRAD_NN_DOT``;
2. the system Graphviz ``dot`` on ``PATH``;
3. ``graphviz-pure`` (a self-contained port of ``dot`` installed from PyPI
   with tinygrad_nn), on ``PATH`` or in this Python's scripts folder (so it is
   found even when a virtual environment is not activated).

So ``pip install tinygrad_nn`` alone is enough to write SVG and PNG files.
"""

import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig

import graphviz

__all__ = ["render", "find_renderer", "RendererNotFoundError", "FORMATS", "Drawing"]

# suffix -> Graphviz output format
FORMATS = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png"}

INSTALL_HINT = ("install the PyPI package graphviz-pure (`pip install graphviz-pure`, no system "
                "packages needed; it is a dependency of tinygrad_nn) or the system Graphviz "
                "(`apt-get install graphviz`, `brew install graphviz`, `conda install graphviz`)")


class RendererNotFoundError(RuntimeError):
    """No Graphviz program was found to turn DOT text into SVG or PNG."""


def _scripts_folders():
    """Folders where pip puts console scripts for this Python, in search order."""
    folders = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():
        folders.append(sysconfig.get_path("scripts", user_scheme))
    seen, unique = set(), []
    for folder in folders:
        if folder and folder not in seen:
            seen.add(folder)
            unique.append(folder)
    return unique


def find_renderer(program=None):
    """The path of a Graphviz layout program, or ``None`` when none is found.

    ``program`` (a name or a path) restricts the search to that one program;
    by default the order of the module docstring is used.
    """
    if program is not None:
        candidates = [program]
    else:
        candidates = [os.environ.get("TINYGRAD_NN_DOT") or None, "dot", "graphviz-pure"]
    for name in candidates:
        if not name:
            continue
        found = shutil.which(name)
        if found:
            return found
        if os.sep not in name:
            for folder in _scripts_folders():
                found = shutil.which(name, path=folder)
                if found:
                    return found
    return None


def _run(program, source, fmt, timeout, engine=None, output=None):
    command = [program, f"-T{fmt}"] + ([f"-K{engine}"] if engine else [])
    command += ["-o", str(output)] if output is not None else []
    try:
        return subprocess.run(command, input=source.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(f"render: {program} took more than {timeout} s to lay out the graph; "
                           "draw a smaller graph (depth=, max_nodes=) or write .dot") from error


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose ``pipe`` (and so its inline display in Jupyter) uses the
    renderer ``render`` finds: the system ``dot``, or ``graphviz-pure`` when there is none.

    Its default format is SVG. Everything else is the plain ``graphviz.Digraph``.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", "svg")
        super().__init__(*args, **kwargs)

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False, *,
             engine=None, encoding=None):
        """The graph laid out in ``format`` (default: the graph's ``format``, svg for Jupyter) as bytes,
        or as text when ``encoding`` is given."""
        if renderer is not None or formatter is not None or neato_no_op:
            return super().pipe(format, renderer, formatter, neato_no_op, quiet, engine=engine, encoding=encoding)
        program = find_renderer()
        if program is None:
            raise RendererNotFoundError(f"cannot lay out the graph: `dot` or `graphviz-pure` was not found. "
                                        f"To fix, {INSTALL_HINT}.")
        fmt = format or self.format
        done = _run(program, self.source, fmt, 120, engine=engine or self.engine)
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip() or f"exit code {done.returncode}"
            raise RuntimeError(f"render: {program} failed to lay out the graph as {fmt}: {message}")
        return done.stdout.decode(encoding) if encoding else done.stdout


def _dot_source(graph):
    source = getattr(graph, "source", None)
    if source is None:
        if isinstance(graph, str):
            return graph
        raise TypeError(f"render: expected a graphviz.Digraph (or DOT text), got {type(graph).__name__}")
    return source


def render(graph, path, *, renderer=None, timeout=120):
    """Write ``graph`` (a ``graphviz.Digraph`` or DOT text) to ``path``; returns the path.

    The suffix picks the format: ``.dot``/``.gv`` (DOT text, no renderer
    needed), ``.svg`` or ``.png``. ``renderer`` names the Graphviz program to
    use (default: see the module docstring). Raises ``RendererNotFoundError``
    saying what to install when no renderer is found, ``ValueError`` for an
    unknown suffix, ``RuntimeError`` when the renderer fails.

    >>> import graphviz, tempfile, os
    >>> from tinygrad_nn import viz
    >>> g = graphviz.Digraph(); g.edge("a", "b")
    >>> out = viz.render(g, os.path.join(tempfile.mkdtemp(), "ab.dot"))
    >>> out.read_text().startswith("digraph")
    True
    """
    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"render: cannot tell the format of {str(path)!r} from its suffix "
                         f"{suffix or '(none)'!r}; use one of {', '.join(sorted(FORMATS))}")
    source = _dot_source(graph)
    fmt = FORMATS[suffix]
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "dot":
        path.write_text(source, encoding="utf-8")
        return path
    program = find_renderer(renderer)
    if program is None:
        wanted = f"the program {renderer!r}" if renderer else "`dot` or `graphviz-pure`"
        raise RendererNotFoundError(
            f"render: cannot write {path.name}: {wanted} was not found to make .{fmt} files. "
            f"To fix, {INSTALL_HINT}. Writing a .dot file needs no renderer.")
    done = _run(program, source, fmt, timeout, output=path)
    if done.returncode != 0 or not path.exists():
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit code {done.returncode}"
        raise RuntimeError(f"render: {program} failed to write {path.name}: {message}")
    return path

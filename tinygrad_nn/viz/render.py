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

__all__ = ["render", "find_renderer", "RendererNotFoundError", "FORMATS"]

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
    try:
        done = subprocess.run([program, f"-T{fmt}", "-o", str(path)], input=source.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(f"render: {program} took more than {timeout} s to lay out {path.name}; "
                           "draw a smaller graph (depth=, max_nodes=) or write .dot") from error
    if done.returncode != 0 or not path.exists():
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit code {done.returncode}"
        raise RuntimeError(f"render: {program} failed to write {path.name}: {message}")
    return path

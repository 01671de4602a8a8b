"""``render(graph, path)``: write a drawing to a file, the format chosen by the suffix.

``.dot`` / ``.gv`` write the DOT text and always work. ``.svg`` and ``.png``
need a Graphviz layout program. We look for one in this order:

1. the program named by the environment variable ``TINYGRAD_NN_DOT``;
2. the system Graphviz ``dot`` on ``PATH``;
3. ``graphviz-pure`` (a self-contained port of ``dot`` installed from PyPI
   with tinygrad_nn), on ``PATH`` or in this Python's scripts folder (so it is
   found even when a virtual environment is not activated).

So ``pip install tinygrad_nn`` alone is enough to write SVG and PNG files.

The layout program runs with two limits, so a drawing can never take the
machine down: ``timeout`` seconds (default 120) and ``max_memory`` bytes of
address space (default 2 GiB, set with ``setrlimit`` in the child process,
where the operating system has it). Hitting either raises
``RenderLimitError``, which says how to draw less.
"""

import errno
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import sysconfig

from ..engine.methods.arguments import path_argument

try:
    import resource
except ImportError:  # Windows: no setrlimit, the layout runs with the timeout only
    resource = None

__all__ = ["render", "find_renderer", "run_layout", "RendererNotFoundError", "RenderLimitError", "FORMATS",
           "INSTALL_HINT", "DEFAULT_TIMEOUT", "DEFAULT_MAX_MEMORY"]

# suffix -> Graphviz output format
FORMATS = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png"}
DEFAULT_TIMEOUT = 120                 # seconds
DEFAULT_MAX_MEMORY = 2 * 1024 ** 3    # bytes of address space for the layout program

INSTALL_HINT = ("install the PyPI package graphviz-pure (`pip install graphviz-pure`, no system "
                "packages needed; it is a dependency of tinygrad_nn) or the system Graphviz "
                "(`apt-get install graphviz`, `brew install graphviz`, `conda install graphviz`)")
DRAW_LESS = ("draw less: fold modules with depth= (depth=1 or 0), keep the default max_nodes=300 "
             "(or pass a smaller one), or draw a smaller batch of the model; writing .dot needs no layout")


class RendererNotFoundError(RuntimeError):
    """No Graphviz program was found to turn DOT text into SVG or PNG."""


class RenderLimitError(RuntimeError):
    """The layout program ran out of its time (``timeout=``) or memory (``max_memory=``) limit."""


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
        candidates = [os.fspath(path_argument(program, "find_renderer", "program"))]
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


def _size_text(size):
    """``2 GiB``, ``32 MiB``, ``4096 bytes``."""
    for unit, scale in (("GiB", 1024 ** 3), ("MiB", 1024 ** 2), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} bytes"


def _check_limits(timeout, max_memory):
    for name, value in (("timeout", timeout), ("max_memory", max_memory)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
            raise ValueError(f"render: {name} must be a positive number or None (no limit), got {value!r}")


def _memory_cap(max_memory):
    """The ``preexec_fn`` that caps the child's address space, or None when there is no cap to set."""
    if max_memory is None or resource is None:
        return None
    limit = int(max_memory)

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return cap


def _signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _ran_out_of_memory(done, max_memory):
    if max_memory is None or resource is None:
        return False
    stderr = done.stderr.decode("utf-8", "replace").lower()
    return done.returncode < 0 or "memory" in stderr or "alloc" in stderr


def run_layout(program, source, fmt, *, timeout=DEFAULT_TIMEOUT, max_memory=DEFAULT_MAX_MEMORY, engine=None,
               purpose=None):
    """Lay out DOT ``source`` with ``program`` as ``fmt``; returns the output bytes.

    Raises ``RenderLimitError`` when the program runs out of ``timeout``
    seconds or ``max_memory`` bytes (None: no limit), ``RuntimeError`` naming
    the ``purpose`` (e.g. ``"write graph.svg"``) when it fails.
    """
    _check_limits(timeout, max_memory)
    command = [program, f"-T{fmt}"] + ([f"-K{engine}"] if engine else [])
    name = os.path.basename(program)
    try:
        done = subprocess.run(command, input=source.encode("utf-8"), capture_output=True, timeout=timeout,
                              check=False, preexec_fn=_memory_cap(max_memory))
    except subprocess.TimeoutExpired as error:
        raise RenderLimitError(f"render: {name} took more than timeout={timeout:g} s to lay out the graph; "
                               f"{DRAW_LESS}, or pass a larger timeout=") from error
    except OSError as error:
        if error.errno != errno.ENOMEM or max_memory is None:
            raise
        raise RenderLimitError(f"render: {name} could not even start within max_memory={_size_text(max_memory)}; "
                               "pass a larger max_memory=") from error
    if _ran_out_of_memory(done, max_memory):
        how = f"was stopped by {_signal_name(-done.returncode)}" if done.returncode < 0 else "failed"
        raise RenderLimitError(
            f"render: {name} {how} with its memory capped at max_memory={_size_text(max_memory)}: laying out "
            f"this graph needs more; {DRAW_LESS}, or pass a larger max_memory= (None: no cap)")
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit code {done.returncode}"
        raise RuntimeError(f"render: {program} failed to {purpose or f'lay out the graph as {fmt}'}: {message}")
    return done.stdout


def _dot_source(graph):
    source = getattr(graph, "source", None)
    if source is None:
        if isinstance(graph, str):
            if "{" not in graph:  # DOT text always has a body in braces: this is a file name or a typo
                raise TypeError(f"render: expected a graphviz.Digraph or DOT text, got the string {graph!r:.60}, "
                                "which is no DOT text; to render a .dot file, pass its text "
                                "(pathlib.Path(name).read_text())")
            return graph
        raise TypeError(f"render: expected a graphviz.Digraph (or DOT text), got {type(graph).__name__}")
    return source


def render(graph, path, *, renderer=None, timeout=DEFAULT_TIMEOUT, max_memory=DEFAULT_MAX_MEMORY):
    """Write ``graph`` (a ``graphviz.Digraph`` or DOT text) to ``path``; returns the path.

    The suffix picks the format: ``.dot``/``.gv`` (DOT text, no renderer
    needed), ``.svg`` or ``.png``. ``renderer`` names the Graphviz program to
    use (default: see the module docstring). The layout program may run for
    ``timeout`` seconds and use ``max_memory`` bytes (default 2 GiB; None
    lifts a limit). Raises ``RendererNotFoundError`` saying what to install
    when no renderer is found, ``ValueError`` for an unknown suffix,
    ``RenderLimitError`` when a limit is hit, ``RuntimeError`` when the
    renderer fails.

    >>> import graphviz, tempfile, os
    >>> from tinygrad_nn import viz
    >>> g = graphviz.Digraph(); g.edge("a", "b")
    >>> out = viz.render(g, os.path.join(tempfile.mkdtemp(), "ab.dot"))
    >>> out.read_text().startswith("digraph")
    True
    """
    path = pathlib.Path(path_argument(path, "render"))
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        if suffix:
            raise ValueError(f"render: cannot write {str(path)!r}: {suffix} is not one of the formats render "
                             f"writes ({', '.join(sorted(FORMATS))}); write .svg (a vector picture that "
                             f"browsers print to PDF) or .png")
        raise ValueError(f"render: cannot tell the format of {str(path)!r}: it has no suffix; "
                         f"use one of {', '.join(sorted(FORMATS))}")
    source = _dot_source(graph)
    _check_limits(timeout, max_memory)
    if renderer is not None:
        path_argument(renderer, "render", "renderer")
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
    picture = run_layout(program, source, fmt, timeout=timeout, max_memory=max_memory,
                         purpose=f"write {path.name}")
    if not picture:
        raise RuntimeError(f"render: {program} failed to write {path.name}: it wrote nothing")
    _write_atomically(path, picture)
    return path


def _write_atomically(path, data):
    """Write ``data`` to ``path`` through a temporary file: a failure never leaves half a picture."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666), "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError as error:  # name the file asked for, not the temporary one beside it
        raise type(error)(error.errno, error.strerror or str(error), str(path)) from error
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)

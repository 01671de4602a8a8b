"""``Drawing``: the ``graphviz.Digraph`` every ``draw_*`` returns, laid out by the renderer ``render`` finds.

Everything that turns it into a picture goes through ``render.run_layout``
(the system ``dot``, or ``graphviz-pure`` when there is none, with the same
time and memory limits as ``viz.render``): Jupyter's inline display, ``pipe``,
and ``render(filename, format=...)`` / ``view()`` as ``graphviz`` and torchviz
users know them. ``render`` writes the picture only, never a DOT file beside
it (``format="dot"`` writes the DOT text).
"""

import numbers
import os
import pathlib
import re
import tempfile
import textwrap

import graphviz

from .render import (DEFAULT_MAX_MEMORY, DEFAULT_TIMEOUT, FORMATS, INSTALL_HINT, RendererNotFoundError,
                     find_renderer, render, run_layout)

__all__ = ["Drawing", "RANKDIRS", "rankdir_argument", "count_argument", "label_text", "name_lines"]

RANKDIRS = ("TB", "LR", "BT", "RL")  # Graphviz's directions: top to bottom, left to right, ...

NAME_WIDTH = 60   # characters of a name on one line of a label; a longer name wraps
NAME_LINES = 4    # lines a name may fill; a longer one keeps its start and its end

_NODE_LINE = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|[\w.]+) \[')
_NOT_NODES = {"graph", "node", "edge"}


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose pictures come from the renderer ``viz.render`` finds.

    Its default format is SVG. ``repr`` says what it shows
    (``Drawing: computation graph, 12 nodes``); Jupyter shows the picture
    once. ``render(filename, format="png")`` and ``view()`` work as in
    ``graphviz`` but leave no DOT file behind. Everything else is the plain
    ``graphviz.Digraph``.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", "svg")
        super().__init__(*args, **kwargs)
        self.node_count = None   # set by the draw_* that made it; counted from the source otherwise

    # ------------------------------------------------------------ what it is
    def _count_nodes(self):
        if self.node_count is not None:
            return self.node_count
        names = set()
        for line in self.source.splitlines():
            match = _NODE_LINE.match(line)
            if match and match.group(1) not in _NOT_NODES:
                names.add(match.group(1))
        return len(names)

    def __repr__(self):
        count = self._count_nodes()
        return f"Drawing: {(self.name or 'graph').replace('_', ' ')}, {count:,} node{'s' if count != 1 else ''}"

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        """The picture (SVG by default) and a one-line ``text/plain``, for Jupyter."""
        bundle = super()._repr_mimebundle_(include, exclude)
        if "text/plain" not in set(exclude or ()):
            bundle["text/plain"] = repr(self)
        return bundle

    def _repr_svg_(self):
        """The picture as SVG text."""
        return self.pipe(format="svg", encoding="utf-8")

    # ------------------------------------------------------------ pictures
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
        picture = run_layout(program, self.source, format or self.format, timeout=DEFAULT_TIMEOUT,
                             max_memory=DEFAULT_MAX_MEMORY, engine=engine or self.engine)
        return picture.decode(encoding) if encoding else picture

    def render(self, filename=None, directory=None, view=False, cleanup=True, format=None, renderer=None,
               formatter=None, neato_no_op=None, quiet=False, quiet_view=False, *, outfile=None, engine=None,
               raise_if_result_exists=False, overwrite_source=False):
        """Write the picture and return its path, as ``graphviz``'s ``render`` does, without the DOT file.

        ``render("graph", format="png")`` writes ``graph.png``; ``outfile=
        "graph.svg"`` takes the format from the suffix. Formats: svg, png,
        dot. ``view=True`` opens the picture. ``cleanup`` and
        ``overwrite_source`` are accepted for compatibility: no DOT file is
        ever left to clean up.
        """
        if renderer is not None or formatter is not None or neato_no_op or (engine or self.engine) != "dot":
            raise ValueError("Drawing.render: renderer=, formatter=, neato_no_op= and layout engines other than "
                             "dot are not supported; use tinygrad_nn.viz.render(drawing, path)")
        path = self._picture_path(filename, directory, format, outfile)
        if raise_if_result_exists and path.exists():
            raise FileExistsError(f"Drawing.render: {path} exists (raise_if_result_exists=True)")
        render(self, path)
        if view:
            graphviz.view(path, quiet=quiet_view)
        return str(path)

    def view(self, filename=None, directory=None, cleanup=True, quiet=False, quiet_view=False):
        """Write the picture (to a temporary folder unless ``filename`` is given) and open it; returns its path."""
        if filename is None and directory is None:
            directory = tempfile.mkdtemp(prefix="tinygrad_nn_view_")
        return self.render(filename, directory, view=True, quiet_view=quiet_view)

    def _picture_path(self, filename, directory, format, outfile):
        if outfile is not None:
            path = pathlib.Path(outfile)
            fmt = format or path.suffix.lstrip(".") or self.format
            if path.suffix.lower() != f".{fmt.lower()}":
                path = path.with_name(f"{path.name}.{fmt}")
        else:
            fmt = format or self.format
            name = os.fspath(filename) if filename is not None else (self.name or "graph")
            path = pathlib.Path(name if name.lower().endswith(f".{fmt}") else f"{name}.{fmt}")
            if directory is not None:
                path = pathlib.Path(directory) / path
            elif filename is None and self.directory:
                path = pathlib.Path(self.directory) / path
        if f".{fmt.lower()}" not in FORMATS:
            raise ValueError(f"Drawing.render: format {fmt!r} is not one of "
                             f"{', '.join(sorted({f.lstrip('.') for f in FORMATS}))}")
        return path


def _escaped(line):
    """One line as DOT label text showing exactly what it says: ``C:\\new`` stays a backslash and an ``n``."""
    line = str(line).replace("\r\n", "\n").replace("\r", "\n")
    return line.replace("\\", "\\\\").replace("\n", "\\n")


def label_text(lines):
    """DOT label text from lines, shown as written (backslashes, quotes, ``<b>``, newlines); never HTML-like."""
    return graphviz.nohtml("\\n".join(_escaped(line) for line in lines))


def name_lines(text, width=NAME_WIDTH, max_lines=NAME_LINES):
    """A name as lines of at most ``width`` characters (its own newlines kept), at most ``max_lines`` of them.

    A longer name keeps its first lines and its end, ``…`` between, so a
    300-character tensor name makes a box of readable width.

    >>> name_lines("layers.0.weight")
    ['layers.0.weight']
    >>> [len(line) for line in name_lines("x" * 300)]
    [60, 60, 60, 60]
    """
    lines = []
    parts = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for part in parts:
        lines.extend(textwrap.wrap(part, width, break_long_words=True, break_on_hyphens=False) or [""])
    if len(lines) > max_lines:
        tail = " ".join(parts).strip()[-(width - 2):]  # the name's own end (the wrapped lines lost their spaces)
        lines = lines[:max_lines - 1] + [f"… {tail}"]
    return lines


def rankdir_argument(rankdir, op):
    """``rankdir`` checked to be one of Graphviz's ``RANKDIRS``."""
    if not isinstance(rankdir, str) or rankdir not in RANKDIRS:
        raise ValueError(f"{op}: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r:.40}")
    return rankdir


def count_argument(value, name, op, minimum, allow_none=False):
    """A count option of a drawing (``max_depth``, ``max_units`` ...): an int >= ``minimum``, or None if allowed."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        none = "None or " if allow_none else ""
        raise ValueError(f"{op}: {name} must be {none}an int >= {minimum}, got {value!r:.40}")
    return int(value)

"""Small HTML pieces for Jupyter's rich display (``_repr_html_``): tables and bars, all text escaped.

Every piece is plain HTML with inline styles (no scripts, no external CSS),
so it looks the same in Jupyter, VS Code and a saved notebook.

>>> page = html_table(["name", "units"], [["<b>", "8"]], numeric_columns={1})
>>> page.startswith("<table"), "&lt;b&gt;" in page
(True, True)
"""

from html import escape

__all__ = ["html_table", "fraction_bar", "Markup", "TABLE_STYLE"]

TABLE_STYLE = "border-collapse:collapse;font-family:monospace;font-size:12px"
_CELL = "padding:1px 8px;text-align:{align}"


def _cell(tag, text, numeric):
    """One ``<td>``/``<th>``; ``text`` is escaped unless it is already HTML (a ``Markup``)."""
    body = text.html if isinstance(text, Markup) else escape(str(text))
    return f'<{tag} style="{_CELL.format(align="right" if numeric else "left")}">{body}</{tag}>'


class Markup:
    """A piece of HTML that ``html_table`` puts into a cell as is (everything else is escaped)."""

    def __init__(self, html):
        self.html = html


def html_table(header, rows, footer=None, caption=None, numeric_columns=()):
    """An HTML ``<table>``: ``header`` and ``footer`` are lists of cells, ``rows`` a list of such lists.

    Cells are escaped text or ``Markup``; columns listed in
    ``numeric_columns`` (indices) are right-aligned.
    """
    def line(cells, tag):
        return "<tr>" + "".join(_cell(tag, cell, index in numeric_columns)
                                for index, cell in enumerate(cells)) + "</tr>"
    parts = [f'<table style="{TABLE_STYLE}">']
    if caption:
        parts.append(f'<caption style="text-align: left; font-weight: bold">{escape(caption)}</caption>')
    parts.append('<thead style="border-bottom:1px solid #999">' + line(header, "th") + "</thead>")
    parts.append("<tbody>" + "".join(line(cells, "td") for cells in rows) + "</tbody>")
    if footer is not None:
        parts.append('<tfoot style="border-top:1px solid #999">' + line(footer, "th") + "</tfoot>")
    parts.append("</table>")
    return "".join(parts)


def fraction_bar(fraction, colour="#D55E00", width=60, height=9):
    """A small horizontal bar (inline SVG) filled to ``fraction`` (0..1), as ``Markup``."""
    fraction = min(max(float(fraction), 0.0), 1.0)
    filled = round(width * fraction, 1)
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                  f'style="vertical-align: middle"><rect width="{width}" height="{height}" fill="#eee"/>'
                  f'<rect width="{filled}" height="{height}" fill="{colour}"/></svg>')

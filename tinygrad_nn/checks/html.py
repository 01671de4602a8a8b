"""HTML tables for Jupyter: ``GradcheckResult._repr_html_`` and ``GraphCheckResult._repr_html_``.

One row per input (or per node): the verdict in green or red, how it was
checked, the worst element and both values there, the errors and their band.
The lines of the text report that do not fit a column (kinks, elements that
cannot be checked, problems, notes) follow in a row of their own. All text
is escaped: names such as ``<lambda>`` show as written.
"""

from html import escape

from .bands import error_band
from .formatting import format_index, format_value

__all__ = ["gradcheck_html", "graph_check_html", "PASS_COLOUR", "FAIL_COLOUR"]

PASS_COLOUR = "#1a7f37"
FAIL_COLOUR = "#cf222e"
_CELL = "padding:2px 8px;text-align:left"
_LINE = "border-bottom:1px solid #ddd"
_DETAIL = "padding:0 8px 4px 24px;text-align:left;font-size:90%;color:#555"


def _verdict(passed, text=None):
    colour = PASS_COLOUR if passed else FAIL_COLOUR
    return f'<span style="color:{colour};font-weight:bold">{escape(text or ("ok" if passed else "FAILED"))}</span>'


def _row(cells, header=False):
    tag = "th" if header else "td"
    return f'<tr style="{_LINE}">' + "".join(f'<{tag} style="{_CELL}">{cell}</{tag}>' for cell in cells) + "</tr>"


def _details(lines, columns):
    if not lines:
        return ""
    text = "<br>".join(escape(line.strip()) for line in lines)
    return f'<tr style="{_LINE}"><td colspan="{columns}" style="{_DETAIL}">{text}</td></tr>'


def _table(header, body):
    return ('<table style="border-collapse:collapse;font-family:monospace">'
            f"<thead>{_row([escape(h) for h in header], header=True)}</thead><tbody>{''.join(body)}</tbody></table>")


INPUT_COLUMNS = ("input", "shape", "dtype", "verdict", "checked", "worst element", "analytic", "numerical",
                 "max abs error", "max rel error", "band")


def _input_rows(report):
    how = {"elementwise": "all at once", "per-element": "element by element",
           "projection": "random projections"}.get(report.method, report.method)
    element = "projection" if report.method == "projection" and report.index is None else format_index(report.index)
    label = str(report.input_index) if report.name == f"input {report.input_index}" else report.name
    cells = [label, str(report.shape), str(report.dtype), None, how, element,
             format_value(report.analytic), format_value(report.numerical), f"{report.max_abs_error:.3g}",
             f"{report.max_rel_error:.3g}", report.band]
    cells = [escape(cell) if cell is not None else _verdict(report.passed) for cell in cells]
    # the text report's lines after the two it always has (the head and the worst element / band lines)
    extra = [line for line in report.lines()[1:] if not line.strip().startswith(
        ("worst element", "wrong element", "max abs error", "random projections agree"))]
    return [_row(cells), _details(extra, len(INPUT_COLUMNS))]


def gradcheck_html(result):
    """``result`` (a ``GradcheckResult``) as an HTML fragment: a summary line and a table."""
    parts = [f"<div><p><b>{escape('gradcheck of ' + result.name)}</b>: {_verdict(result.passed, result.status)} "
             f"{escape(result.calls_and_options())}</p>",
             _table(INPUT_COLUMNS, [row for report in result.inputs for row in _input_rows(report)])]
    if result.nudged is not None:
        parts.append("<p>re-checked at a nudged point (kink elements moved off the kink): "
                     f"{_verdict(result.nudged.passed, result.nudged.status)}</p>")
        parts.append(_table(INPUT_COLUMNS, [row for report in result.nudged.inputs for row in _input_rows(report)]))
    if not result.passed:
        parts.append(f"<p>{escape(result.message())}</p>")
    return "".join(parts) + "</div>"


NODE_COLUMNS = ("node", "op", "module", "verdict", "input", "worst element", "analytic", "numerical",
                "max rel error", "band")


def _node_rows(check):
    op, module = check.node.function.__name__, check.module_path or ""
    first = [str(check.position + 1), op, module]
    blank = ["-"] * 6
    if check.error is not None:
        cells = [escape(c) for c in first] + [_verdict(False)] + [escape(c) for c in blank]
        return [_row(cells), _details([f"raised {type(check.error).__name__}: {check.error}"], len(NODE_COLUMNS))]
    if check.result is None:
        cells = [escape(c) for c in first] + [escape("-")] + [escape(c) for c in blank]
        return [_row(cells), _details(["nothing to check"], len(NODE_COLUMNS))]
    reports = check.result.failures or [max(check.result.inputs, key=lambda r: r.max_rel_error)]
    if check.second is not None and check.result.passed:  # order=2: the second derivative's worst or failures
        reports = reports + (check.second.failures or [max(check.second.inputs, key=lambda r: r.max_rel_error)])
    rows = []
    for report in reports:
        second = check.second is not None and any(report is r for r in check.second.inputs)
        label = f"second derivative, {report.name}" if second else str(report.input_index)
        values = [label, format_index(report.index), format_value(report.analytic),
                  format_value(report.numerical), f"{report.max_rel_error:.3g}", error_band(report.max_rel_error)]
        rows.append(_row([escape(c) for c in first] + [_verdict(report.passed)] + [escape(c) for c in values]))
    if check.second_error is not None:
        rows.append(_row([escape(c) for c in first] + [_verdict(False)] + [escape(c) for c in blank]))
        rows.append(_details([f"differentiating its backward raised {type(check.second_error).__name__}: "
                              f"{check.second_error}"], len(NODE_COLUMNS)))
    notes = []
    if check.result.kink_count:
        notes.append(f"{check.result.kink_count} kink(s) skipped")
    if check.result.not_checkable_count:
        notes.append(f"{check.result.not_checkable_count} element(s) not checkable (not finite)")
    rows.append(_details(notes, len(NODE_COLUMNS)))
    return rows


def graph_check_html(result):
    """``result`` (a ``GraphCheckResult``) as an HTML fragment: a summary line and a row per node."""
    parts = [f"<div><p><b>check_graph</b>: {_verdict(result.passed, result.status)}: {escape(result.counts())}</p>",
             _table(NODE_COLUMNS, [row for check in result.checks for row in _node_rows(check)])]
    if result.failures:
        parts.append(f"<p>first failure: {escape(result.failures[0].message)}</p>")
    return "".join(parts) + "</div>"

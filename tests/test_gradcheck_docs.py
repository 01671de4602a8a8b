"""docs/gradcheck.md runs as written.

Its ``python`` blocks run in order, in one namespace, in a temporary folder. A block preceded by
``<!-- docs-test: raises Name -->`` must raise exactly ``Name``; one preceded by
``<!-- docs-test: skip (reason) -->`` is not run. A ``text`` block right after a python block shows
that block's real output (what it printed, then ``Name: message`` when it raised); a shown output
ending in a line ``...`` is the beginning of the real one, and ``...`` inside a line stands for any
text in that line (doctest's ELLIPSIS: what depends on the machine's rounding). Numbers below 1e-6
written with an exponent are rounding-level quantities (``max abs error 1.58e-10``) and may differ in
their digits.
"""

import contextlib
import io
import pathlib
import re

import pytest

PAGE = pathlib.Path(__file__).parent.parent / "docs" / "gradcheck.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
MARKER = re.compile(r"<!-- docs-test: (?:raises (\w+)|skip \((.+)\)) -->")
TINY = re.compile(r"\b\d(?:\.\d+)?e-(?:0[7-9]|[1-9]\d)\b")


def page_blocks(text):
    """``[(language, code, raises, skip, line, following text block or None)]`` in page order."""
    fences = list(FENCE.finditer(text))
    blocks = []
    for k, fence in enumerate(fences):
        before = text[:fence.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = MARKER.fullmatch(before.strip())
        following = None
        if k + 1 < len(fences) and fences[k + 1].group(1) == "text":
            if not text[fence.end():fences[k + 1].start()].strip():
                following = fences[k + 1].group(2)
        blocks.append((fence.group(1), fence.group(2), marker and marker.group(1), marker and marker.group(2),
                       text.count("\n", 0, fence.start()) + 1, following))
    return blocks


def run_block(code, line, namespace):
    """``(what it printed, the exception it raised or None)``."""
    printed = io.StringIO()
    raised = None
    with contextlib.redirect_stdout(printed):
        try:
            exec(compile(code, f"{PAGE.name} line {line}", "exec"), namespace)
        except Exception as error:  # compared with the marker below
            raised = error
    return printed.getvalue(), raised


def same_output(shown, real):
    shown, real = TINY.sub("<tiny>", shown.rstrip("\n")), TINY.sub("<tiny>", real.rstrip("\n"))
    rest = ""
    if shown.endswith("\n...") or shown == "...":  # the beginning of the real output
        shown, rest = shown[:-3].rstrip("\n"), "(?s:.*)"
    pattern = "[^\n]*".join(re.escape(part) for part in shown.split("..."))  # ... inside a line
    return re.fullmatch(pattern + rest, real) is not None


def test_every_python_block_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "docs_gradcheck"}
    ran = 0
    for language, code, raises, skip, line, shown in page_blocks(PAGE.read_text()):
        if language != "python" or skip:
            continue
        printed, raised = run_block(code, line, namespace)
        ran += 1
        if raises is None and raised is not None:
            raise AssertionError(f"the block at line {line} raised {type(raised).__name__}: {raised}") from raised
        if raises is not None:
            assert raised is not None, f"the block at line {line} should raise {raises}, but ran"
            assert type(raised).__name__ == raises, f"the block at line {line} raised {type(raised).__name__}"
            printed += f"{type(raised).__name__}: {raised}\n"
        if shown is not None:
            assert same_output(shown, printed), (f"the output shown after line {line} is not the real one:\n"
                                                 f"--- shown\n{shown}--- real\n{printed}")
    assert ran >= 8


@pytest.mark.parametrize("shown, real, same", [
    ("a 1.58e-10 b", "a 2.01e-11 b", True),             # rounding-level digits
    ("a 0.5 b", "a 0.6 b", False),
    ("first\n...", "first\nsecond", True),
    ("first\nsecond", "first", False),
    ("worst (...): 0.5", "worst (0, 2): 0.5", True),   # ... inside a line: any text in that line
    ("worst (...): 0.5", "worst (0,\n2): 0.5", False),
    ("worst (...): 0.5", "worst (0, 2): 0.6", False),
])
def test_outputs_are_compared_as_the_docstring_says(shown, real, same):
    assert same_output(shown, real) == same

"""Every ```python block of README.md and docs/*.md runs as written.

Each page's blocks run in order, in one fresh namespace per page (as a reader
would paste them), in a temporary working directory. Two markers, on the last
non-blank line before a block, change what is expected of it:

* ``<!-- docs-test: raises ValueError -->``: the block must raise exactly
  that exception class (by name); the page goes on with the next block;
* ``<!-- docs-test: skip (reason) -->``: the block is not run (it needs
  something the test cannot have, e.g. PyTorch or a viewer).
"""

import pathlib
import re
import traceback

import pytest

ROOT = pathlib.Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
MARKER = re.compile(r"^<!--\s*docs-test:\s*(raises|skip)\b\s*(.*?)\s*-->\s*$")


def page_name(path):
    """``docs/modules.md``: the page's path from the repository root."""
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def python_blocks(text):
    """``(line_number, code, marker)`` per python block; ``marker`` is None or ``(kind, argument)``."""
    blocks = []
    for match in FENCE.finditer(text):
        fence_line = text.count("\n", 0, match.start()) + 1
        before = [line for line in text[:match.start()].splitlines() if line.strip()]
        marker = MARKER.match(before[-1].strip()) if before else None
        blocks.append((fence_line + 1, match.group(1), marker and (marker.group(1), marker.group(2))))
    return blocks


def run_page(path):
    """Run a page's blocks in order; raise AssertionError naming the page, the block's line and the error."""
    name = page_name(path)
    namespace = {"__name__": "__docs_test__"}
    for line, code, marker in python_blocks(path.read_text()):
        if marker and marker[0] == "skip":
            continue
        where = f"{name}, python block at line {line}"
        # pad so a traceback's line numbers are the page's line numbers
        compiled = compile("\n" * (line - 1) + code, name, "exec")
        expected = marker[1] if marker else None
        if expected is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", expected):
            raise AssertionError(f"{where}: the raises marker needs one exception class name, got {expected!r}")
        try:
            exec(compiled, namespace)
        except (Exception, SystemExit) as error:   # a block calling sys.exit fails like any other
            if expected is not None and type(error).__name__ == expected.rsplit(".", 1)[-1]:
                continue
            detail = "".join(traceback.format_exception_only(type(error), error)).strip()
            wanted = f" (the marker expects {expected})" if expected else ""
            raise AssertionError(f"{where} failed{wanted}: {detail}\n"
                                 + "".join(traceback.format_tb(error.__traceback__)[1:])) from None
        if expected is not None:
            raise AssertionError(f"{where} should raise {expected} (its marker says so) but ran without error")


def page_params():
    """One pytest param per page, named by its path."""
    return [pytest.param(page, id=page_name(page)) for page in PAGES]


@pytest.mark.parametrize("page", page_params())
def test_page_python_blocks_run_in_order(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    run_page(page)


@pytest.mark.parametrize("page", PAGES, ids=page_name)
def test_every_python_fence_of_a_page_is_found(page):
    text = page.read_text()
    assert len(python_blocks(text)) == text.count("```python"), "a python block the runner does not see"


def test_readme_names_the_two_commands():
    text = (ROOT / "README.md").read_text()
    assert "pip install -e '.[demo]' && tinygrad-nn demo" in text
    assert "pip install -e '.[test]' && pytest" in text


# ------------------------------------------------------ the runner itself
def write_page(tmp_path, text):
    page = tmp_path / "page.md"
    page.write_text(text)
    return page


def test_the_runner_names_the_page_the_line_and_the_error(tmp_path):
    page = write_page(tmp_path, "# title\n\n```python\nx = 1\n```\n\ntext\n\n```python\ny = x + undefined\n```\n")
    with pytest.raises(AssertionError, match=r"page\.md, python block at line 10 failed: NameError"):
        run_page(page)


def test_blocks_share_one_namespace_per_page_and_markers_are_honoured(tmp_path):
    page = write_page(tmp_path, "```python\nx = 2\n```\n\n<!-- docs-test: raises ZeroDivisionError -->\n"
                                "```python\nx / 0\n```\n\n<!-- docs-test: skip (opens a viewer) -->\n"
                                "```python\nraise SystemExit\n```\n\n```python\nassert x == 2\n```\n")
    run_page(page)


def test_a_marked_block_must_raise_exactly_the_named_class(tmp_path):
    wrong = write_page(tmp_path, "<!-- docs-test: raises ValueError -->\n```python\n1 / 0\n```\n")
    with pytest.raises(AssertionError, match="expects ValueError.*ZeroDivisionError"):
        run_page(wrong)
    silent = write_page(tmp_path, "<!-- docs-test: raises ValueError -->\n```python\n1 + 1\n```\n")
    with pytest.raises(AssertionError, match="should raise ValueError"):
        run_page(silent)

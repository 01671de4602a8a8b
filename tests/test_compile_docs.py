"""docs/compile.md runs as written, and the code and output it shows are what tg.compile really prints."""

import contextlib
import io
import pathlib
import re

import pytest

PAGE = pathlib.Path(__file__).resolve().parent.parent / "docs" / "compile.md"
BLOCK = re.compile(r"(?:<!-- docs-test: (raises \w+|skip [^>]*) -->\n)?```(python|text)\n(.*?)```", re.S)


def test_the_compile_page_runs_and_shows_the_real_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "docs"}
    printed = []
    for marker, language, block in BLOCK.findall(PAGE.read_text()):
        if language == "text" or block.startswith("# compile("):  # the output of the block before it
            shown, real = block.rstrip("\n"), printed[-1].rstrip("\n")
            assert shown == real, f"docs/compile.md shows:\n{shown}\nbut the code prints:\n{real}"
            continue
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            if marker.startswith("raises"):
                expected = marker.split()[1]
                with pytest.raises(Exception) as error:
                    exec(compile(block, "docs/compile.md", "exec"), namespace)
                assert type(error.value).__name__ == expected
            elif not marker:
                exec(compile(block, "docs/compile.md", "exec"), namespace)
        printed.append(output.getvalue())
    assert len(printed) >= 5

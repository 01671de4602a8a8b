"""The README's Python blocks run, in order, in one namespace (as a reader would paste them)."""

import pathlib
import re

README = pathlib.Path(__file__).parent.parent / "README.md"


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for number, block in enumerate(blocks, 1):
        try:
            exec(compile(block, f"README.md python block {number}", "exec"), namespace)
        except Exception as error:  # name the block so a broken one is easy to find
            raise AssertionError(f"README python block {number} failed: {error!r}\n{block}") from error


def test_readme_names_the_two_commands():
    text = README.read_text()
    assert "pip install -e '.[demo]' && tinygrad-nn demo" in text
    assert "pip install -e '.[test]' && pytest" in text

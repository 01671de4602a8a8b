"""``python -m tinygrad_nn.catalog PAGE.md``: rewrite the ops table of a doc page from the catalog."""

import pathlib
import sys

from . import rewrite_table


def main(argv=None):
    """Rewrite the table in each page named on the command line; print what changed."""
    pages = sys.argv[1:] if argv is None else argv
    if not pages:
        print("usage: python -m tinygrad_nn.catalog docs/ops.md", file=sys.stderr)
        return 2
    for page in map(pathlib.Path, pages):
        text = page.read_text()
        new = rewrite_table(text)
        if new != text:
            page.write_text(new)
        print(f"{page}: {'rewritten' if new != text else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

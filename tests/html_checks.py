"""Test helper: parse an HTML fragment with ``html.parser`` and insist that its tags nest properly."""

from html.parser import HTMLParser

VOID = {"br", "hr", "img", "input", "meta", "link", "col", "wbr", "source", "area", "base", "embed"}
# SVG shapes written as <rect .../> are reported as start+end by handle_startendtag


class _Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.tags, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            raise AssertionError(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse_html(fragment):
    """``(tags, text)``: every tag name in order, and the visible text (entities decoded).

    Raises AssertionError when a tag is closed out of order or left open.
    """
    checker = _Checker()
    checker.feed(fragment)
    checker.close()
    assert not checker.stack, f"unclosed tags: {checker.stack}"
    return checker.tags, "".join(checker.text)

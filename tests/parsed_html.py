"""``ParsedHTML``: an HTML fragment parsed with the standard library, for tests of Jupyter displays."""

from html.parser import HTMLParser


class ParsedHTML(HTMLParser):
    """The text of an HTML fragment; fails on a closing tag that does not match the open one."""

    VOID = {"br", "hr", "img", "meta", "input", "col"}

    def __init__(self, markup):
        super().__init__()
        self.open, self.texts, self.styles = [], [], []
        self.feed(markup)
        self.close()
        assert not self.open, f"unclosed tags: {self.open}"

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.open.append(tag)
        self.styles.append((tag, dict(attrs).get("style", "")))

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:] or 'nothing'}"
        self.open.pop()

    def handle_data(self, data):
        self.texts.append(data)

    @property
    def text(self):
        return "".join(self.texts)

"""Reading a written report back: its external references, its text, its numbers."""

from __future__ import annotations

from html.parser import HTMLParser


class PageReader(HTMLParser):
    """Every (tag, attribute, value) that may load something, the headings and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self.text: list[str] = []
        self._heading: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "data", "poster", "background"):
                self.links.append((tag, name, value or ""))
            if name == "style" and "url(" in (value or ""):
                self.links.append((tag, name, value))
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading = tag
            self.headings.append((tag, ""))

    def handle_endtag(self, tag):
        if tag == self._heading:
            self._heading = None

    def handle_data(self, data):
        self.text.append(data)
        if self._heading is not None:
            tag, text = self.headings[-1]
            self.headings[-1] = (tag, text + data)


def read_page(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    return reader


def external(reader: PageReader) -> list[tuple[str, str, str]]:
    """References that would load something from outside the page (anchors and data: URIs
    are inside it)."""
    bad = []
    for tag, name, value in reader.links:
        v = value.strip().lower()
        if v.startswith("#") or v.startswith("data:"):
            continue
        bad.append((tag, name, value))
    return bad

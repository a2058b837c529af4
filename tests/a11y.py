"""Accessibility checks a test can run on a page's HTML (issue 15 item 12).

``dangling_references(html)`` parses a page with the standard library's html.parser and returns every id that an
``aria-describedby``, ``aria-labelledby``, ``aria-controls`` or ``<label for>`` names but no element of the page
carries: a screen reader reads nothing for such a reference (an error message not tied to its field, a label
that labels nothing)."""

from __future__ import annotations

from html.parser import HTMLParser

REFERENCE_ATTRS = ("aria-describedby", "aria-labelledby", "aria-controls")


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.references: list[tuple[str, str, str]] = []  # (tag, attribute, id)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if values.get("id"):
            self.ids.add(values["id"])
        for name in REFERENCE_ATTRS:
            for ref in values.get(name, "").split():
                self.references.append((tag, name, ref))
        if tag == "label" and values.get("for"):
            self.references.append((tag, "for", values["for"]))

    handle_startendtag = handle_starttag


def dangling_references(html: str) -> list[str]:
    """``tag[attribute]=id`` for every reference to an id that no element of ``html`` has, in page order."""
    parser = _Ids()
    parser.feed(html)
    parser.close()
    return [f"{tag}[{attr}]={ref}" for tag, attr, ref in parser.references if ref not in parser.ids]


def first_ids(html: str) -> set[str]:
    """Every id on the page (for tests that check a particular element exists)."""
    parser = _Ids()
    parser.feed(html)
    parser.close()
    return parser.ids

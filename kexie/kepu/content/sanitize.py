"""The article body's HTML: what an author may write (a safelist for articles, nh3), and the plain text of it
(search, diffs, feeds). Links keep only http/https/mailto and always open without referrer or endorsement
(``rel="noopener noreferrer nofollow"``); images only from http/https addresses or this site's own media paths
(the item's uploaded files, ``kepu:media``, or ``MEDIA_URL``). Scripts, styles, event attributes and
``javascript:`` URLs never survive (decision 0049)."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urlsplit

import nh3
from django.conf import settings
from django.utils.translation import gettext as _

TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "em", "u", "s", "blockquote", "ul", "ol", "li", "a", "img", "figure",
    "figcaption", "table", "thead", "tbody", "tr", "th", "td", "code", "pre", "sup", "sub", "hr",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
LINK_SCHEMES = {"http", "https", "mailto"}
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math"}
OWN_MEDIA = "/kepu/media/"
BLOCKS = re.compile(r"</?(?:p|h[1-6]|li|blockquote|pre|tr|figure|figcaption|table|ul|ol|hr)\b[^>]*>|<br\s*/?>",
                    re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")
IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
ALT = re.compile(r'\balt="([^"]*)"')


def _own_path(value: str) -> bool:
    media_url = str(getattr(settings, "MEDIA_URL", "") or "")
    prefixes = [OWN_MEDIA] + ([media_url] if media_url.startswith("/") and len(media_url) > 1 else [])
    return (value.startswith(tuple(prefixes)) and not value.startswith("//") and ".." not in value
            and "\\" not in value)


def image_src_ok(value: str) -> bool:
    value = value.strip()
    if _own_path(value):
        return True
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _href_ok(value: str) -> bool:
    parts = urlsplit(value.strip())
    if parts.scheme == "mailto":
        return bool(parts.path)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        return value if image_src_ok(value) else None
    if tag == "a" and attr == "href":
        return value if _href_ok(value) else None
    if attr in {"width", "height", "colspan", "rowspan"}:
        return value if value.isdigit() and len(value) <= 4 else None
    return value


def clean_html(html: str) -> str:
    """The body as it is stored and shown: only the article safelist, no script, style or event attribute."""
    cleaned: str = nh3.clean(
        (html or "").replace("\x00", ""), tags=TAGS, attributes=ATTRIBUTES, url_schemes=LINK_SCHEMES,
        link_rel="noopener noreferrer nofollow", attribute_filter=_filter, strip_comments=True,
        clean_content_tags=DROPPED_WITH_CONTENT,
    )
    return cleaned.strip()


def _image_marker(match: re.Match[str]) -> str:
    alt = ALT.search(match.group(0))
    return "\n" + _("[图片：%(alt)s]") % {"alt": html_lib.unescape(alt.group(1)) if alt else ""} + "\n"


def paragraphs(html: str, *, images: bool = False) -> list[str]:
    """The text of each block (paragraph, heading, list item…) of the body, in order, without markup; with
    ``images`` an image is a line of its own, [图片：alt] (the diff between versions shows added pictures)."""
    text = BLOCKS.sub("\n", clean_html(html))
    if images:
        text = IMG.sub(_image_marker, text)
    text = html_lib.unescape(TAG.sub("", text))
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def plain_text(html: str) -> str:
    """The body as plain text, a line per block: search, feeds, the diff between versions."""
    return "\n".join(paragraphs(html))

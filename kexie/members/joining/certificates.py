"""会员证书 as a PDF (WeasyPrint, imported only when a certificate is asked for: its start-up is slow; CJK fonts come
from fonts-noto-cjk)."""

from __future__ import annotations

from typing import Any

import segno
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str, *, title: str = "", scale: int = 4, sized: bool = True) -> SafeString:
    """The QR code of ``url`` as inline SVG, drawn on the server: no script, no image request, nothing for the
    content security policy to allow; WeasyPrint draws the same element in the PDF (``sized=False``: a viewBox
    and no width or height, for a size set by the stylesheet). Error correction M (15%: a worn printed
    certificate still scans)."""
    if not url:
        return mark_safe("")
    code = segno.make(url, error="m", micro=False)
    svg: str = code.svg_inline(scale=scale, border=2, dark="#111", light="#fff", svgclass="qr",
                               title=title or None, omitsize=not sized)
    # segno escapes the title it writes; the label is escaped here
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1))


def render_certificate(context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]  # WeasyPrint ships no type hints
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]  # (nor does this module)

    class OfflineFetcher(URLFetcher):  # type: ignore[misc]  # an untyped base class
        """Refuses every URL but an inline ``data:`` one: rendered without network or file access."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.lower().startswith("data:"):
                raise ValueError(f"refused while rendering a certificate: {url[:80]}")
            return super().fetch(url, headers)

    html = render_to_string("members/joining/certificate.html", context)
    pdf: bytes = HTML(string=html, url_fetcher=OfflineFetcher(allowed_protocols=["data"])).write_pdf()
    return pdf

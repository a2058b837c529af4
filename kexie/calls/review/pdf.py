"""Rendering a result letter to PDF with WeasyPrint (imported here only, so that loading the URL map does not pay
for WeasyPrint's start-up: about three seconds)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from weasyprint import HTML  # type: ignore[import-untyped]  # WeasyPrint ships no type hints
from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]  # (nor does this module)

TEMPLATE = "calls/letter.html"


class OfflineFetcher(URLFetcher):
    """Refuses every URL but an inline ``data:`` one: a letter is rendered without network or file access."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if not url.lower().startswith("data:"):
            raise ValueError(f"refused while rendering a letter: {url[:80]}")
        response: URLFetcherResponse = super().fetch(url, headers)
        return response


def render_pdf(context: dict[str, Any]) -> bytes:
    html = render_to_string(TEMPLATE, context)
    pdf: bytes = HTML(string=html, url_fetcher=OfflineFetcher(allowed_protocols=["data"])).write_pdf()
    return pdf

"""会员证书 as a PDF (WeasyPrint, imported only when a certificate is asked for: its start-up is slow; CJK fonts come
from fonts-noto-cjk)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


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

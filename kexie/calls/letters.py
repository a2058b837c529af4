"""PDF result letters (SPEC §1: PDF with WeasyPrint and a CJK font from the OS packages).

The letter shows what the applicant's result page shows (``views_review.result_context``): the result (or the
appeal outcome), the reasons and the anonymised opinions, nothing more. Rendering never touches the network: the
template has no external assets and the URL fetcher refuses everything but inline ``data:`` URIs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from weasyprint import HTML  # type: ignore[import-untyped]  # WeasyPrint ships no type hints
from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]  # (nor does this module)

from kexie.calls.views import _application
from kexie.calls.views_review import result_context

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


@login_required
def letter(request: Any, pk: int) -> HttpResponse:
    """The result letter of one application: the applicant, or the call's staff in scope; once results are final."""
    app = _application(request, pk)
    context = result_context(request, app)
    if not context["final"]:
        raise Http404(_("记录不存在或您无权访问。"))
    context |= {"issued": timezone.localdate(), "issuer": app.call.owner.name}
    response = HttpResponse(render_pdf(context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="result-letter-{app.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response

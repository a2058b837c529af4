"""PDF result letters (SPEC §1: PDF with WeasyPrint and a CJK font from the OS packages).

The letter shows what the applicant's result page shows (``review.views.result_context``): the result (or the
appeal outcome), the reasons and the anonymised opinions, nothing more. Rendering never touches the network: the
template has no external assets and the URL fetcher refuses everything but inline ``data:`` URIs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.calls.pages import _application
from kexie.calls.review.views import result_context


@login_required
def letter(request: Any, pk: int) -> HttpResponse:
    """The result letter of one application: the applicant, or the call's staff in scope; once results are final."""
    app = _application(request, pk)
    context = result_context(request, app)
    if not context["final"]:
        raise Http404(_("记录不存在或您无权访问。"))
    context |= {"issued": timezone.localdate(), "issuer": app.call.owner.name}
    from kexie.calls.review.pdf import render_pdf  # WeasyPrint loads only when a letter is asked for

    response = HttpResponse(render_pdf(context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="result-letter-{app.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response

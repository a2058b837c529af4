"""What a list's export view calls (decision 0033): ``too_large(qs)`` — whether the filtered list exceeds
``KEXIE_EXPORT_JOB_ROWS`` (a capped count) — and ``background(request, kind)``, which starts the job with the
request's filters and answers with a redirect to its page (正在导出…). Not a views module: any app's export view
may import it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect

from kexie.core.http import client_ip, forbidden
from kexie.exports import services


def too_large(qs: Any) -> bool:
    return services.exceeds_threshold(qs)


def background(request: Any, kind: str) -> HttpResponse:
    try:
        job = services.start_job(request.user, kind, request.GET, ip=client_ip(request),
                                 fmt=request.GET.get("fmt", ""))
    except PermissionDenied as exc:
        return forbidden(exc, request)
    return redirect("exports:detail", pk=job.pk)

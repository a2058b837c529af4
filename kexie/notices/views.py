from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from kexie.core.http import paginate
from kexie.notices import services
from kexie.notices.models import Notification

PAGE_SIZE = 30


@login_required
def inbox(request):
    qs = Notification.objects.for_user(request.user)
    if request.GET.get("unread") == "1":
        qs = qs.unread()
    return render(request, "notices/inbox.html", {"page": paginate(request, qs, PAGE_SIZE),
                                                  "only_unread": request.GET.get("unread") == "1"})


@login_required
@require_POST
def read(request, pk: int):
    """Mark one of the caller's notices read and follow its link (a site path only)."""
    notice = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    services.mark_read(request.user, [notice.pk])
    if notice.url and url_has_allowed_host_and_scheme(notice.url, allowed_hosts=None) and notice.url.startswith("/"):
        return redirect(notice.url)
    return redirect("notices:inbox")


@login_required
@require_POST
def read_all(request):
    services.mark_read(request.user)
    return redirect("notices:inbox")

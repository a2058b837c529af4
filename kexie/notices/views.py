from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.tables import Column, Empty, Table
from kexie.notices import services
from kexie.notices.forms import InboxForm, NoticeSettingsFormSet
from kexie.notices.models import Notification

PAGE_SIZE = 30


COLUMNS = (
    Column("at", gettext_lazy("时间"), ("created_at",)),
    Column("title", gettext_lazy("标题")),
    Column("body", gettext_lazy("内容")),
    Column("open", ""),
)


@login_required
def inbox(request):
    qs = Notification.objects.for_user(request.user)
    only_unread = InboxForm(request.GET).only_unread()
    if only_unread:
        qs = qs.unread()
    table = Table(request, qs, COLUMNS, row_template="notices/inbox.html#row", per_page=PAGE_SIZE, empty=Empty(
        _("暂无通知。审核结果、催报和到期提醒会发到这里。"), _("返回首页"), reverse("home"),
        filtered=_("没有未读通知。")))
    return render(request, "notices/inbox.html", {"table": table, "only_unread": only_unread})


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


@login_required
def notice_settings(request: HttpRequest) -> HttpResponse:
    """The caller's own e-mail switches, one per kind of notice that concerns them (grouped by module)."""
    kinds = services.kinds_for(request.user)
    choices = services.email_choices(request.user, [kind for _module, kind in kinds])
    errors: list[str] = []
    if request.method == "POST":
        formset = NoticeSettingsFormSet(request.POST, kinds=kinds, choices=choices)
        if formset.is_valid():
            services.save_preferences(request.user, formset.choices())
            messages.success(request, _("通知设置已保存。"))
            return redirect("notices:settings")
        errors = [_("设置未保存：提交的内容不完整或已过期，请刷新页面后重新设置。"),
                  *(str(e) for e in formset.non_form_errors())]
    formset = NoticeSettingsFormSet(kinds=kinds, choices=choices)  # a refused POST shows what is saved
    return render(request, "notices/settings.html", {"formset": formset, "errors": errors},
                  status=400 if errors else 200)

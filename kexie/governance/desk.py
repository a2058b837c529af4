"""换届与治理 on the to-do desk (工作台, decision 0041): leadership bodies whose current term (届) has ended or ends
within ``SOON_DAYS`` — a general election (换届) to prepare or overdue. One aggregate query over the bodies in scope,
each with its latest term's end."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Min, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.registry import Todo
from kexie.core.scope import scope_paths
from kexie.members.models import LeadershipBody, Term

SOON_DAYS = 90  # the desk shows terms ending within this many days (the daily reminders start at 180)


def todos(user: Any) -> list[Todo]:
    if scope_paths(user, "governance.view") == []:
        return []
    today = timezone.localdate()
    latest = Term.objects.filter(body=OuterRef("pk")).order_by("-number").values("ends_on")[:1]
    row = (LeadershipBody.objects.for_user(user, "governance.view").annotate(ends=Subquery(latest))
           .filter(ends__lt=today + dt.timedelta(days=SOON_DAYS)).order_by()
           .aggregate(n=Count("pk"), first=Min("ends"), late=Count("pk", filter=Q(ends__lt=today))))
    # The overview lists 不合规 first, then 提醒 (whether an overdue term fails or warns is the rule's setting).
    return [Todo(_("届满或即将届满的领导机构（换届）"), row["n"] or 0, reverse("governance:overview"), row["first"],
                 row["late"] or 0,
                 order=70, note=_("届满日期"))]

"""The individual members export (个人会员): one ``values_list`` query through a server-side cursor."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.utils.translation import gettext as _

from kexie.exports.kinds import filtered
from kexie.members.filters import MembershipFilter
from kexie.members.models import Category, Membership, Status


def headers() -> list[str]:
    return [_("学会"), _("会员号"), _("姓名"), _("会员类别"), _("状态"), _("申请日期"), _("入会日期"), _("会费缴至"),
            _("终止日期")]


def rows(user: Any, params: Mapping[str, Any], *, ip: str | None = None) -> tuple[list[str], int, Iterator[list[Any]]]:
    qs = Membership.objects.for_user(user, "members.export").filter(deleted_at__isnull=True).order_by("-id")
    qs = filtered(MembershipFilter, params, qs, user)
    return headers(), qs.count(), _rows(qs)


def _rows(qs: Any) -> Iterator[list[Any]]:
    categories = {k: str(v) for k, v in Category.choices}
    statuses = {k: str(v) for k, v in Status.choices}
    values = qs.values_list("society__name", "number", "person__name", "category", "status", "applied_on",
                            "joined_on", "dues_paid_through", "ended_on")
    for society, number, name, category, status, applied, joined, dues, ended in values.iterator(chunk_size=5000):
        yield [society, number, name, categories.get(category, category), statuses.get(status, status), applied,
               joined, dues, ended]

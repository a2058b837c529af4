"""The organisations export (组织列表), with the list's filters and ``under`` (a subtree in the user's scope)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from kexie.core.scope import get_in_scope, prefix_q
from kexie.exports.kinds import filtered, first
from kexie.orgs.filters import OrganisationFilter
from kexie.orgs.models import Organisation

ACTION = "orgs.export"


def headers() -> list[str]:
    return [_("组织编码"), _("名称"), _("类型"), _("层级"), _("所在地区"), _("统一社会信用代码"), _("状态"),
            _("评估等级"), _("成立日期"), _("党组织类型"), _("联系人"), _("联系电话"), _("地址")]


def rows(user: Any, params: Mapping[str, Any], *, ip: str | None = None) -> tuple[list[str], int, Iterator[list[Any]]]:
    qs = Organisation.objects.for_user(user, ACTION).alive().select_related("kind", "region")
    under = first(params, "under")
    if under:
        try:
            root = get_in_scope(Organisation.objects.all(), user, under, ACTION)
        except (Http404, ValueError, TypeError):
            raise ValidationError(_("筛选条件有误，无法导出。")) from None
        qs = qs.filter(prefix_q("path", [root.path]))
    qs = filtered(OrganisationFilter, params, qs, user)
    return headers(), qs.count(), _rows(qs)


def _rows(qs: Any) -> Iterator[list[Any]]:
    for o in qs.iterator(chunk_size=2000):
        yield [o.code, o.name, o.kind.label, o.get_level_display(), o.region.name if o.region else "", o.uscc,
               o.get_status_display(), o.grade, o.founded_on, o.get_party_org_type_display(), o.contact_name,
               o.contact_phone, o.address]

"""Forms of 点火 (工作站): the station (registration and edits), residents, yearly results and revocation.
``services.clean_station`` / ``clean_year`` say what is wrong in Chinese; these forms convert ids and dates and
bound what a page may send."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kexie.core.http import to_id
from kexie.innovation import limits
from kexie.innovation.formfields import IdField, OptionalDate, Text, any_of, search_field
from kexie.innovation.models import Enterprise, StationKind, StationStatus
from kexie.innovation.stations.services import SOCIETY_KINDS
from kexie.orgs.models import Organisation
from kexie.orgs.widgets import OrgPickerField

FIELDS = ("kind", "name", "host_name", "agreement_start", "agreement_end")


class EnterpriseField(forms.CharField):
    """A verified enterprise of ``queryset`` named by its 统一社会信用代码 or its exact name (an id from old links
    and tests too); the page offers the names as suggestions. Never a cut list: any enterprise in scope resolves."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(max_length=120, **kwargs)
        self.queryset = Enterprise.objects.none()

    def clean(self, value: Any) -> Enterprise | None:  # type: ignore[override]
        text = " ".join(str(super().clean(value) or "").split())
        if not text:
            return None
        pk = to_id(text) if text.isdigit() and len(text) < 12 else None
        found = list(self.queryset.filter(Q(uscc=text.upper()) | Q(name=text) | Q(pk=pk if pk else -1))[:2])
        if len(found) != 1:
            raise forms.ValidationError(_("该企业不在您的服务范围内：请输入已核验企业的全称或统一社会信用代码。"))
        return found[0]


class StationForm(forms.Form):
    kind = forms.CharField(label=_("类型"), max_length=40, required=False)
    name = Text(_("名称"), max_length=limits.TITLE)
    host_name = Text(_("依托单位"), max_length=limits.TITLE)
    agreement_start = forms.CharField(label=_("协议开始"), max_length=40, required=False)
    agreement_end = forms.CharField(label=_("协议结束"), max_length=40, required=False)
    owner = OrgPickerField(label=_("管理科协"), required=False, action="innovation.change", kinds=("kx",))
    society = OrgPickerField(label=_("合作学会（可不选）"), required=False, action="innovation.view",
                             kinds=SOCIETY_KINDS)
    host_enterprise = EnterpriseField(label=_("依托企业（平台内，可不选）"))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        """The choices are the user's: 科协 they may change (owner), societies they see, verified enterprises they
        serve — whole querysets, resolved on submit."""
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices(user)  # type: ignore[attr-defined]
        self.fields["society"].queryset = society_choices(user)  # type: ignore[attr-defined]
        self.fields["host_enterprise"].queryset = enterprise_choices(user)  # type: ignore[attr-defined]


def owner_choices(user: Any) -> Any:
    return Organisation.objects.for_user(user, "innovation.change").alive().filter(kind__code="kx")


def society_choices(user: Any) -> Any:
    return Organisation.objects.for_user(user).alive().filter(kind__code__in=SOCIETY_KINDS, depth__lte=3)


def enterprise_choices(user: Any) -> Any:
    return Enterprise.objects.for_user(user).alive().filter(status="verified")


class StationActForm(forms.Form):
    person = IdField(_("专家"))
    role = Text(_("角色"), max_length=limits.NAME)
    joined_on = OptionalDate(_("进站日期"))
    left_on = OptionalDate(_("离站日期"))
    year = IdField(_("年度"))
    projects = forms.CharField(label=_("合作项目数"), max_length=40, required=False)
    patents = forms.CharField(label=_("专利数"), max_length=40, required=False)
    trained = forms.CharField(label=_("培养人才数"), max_length=40, required=False)
    revenue = forms.CharField(label=_("新增产值（万元）"), max_length=40, required=False)
    note = Text(_("说明"), max_length=limits.REASON)
    reason = Text(_("撤销理由"), max_length=limits.REASON)


class StationFilter(forms.Form):
    """The filter of the stations list and its export (read with ``lenient``)."""

    kind = any_of(_("类型"), StationKind.choices)
    status = any_of(_("状态"), StationStatus.choices)
    q = search_field(_("名称或依托单位"), 60)

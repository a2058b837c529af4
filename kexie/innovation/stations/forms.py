"""Forms of 点火 (工作站): the station (registration and edits), residents, yearly results and revocation.
``services.clean_station`` / ``clean_year`` say what is wrong in Chinese; these forms convert ids and dates and
bound what a page may send."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.innovation import limits
from kexie.innovation.formfields import IdField, OptionalDate, Text, any_of, search_field
from kexie.innovation.models import StationKind, StationStatus

FIELDS = ("kind", "name", "host_name", "agreement_start", "agreement_end")


class StationForm(forms.Form):
    kind = forms.CharField(label=_("类型"), max_length=40, required=False)
    name = Text(_("名称"), max_length=limits.TITLE)
    host_name = Text(_("依托单位"), max_length=limits.TITLE)
    agreement_start = forms.CharField(label=_("协议开始"), max_length=40, required=False)
    agreement_end = forms.CharField(label=_("协议结束"), max_length=40, required=False)
    owner = IdField(_("管理科协"))
    society = IdField(_("合作学会"), message=_("所选学会不在您的管理范围内。"))
    host_enterprise = IdField(_("依托企业"), message=_("该企业不在您的服务范围内。"))


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

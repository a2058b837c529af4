"""Forms of the needs pages: the need itself, enterprise registration and verification, review, dispatch, the
societies' answers, rating, 已解决 / 关闭 and matching feedback. ``services.clean_need``,
``enterprises.register_enterprise`` and the other services say what is wrong in Chinese; these forms convert
and bound what a page may send."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.innovation import limits
from kexie.innovation.data.industries import DIVISIONS
from kexie.innovation.formfields import IdField, IdListField, Text, any_of
from kexie.innovation.models import Confidentiality, NeedKind, NeedStatus

INDUSTRY_CHOICES = [("", "—"), *[(code, f"{code} {name}") for code, name, _section in DIVISIONS]]


class NeedForm(forms.Form):
    title = forms.CharField(label=_("需求名称"), max_length=limits.TITLE)
    description = forms.CharField(label=_("需求描述"), max_length=limits.OUTCOME, widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text=_("现状、要解决的问题、技术指标和约束条件"))
    industry = forms.ChoiceField(label=_("所属行业"), choices=INDUSTRY_CHOICES)
    kind = forms.ChoiceField(label=_("需求类型"), choices=NeedKind.choices)
    region = forms.CharField(label=_("所在地区代码"), max_length=12, required=False,
                             help_text=_("GB/T 2260 区划代码，可不填"))
    budget = forms.CharField(label=_("预算（万元）"), max_length=20, required=False)
    deadline = forms.DateField(label=_("期望解决时间"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    confidentiality = forms.ChoiceField(label=_("公开范围"), choices=Confidentiality.choices)


class OwnerForm(forms.Form):
    """The association a new record belongs to (the page lists those in the user's change scope)."""

    owner = IdField(_("受理科协"))


class EnterpriseForm(forms.Form):
    name = forms.CharField(label=_("企业名称"), max_length=120)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=30)
    industry = forms.ChoiceField(label=_("所属行业"), choices=INDUSTRY_CHOICES, required=False)
    region = forms.CharField(label=_("所在地区代码"), max_length=12, required=False)
    address = forms.CharField(label=_("地址"), max_length=limits.ADDRESS, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=limits.NAME)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20)


class VerifyForm(forms.Form):
    verdict = forms.CharField(label=_("核验结论"), max_length=20, required=False)
    reason = Text(_("核验意见"), max_length=limits.SHORT_REASON)


class ReasonForm(forms.Form):
    """审核 (approve / return / reject) and 关闭: an opinion, required by the service where it must be."""

    reason = Text(_("意见"), max_length=limits.REASON)


class DispatchForm(forms.Form):
    societies = IdListField(_("承接学会"), message=_("所选学会不在您的管理范围内。"))
    days = IdField(_("响应期限（天）"))  # empty: the default answer time; not a whole number: refused by the service
    note = Text(_("派单说明"), max_length=limits.REASON)


class BackForm(forms.Form):
    """Where to go after an action posted from another page (the enterprise's home)."""

    back = forms.ChoiceField(choices=[("", ""), ("mine", "mine")], required=False)

    def home(self) -> bool:
        return self.is_valid() and self.cleaned_data["back"] == "mine"


class RateForm(forms.Form):
    dispatch = IdField(_("派单"))
    rating = IdField(_("评分"))
    comment = Text(_("评价意见"), max_length=limits.REASON)


class OutcomeForm(forms.Form):
    outcome = Text(_("解决情况"), max_length=limits.OUTCOME)


class FeedbackForm(forms.Form):
    person = IdField(_("专家"))
    useful = forms.CharField(max_length=1, required=False)
    rank = IdField(_("排名"))


class AnswerForm(forms.Form):
    """A society's answer to a dispatch: a team (leader, members ticked or given by id) and a plan, or a reason to
    decline, or the outcome once the service is done."""

    leader = IdField(_("服务团队负责人"), message=_("团队成员有误或不在本学会范围内。"))
    team = IdListField(_("团队成员"), message=_("团队成员有误或不在本学会范围内。"))
    team_ids = IdListField(_("其他成员"), message=_("团队成员有误或不在本学会范围内。"), split=True)
    plan = Text(_("服务方案"), max_length=limits.OUTCOME)
    reason = Text(_("婉拒理由"), max_length=limits.REASON)
    outcome = Text(_("服务成效"), max_length=limits.OUTCOME)


class NeedFilter(forms.Form):
    """The filter of the needs list (read with ``lenient``)."""

    status = any_of(_("状态"), NeedStatus.choices)
    kind = any_of(_("需求类型"), NeedKind.choices)

"""Forms of the needs pages: the need itself, enterprise registration and verification, review, dispatch, the
societies' answers, rating, 已解决 / 关闭 and matching feedback. ``services.clean_need``,
``enterprises.register_enterprise`` and the other services say what is wrong in Chinese; these forms convert
and bound what a page may send."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kexie.innovation import limits
from kexie.innovation.data.industries import choices_with_blank
from kexie.innovation.formfields import IdField, Text, any_of
from kexie.innovation.models import Confidentiality, NeedKind, NeedStatus, RequestStatus
from kexie.innovation.needs import dispatches
from kexie.orgs.models import KindCategory
from kexie.orgs.widgets import OrgMultiPickerField, OrgPickerField
from kexie.people.models import Person
from kexie.people.widgets import PersonMultiPickerField, PersonPickerField

INDUSTRY_CHOICES = choices_with_blank  # a callable: the names follow the interface language


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
    """The association a new need belongs to: picked by search among those in the user's change scope."""

    owner = OrgPickerField(label=_("受理科协"), action="innovation.change", kinds=(KindCategory.ASSOCIATION,),
                           error_messages={"required": _("请选择受理科协。")})

    def __init__(self, data: Any = None, *, owners: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, OrgPickerField)
        field.set_scope(owners)


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
    """点菜: the societies (search-as-you-type chips over every society the user may dispatch to directly or
    through the association above; branches and committees only when 包括分支机构 is ticked), the answer time and
    a note (decision 0043)."""

    societies = OrgMultiPickerField(label=_("承接学会"), include="[name='branches']",
                                    help_text=_("输入学会名称或编码的几个字，从列表中选择，可选多个"))
    branches = forms.BooleanField(label=_("包括分支机构"), required=False,
                                  help_text=_("勾选后也可选择学会的分支机构、专委会"))
    days = IdField(_("响应期限（天）"))  # empty: the default answer time; not a whole number: refused by the service
    note = Text(_("派单说明"), max_length=limits.REASON)

    def __init__(self, data: Any = None, *, user: Any, need: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        branches = bool(data) and str(data.get("branches", "")).lower() in ("on", "1", "true")
        field = self.fields["societies"]
        assert isinstance(field, OrgMultiPickerField)
        field.set_scope(dispatches.eligible_targets(user, need, branches), action="innovation.change")
        field.set_url(reverse("innovation:dispatch-picker", args=[need.pk]))


class RequestDecisionForm(forms.Form):
    reason = Text(_("未同意理由"), max_length=limits.REASON)


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
    """A society's answer to a dispatch: a plan (the team in ``TeamForm``), or a reason to decline, or the
    outcome once the service is done."""

    plan = Text(_("服务方案"), max_length=limits.OUTCOME)
    reason = Text(_("婉拒理由"), max_length=limits.REASON)
    outcome = Text(_("服务成效"), max_length=limits.OUTCOME)


class TeamForm(forms.Form):
    """The service team of an answer: the leader and the members, each picked by a person search over the
    answering user's ``people.view`` scope (the society's members among them; decision 0043)."""

    leader = PersonPickerField(label=_("服务团队负责人"))
    team = PersonMultiPickerField(label=_("团队成员"), required=False,
                                  help_text=_("输入姓名的几个字，从列表中选择，可选多人；负责人不必重复选择"))

    def __init__(self, data: Any = None, *, user: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        people = Person.objects.for_user(user, "people.view")
        for name in ("leader", "team"):
            field = self.fields[name]
            assert isinstance(field, PersonPickerField)
            field.set_scope(people)


class NeedFilter(forms.Form):
    """The filter of the needs list (read with ``lenient``)."""

    status = any_of(_("状态"), NeedStatus.choices)
    kind = any_of(_("需求类型"), NeedKind.choices)


class RequestFilter(forms.Form):
    """The filter of the dispatch requests list (read with ``lenient``)."""

    status = any_of(_("状态"), RequestStatus.choices)

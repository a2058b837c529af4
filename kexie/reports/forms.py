"""Page forms of the reporting module (the form builder's forms are in ``kexie.formkit.forms``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from kexie.orgs.models import Level, Organisation, OrgKind
from kexie.reports.models import FormVersion, Period, SubmissionStatus


class OrgCodeField(forms.CharField):
    """An organisation by its code, looked up in the user's scope for the given action."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)
        self.user: Any = None
        self.action = "reports.change"

    def clean(self, value: Any) -> Organisation | None:  # type: ignore[override]
        code = super().clean(value)
        if not code:
            return None
        org = Organisation.objects.for_user(self.user, self.action).alive().filter(code=code.strip()).first()
        if org is None:
            raise forms.ValidationError(_gettext("没有找到编码为“%(c)s”的组织，或它不在您的管理范围内。") % {"c": code})
        return org


class ReportFormCreateForm(forms.Form):
    code = forms.SlugField(label=_("报表代码"), max_length=60, help_text=_("英文字母、数字、下划线，如 society_annual"))
    name = forms.CharField(label=_("报表名称"), max_length=120)
    period = forms.ChoiceField(label=_("填报周期"), choices=Period.choices, initial=Period.ANNUAL)
    owner = OrgCodeField(label=_("制表单位编码"))
    description = forms.CharField(label=_("说明"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].user = user  # type: ignore[attr-defined]


class FormMetaForm(forms.Form):
    name = forms.CharField(label=_("报表名称"), max_length=120)
    period = forms.ChoiceField(label=_("填报周期"), choices=Period.choices)
    description = forms.CharField(label=_("说明"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class CampaignForm(forms.Form):
    version = forms.ModelChoiceField(label=_("报表版本"), queryset=FormVersion.objects.none())
    name = forms.CharField(label=_("任务名称"), max_length=120)
    year = forms.IntegerField(label=_("统计年度"), min_value=2000, max_value=2100)
    period_label = forms.CharField(label=_("统计期"), max_length=40, required=False)
    root = OrgCodeField(label=_("发起单位编码（填报范围为其下级）"))
    kinds = forms.ModelMultipleChoiceField(label=_("组织类型"), queryset=OrgKind.objects.all(), required=False,
                                           to_field_name="code", widget=forms.CheckboxSelectMultiple)
    levels = forms.MultipleChoiceField(label=_("层级"), choices=Level.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    include_root = forms.BooleanField(label=_("发起单位本身也填报"), required=False)
    opens_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    deadline = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    remind_days = forms.CharField(label=_("提前提醒天数"), initial="7,3,1", max_length=40, required=False,
                                  help_text=_("用逗号分隔，如 7,3,1；逾期后另提醒一次"))
    jump_share = forms.IntegerField(label=_("同比变化提醒线（%）"), min_value=1, max_value=1000, initial=50,
                                    help_text=_("数字与上年相比变化超过该比例时，提醒填报单位核实（不阻止提交）"))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from kexie.reports.services import usable_versions

        self.fields["version"].queryset = (usable_versions(user)  # type: ignore[attr-defined]
                                           .select_related("form").order_by("form__code", "-number"))
        self.fields["version"].label_from_instance = lambda v: f"{v.form.name} · v{v.number}"  # type: ignore[attr-defined]
        self.fields["root"].user = user  # type: ignore[attr-defined]
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("year", today.year - 1)
            self.initial.setdefault("opens_on", today)
            self.initial.setdefault("deadline", today + dt.timedelta(days=30))

    def clean_remind_days(self) -> list[int]:
        text = (self.cleaned_data.get("remind_days") or "").replace("，", ",")
        try:
            days = sorted({int(p) for p in text.split(",") if p.strip()}, reverse=True)
        except ValueError:
            raise forms.ValidationError(_gettext("请填写用逗号分隔的天数，如 7,3,1。")) from None
        if any(d <= 0 or d > 365 for d in days):
            raise forms.ValidationError(_gettext("提醒天数应在 1 到 365 之间。"))
        return days

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("opens_on") and data.get("deadline") and data["deadline"] < data["opens_on"]:
            self.add_error("deadline", _gettext("截止日期不能早于开始日期。"))
        return data


class CampaignFilter(forms.Form):
    """The campaign list's filter (a malformed year is shown as an error and filters nothing)."""

    year = forms.IntegerField(label=_("统计年度"), required=False, min_value=2000, max_value=2100)


class ProgressFilter(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + list(SubmissionStatus.choices))
    q = forms.CharField(label=_("组织名称或编码"), required=False, max_length=60)
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("通过")), ("return", _("退回")), ("withdraw", _("撤回修改"))])
    comment = forms.CharField(label=_("审核意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件"))

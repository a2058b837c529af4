"""Forms of funded topics."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.calls.formfields import _comment, choice_filter
from kexie.calls.models import ProjectStatus


class EstablishForm(forms.Form):
    starts = forms.DateField(label=_("开始日期"), required=False,
                             error_messages={"invalid": _("开始日期格式应为 YYYY-MM-DD。")})


class ReportActionForm(forms.Form):
    action = forms.ChoiceField(required=False, choices=[("save", _("保存草稿")), ("submit", _("提交"))])


class JudgeForm(forms.Form):
    verdict = forms.ChoiceField(choices=[("pass", _("通过")), ("return", _("退回修改")), ("fail", _("不通过"))],
                                error_messages={"required": _("请选择审核结论。"), "invalid_choice": _("请选择审核结论。")})
    comment = forms.CharField(label=_("审核意见"), required=False, max_length=4000,
                              error_messages={"max_length": _("审核意见不能超过 4000 字。")})


class ExtendForm(forms.Form):
    ends = forms.DateField(label=_("新的完成日期"),
                           error_messages={"required": _("新的完成日期格式应为 YYYY-MM-DD。"),
                                           "invalid": _("新的完成日期格式应为 YYYY-MM-DD。")})
    reason = _comment(_("延期理由"))


class TerminateForm(forms.Form):
    reason = _comment(_("终止理由"))


class ProjectListFilter(forms.Form):
    """The filters of the project lists (the page and the call's export)."""

    status = choice_filter(_("状态"), ProjectStatus.choices)
    pending = choice_filter(_("待办"), [("review", _("有报告待审核")), ("overdue", _("报告逾期"))])

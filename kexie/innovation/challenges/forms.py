"""Forms of 揭榜挂帅: the challenge (draft and edits), applications, the staff actions along
``Challenge.WORKFLOW`` (publish, close, cancel, select, milestones) and the milestone answers. ``services`` and
``milestones`` say what is wrong in Chinese; these forms convert ids and bound what a page may send."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.innovation import limits
from kexie.innovation.formfields import IdField, Text, any_of
from kexie.innovation.models import ChallengeStatus

FIELDS = ("title", "description", "bounty", "apply_by")


class ChallengeForm(forms.Form):
    title = Text(_("榜单名称"), max_length=limits.TITLE)
    description = Text(_("攻关任务与指标"), max_length=limits.LONG_TEXT)
    bounty = forms.CharField(label=_("榜额（万元）"), max_length=40, required=False)
    apply_by = forms.CharField(label=_("揭榜截止"), max_length=40, required=False)
    owner = IdField(_("发布科协"))
    need = IdField(_("来源需求"))


class NeedChoiceForm(forms.Form):
    """The need a new challenge starts from (``?need=`` on the page, or the posted form)."""

    need = IdField(_("来源需求"))


class ApplyForm(forms.Form):
    unit = Text(_("揭榜单位"), max_length=limits.TITLE)
    proposal = Text(_("攻关方案"), max_length=limits.LONG_TEXT)
    team = Text(_("团队成员"))


class ChallengeActForm(forms.Form):
    reason = Text(_("理由"), max_length=limits.REASON)
    application = IdField(_("揭榜团队"))
    title = Text(_("里程碑"), max_length=limits.TITLE)
    due = forms.CharField(label=_("计划完成"), max_length=40, required=False)
    share = forms.CharField(label=_("拨付比例（%）"), max_length=40, required=False)


class MilestoneActForm(forms.Form):
    evidence = Text(_("完成情况"), max_length=limits.OUTCOME)
    verdict = Text(_("验收意见"), max_length=limits.REASON)


class ChallengeFilter(forms.Form):
    status = any_of(_("状态"), ChallengeStatus.choices)

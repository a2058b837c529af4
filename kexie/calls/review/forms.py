"""Forms of reviewing and results."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.calls.formfields import _comment, choice_filter
from kexie.calls.models import AppealStatus, AssignmentStatus, CaseStatus, Recommendation, Vote


class ReviewForm(forms.Form):
    """An expert's review: one score per rubric criterion (``s-<key>``; the service checks the ranges)."""

    comment = forms.CharField(label=_("评审意见"), required=False, max_length=8000, widget=forms.Textarea)
    recommendation = forms.ChoiceField(label=_("推荐意见"), required=False,
                                       choices=[("", "—"), *Recommendation.choices],
                                       error_messages={"invalid_choice": _("推荐意见无效。")})
    action = forms.ChoiceField(required=False, choices=[("save", _("保存草稿")), ("submit", _("提交"))])

    def __init__(self, *args: Any, rubric: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keys = [str(c["key"]) for c in rubric or [] if isinstance(c, dict) and "key" in c]
        for key in self.keys:
            self.fields[f"s-{key}"] = forms.CharField(required=False, max_length=40)

    def scores(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(f"s-{k}") or "" for k in self.keys}


class AssignForm(forms.Form):
    mode = forms.ChoiceField(label=_("分配方式"), required=False,
                             choices=[("optimal", _("最优匹配")), ("fair", _("兼顾公平")), ("random", _("随机抽取"))])


class PickForm(forms.Form):
    """The applications picked on the results page (公示 / 入选 lists)."""

    apps = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args: Any, ids: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["apps"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(str(i), str(i)) for i in ids]


class VoteForm(forms.Form):
    member = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    vote = forms.ChoiceField(label=_("表决"), choices=Vote.choices,
                             error_messages={"required": _("表决意见无效。"), "invalid_choice": _("表决意见无效。")})
    round = forms.IntegerField(label=_("轮次"), required=False, min_value=1, max_value=100,
                               error_messages={"invalid": _("轮次应为正整数。"), "min_value": _("轮次应为正整数。"),
                                               "max_value": _("轮次应为正整数。")})


class ObjectionForm(forms.Form):
    """公示异议, lodged in one's own name."""

    name = forms.CharField(label=_("异议人"), required=False, max_length=60)
    contact = forms.CharField(label=_("联系方式"), required=False, max_length=200)
    text = forms.CharField(label=_("异议内容"), required=False, max_length=4000, widget=forms.Textarea)


class CaseForm(forms.Form):
    verdict = forms.ChoiceField(choices=[(CaseStatus.UPHELD, CaseStatus.UPHELD.label),
                                         (CaseStatus.DISMISSED, CaseStatus.DISMISSED.label)],
                                error_messages={"required": _("处理结论无效。"), "invalid_choice": _("处理结论无效。")})
    reason = _comment(_("处理意见"))


class AppealDecisionForm(forms.Form):
    verdict = forms.ChoiceField(choices=[(AppealStatus.UPHELD, AppealStatus.UPHELD.label),
                                         (AppealStatus.REJECTED, AppealStatus.REJECTED.label)],
                                error_messages={"required": _("复审结论无效。"), "invalid_choice": _("复审结论无效。")})
    decision = _comment(_("复审决定"))


class AppealForm(forms.Form):
    reasons = _comment(_("复审理由"))


class MyReviewsFilter(forms.Form):
    status = choice_filter(_("状态"), [c for c in AssignmentStatus.choices if c[0] != AssignmentStatus.RELEASED])

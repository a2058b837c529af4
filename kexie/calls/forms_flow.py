"""Forms of the calls' workflow pages (applying, nominating, the formal check, reviewing, results, projects and
expert libraries). Views read every posted value through one of these; services take the cleaned data.

Verdict fields list the choices the service knows, so a forged value is a form error (a Chinese message and
nothing changed), never a 500. Messages a service already gives in Chinese (empty reasons, scores out of
range) are left to the service, so the page and the API say the same thing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.calls.models import AppealStatus, CaseStatus, Recommendation, Stage, Vote
from kexie.orgs.models import Organisation

COMMENT_MAX = 4000


def _comment(label: Any = None, *, max_length: int = COMMENT_MAX) -> forms.CharField:
    return forms.CharField(label=label or _("意见"), required=False, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": 2}))


def first_error(form: forms.BaseForm) -> list[str]:
    """The form's messages, field label first, for ``messages.error`` on a redirecting page."""
    out: list[str] = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = f"{field.label}：" if field is not None and field.label else ""
        out += [f"{label}{e}" for e in errors]
    return out


class CommentForm(forms.Form):
    """Withdrawing an application: an optional comment kept in its history."""

    comment = _comment()


class NextForm(forms.Form):
    """Where a list page's action returns to (``list`` / ``queue``: the list; else the record)."""

    next = forms.ChoiceField(required=False, choices=[("", ""), ("list", "list"), ("queue", "queue")])


class NominateForm(NextForm):
    verdict = forms.ChoiceField(label=_("推荐意见"), required=False,
                                choices=[("", ""), ("nominate", _("推荐")), ("decline", _("不予推荐"))])
    comment = _comment()


class FormalForm(NextForm):
    verdict = forms.ChoiceField(label=_("审查结论"), choices=[("pass", _("通过")), ("return", _("退回修改")),
                                                          ("fail", _("不通过"))],
                                error_messages={"required": _("审查结论无效。"), "invalid_choice": _("审查结论无效。")})
    reasons = forms.MultipleChoiceField(label=_("理由"), required=False)
    comment = _comment()

    def __init__(self, *args: Any, reasons: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reasons"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(r, r) for r in reasons]


class DeclareForm(forms.Form):
    reason = forms.CharField(label=_("回避理由"), required=False, max_length=1000)


class AdvanceForm(forms.Form):
    to = forms.ChoiceField(label=_("下一阶段"), required=False, choices=[("", ""), *Stage.choices])


class ApplyForm(forms.Form):
    nominator = forms.ModelChoiceField(label=_("推荐单位"), required=False, queryset=Organisation.objects.none())
    title = forms.CharField(label=_("申报名称"), required=False, max_length=200)

    def __init__(self, *args: Any, nominators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["nominator"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = nominators


class FillForm(forms.Form):
    """The fixed part of the application page; the call's own fields go through the form engine."""

    title = forms.CharField(label=_("申报名称"), required=False, max_length=200)
    nominator = forms.ModelChoiceField(label=_("推荐单位"), required=False, queryset=Organisation.objects.none(),
                                       error_messages={"invalid_choice": _("请选择推荐单位。")})
    action = forms.ChoiceField(required=False, choices=[("save", _("保存草稿")), ("submit", _("提交"))])

    def __init__(self, *args: Any, nominators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["nominator"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = nominators


class PersonRowForm(forms.Form):
    """One row of an application's people list (申请回避的专家, 合作者, 亲属)."""

    name = forms.CharField(label=_("姓名"), required=False, max_length=40,
                           widget=forms.TextInput(attrs={"aria-label": _("姓名")}))
    employer = forms.CharField(label=_("工作单位"), required=False, max_length=120,
                               widget=forms.TextInput(attrs={"aria-label": _("工作单位")}))
    person = forms.IntegerField(label=_("人员编号（可选）"), required=False, min_value=1, max_value=2**63 - 1,
                                widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                              "aria-label": _("人员编号（可选）")}))
    reason = forms.CharField(label=_("理由"), required=False, max_length=500,
                             widget=forms.TextInput(attrs={"aria-label": _("理由")}))


class BasePeopleFormSet(forms.BaseFormSet):
    def entries(self, *, reason: bool) -> list[dict[str, Any]]:
        """The filled rows as the service's list entries (rows without a name are left out)."""
        out: list[dict[str, Any]] = []
        for form in self.forms:
            d = form.cleaned_data if form.is_valid() else {}
            name = (d.get("name") or "").strip()
            if not name:
                continue
            entry: dict[str, Any] = {"name": name, "employer": (d.get("employer") or "").strip(),
                                     "person_id": d.get("person")}
            if reason:
                entry["reason"] = (d.get("reason") or "").strip()
            out.append(entry)
        return out


def people_formset(rows: int) -> type[forms.BaseFormSet]:
    return forms.formset_factory(PersonRowForm, formset=BasePeopleFormSet, extra=rows, max_num=rows,
                                 validate_max=True)


def people_initial(items: Any) -> list[dict[str, Any]]:
    return [{"name": i.get("name", ""), "employer": i.get("employer", ""), "person": i.get("person_id"),
             "reason": i.get("reason", "")} for i in (items or []) if isinstance(i, dict)]


class QuotaForm(forms.Form):
    """推荐名额: one field per candidate organisation (``q-<id>``); empty leaves it unchanged."""

    def __init__(self, *args: Any, orgs: Any, initial_places: dict[int, int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.orgs = {o.pk: o for o in orgs}
        for pk, org in self.orgs.items():
            self.fields[f"q-{pk}"] = forms.IntegerField(
                label=org.name, required=False, min_value=0, max_value=100000,
                initial=(initial_places or {}).get(pk), widget=forms.NumberInput(attrs={"aria-label": org.name}),
                error_messages={"invalid": _("推荐名额应为非负整数。"), "min_value": _("推荐名额应为非负整数。")})

    def places(self) -> dict[Any, int]:
        return {self.orgs[int(k[2:])]: v for k, v in self.cleaned_data.items() if k.startswith("q-") and v is not None}


class OwnerForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("管理单位"), queryset=Organisation.objects.none(),
                                   error_messages={"required": _("请选择管理单位。"),
                                                   "invalid_choice": _("请选择管理单位。")})

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = owners


class AddExpertsForm(forms.Form):
    people = forms.CharField(label=_("人员编号"), max_length=4000,
                             error_messages={"required": _("部分人员不存在或不在您的范围内。")})

    def clean_people(self) -> list[int]:
        given = [x.strip() for x in self.cleaned_data["people"].replace("，", ",").split(",") if x.strip()]
        ids = [int(x) for x in given if x.isdigit() and 0 < int(x) < 2**63]
        if len(ids) != len(given) or not ids:
            raise forms.ValidationError(_("部分人员不存在或不在您的范围内。"))
        return ids


class AvailabilityForm(forms.Form):
    available = forms.ChoiceField(label=_("可参加评审"), required=False, choices=[("1", _("是")), ("0", _("否"))])
    until = forms.DateField(label=_("暂停至"), required=False, error_messages={"invalid": _("日期或数量格式有误。")})
    max_per_call = forms.IntegerField(label=_("每批次最多评审数"), required=False, min_value=0, max_value=500,
                                      error_messages={"invalid": _("日期或数量格式有误。"),
                                                      "min_value": _("每批次最多评审数应在 0 到 500 之间。"),
                                                      "max_value": _("每批次最多评审数应在 0 到 500 之间。")})


# ---- reviewing and results -------------------------------------------------------------------------
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


# ---- funded topics -----------------------------------------------------------------------------------
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

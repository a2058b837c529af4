"""The structured parts of a call's set-up as form widgets (批次设置): eligibility rules, stages with deadlines and
the rubric as formsets — one row each, Chinese labels — and the set-up JSON file (import/export for power users).

The formsets produce the data shapes of ``Call.eligibility``, ``Call.stages`` and ``Call.rubric``; what the values
mean together (stage order, weights summing to 1, …) stays with ``services.check_call``, the authority. A row left
without its kind (rule), stage or criterion name is ignored, so blank rows can be offered for additions.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from kexie.calls.eligibility import RULE_CHOICES
from kexie.calls.models import ApplicationStatus, CallType, Stage
from kexie.formkit import schema as S
from kexie.orgs.models import Organisation
from kexie.people.models import Discipline, TitleLevel

SETUP_KEYS = ("eligibility", "stages", "rubric", "form_schema")
SETUP_MAX_BYTES = 2 * 1024 * 1024
CODES_RE = re.compile(r"[\s,，;；、]+")


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _orgs_by_code(user: Any, codes: Sequence[str]) -> dict[str, Organisation]:
    """Organisations by code among those the user may view (a rule names only organisations in reach)."""
    found = Organisation.objects.for_user(user, "calls.view").alive().filter(code__in=list(codes))
    return {o.code: o for o in found}


# ---- eligibility --------------------------------------------------------------------------------
class EligibilityRuleForm(forms.Form):
    """One eligibility rule: its kind and the parameters that kind needs (builder.css shows only those)."""

    rule = forms.ChoiceField(label=_("条件类型"), required=False, choices=[("", "—"), *RULE_CHOICES],
                             widget=forms.Select(attrs={"class": "fk-kind"}))
    on = forms.DateField(label=_("年龄计算日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    min_age = forms.IntegerField(label=_("最小年龄（周岁）"), required=False, min_value=0, max_value=120)
    max_age = forms.IntegerField(label=_("最大年龄（周岁）"), required=False, min_value=0, max_value=120)
    levels = forms.MultipleChoiceField(label=_("职称级别"), required=False, widget=forms.CheckboxSelectMultiple,
                                       choices=[c for c in TitleLevel.choices if c[0]])
    society = forms.CharField(label=_("学会编码（留空为任一学会）"), required=False, max_length=40)
    orgs = forms.CharField(label=_("组织编码（多个用逗号分隔）"), required=False, max_length=2000)
    disciplines = forms.CharField(label=_("学科代码（多个用逗号分隔，如 520、31010）"), required=False, max_length=400)
    years = forms.IntegerField(label=_("年限（年）"), required=False, min_value=1, max_value=50)
    types = forms.MultipleChoiceField(label=_("批次类型"), required=False, widget=forms.CheckboxSelectMultiple,
                                      choices=CallType.choices)
    statuses = forms.MultipleChoiceField(label=_("申报状态"), required=False, widget=forms.CheckboxSelectMultiple,
                                         choices=ApplicationStatus.choices)

    # which inputs each kind needs (the template marks them with data-kind)
    KIND_INPUTS = {"on": "age", "min_age": "age", "max_age": "age", "levels": "title", "society": "membership",
                   "orgs": "region", "disciplines": "discipline", "years": "previous", "types": "previous", "statuses": "previous"}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def inputs(self) -> list[tuple[Any, str]]:
        """The visible inputs with the kind each belongs to (empty: every kind), for the template."""
        return [(self[name], self.KIND_INPUTS.get(name, "")) for name, f in self.fields.items()
                if not f.widget.is_hidden]

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        kind = d.get("rule")
        if not kind:
            return d
        rule: dict[str, Any] = {"rule": kind}
        if kind == "age":
            if not d.get("on"):
                self.add_error("on", _gettext("年龄条件须填写计算日期。"))
            if d.get("min_age") is None and d.get("max_age") is None:
                self.add_error("max_age", _gettext("年龄条件须填写最小或最大年龄。"))
            elif d.get("min_age") is not None and d.get("max_age") is not None and d["min_age"] > d["max_age"]:
                self.add_error("max_age", _gettext("最大年龄不能小于最小年龄。"))
            rule["on"] = d["on"].isoformat() if d.get("on") else ""
            if d.get("min_age") is not None:
                rule["min"] = d["min_age"]
            if d.get("max_age") is not None:
                rule["max"] = d["max_age"]
        elif kind == "title":
            if not d.get("levels"):
                self.add_error("levels", _gettext("职称条件须至少选择一个级别。"))
            rule["levels"] = list(d.get("levels") or [])
        elif kind == "membership":
            code = (d.get("society") or "").strip()
            rule["society"] = None
            if code:
                org = _orgs_by_code(self.user, [code]).get(code)
                if org is None:
                    self.add_error("society", _gettext("没有找到编码为“%(c)s”的组织，或它不在您的管理范围内。")
                                   % {"c": code})
                else:
                    rule["society"] = org.pk
        elif kind == "region":
            codes = [c for c in CODES_RE.split(d.get("orgs") or "") if c]
            found = _orgs_by_code(self.user, codes)
            missing = [c for c in codes if c not in found]
            if not codes:
                self.add_error("orgs", _gettext("地区条件须至少填写一个组织编码。"))
            elif missing:
                self.add_error("orgs", _gettext("没有找到编码为“%(c)s”的组织，或它不在您的管理范围内。")
                               % {"c": missing[0]})
            rule["orgs"] = [found[c].pk for c in codes if c in found]
        elif kind == "discipline":
            codes = list(dict.fromkeys(c for c in CODES_RE.split(d.get("disciplines") or "") if c))
            known = set(Discipline.objects.filter(code__in=codes).values_list("code", flat=True)) if codes else set()
            missing = [c for c in codes if c not in known]
            if not codes:
                self.add_error("disciplines", _gettext("学科条件须至少填写一个学科代码。"))
            elif missing:
                self.add_error("disciplines", _gettext("没有学科代码“%(c)s”（请按 GB/T 13745 填写）。") % {"c": missing[0]})
            rule["codes"] = [c for c in codes if c in known]
        elif kind == "previous":
            if d.get("years") is None:
                self.add_error("years", _gettext("往届条件须填写年限。"))
            rule.update(years=d.get("years"), types=list(d.get("types") or []),
                        statuses=list(d.get("statuses") or []))
        d["value"] = rule
        return d

    @staticmethod
    def initial_for(rule: Mapping[str, Any], codes: Mapping[int, str]) -> dict[str, Any]:
        kind = rule.get("rule")
        initial: dict[str, Any] = {"rule": kind}
        if kind == "age":
            initial.update(on=rule.get("on"), min_age=rule.get("min"), max_age=rule.get("max"))
        elif kind == "title":
            initial["levels"] = rule.get("levels") or []
        elif kind == "membership":
            society = rule.get("society")
            initial["society"] = codes.get(society, "") if isinstance(society, int) else ""
        elif kind == "region":
            initial["orgs"] = ", ".join(codes.get(o, str(o)) for o in rule.get("orgs") or [] if isinstance(o, int))
        elif kind == "discipline":
            initial["disciplines"] = ", ".join(str(c) for c in rule.get("codes") or [])
        elif kind == "previous":
            initial.update(years=rule.get("years"), types=rule.get("types") or [], statuses=rule.get("statuses") or [])
        return initial


class _RowsFormSet(forms.BaseFormSet):  # type: ignore[type-arg]  # django-stubs: BaseFormSet is generic
    """A formset whose rows left without their first input are ignored (blank rows for additions). Every row is
    cleaned, whatever the posted count of initial rows says: a row equal to its initial value is still data."""

    key = ""

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "empty_permitted": False}

    def filled(self) -> list[forms.Form]:
        return [f for f in self.forms if f.cleaned_data.get(self.key) and not f.cleaned_data.get("DELETE")]


class _EligibilityFormSet(_RowsFormSet):
    key = "rule"

    def values(self) -> list[dict[str, Any]]:
        return [f.cleaned_data["value"] for f in self.filled()]


EligibilityFormSet = forms.formset_factory(EligibilityRuleForm, formset=_EligibilityFormSet, extra=1,
                                           can_delete=True, max_num=20, validate_max=True)


def eligibility_initial(rules: Any) -> list[dict[str, Any]]:
    rules = [r for r in rules or [] if isinstance(r, dict)]
    ids = {r.get("society") for r in rules} | {o for r in rules for o in r.get("orgs") or []}
    ids = {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}
    # the codes of the organisations the call's own rules name (its own data, shown back to its editors)
    codes = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "code")) if ids else {}
    return [EligibilityRuleForm.initial_for(r, codes) for r in rules]


# ---- stages -------------------------------------------------------------------------------------
class StageForm(forms.Form):
    code = forms.ChoiceField(label=_("阶段"), required=False, choices=[("", "—"), *Stage.choices])
    deadline = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("deadline") and not d.get("code"):
            self.add_error("code", _gettext("请选择阶段。"))
        return d


class _StageFormSet(_RowsFormSet):
    key = "code"

    def values(self) -> list[dict[str, Any]]:
        out = []
        for f in self.filled():
            day = f.cleaned_data.get("deadline")
            out.append({"code": f.cleaned_data["code"], "deadline": day.isoformat() if isinstance(day, dt.date) else ""})
        return out


StageFormSet = forms.formset_factory(StageForm, formset=_StageFormSet, extra=2, can_delete=True, max_num=len(Stage),
                                     validate_max=True)
DEFAULT_STAGES = [{"code": Stage.APPLY}, {"code": Stage.FORMAL}, {"code": Stage.REVIEW_CORR}, {"code": Stage.NOTICE},
                  {"code": Stage.RESULT}]


def stages_initial(stages: Any) -> list[dict[str, Any]]:
    return [{"code": s.get("code"), "deadline": s.get("deadline") or None} for s in stages or [] if isinstance(s, dict)]


# ---- rubric -------------------------------------------------------------------------------------
class CriterionForm(forms.Form):
    label = forms.CharField(label=_("评分指标"), required=False, max_length=120)
    key = forms.RegexField(label=_("键（可选）"), required=False, max_length=60, regex=S.KEY_RE,
                           error_messages={"invalid": _("键应以小写字母开头，只含小写字母、数字和下划线。")})
    weight = forms.FloatField(label=_("权重"), required=False, min_value=0.001, max_value=1)
    max = forms.FloatField(label=_("满分"), required=False, min_value=0.5, max_value=10000)
    guidance = forms.CharField(label=_("评分指引"), required=False, max_length=1000)

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("label"):
            if d.get("weight") is None:
                self.add_error("weight", _gettext("请填写权重。"))
            if d.get("max") is None:
                self.add_error("max", _gettext("请填写满分。"))
        return d


class _RubricFormSet(_RowsFormSet):
    key = "label"

    def values(self) -> list[dict[str, Any]]:
        rows = self.filled()
        used = {f.cleaned_data["key"] for f in rows if f.cleaned_data.get("key")}
        out = []
        n = 0
        for f in rows:
            d = f.cleaned_data
            key = d.get("key")
            while not key:
                n += 1
                key = f"c{n}" if f"c{n}" not in used else ""
            used.add(key)
            out.append({"key": key, "label": d["label"], "weight": _number(d["weight"]), "max": _number(d["max"]),
                        "guidance": d.get("guidance") or ""})
        return out


RubricFormSet = forms.formset_factory(CriterionForm, formset=_RubricFormSet, extra=2, can_delete=True, max_num=30,
                                      validate_max=True)


def rubric_initial(rubric: Any) -> list[dict[str, Any]]:
    return [{k: c.get(k) for k in ("label", "key", "weight", "max", "guidance")} for c in rubric or []
            if isinstance(c, dict)]


# ---- the set-up file ----------------------------------------------------------------------------
def setup_export(call: Any) -> dict[str, Any]:
    """What “导出 JSON” writes: the call's code and name with its four structured parts."""
    return {"code": call.code, "name": call.name, **{k: getattr(call, k) for k in SETUP_KEYS}}


def setup_from_upload(upload: Any) -> dict[str, Any]:
    """The structured parts in an uploaded set-up file (as exported; a bare application-form schema is taken as
    the form). Only the parts present are returned; Chinese ``ValidationError`` when the file is not one."""
    if upload.size > SETUP_MAX_BYTES:
        raise forms.ValidationError(_gettext("批次设置文件不能超过 2 MB。"))
    try:
        data = json.loads(upload.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise forms.ValidationError(_gettext("无法读取该文件：请上传 UTF-8 编码的 JSON 文件。")) from None
    if isinstance(data, dict) and "sections" in data:
        return {"form_schema": data}
    parts = {k: data[k] for k in SETUP_KEYS if k in data} if isinstance(data, dict) else {}
    if not parts:
        raise forms.ValidationError(_gettext("该文件不是批次设置文件：应含申报条件、阶段、评分细则或申报表。"))
    return parts

"""Page forms of the reporting module."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from kexie.orgs.models import Level, Organisation, OrgKind
from kexie.reports import schema as S
from kexie.reports.models import FieldType, FormVersion, Period, SubmissionStatus
from kexie.reports.registry import METRICS


class OrgCodeField(forms.CharField):
    """An organisation by its code, looked up in the user's scope for the given action."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)
        self.user: Any = None
        self.action = "change"

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


class ProgressFilter(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + list(SubmissionStatus.choices))
    q = forms.CharField(label=_("组织名称或编码"), required=False, max_length=60)
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("通过")), ("return", _("退回")), ("withdraw", _("撤回修改"))])
    comment = forms.CharField(label=_("审核意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件"))


class SectionForm(forms.Form):
    section = forms.CharField(required=False, widget=forms.HiddenInput)
    key = forms.SlugField(label=_("节的键"), max_length=60)
    title = forms.CharField(label=_("节标题"), max_length=120)


def _type_choices() -> list[tuple[str, Any]]:
    return list(FieldType.choices)


class FieldForm(forms.Form):
    """One field of a section (tables: their columns one per line, ``键|名称|类型|选项1/选项2``)."""

    section = forms.CharField(widget=forms.HiddenInput)
    original = forms.CharField(required=False, widget=forms.HiddenInput)
    key = forms.SlugField(label=_("字段键"), max_length=60)
    label = forms.CharField(label=_("名称"), max_length=120)
    type = forms.ChoiceField(label=_("类型"), choices=_type_choices)
    required = forms.BooleanField(label=_("必填"), required=False)
    unit = forms.CharField(label=_("单位"), max_length=20, required=False)
    min = forms.FloatField(label=_("最小值"), required=False)
    max = forms.FloatField(label=_("最大值"), required=False)
    decimals = forms.IntegerField(label=_("小数位数"), min_value=0, max_value=6, required=False)
    max_length = forms.IntegerField(label=_("最多字数"), min_value=1, max_value=20000, required=False)
    choices = forms.CharField(label=_("选项（每行一个）"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    prefill = forms.ChoiceField(label=_("从登记数据预填"), required=False)
    columns = forms.CharField(label=_("表格的列（每行一列：键|名称|类型|选项1/选项2）"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    max_rows = forms.IntegerField(label=_("表格最多行数"), min_value=1, max_value=5000, required=False)
    help = forms.CharField(label=_("填写说明"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["prefill"].choices = [("", "—")] + [(k, m.label) for k, m in METRICS.items()]  # type: ignore[attr-defined]

    def to_field(self) -> dict[str, Any]:
        d = self.cleaned_data
        out: dict[str, Any] = {"key": d["key"], "label": d["label"], "type": d["type"]}
        if d.get("required"):
            out["required"] = True
        if d.get("help"):
            out["help"] = d["help"]
        if d["type"] == "number":
            if d.get("unit"):
                out["unit"] = d["unit"]
            for k in ("min", "max"):
                if d.get(k) is not None:
                    out[k] = int(d[k]) if float(d[k]).is_integer() else d[k]
            out["decimals"] = d.get("decimals") or 0
            if d.get("prefill"):
                out["prefill"] = d["prefill"]
        if d["type"] == "text" and d.get("max_length"):
            out["max_length"] = d["max_length"]
        if d["type"] == "choice":
            out["choices"] = [c.strip() for c in (d.get("choices") or "").splitlines() if c.strip()]
        if d["type"] == "table":
            out["columns"] = parse_columns(d.get("columns") or "")
            out["max_rows"] = d.get("max_rows") or S.TABLE_MAX_ROWS
        return out

    @staticmethod
    def initial_for(section: str, f: dict[str, Any]) -> dict[str, Any]:
        initial = {k: f.get(k) for k in ("key", "label", "type", "required", "unit", "min", "max", "decimals",
                                         "max_length", "prefill", "max_rows", "help")}
        initial.update(section=section, original=f.get("key"), choices="\n".join(f.get("choices") or []),
                       columns=format_columns(f.get("columns") or []))
        return initial


def parse_columns(text: str) -> list[dict[str, Any]]:
    columns: list[dict[str, Any]] = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if not parts or not parts[0]:
            continue
        col: dict[str, Any] = {"key": parts[0], "label": parts[1] if len(parts) > 1 else parts[0],
                               "type": parts[2] if len(parts) > 2 and parts[2] else "text"}
        if col["type"] == "choice":
            col["choices"] = [c.strip() for c in (parts[3] if len(parts) > 3 else "").split("/") if c.strip()]
        if col["type"] == "number":
            col["min"], col["decimals"] = 0, 0
        columns.append(col)
    return columns


def format_columns(columns: list[dict[str, Any]]) -> str:
    lines = []
    for c in columns:
        parts = [str(c.get("key", "")), str(c.get("label", "")), str(c.get("type", ""))]
        if c.get("choices"):
            parts.append("/".join(c["choices"]))
        lines.append("|".join(parts))
    return "\n".join(lines)


class RuleForm(forms.Form):
    expr = forms.CharField(label=_("规则表达式"), max_length=500, help_text=_("如 individual_members >= new_members"))
    message = forms.CharField(label=_("不满足时的提示"), max_length=200, required=False)


def schema_from_upload(upload: Any) -> Any:
    if upload.size > 2 * 1024 * 1024:
        raise forms.ValidationError(_gettext("表单结构文件不能超过 2 MB。"))
    try:
        data = json.loads(upload.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise forms.ValidationError(_gettext("无法读取该文件：请上传 UTF-8 编码的 JSON 文件。")) from None
    if isinstance(data, dict) and "schema" in data and "sections" not in data:
        data = data["schema"]  # a preset file (code, name, schema) is accepted as well
    return data

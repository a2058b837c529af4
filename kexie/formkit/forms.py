"""The builder's Django forms: a section, a field (its table columns as a formset, choices one per line), a rule,
the operation a builder button posts, and the JSON file import (``schema_from_upload``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from kexie.formkit import schema as S

MAX_COLUMNS = 40
UPLOAD_MAX_BYTES = 2 * 1024 * 1024
# Which inputs of a field form matter for which type (the builder shows only those; see builder.css).
TYPE_INPUTS: dict[str, tuple[str, ...]] = {
    "unit": ("number",), "min": ("number",), "max": ("number",), "decimals": ("number",), "prefill": ("number",),
    "max_length": ("text",), "multiline": ("text",), "choices": ("choice",), "extensions": ("file",),
    "unit_en": ("number",), "choices_en": ("choice",),
    "max_size": ("file",), "max_rows": ("table",), "in_year": ("date",),
}
# The keys of a field the form manages; any other key of an edited field is kept as it was.
MANAGED = ("key", "label", "type", "required", "help", "unit", "min", "max", "decimals", "prefill", "max_length",
           "multiline", "choices", "extensions", "max_size", "columns", "max_rows", "in_year", "label_en", "help_en",
           "unit_en")
CHOICES_EN_HELP = _("每行一个，与上面的选项逐行对应；留空则英文界面显示中文选项")


def _lines(text: str | None) -> list[str]:
    return [c.strip() for c in (text or "").splitlines() if c.strip()]


def _choice_list(values_text: str | None, en_text: str | None) -> list[Any]:
    """The ``choices`` of a field from the two textareas: plain strings, or ``{value, label_en}`` where an English
    label is given on the same line (a blank or missing line: none); ValidationError (Chinese) when there are more
    English lines than choices."""
    values = _lines(values_text)
    english = [c.strip() for c in (en_text or "").splitlines()]
    while english and not english[-1]:
        english.pop()
    if not any(english):
        return list(values)
    if len(english) > len(values):
        raise forms.ValidationError(_gettext("英文选项有 %(e)s 行，多于 %(n)s 个选项：请逐行对应。")
                                    % {"e": len(english), "n": len(values)})
    english += [""] * (len(values) - len(english))
    return [{"value": v, "label_en": e} if e else v for v, e in zip(values, english, strict=True)]


def _choice_initial(f: Mapping[str, Any]) -> tuple[str, str]:
    """The two textareas of a field's choices."""
    english = [str(c.get("label_en") or "") if isinstance(c, dict) else "" for c in f.get("choices") or []
               if isinstance(c, str | dict)]
    return "\n".join(S.choice_values(f)), "\n".join(english) if any(english) else ""


def _optional(out: dict[str, Any], d: Mapping[str, Any], *names: str) -> None:
    for name in names:
        if (d.get(name) or "").strip():
            out[name] = d[name].strip()


class ChoicesMixin:
    """Checks the English choices of a field or column against its choices (error on ``choices_en``)."""

    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        d = super().clean()  # type: ignore[misc]
        if d.get("type") == "choice":
            try:
                d["choice_list"] = _choice_list(d.get("choices"), d.get("choices_en"))
            except forms.ValidationError as exc:
                self.add_error("choices_en", exc)  # type: ignore[attr-defined]
        return d


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


class SectionForm(forms.Form):
    section = forms.CharField(required=False, widget=forms.HiddenInput)  # the key of the section being renamed
    key = forms.SlugField(label=_("节的键"), max_length=60, help_text=_("小写英文字母开头，如 basic"))
    title = forms.CharField(label=_("节标题"), max_length=120)
    title_en = forms.CharField(label=_("英文标题"), max_length=200, required=False,
                               help_text=_("英文界面显示；留空则显示中文标题"))


class ColumnForm(ChoicesMixin, forms.Form):
    """One column of a table field: one row of the columns formset."""

    key = forms.SlugField(label=_("列键"), max_length=60)
    label = forms.CharField(label=_("列名"), max_length=120)
    label_en = forms.CharField(label=_("英文列名"), max_length=200, required=False)
    type = forms.ChoiceField(label=_("类型"), initial="text",
                             choices=[c for c in S.TYPE_CHOICES if c[0] in S.COLUMN_TYPES])
    required = forms.BooleanField(label=_("必填"), required=False)
    unit = forms.CharField(label=_("单位"), max_length=20, required=False)
    unit_en = forms.CharField(label=_("英文单位"), max_length=40, required=False)
    min = forms.FloatField(label=_("最小值"), required=False)
    max = forms.FloatField(label=_("最大值"), required=False)
    decimals = forms.IntegerField(label=_("小数位数"), min_value=0, max_value=6, required=False)
    choices = forms.CharField(label=_("选项（每行一个）"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    choices_en = forms.CharField(label=_("英文选项"), required=False, help_text=CHOICES_EN_HELP,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    in_year = forms.BooleanField(label=_("须在统计年度内"), required=False)

    def to_column(self) -> dict[str, Any]:
        d = self.cleaned_data
        out: dict[str, Any] = {"key": d["key"], "label": d["label"], "type": d["type"]}
        _optional(out, d, "label_en")
        if d.get("required"):
            out["required"] = True
        if d["type"] == "number":
            if d.get("unit"):
                out["unit"] = d["unit"]
                _optional(out, d, "unit_en")
            for k in ("min", "max"):
                if d.get(k) is not None:
                    out[k] = _number(d[k])
            out["decimals"] = d.get("decimals") or 0
        if d["type"] == "choice":
            out["choices"] = d.get("choice_list") or _lines(d.get("choices"))
        if d["type"] == "date" and d.get("in_year"):
            out["in_year"] = True
        return out

    @staticmethod
    def initial_for(c: Mapping[str, Any]) -> dict[str, Any]:
        initial = {k: c.get(k) for k in ("key", "label", "label_en", "type", "required", "unit", "unit_en", "min",
                                         "max", "decimals", "in_year")}
        initial["choices"], initial["choices_en"] = _choice_initial(c)
        return initial


ColumnFormSet = forms.formset_factory(ColumnForm, extra=2, can_delete=True, can_order=True, max_num=MAX_COLUMNS,
                                      validate_max=True)


class FieldForm(ChoicesMixin, forms.Form):
    """One field of a section. A table's columns come from ``columns`` (a ``ColumnFormSet`` with the prefix
    ``<prefix>-col``), built beside the form by ``field_forms``."""

    section = forms.CharField(widget=forms.HiddenInput)
    original = forms.CharField(required=False, widget=forms.HiddenInput)
    key = forms.SlugField(label=_("字段键"), max_length=60, help_text=_("小写英文字母开头，如 members"))
    label = forms.CharField(label=_("名称"), max_length=120)
    label_en = forms.CharField(label=_("英文名称"), max_length=200, required=False,
                               help_text=_("英文界面显示；留空则显示中文名称"))
    type = forms.ChoiceField(label=_("类型"), choices=S.TYPE_CHOICES, initial="number",
                             widget=forms.Select(attrs={"class": "fk-type"}))
    required = forms.BooleanField(label=_("必填"), required=False)
    help = forms.CharField(label=_("填写说明"), max_length=500, required=False)
    help_en = forms.CharField(label=_("英文填写说明"), max_length=1000, required=False)
    unit = forms.CharField(label=_("单位"), max_length=20, required=False)
    unit_en = forms.CharField(label=_("英文单位"), max_length=40, required=False)
    min = forms.FloatField(label=_("最小值"), required=False)
    max = forms.FloatField(label=_("最大值"), required=False)
    decimals = forms.IntegerField(label=_("小数位数"), min_value=0, max_value=6, required=False)
    prefill = forms.ChoiceField(label=_("从登记数据预填"), required=False)
    max_length = forms.IntegerField(label=_("最多字数"), min_value=1, max_value=20000, required=False)
    multiline = forms.BooleanField(label=_("多行文本"), required=False)
    choices = forms.CharField(label=_("选项（每行一个）"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    choices_en = forms.CharField(label=_("英文选项"), required=False, help_text=CHOICES_EN_HELP,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    extensions = forms.CharField(label=_("允许的文件类型"), max_length=200, required=False,
                                 help_text=_("用逗号分隔，如 pdf, docx；留空为常用类型"))
    max_size = forms.IntegerField(label=_("文件大小上限（MB）"), min_value=1, max_value=20, required=False)
    max_rows = forms.IntegerField(label=_("表格最多行数"), min_value=1, max_value=5000, required=False)
    in_year = forms.BooleanField(label=_("须在统计年度内"), required=False,
                                 help_text=_("填报任务的统计年度之外的日期不能提交"))

    def __init__(self, *args: Any, prefill: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["prefill"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—")] + [(k, getattr(m, "label", m)) for k, m in (prefill or {}).items()]
        if not prefill:
            del self.fields["prefill"]

    def clean_extensions(self) -> list[str]:
        exts = [e.strip().lower().lstrip(".") for e in (self.cleaned_data.get("extensions") or "")
                .replace("，", ",").replace(" ", ",").split(",") if e.strip()]
        bad = [e for e in exts if not e.isalnum() or len(e) > 10]
        if bad:
            raise forms.ValidationError(_gettext("文件类型“%(e)s”无效。") % {"e": bad[0]})
        return exts

    def to_field(self, columns: list[dict[str, Any]], original: Mapping[str, Any] | None = None) -> dict[str, Any]:
        d = self.cleaned_data
        kept = {k: v for k, v in (original or {}).items() if k not in MANAGED}
        if original and original.get("type") == d["type"] == "date":
            kept.update({k: original[k] for k in ("min", "max") if k in original})
        out: dict[str, Any] = {"key": d["key"], "label": d["label"], "type": d["type"], **kept}
        _optional(out, d, "label_en")
        if d.get("required"):
            out["required"] = True
        if d.get("help"):
            out["help"] = d["help"]
            _optional(out, d, "help_en")
        if d["type"] == "number":
            if d.get("unit"):
                out["unit"] = d["unit"]
                _optional(out, d, "unit_en")
            for k in ("min", "max"):
                if d.get(k) is not None:
                    out[k] = _number(d[k])
            out["decimals"] = d.get("decimals") or 0
            if d.get("prefill"):
                out["prefill"] = d["prefill"]
        if d["type"] == "text":
            if d.get("max_length"):
                out["max_length"] = d["max_length"]
            if d.get("multiline"):
                out["multiline"] = True
        if d["type"] == "choice":
            out["choices"] = d.get("choice_list") or _lines(d.get("choices"))
        if d["type"] == "date" and d.get("in_year"):
            out["in_year"] = True
        if d["type"] == "file":
            if d.get("extensions"):
                out["extensions"] = d["extensions"]
            if d.get("max_size"):
                out["max_size"] = d["max_size"] * 1024 * 1024
        if d["type"] == "table":
            out["columns"] = columns
            out["max_rows"] = d.get("max_rows") or S.TABLE_MAX_ROWS
        return out

    @staticmethod
    def initial_for(section: str, f: Mapping[str, Any]) -> dict[str, Any]:
        initial = {k: f.get(k) for k in ("key", "label", "label_en", "type", "required", "unit", "unit_en", "decimals",
                                         "prefill", "max_length", "multiline", "max_rows", "help", "help_en", "in_year")}
        if f.get("type") == "number":
            initial.update(min=f.get("min"), max=f.get("max"))
        size = f.get("max_size")
        initial["choices"], initial["choices_en"] = _choice_initial(f)
        initial.update(section=section, original=f.get("key"),
                       extensions=", ".join(str(e) for e in f.get("extensions") or []),
                       max_size=size // (1024 * 1024) if isinstance(size, int) and size >= 1024 * 1024 else None)
        return initial


class RuleForm(forms.Form):
    index = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    expr = forms.CharField(label=_("规则表达式"), max_length=500, help_text=_("如 individual_members >= new_members"))
    message = forms.CharField(label=_("不满足时的提示"), max_length=200, required=False)
    message_en = forms.CharField(label=_("英文提示"), max_length=400, required=False)


OPS = ("add_section", "edit_section", "remove_section", "move_section", "save_field", "remove_field", "move_field",
       "remove_column", "move_column", "add_rule", "edit_rule", "remove_rule", "move_rule")


class OpForm(forms.Form):
    """What a builder button posts besides the form it carries: the operation and its target."""

    op = forms.ChoiceField(choices=[(o, o) for o in OPS],
                           error_messages={"invalid_choice": _("无法识别的操作。"), "required": _("无法识别的操作。")})
    section = forms.CharField(required=False, max_length=60)
    key = forms.CharField(required=False, max_length=60)
    table = forms.CharField(required=False, max_length=60)
    dir = forms.ChoiceField(required=False, choices=[("up", "up"), ("down", "down")])
    index = forms.IntegerField(required=False, min_value=0, max_value=10000)
    # the posted name "prefix" (of the form a button carries); the form metaclass takes the field off the class, so
    # Form.prefix is untouched
    prefix = forms.RegexField(required=False, regex=r"^[a-z0-9_-]{0,80}$", max_length=80)  # type: ignore[assignment]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("JSON 文件"))


def schema_from_upload(upload: Any) -> Any:
    """The JSON of an uploaded form file (a bare schema, or a preset file with its schema under ``schema``)."""
    if upload.size > UPLOAD_MAX_BYTES:
        raise forms.ValidationError(_gettext("表单结构文件不能超过 2 MB。"))
    try:
        data = json.loads(upload.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise forms.ValidationError(_gettext("无法读取该文件：请上传 UTF-8 编码的 JSON 文件。")) from None
    if isinstance(data, dict) and "schema" in data and "sections" not in data:
        data = data["schema"]  # a preset file (code, name, schema) is accepted as well
    return data

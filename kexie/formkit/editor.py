"""The builder page's two halves, for any module that keeps a form schema (reports' versions, a call's application
form, …): ``apply_edit`` turns one posted builder operation into the new schema through the forms of
``formkit.forms`` and the pure edits of ``formkit.builder``; ``context`` gives ``templates/formkit/_builder.html``
what it draws (sections, fields with their edit forms, rules, the problems, and the preview).

The caller owns the record: it checks scope, calls ``apply_edit``, saves the result through its own service
and renders the include with ``context(...)`` under the name ``builder``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kexie.formkit import builder, fill
from kexie.formkit import schema as S
from kexie.formkit.forms import (
    TYPE_INPUTS,
    ColumnForm,
    ColumnFormSet,
    FieldForm,
    OpForm,
    RuleForm,
    SectionForm,
)


def _form_errors(form: Any) -> list[str]:
    out: list[str] = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for e in errors:
            out.append(_("%(f)s：%(e)s") % {"f": label, "e": e} if label else str(e))
    return out


def _formset_errors(formset: Any) -> list[str]:
    out = [str(e) for e in formset.non_form_errors()]
    for number, form in enumerate(formset.forms, start=1):
        out += [_("第 %(n)s 列：%(e)s") % {"n": number, "e": e} for e in _form_errors(form)]
    return out


def _columns(post: Mapping[str, Any], prefix: str) -> list[dict[str, Any]]:
    formset = ColumnFormSet(post, prefix=f"{prefix}-col" if prefix else "col")
    if not formset.is_bound or f"{formset.prefix}-TOTAL_FORMS" not in post:
        raise ValidationError(_("表格的列没有随表单提交，请重新打开页面再试。"))
    if not formset.is_valid():
        raise ValidationError(_formset_errors(formset) or [_("表格的列有误。")])
    return [f.to_column() for f in formset.ordered_forms if isinstance(f, ColumnForm)]


def _find(schema: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    return S.field_map(schema).get(key)


def apply_edit(schema: Mapping[str, Any] | None, post: Mapping[str, Any], *,
               prefill: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The schema after the operation in ``post``; ``ValidationError`` (Chinese messages) and nothing changed when
    the input or the result is wrong."""
    names = list(prefill or {})
    op_form = OpForm(post)
    if not op_form.is_valid():
        raise ValidationError(_form_errors(op_form))
    d = op_form.cleaned_data
    op, prefix = d["op"], d.get("prefix") or ""
    if op in ("add_section", "edit_section"):
        section_form = SectionForm(post, prefix=prefix or "s")
        if not section_form.is_valid():
            raise ValidationError(_form_errors(section_form))
        s = section_form.cleaned_data
        if op == "add_section":
            return builder.add_section(schema, s["key"], s["title"], title_en=s.get("title_en") or "", prefill=names)
        return builder.edit_section(schema, s["section"], title=s["title"], new_key=s["key"],
                                    title_en=s.get("title_en") or "", prefill=names)
    if op == "remove_section":
        return builder.delete_section(schema, d["section"], prefill=names)
    if op == "move_section":
        return builder.move_section(schema, d["section"], d.get("dir") or "up", prefill=names)
    if op == "save_field":
        form = FieldForm(post, prefix=prefix or None, prefill=prefill)
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        original = form.cleaned_data.get("original") or None
        columns = _columns(post, prefix) if form.cleaned_data["type"] == "table" else []
        field = form.to_field(columns, _find(schema or {}, original) if original else None)
        return builder.save_field(schema, form.cleaned_data["section"], field, original=original, prefill=names)
    if op == "remove_field":
        return builder.delete_field(schema, d["key"], prefill=names)
    if op == "move_field":
        return builder.move_field(schema, d["key"], d.get("dir") or "up", prefill=names)
    if op == "remove_column":
        return builder.delete_column(schema, d["table"], d["key"], prefill=names)
    if op == "move_column":
        return builder.move_column(schema, d["table"], d["key"], d.get("dir") or "up", prefill=names)
    if op in ("add_rule", "edit_rule"):
        rule_form = RuleForm(post, prefix=prefix or "r")
        if not rule_form.is_valid():
            raise ValidationError(_form_errors(rule_form))
        r = rule_form.cleaned_data
        if op == "add_rule":
            return builder.add_rule(schema, r["expr"], r["message"], message_en=r.get("message_en") or "",
                                    prefill=names)
        if r.get("index") is None:
            raise ValidationError(_("没有这条规则。"))
        return builder.edit_rule(schema, r["index"], r["expr"], r["message"], message_en=r.get("message_en") or "",
                                 prefill=names)
    if d.get("index") is None:
        raise ValidationError(_("没有这条规则。"))
    if op == "remove_rule":
        return builder.delete_rule(schema, d["index"], prefill=names)
    return builder.move_rule(schema, d["index"], d.get("dir") or "up", prefill=names)


def _inputs(form: FieldForm | None) -> list[tuple[Any, str]]:
    """The visible inputs of a field form with the field types they apply to (empty: every type)."""
    if form is None:
        return []
    return [(form[name], " ".join(TYPE_INPUTS.get(name, ()))) for name, f in form.fields.items()
            if not f.widget.is_hidden]


def _column_formset(prefix: str, columns: list[Any] | None = None) -> Any:
    return ColumnFormSet(prefix=f"{prefix}-col",
                         initial=[ColumnForm.initial_for(c) for c in columns or [] if isinstance(c, dict)])


def context(schema: Mapping[str, Any] | None, *, edit_url: str, editable: bool,
            prefill: Mapping[str, Any] | None = None, edit_problems: list[str] | None = None,
            file_url: str = "") -> dict[str, Any]:
    """What ``formkit/_builder.html`` draws, passed to it as ``builder``."""
    schema = schema or builder.empty()
    type_labels = dict(S.TYPE_CHOICES)
    sections = []
    for s in S.sections(schema):
        skey = str(s.get("key"))
        fields = []
        for f in s.get("fields") or []:
            if not isinstance(f, dict):
                continue
            prefix = f"e-{f.get('key')}"
            form = FieldForm(initial=FieldForm.initial_for(skey, f), prefix=prefix, prefill=prefill) if editable else None
            fields.append({
                "f": f, "type_label": type_labels.get(str(f.get("type")), f.get("type")), "prefix": prefix,
                "choices": "/".join(S.choice_values(f)),
                "form": form, "inputs": _inputs(form),
                "columns": _column_formset(prefix, f.get("columns")) if editable else None,
            })
        new_field = FieldForm(initial={"section": skey, "type": "number"}, prefix=f"n-{skey}", prefill=prefill) \
            if editable else None
        sections.append({
            "key": skey, "title": s.get("title"), "fields": fields,
            "title_shown": S.title_of(s),
            "form": SectionForm(initial={"section": skey, "key": skey, "title": s.get("title"),
                                         "title_en": s.get("title_en")}, prefix=f"es-{skey}") if editable else None,
            "new_field": new_field, "new_inputs": _inputs(new_field), "new_prefix": f"n-{skey}",
            "new_columns": _column_formset(f"n-{skey}") if editable else None,
        })
    rules = [{"index": i, "expr": r.get("expr"), "message": S.message_of(r),
              "form": RuleForm(initial={"index": i, "expr": r.get("expr"), "message": r.get("message"),
                                        "message_en": r.get("message_en")}, prefix=f"er-{i}") if editable else None}
             for i, r in enumerate(S.rules(schema))]
    return {
        "edit_url": edit_url, "editable": editable, "sections": sections, "rules": rules,
        "section_form": SectionForm(prefix="s") if editable else None,
        "rule_form": RuleForm(prefix="r") if editable else None,
        "figure_keys": S.figure_keys(schema), "problems": S.check_schema(dict(schema), prefill=list(prefill or {})),
        "edit_problems": edit_problems or [], "preview": fill.views(schema, {}, {}), "type_inputs": TYPE_INPUTS,
        "file_url": file_url,
    }

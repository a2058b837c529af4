"""The visual builder's edits, as pure functions over a schema dict (表单设计器).

Each function takes a schema, returns a new one (the argument is never changed) and checks the result with
``schema.check_schema``: an edit that would leave a problem the schema did not have before — a duplicate key, a
table without columns, a rule naming a field that was removed — raises ``ValidationError`` with the Chinese
messages, and nothing changes. Problems the schema already had (an old upload) do not block edits that fix them.

``prefill`` is what the caller lets number fields be pre-filled from (reports: the registry metrics).
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kexie.formkit import schema as S

Schema = dict[str, Any]
UP, DOWN = "up", "down"


def empty() -> Schema:
    return {"sections": [], "rules": []}


def _copy(schema: Mapping[str, Any] | None) -> Schema:
    out: Schema = copy.deepcopy(dict(schema or {}))
    if not isinstance(out.get("sections"), list):
        out["sections"] = []
    if not isinstance(out.get("rules"), list):
        out["rules"] = []
    return out


def _checked(before: Mapping[str, Any] | None, after: Schema, prefill: Collection[str]) -> Schema:
    old = set(S.check_schema(dict(before or empty()), prefill=prefill))
    new = [p for p in S.check_schema(after, prefill=prefill) if p not in old]
    if new:
        raise ValidationError(new)
    return after


def _move(items: list[Any], index: int, direction: str) -> None:
    if direction not in (UP, DOWN):
        raise ValidationError(_("移动方向无效。"))
    target = index - 1 if direction == UP else index + 1
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]


def _section(schema: Schema, key: str) -> dict[str, Any]:
    for section in schema["sections"]:
        if isinstance(section, dict) and section.get("key") == key:
            if not isinstance(section.get("fields"), list):
                section["fields"] = []
            return section
    raise ValidationError(_("没有这个节。"))


def _locate(schema: Schema, key: str) -> tuple[list[Any], int]:
    """The field list holding the field ``key`` and its index there."""
    for section in schema["sections"]:
        fields = section.get("fields") if isinstance(section, dict) else None
        if isinstance(fields, list):
            for i, f in enumerate(fields):
                if isinstance(f, dict) and f.get("key") == key:
                    return fields, i
    raise ValidationError(_("没有这个字段。"))


def _table(schema: Schema, key: str) -> dict[str, Any]:
    fields, i = _locate(schema, key)
    table = fields[i]
    if table.get("type") != "table":
        raise ValidationError(_("字段“%(k)s”不是表格。") % {"k": key})
    if not isinstance(table.get("columns"), list):
        table["columns"] = []
    result: dict[str, Any] = table
    return result


def _column_index(table: Mapping[str, Any], key: str) -> int:
    for i, c in enumerate(table["columns"]):
        if isinstance(c, dict) and c.get("key") == key:
            return i
    raise ValidationError(_("表格“%(t)s”没有列“%(k)s”。") % {"t": S.label_of(table), "k": key})


def _rule_index(schema: Schema, index: int) -> int:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(schema["rules"]):
        raise ValidationError(_("没有这条规则。"))
    return index


# ---- sections -----------------------------------------------------------------------------------
def add_section(schema: Mapping[str, Any] | None, key: str, title: str, *, title_en: str = "",
                prefill: Collection[str] = ()) -> Schema:
    out = _copy(schema)
    section: dict[str, Any] = {"key": key, "title": title, "fields": []}
    if title_en.strip():
        section["title_en"] = title_en.strip()
    out["sections"].append(section)
    return _checked(schema, out, prefill)


def edit_section(schema: Mapping[str, Any] | None, key: str, *, title: str, new_key: str | None = None,
                 title_en: str | None = None, prefill: Collection[str] = ()) -> Schema:
    """Rename a section; ``title_en`` None keeps its English title, "" removes it."""
    out = _copy(schema)
    section = _section(out, key)
    section["title"] = title
    if title_en is not None:
        if title_en.strip():
            section["title_en"] = title_en.strip()
        else:
            section.pop("title_en", None)
    if new_key:
        section["key"] = new_key
    return _checked(schema, out, prefill)


def delete_section(schema: Mapping[str, Any] | None, key: str, *, prefill: Collection[str] = ()) -> Schema:
    out = _copy(schema)
    out["sections"].remove(_section(out, key))
    return _checked(schema, out, prefill)


def move_section(schema: Mapping[str, Any] | None, key: str, direction: str, *,
                 prefill: Collection[str] = ()) -> Schema:
    out = _copy(schema)
    _move(out["sections"], out["sections"].index(_section(out, key)), direction)
    return _checked(schema, out, prefill)


# ---- fields -------------------------------------------------------------------------------------
def save_field(schema: Mapping[str, Any] | None, section: str, field: Mapping[str, Any], *,
               original: str | None = None, prefill: Collection[str] = ()) -> Schema:
    """Add ``field`` at the end of ``section``, or replace the field ``original`` (in place when it stays in its
    section; moved to the end of ``section`` otherwise)."""
    out = _copy(schema)
    target = _section(out, section)
    new = copy.deepcopy(dict(field))
    if original:
        fields, i = _locate(out, original)
        if fields is target["fields"]:
            fields[i] = new
        else:
            del fields[i]
            target["fields"].append(new)
    else:
        target["fields"].append(new)
    return _checked(schema, out, prefill)


def delete_field(schema: Mapping[str, Any] | None, key: str, *, prefill: Collection[str] = ()) -> Schema:
    out = _copy(schema)
    fields, i = _locate(out, key)
    del fields[i]
    return _checked(schema, out, prefill)


def move_field(schema: Mapping[str, Any] | None, key: str, direction: str, *,
               prefill: Collection[str] = ()) -> Schema:
    out = _copy(schema)
    fields, i = _locate(out, key)
    _move(fields, i, direction)
    return _checked(schema, out, prefill)


# ---- table columns ------------------------------------------------------------------------------
def add_column(schema: Mapping[str, Any] | None, table: str, column: Mapping[str, Any], *,
               prefill: Collection[str] = ()) -> Schema:
    out = _copy(schema)
    _table(out, table)["columns"].append(copy.deepcopy(dict(column)))
    return _checked(schema, out, prefill)


def edit_column(schema: Mapping[str, Any] | None, table: str, key: str, column: Mapping[str, Any], *,
                prefill: Collection[str] = ()) -> Schema:
    out = _copy(schema)
    t = _table(out, table)
    t["columns"][_column_index(t, key)] = copy.deepcopy(dict(column))
    return _checked(schema, out, prefill)


def delete_column(schema: Mapping[str, Any] | None, table: str, key: str, *,
                  prefill: Collection[str] = ()) -> Schema:
    out = _copy(schema)
    t = _table(out, table)
    del t["columns"][_column_index(t, key)]
    return _checked(schema, out, prefill)


def move_column(schema: Mapping[str, Any] | None, table: str, key: str, direction: str, *,
                prefill: Collection[str] = ()) -> Schema:
    out = _copy(schema)
    t = _table(out, table)
    _move(t["columns"], _column_index(t, key), direction)
    return _checked(schema, out, prefill)


# ---- rules --------------------------------------------------------------------------------------
def _rule(expr: str, message: str, message_en: str = "") -> dict[str, Any]:
    rule = {"expr": expr.strip(), "message": message.strip()}
    if message_en.strip():
        rule["message_en"] = message_en.strip()
    return rule


def add_rule(schema: Mapping[str, Any] | None, expr: str, message: str = "", *, message_en: str = "",
             prefill: Collection[str] = ()) -> Schema:
    out = _copy(schema)
    out["rules"].append(_rule(expr, message, message_en))
    return _checked(schema, out, prefill)


def edit_rule(schema: Mapping[str, Any] | None, index: int, expr: str, message: str = "", *, message_en: str = "",
              prefill: Collection[str] = ()) -> Schema:
    out = _copy(schema)
    out["rules"][_rule_index(out, index)] = _rule(expr, message, message_en)
    return _checked(schema, out, prefill)


def delete_rule(schema: Mapping[str, Any] | None, index: int, *, prefill: Collection[str] = ()) -> Schema:
    out = _copy(schema)
    del out["rules"][_rule_index(out, index)]
    return _checked(schema, out, prefill)


def move_rule(schema: Mapping[str, Any] | None, index: int, direction: str, *,
              prefill: Collection[str] = ()) -> Schema:
    out = _copy(schema)
    _move(out["rules"], _rule_index(out, index), direction)
    return _checked(schema, out, prefill)

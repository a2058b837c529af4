"""The fill and review pages' side of a schema: POSTed inputs → raw values for ``schema.clean``,
and schema + data + errors → what the templates render (one structure per section and field).

Input names: ``f-<key>`` for a field, ``t-<table>-<row>-<column>`` for a table cell (row numbers are
whatever the page sent; order is kept, gaps from removed rows are fine), ``file-<key>`` for an upload
and ``clear-<key>`` to remove a stored attachment.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from kexie.formkit import schema as S

CELL_RE = re.compile(r"^t-([a-z][a-z0-9_]*)-(\d{1,4})-([a-z][a-z0-9_]*)$")


def raw_from_post(schema: Mapping[str, Any], post: Mapping[str, Any]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    tables: dict[str, dict[int, dict[str, Any]]] = {}
    fmap = S.field_map(schema)
    for name in post:
        m = CELL_RE.match(name)
        if m and m.group(1) in fmap and fmap[m.group(1)].get("type") == "table":
            tables.setdefault(m.group(1), {}).setdefault(int(m.group(2)), {})[m.group(3)] = post.get(name)
    for key, f in fmap.items():
        if f.get("type") == "table":
            raw[key] = [row for _, row in sorted(tables.get(key, {}).items())]
        elif f.get("type") != "file" and f"f-{key}" in post:
            raw[key] = post.get(f"f-{key}")
    return raw


def store_uploads(schema: Mapping[str, Any], prefix: str, post: Mapping[str, Any], files: Mapping[str, Any],
                  raw: dict[str, Any], keep: Mapping[str, Any] | None = None) -> dict[str, list[str]]:
    """Attachments of a form (reports, calls, projects): each upload is checked against its field's limits, then
    stored under ``prefix/``; a ticked "clear" empties the field; otherwise the value in ``keep`` (the saved data)
    stays. Errors by field key."""
    errors: dict[str, list[str]] = {}
    for key, f in S.field_map(schema).items():
        if f.get("type") != "file":
            continue
        upload = files.get(f"file-{key}")
        if upload is not None:
            try:
                S.check_file(f, upload.name, upload.size)
            except ValueError as exc:
                errors.setdefault(key, []).append(str(exc))
                continue
            ext = upload.name.rsplit(".", 1)[-1].lower()
            path = default_storage.save(f"{prefix}/{key}-{uuid.uuid4().hex[:12]}.{ext}", upload)
            raw[key] = {"name": upload.name[:200], "path": path, "size": upload.size}
        elif post.get(f"clear-{key}"):
            raw[key] = None
        elif keep is not None and keep.get(key):
            raw[key] = keep[key]
    return errors


def attachment_response(schema: Mapping[str, Any], data: Mapping[str, Any] | None, key: str,
                        prefix: str) -> FileResponse:
    """The stored attachment of a file field, if it lies under ``prefix/``; 404 otherwise."""
    value = (data or {}).get(key)
    f = S.field_map(schema).get(key)
    if not f or f.get("type") != "file" or not isinstance(value, dict) or not value.get("path"):
        raise Http404(_("没有这个附件。"))
    path = str(value["path"])
    if not path.startswith(f"{prefix}/") or not default_storage.exists(path):
        raise Http404(_("没有这个附件。"))
    return FileResponse(default_storage.open(path, "rb"), as_attachment=True, filename=str(value.get("name")))


@dataclass
class Cell:
    key: str
    label: str
    type: str
    value: str
    choices: list[str]
    required: bool
    unit: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)  # (stored value, label in the interface language)
    shown: str = ""  # the value as read on review pages: a choice's label in the interface language

    @property
    def label_unit(self) -> str:
        return S.with_unit(self.label, self.unit)


@dataclass
class FieldView:
    key: str
    label: str
    type: str
    value: Any
    required: bool = False
    unit: str = ""
    help: str = ""
    choices: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    min: Any = None
    max: Any = None
    step: str = "1"
    multiline: bool = False
    columns: list[Cell] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    prefill: str = ""
    previous: str = ""  # last year's figure, shown beside this year's (reports)
    warnings: list[str] = field(default_factory=list)  # checks for the filer that do not block
    options: list[tuple[str, str]] = field(default_factory=list)  # (stored value, label in the interface language)
    shown: str = ""  # the value as read on review pages: a choice's label in the interface language

    @property
    def label_unit(self) -> str:
        return S.with_unit(self.label, self.unit)


@dataclass
class SectionView:
    key: str
    title: str
    fields: list[FieldView]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _shown(f: Mapping[str, Any], value: str) -> str:
    return S.choice_label(f, value) if value and f.get("type") == "choice" else value


def _cells(columns: list[dict[str, Any]], row: Mapping[str, Any]) -> list[Cell]:
    return [Cell(c["key"], S.label_of(c), str(c.get("type")), _text(row.get(c["key"])),
                 S.choice_values(c), bool(c.get("required")), S.unit_of(c), S.choice_options(c),
                 _shown(c, _text(row.get(c["key"]))))
            for c in columns]


def views(schema: Mapping[str, Any], data: Mapping[str, Any], errors: Mapping[str, list[str]] | None = None,
          extra_rows: Mapping[str, int] | None = None, *, previous: Mapping[str, str] | None = None,
          warnings: Mapping[str, list[str]] | None = None) -> list[SectionView]:
    errors, previous, warnings = errors or {}, previous or {}, warnings or {}
    out: list[SectionView] = []
    for section in S.sections(schema):
        fvs: list[FieldView] = []
        for f in section.get("fields") or []:
            key, ftype = f["key"], str(f.get("type"))
            value = data.get(key)
            decimals = int(f.get("decimals") or 0)
            fv = FieldView(key, S.label_of(f), ftype, value if ftype == "file" else _text(value),
                           bool(f.get("required")), S.unit_of(f), S.help_of(f),
                           S.choice_values(f), list(errors.get(key, [])), f.get("min"),
                           f.get("max"), "1" if not decimals else "0." + "0" * (decimals - 1) + "1",
                           bool(f.get("multiline")), prefill=str(f.get("prefill") or ""),
                           previous=previous.get(key, ""), warnings=list(warnings.get(key, [])),
                           options=S.choice_options(f), shown=_shown(f, _text(value)) if ftype != "file" else "")
            if ftype == "table":
                columns = [c for c in f.get("columns") or [] if isinstance(c, dict)]
                fv.columns = _cells(columns, {})
                rows = value if isinstance(value, list) else []
                fv.rows = [_cells(columns, r if isinstance(r, dict) else {}) for r in rows]
                for _ in range((extra_rows or {}).get(key, 0 if rows else 1)):
                    fv.rows.append(_cells(columns, {}))
                fv.value = ""
            fvs.append(fv)
        out.append(SectionView(str(section.get("key")), S.title_of(section), fvs))
    return out


def table_view(schema: Mapping[str, Any], key: str, rows: list[dict[str, Any]]) -> FieldView | None:
    for section in views(schema, {key: rows}, extra_rows={key: 0}):
        for fv in section.fields:
            if fv.key == key and fv.type == "table":
                return fv
    return None


class TableFull(Exception):
    """Adding a row would pass the table's ``max_rows``; the message is for the user."""


def edit_table(schema: Mapping[str, Any], post: Mapping[str, Any]) -> FieldView | None:
    """The htmx row editor shared by every form page: the table field named by ``post["table"]``, re-read
    from the posted cells with one row added (``op=add``) or removed (``op=remove``, ``row=i``). None for a
    field that is not a table of the schema; ``TableFull`` at the row limit."""
    key = str(post.get("table", ""))
    f = S.field_map(schema).get(key)
    if f is None or f.get("type") != "table":
        return None
    rows = raw_from_post(schema, post).get(key, [])
    if post.get("op") == "remove":
        try:
            del rows[int(str(post.get("row", "")))]
        except (ValueError, IndexError):
            pass
    else:
        limit = int(f.get("max_rows") or S.TABLE_MAX_ROWS)
        if len(rows) >= limit:
            raise TableFull(_("“%(f)s”最多 %(n)s 行。") % {"f": S.label_of(f), "n": limit})
        rows.append({})
    return table_view(schema, key, rows)


def rule_errors(errors: Mapping[str, list[str]]) -> list[str]:
    return list(errors.get(S.ALL, []))


def status_message(ok: bool) -> str:
    return _("校验通过，可以提交。") if ok else _("校验未通过，请按提示修改。")

"""The organisations import (组织, SPEC §2.4): its columns, and matching by code and writing the tree —
materialised paths reserved in file order so that a parent created a few rows earlier takes children —
set-based (``COPY`` / ``UPDATE … FROM``). Declared by the orgs module (``kexie/orgs/apps.py``); the shared
pipeline is ``kexie.imports.apply``."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kexie.core.bulk import copy_rows, reserve_ids
from kexie.core.scope import path_in_scope
from kexie.imports.apply import (
    Importer,
    ModelRows,
    _date_value,
    _verbose,
    col_in,
    fetch_rows,
    jsonable,
    update_rows,
)
from kexie.imports.models import Kind, Mode
from kexie.imports.spec import DATE_HELP, LEVELS, ORG_REF_HELP, ORG_STATUSES, Column, Spec
from kexie.imports.validate import CellError, OrgRef
from kexie.orgs.models import Organisation

ORGS = Spec(
    Kind.ORGS, "组织",
    (
        Column("code", "组织编码", "code", required=True, variants=("编码", "组织代码", "机构编码"), max_length=40,
               help=gettext_lazy("必填，平台内唯一；已有的编码表示更新该组织。"), example="C-0101-X01"),
        Column("name", "名称", required=True, variants=("组织名称", "组织全称", "单位名称", "机构名称"), max_length=120,
               example="某某县科学技术协会"),
        Column("short_name", "简称", variants=("组织简称",), max_length=60, example="某某县科协"),
        Column("kind", "组织类型", "org_kind", required=True, variants=("类型", "组织类别"),
               help=gettext_lazy("平台中的组织类型名称或代码，如“县级科协”“学会”。"), example="县级科协"),
        Column("level", "层级", "choice", required=True, choices=LEVELS, variants=("级别", "组织层级"),
               help=gettext_lazy("省级、市级、县级、乡镇级或村（社区）级。"), example="县级"),
        Column("parent", "上级组织", "parent", variants=("上级组织编码", "上级单位", "上级"),
               help=format_lazy("{}{}", ORG_REF_HELP, gettext_lazy("上级组织也在本文件中时，须排在下级之前。")), example=""),
        Column("region", "所在地区", "region", variants=("行政区划", "行政区划代码", "地区", "区划代码"),
               help=gettext_lazy("GB/T 2260 行政区划代码或名称。"), example=""),
        Column("uscc", "统一社会信用代码", "uscc", variants=("信用代码", "社会信用代码"),
               help=gettext_lazy("18位，校验位按 GB 32100 核对；可留空。"), example=""),
        Column("status", "状态", "choice", choices=ORG_STATUSES, help=gettext_lazy("正常、筹建中、暂停活动、已注销或已撤销。"),
               example="正常"),
        Column("founded_on", "成立日期", "past_date", help=DATE_HELP, example="2001-06-18"),
        Column("supervisor", "业务主管单位", variants=("主管单位",), max_length=120, example=""),
        Column("contact_name", "联系人", max_length=40, example="李娜"),
        Column("contact_phone", "联系电话", "phone", variants=("联系人电话", "电话"), max_length=30,
               example="0571-87654321"),
        Column("email", "电子邮箱", "email", variants=("邮箱", "email"), max_length=254, example=""),
        Column("address", "地址", variants=("通讯地址", "办公地址"), max_length=200, example=""),
        Column("website", "网站", "url", variants=("网址", "网站地址"), max_length=200, example=""),
        Column("note", "备注", max_length=2000, example=""),
    ),
    notes=(gettext_lazy("以组织编码识别已有组织；导入不能迁移已有组织的上级，请使用组织迁移功能。"),),
)

ORG_COLUMNS = ("name", "short_name", "kind_id", "level", "region_id", "uscc", "status", "founded_on", "supervisor",
               "contact_name", "contact_phone", "email", "address", "website", "note")
ORG_FIELDS = {"name": "name", "short_name": "short_name", "kind": "kind_id", "level": "level",
              "region": "region_id", "uscc": "uscc", "status": "status", "founded_on": "founded_on",
              "supervisor": "supervisor", "contact_name": "contact_name", "contact_phone": "contact_phone",
              "email": "email", "address": "address", "website": "website", "note": "note"}


class OrgsImporter(Importer):
    kind = Kind.ORGS
    table = "orgs_organisation"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.model_rows = ModelRows(Organisation, self.now)
        self.next_step: dict[str, int] = {}
        self.new_children: dict[str, int] = defaultdict(int)

    def check(self, row: int, v: dict[str, Any]) -> bool:
        ok = not self.duplicate(row, ("code", v["code"].upper()), self.parser.header("code"), _("组织编码"))
        if v.get("uscc") and self.duplicate(row, ("uscc", v["uscc"]), self.parser.header("uscc"), _("统一社会信用代码")):
            ok = False
        if "kind" in v:
            v["kind"], v["_category"] = v["kind"]
        return ok

    def _step_after(self, parent_path: str, depth: int) -> int:
        if parent_path not in self.next_step:
            last = (Organisation.objects.filter(path__startswith=parent_path, depth=depth + 1)
                    .order_by("-path").values_list("path", flat=True).first())
            self.next_step[parent_path] = Organisation._str2int(last[-Organisation.steplen:]) if last else 0
        self.next_step[parent_path] += 1
        return self.next_step[parent_path]

    def _parent(self, row: int, v: dict[str, Any]) -> OrgRef | None:
        """Resolved here, in file order, so that a parent created a few rows earlier is found."""
        text = v.get("parent")
        if not text:
            t = self.ctx.target
            return OrgRef(t.pk, t.code, t.name, t.path, t.depth, t.kind.category)
        try:
            return self.ctx.org(text, "change")
        except CellError as exc:
            self.ctx.error(row, self.parser.header("parent"), str(exc))
            return None

    def apply(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        ctx, mode = self.ctx, self.ctx.mode
        sql, params = col_in("code", [v["code"] for _, v in rows])
        cols = ("id", "code", "path", "depth", "deleted_at", *ORG_COLUMNS)
        existing = {r[1].upper(): dict(zip(cols, r, strict=True))
                    for r in fetch_rows("orgs_organisation", cols, sql, params)}
        usccs = [v["uscc"] for _, v in rows if v.get("uscc")]
        taken_uscc: dict[str, str] = {}
        if usccs:
            sql, params = col_in("uscc", usccs)
            taken_uscc = dict(fetch_rows("orgs_organisation", ("uscc", "code"), sql, params))
        code_col = self.parser.header("code")
        creates, updates = [], []
        for row, v in rows:
            e = existing.get(v["code"].upper())
            other = taken_uscc.get(v.get("uscc", ""))
            if other is not None and other.upper() != v["code"].upper():
                ctx.error(row, self.parser.header("uscc"), _("统一社会信用代码已被组织“%(c)s”使用。") % {"c": other})
                continue
            parent = self._parent(row, v)
            if parent is None:
                continue
            if e is None:
                step = self._step_after(parent.path, parent.depth)
                path = Organisation._get_path(parent.path + "0" * Organisation.steplen, parent.depth + 1, step)
                creates.append((row, v, parent, path))
                ctx.add_org(OrgRef(0, v["code"], v["name"], path, parent.depth + 1, v.get("_category", "")),
                            v.get("short_name", ""))
                continue
            if e["deleted_at"] is not None:
                ctx.error(row, code_col, _("组织编码“%(c)s”属于已删除的组织，请先在平台中恢复该组织。") % {"c": v["code"]})
                continue
            if not path_in_scope(e["path"], ctx.change_paths):
                ctx.error(row, code_col, _("组织编码“%(c)s”已被您管理范围以外的组织使用。") % {"c": v["code"]})
                continue
            if not e["path"].startswith(ctx.target.path):
                ctx.error(row, code_col, _("组织“%(c)s”不在本次导入的目标组织“%(t)s”之下。")
                          % {"c": v["code"], "t": ctx.target.name})
                continue
            if v.get("parent") and parent.path != e["path"][:-Organisation.steplen]:
                ctx.error(row, self.parser.header("parent"), _("导入不能改变已有组织的上级组织，请使用组织迁移功能。"))
                continue
            if mode == Mode.SKIP:
                self.counts["skipped"] += 1
                self.sample("skipped", row, v["name"])
                continue
            new = {}
            for key, col in ORG_FIELDS.items():
                if key not in v:
                    continue
                old = _date_value(e[col]) if col == "founded_on" else e[col]
                if mode == Mode.FILL and old not in ("", None):
                    continue
                if old != v[key]:
                    new[col] = v[key]
            if not new:
                self.counts["unchanged"] += 1
                self.sample("skipped", row, v["name"])
                continue
            updates.append((row, e, new))
        self._write(creates, updates)

    def _write(self, creates: list[tuple[int, dict[str, Any], OrgRef, str]],
               updates: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> None:
        self.counts["created"] += len(creates)
        self.counts["updated"] += len(updates)
        for row, v, _p, _path in creates:
            self.sample("created", row, v["name"])
        for row, e, new in updates:
            self.sample("updated", row, e["name"], [_verbose(Organisation, c) for c in new])
        if not self.writing:
            return
        ids = reserve_ids("orgs_organisation", len(creates))
        rows = []
        for pk, (_row, v, parent, path) in zip(ids, creates, strict=True):
            values = {"id": pk, "path": path, "depth": parent.depth + 1, "numchild": 0, "code": v["code"],
                      **{col: v[key] for key, col in ORG_FIELDS.items() if key in v}}
            rows.append(self.model_rows.row(values))
            self.new_children[parent.path] += 1
            self.ctx.add_org(OrgRef(pk, v["code"], v["name"], path, parent.depth + 1, v.get("_category", "")),
                             v.get("short_name", ""))
        self.w.submit(copy_rows, "orgs_organisation", self.model_rows.columns, rows)
        self.created("orgs_organisation", ids)
        if updates:
            upd = []
            for row, e, new in updates:
                merged = {**e, **new}
                upd.append((e["id"], *(merged[c] for c in ORG_COLUMNS), self.model_rows.now_db))
                self.record_change("orgs_organisation", e["id"], row, {c: jsonable(e[c]) for c in new},
                                   {c: jsonable(new[c]) for c in new})
                self.audit(Organisation, e["id"], merged["name"], e["path"],
                           {_verbose(Organisation, c): jsonable(e[c]) for c in new},
                           {_verbose(Organisation, c): jsonable(new[c]) for c in new})
            self.w.submit(update_rows, "orgs_organisation", (*ORG_COLUMNS, "updated_at"), upd)

    def finish(self) -> None:
        super().finish()
        if self.writing:
            self.w.submit(add_children, dict(self.new_children))
        self.new_children.clear()


def add_children(counts: dict[str, int]) -> None:
    for path, n in counts.items():
        Organisation.objects.filter(path=path).update(numchild=models.F("numchild") + n)

"""The membership imports (个人会员 and 单位会员, SPEC §2.3–2.4): their columns, and matching memberships by
person (or member organisation) and society, statuses computed by ``members.status``, set-based writes
(``COPY`` / ``UPDATE … FROM``). The individual import registers the people it does not find (``PersonWriter``
of the people kind). Declared by the members module (``kexie/members/apps.py``); the shared pipeline is
``kexie.imports.apply``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kexie.core.bulk import copy_rows, reserve_ids
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
from kexie.imports.kinds.people import PERSON_ID, PERSON_NAME, PERSON_PHONE, PersonWriter, person_identity
from kexie.imports.models import Kind, Mode
from kexie.imports.spec import CATEGORIES, DATE_HELP, Column, Spec
from kexie.imports.validate import OrgRef
from kexie.members.models import EventKind, GroupMembership, Membership, MembershipEvent, Status
from kexie.members.status import status_for

SOCIETY_REF_HELP = gettext_lazy("学会或其分支机构的组织编码或全称；留空时为导入时选定的组织。")

MEMBERSHIPS = Spec(
    Kind.MEMBERSHIPS, "个人会员",
    (
        PERSON_NAME,
        PERSON_ID,
        PERSON_PHONE,
        Column("society", "学会", "society", variants=("所属学会", "学会名称", "学会编码", "入会学会"),
               help=SOCIETY_REF_HELP, example=""),
        Column("category", "会员类别", "choice", required=True, choices=CATEGORIES, variants=("类别", "会员类型"),
               help=gettext_lazy("学生会员、会员、高级会员、资深会员或荣誉会员。"), example="会员"),
        Column("number", "会员号", "code", variants=("会员编号", "会员证号"), max_length=40, example="M2023-0001"),
        Column("applied_on", "申请日期", "past_date", help=DATE_HELP, example=""),
        Column("joined_on", "入会日期", "past_date", variants=("入会时间",), help=DATE_HELP, example="2023-05-01"),
        Column("dues_paid_through", "会费缴至", "date", variants=("会费缴至日期", "缴费截止日期", "会费有效期"),
               help=DATE_HELP, example="2025-12-31"),
        Column("note", "备注", max_length=200, example=""),
    ),
    notes=(
        gettext_lazy("以身份证号（或姓名+手机号）识别人员；平台中没有的人员将登记在该学会名下。"),
        gettext_lazy("同一人在同一学会已有在册会籍时视为已有记录；会员状态按入会日期和会费缴至日期自动计算。"),
    ),
)

GROUPS = Spec(
    Kind.GROUPS, "单位会员",
    (
        Column("member", "会员单位", "org_view", required=True, variants=("单位", "单位名称", "会员单位编码"),
               help=gettext_lazy("已在平台登记的单位的组织编码或全称。"), example=""),
        Column("society", "学会", "society", variants=("所属学会", "学会名称", "学会编码"), help=SOCIETY_REF_HELP,
               example=""),
        Column("number", "会员号", "code", variants=("会员编号",), max_length=40, example=""),
        Column("joined_on", "入会日期", "past_date", help=DATE_HELP, example="2022-01-01"),
        Column("dues_paid_through", "会费缴至", "date", variants=("会费缴至日期",), help=DATE_HELP, example=""),
        Column("representative", "单位代表", variants=("代表", "联系人"), max_length=40, example=""),
    ),
    notes=(gettext_lazy("同一单位在同一学会已有在册会籍时视为已有记录。"),),
)


MEMBERSHIP_COLUMNS = ("category", "number", "status", "applied_on", "joined_on", "dues_paid_through", "note")


class MembershipsImporter(Importer):
    kind = Kind.MEMBERSHIPS
    table = "members_membership"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = PersonWriter(self, remember=True)
        self.model_rows = ModelRows(Membership, self.now)
        self.events = ModelRows(MembershipEvent, self.now)

    def society(self, v: dict[str, Any]) -> OrgRef | None:
        return v.get("society") or self.target_society()

    def check(self, row: int, v: dict[str, Any]) -> bool:
        if not person_identity(self.ctx, self.parser, row, v):
            return False
        soc = self.society(v)
        if soc is None:
            self.ctx.error(row, self.parser.header("society"),
                           _("请填写学会：本次导入的目标组织不是学会，每行须注明所属学会。"))
            return False
        v["society"] = soc
        person_key = v.get("id_hash") or ("np", v["name"], v.get("phone_hash", ""))
        if not v.get("id_hash") and not v.get("phone_hash"):
            self.ctx.error(row, self.parser.header("id_number"), _("请填写身份证号或手机号，以便识别人员。"))
            return False
        col = self.parser.header("id_number") if v.get("id_hash") else self.parser.header("phone")
        if self.duplicate(row, ("m", soc.id, person_key), col, _("人员（同一学会）")):
            return False
        if v.get("number") and self.duplicate(row, ("n", soc.id, v["number"]), self.parser.header("number"),
                                              _("会员号（同一学会）")):
            return False
        return True

    def apply(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        ctx, mode = self.ctx, self.ctx.mode
        found = self.people.match(rows)
        # People first: the ones not on the platform are registered in the society (once, however
        # many societies the file lists them in).
        new_people: list[Any] = []
        first_row: dict[Any, int] = {}
        for row, v in rows:
            if row in found:
                continue
            key = v.get("id_hash") or (v.get("phone_hash"), v["name"])
            if key not in first_row:
                first_row[key] = len(new_people)
                new_people.append((row, v, v["society"]))
            v["_key"] = key
        person_ids = self.people.create(new_people)
        for row, v in rows:
            if row in found:
                v["_person"] = found[row]["id"]
            else:
                v["_person"] = person_ids[first_row[v["_key"]]] if self.writing else None
        # Existing live memberships of these people in these societies, and member numbers in use.
        pairs = [(v["_person"], v["society"].id) for _, v in rows if v["_person"] is not None]
        current: dict[tuple[int, int], dict[str, Any]] = {}
        cols = ("id", "person_id", "society_id", "org_path", *MEMBERSHIP_COLUMNS)
        if pairs:
            sql, params = col_in("person_id", sorted({p for p, _ in pairs}))
            for r in fetch_rows("members_membership", cols,
                                f"deleted_at IS NULL AND status NOT IN ('withdrawn', 'expelled', 'rejected') "
                                f"AND {sql}", params):
                d = dict(zip(cols, r, strict=True))
                for c in ("applied_on", "joined_on", "dues_paid_through"):
                    d[c] = _date_value(d[c])
                current[(d["person_id"], d["society_id"])] = d
        numbers = [v["number"] for _, v in rows if v.get("number")]
        taken: dict[tuple[int, str], int] = {}
        if numbers:
            sql, params = col_in("number", numbers)
            taken = {(s, n): p for s, n, p in fetch_rows("members_membership", ("society_id", "number", "person_id"),
                                                           sql, params)}
        creates, updates = [], []
        for row, v in rows:
            soc = v["society"]
            pid = v["_person"]
            holder = taken.get((soc.id, v.get("number", "")))
            if holder is not None and holder != pid:
                ctx.error(row, self.parser.header("number"), _("会员号“%(n)s”在该学会已被其他会员使用。")
                          % {"n": v["number"]})
                continue
            e = current.get((pid, soc.id)) if pid is not None else None
            if e is None:
                creates.append((row, v))
                continue
            if mode == Mode.SKIP:
                self.counts["skipped"] += 1
                self.sample("skipped", row, v["name"])
                continue
            new = {}
            for col in ("category", "number", "applied_on", "joined_on", "dues_paid_through", "note"):
                if col in v and not (mode == Mode.FILL and e[col] not in ("", None)) and e[col] != v[col]:
                    new[col] = v[col]
            merged = {**e, **new}
            status = status_for(joined_on=merged["joined_on"], dues_paid_through=merged["dues_paid_through"],
                                category=merged["category"], current=e["status"], today=ctx.today)
            if status != e["status"]:
                new["status"] = status
            if not new:
                self.counts["unchanged"] += 1
                self.sample("skipped", row, v["name"])
                continue
            updates.append((row, e, new, v["name"]))
        self._write(creates, updates)

    def _write(self, creates: list[tuple[int, dict[str, Any]]],
               updates: list[tuple[int, dict[str, Any], dict[str, Any], str]]) -> None:
        self.counts["created"] += len(creates)
        self.counts["updated"] += len(updates)
        for row, v in creates:
            self.sample("created", row, v["name"])
        for row, _e, new, name in updates:
            self.sample("updated", row, name, [_verbose(Membership, c) for c in new])
        if not self.writing:
            return
        today = self.ctx.today
        ids = reserve_ids("members_membership", len(creates))
        rows, events = [], []
        for pk, (_row, v) in zip(ids, creates, strict=True):
            category = v["category"]
            status = status_for(joined_on=v.get("joined_on"), dues_paid_through=v.get("dues_paid_through"),
                                category=category, current=Status.PENDING, today=today)
            rows.append(self.model_rows.row({
                "id": pk, "person_id": v["_person"], "society_id": v["society"].id, "org_path": v["society"].path,
                "category": category, "number": v.get("number", ""), "status": status,
                "applied_on": v.get("applied_on"), "joined_on": v.get("joined_on"),
                "dues_paid_through": v.get("dues_paid_through"), "note": v.get("note", ""),
            }))
            joined = v.get("joined_on")
            events.append(self.events.row({
                "membership_id": pk, "kind": EventKind.APPROVED if joined else EventKind.APPLIED,
                "category": category, "on": joined or v.get("applied_on") or today, "note": _("批量导入"),
                "actor_id": getattr(self.ctx.user, "pk", None),
            }))
        self.w.submit(copy_rows, "members_membership", self.model_rows.columns, rows)
        id_at = self.events.columns.index("id")
        self.w.submit(copy_rows, "members_membershipevent", [c for c in self.events.columns if c != "id"],
                      [r[:id_at] + r[id_at + 1:] for r in events])
        self.created("members_membership", ids)
        if updates:
            upd = []
            for row, e, new, name in updates:
                merged = {**e, **new}
                upd.append((e["id"], *(merged[c] for c in MEMBERSHIP_COLUMNS), self.model_rows.now_db))
                self.record_change("members_membership", e["id"], row, {c: jsonable(e[c]) for c in new},
                                   {c: jsonable(new[c]) for c in new})
                self.audit(Membership, e["id"], name, e["org_path"],
                           {_verbose(Membership, c): jsonable(e[c]) for c in new},
                           {_verbose(Membership, c): jsonable(new[c]) for c in new})
            self.w.submit(update_rows, "members_membership", (*MEMBERSHIP_COLUMNS, "updated_at"), upd)

    def finish(self) -> None:
        super().finish()
        self.people.finish()


GROUP_COLUMNS = ("number", "status", "joined_on", "dues_paid_through", "representative")


class GroupsImporter(Importer):
    kind = Kind.GROUPS
    table = "members_groupmembership"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.model_rows = ModelRows(GroupMembership, self.now)

    def check(self, row: int, v: dict[str, Any]) -> bool:
        soc = v.get("society") or self.target_society()
        if soc is None:
            self.ctx.error(row, self.parser.header("society"),
                           _("请填写学会：本次导入的目标组织不是学会，每行须注明所属学会。"))
            return False
        v["society"] = soc
        if v["member"].id == soc.id:
            self.ctx.error(row, self.parser.header("member"), _("会员单位不能是学会本身。"))
            return False
        return not self.duplicate(row, ("g", soc.id, v["member"].id), self.parser.header("member"), _("会员单位"))

    def apply(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        mode = self.ctx.mode
        cols = ("id", "member_id", "society_id", "org_path", *GROUP_COLUMNS)
        sql, params = col_in("member_id", sorted({v["member"].id for _, v in rows}))
        current = {}
        for r in fetch_rows("members_groupmembership", cols,
                            f"deleted_at IS NULL AND status NOT IN ('withdrawn', 'expelled', 'rejected') "
                            f"AND {sql}", params):
            d = dict(zip(cols, r, strict=True))
            for c in ("joined_on", "dues_paid_through"):
                d[c] = _date_value(d[c])
            current[(d["member_id"], d["society_id"])] = d
        creates, updates = [], []
        for row, v in rows:
            e = current.get((v["member"].id, v["society"].id))
            label = v["member"].name
            if e is None:
                creates.append((row, v))
                self.sample("created", row, label)
                continue
            if mode == Mode.SKIP:
                self.counts["skipped"] += 1
                self.sample("skipped", row, label)
                continue
            new = {}
            for col in ("number", "joined_on", "dues_paid_through", "representative"):
                if col in v and not (mode == Mode.FILL and e[col] not in ("", None)) and e[col] != v[col]:
                    new[col] = v[col]
            merged = {**e, **new}
            status = status_for(joined_on=merged["joined_on"], dues_paid_through=merged["dues_paid_through"],
                                category="member", current=e["status"], today=self.ctx.today)
            if status != e["status"]:
                new["status"] = status
            if not new:
                self.counts["unchanged"] += 1
                self.sample("skipped", row, label)
                continue
            updates.append((row, e, new, label))
            self.sample("updated", row, label, [_verbose(GroupMembership, c) for c in new])
        self.counts["created"] += len(creates)
        self.counts["updated"] += len(updates)
        if not self.writing:
            return
        ids = reserve_ids("members_groupmembership", len(creates))
        self.w.submit(copy_rows, "members_groupmembership", self.model_rows.columns, [self.model_rows.row({
            "id": pk, "member_id": v["member"].id, "society_id": v["society"].id, "org_path": v["society"].path,
            "number": v.get("number", ""), "joined_on": v.get("joined_on"),
            "dues_paid_through": v.get("dues_paid_through"), "representative": v.get("representative", ""),
            "status": status_for(joined_on=v.get("joined_on"), dues_paid_through=v.get("dues_paid_through"),
                                 category="member", current=Status.PENDING, today=self.ctx.today),
        }) for pk, (_row, v) in zip(ids, creates, strict=True)])
        self.created("members_groupmembership", ids)
        upd = []
        for row, e, new, label in updates:
            merged = {**e, **new}
            upd.append((e["id"], *(merged[c] for c in GROUP_COLUMNS)))
            self.record_change("members_groupmembership", e["id"], row, {c: jsonable(e[c]) for c in new},
                               {c: jsonable(new[c]) for c in new})
            self.audit(GroupMembership, e["id"], label, e["org_path"],
                       {_verbose(GroupMembership, c): jsonable(e[c]) for c in new},
                       {_verbose(GroupMembership, c): jsonable(new[c]) for c in new})
        if upd:
            self.w.submit(update_rows, "members_groupmembership", GROUP_COLUMNS, upd)

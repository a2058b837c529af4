"""Rollback of a whole import batch (decisions 0006, 0018): updated rows get their values back set-based,
created rows are removed (so that the corrected file can be imported again), refused when a later batch of
the same kind is in force, when records were changed since, or when other modules refer to created records
(found through the models' relations, so a module added later is covered). The tables are the ones the
batch recorded; the model of each is found by its table name, so a kind added by another module needs no
change here."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import ForeignObjectRel
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.census.services import schedule_refresh
from kexie.core.audit import log_action
from kexie.core.services import require
from kexie.core.text import join_clauses, join_list
from kexie.imports import apply, kinds
from kexie.imports.models import BatchStatus, ImportBatch, ImportChange
from kexie.members.models import GroupMembership, Membership, MembershipEvent
from kexie.orgs.models import Organisation
from kexie.people.models import Person, PersonDiscipline

DATE_COLUMNS = {"birth_date", "founded_on", "applied_on", "joined_on", "dues_paid_through"}
JSON_COLUMNS = {"expertise"}


def table_model(table: str) -> type[models.Model]:
    """The installed model stored in ``table`` (``people_person`` → ``Person``)."""
    for model in apps.get_models():
        if model._meta.db_table == table:
            return model
    raise LookupError(table)


def _ranges_q(ranges: list[list[int]], field: str = "pk") -> models.Q:
    q = models.Q(pk__in=[])
    for first, last in ranges:
        q |= models.Q(**{f"{field}__gte": first, f"{field}__lte": last})
    return q


def _restore_value(column: str, value: Any) -> Any:
    if column in DATE_COLUMNS and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if column in JSON_COLUMNS:
        return json.dumps(value, ensure_ascii=False)
    return value


def _conflicts(batch: ImportBatch) -> int:
    """Records of this batch changed since by someone else: updated rows whose values are no longer
    what the import wrote, and created rows edited after the import."""
    n = 0
    for table, ranges in batch.created_ids.items():
        model = table_model(table)
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            n += model._default_manager.filter(_ranges_q(ranges), updated_at__gt=batch.finished_at).count()
    changes = ImportChange.objects.filter(batch=batch).order_by("id")
    by_table: dict[str, list[ImportChange]] = defaultdict(list)
    for ch in changes.iterator(chunk_size=2000):
        by_table[ch.table].append(ch)
        if len(by_table[ch.table]) >= 2000:
            n += _changed_since(ch.table, by_table.pop(ch.table))
    for table, items in by_table.items():
        n += _changed_since(table, items)
    return n


def _changed_since(table: str, items: list[ImportChange]) -> int:
    cols = sorted({c for ch in items for c in ch.after if not c.startswith("_")})
    if not cols:
        return 0
    sql, params = apply.col_in("id", [ch.object_id for ch in items])
    current = {r[0]: dict(zip(cols, r[1:], strict=True)) for r in apply.fetch_rows(table, ("id", *cols), sql, params)}
    n = 0
    for ch in items:
        now = current.get(ch.object_id)
        if now is None:
            n += 1
            continue
        for c, v in ch.after.items():
            if c.startswith("_"):
                continue
            have = now[c]
            if c in JSON_COLUMNS and isinstance(have, str):
                have = json.loads(have)
            if apply.jsonable(apply._date_value(have) if c in DATE_COLUMNS else have) != v:
                n += 1
                break
    return n


@transaction.atomic
def rollback_batch(actor: Any, batch: ImportBatch) -> ImportBatch:
    """Undo a whole batch: updated rows get their values back, created rows are removed (so that a
    corrected file can be imported again); audited as one entry with the counts."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    require(actor, "imports.change", batch.org_path)
    kind = kinds.find(batch.kind)
    if kind is None:
        raise ValidationError(_("该批次的导入内容已不再提供，不能撤销。"))
    require(actor, kind.action, batch.org_path)
    if not batch.can_roll_back:
        raise ValidationError(_("该批次不能撤销：只有已成功导入且有新增或更新的批次可以撤销。"))
    later = ImportBatch.objects.filter(kind=batch.kind, status=BatchStatus.DONE, dry_run=False,
                                       finished_at__gt=batch.finished_at).filter(
        models.Q(org_path__startswith=batch.org_path) | models.Q(org_path__in=_ancestors(batch.org_path)))
    if later.exists():
        raise ValidationError(_("之后还有同类导入批次（%(ids)s）未撤销，请先撤销较晚的批次。")
                              % {"ids": join_list(f"#{b}" for b in later.values_list("pk", flat=True)[:5])})
    conflicts = _conflicts(batch)
    if conflicts:
        raise ValidationError(_("本批导入的记录中有 %(n)s 条在导入后又被修改过，不能整批撤销。") % {"n": conflicts})
    reasons = references(batch)
    if reasons:
        raise ValidationError(_("本批新增的记录已被其他模块使用，不能撤销：%(reasons)s。请先在相应模块中处理这些记录，"
                                "或保留本批导入。") % {"reasons": join_clauses(reasons)})
    _delete_derived(batch)
    restored = _restore_updates(batch)
    removed = _remove_created(batch)
    batch.status = BatchStatus.ROLLED_BACK
    batch.rolled_back_at = timezone.now()
    batch.rolled_back_by = actor if getattr(actor, "pk", None) else None
    batch.message = _("已撤销：删除新增的 %(c)s 条，恢复更新的 %(u)s 条。") % {"c": removed, "u": restored}
    batch.save(update_fields=["status", "rolled_back_at", "rolled_back_by", "message"])
    if kind.census:
        schedule_refresh()
    log_action(actor, "imports.importbatch.rolled_back", batch, scope_path=batch.org_path,
               extra={"removed": removed, "restored": restored, "file": batch.file_name})
    return batch


# Rows that are part of a created record and go with it (its disciplines, its membership history).
OWNED = {("people.PersonDiscipline", "person"), ("members.MembershipEvent", "membership")}
# Derived rows that their own job makes again (pending duplicate suggestions): deleted with the record.
DERIVED: dict[str, models.Q] = {"identity.MatchCandidate": models.Q(status="queued")}
NAMES_SHOWN = 3


def _reverse_relations(model: type[models.Model]) -> list[ForeignObjectRel]:
    """Every foreign key pointing at ``model`` (hidden ones included, many-to-many through their
    tables), except those without a database constraint: those rows (the census summary) are rebuilt
    without the removed records by their own job."""
    rels = []
    for rel in model._meta.get_fields(include_hidden=True):
        if not isinstance(rel, ForeignObjectRel) or rel.many_to_many:
            continue
        if not getattr(rel.field, "db_constraint", True):
            continue
        rels.append(rel)
    return rels


def _related(rel: ForeignObjectRel) -> type[models.Model]:
    """The model holding the foreign key (resolved: the app registry is ready)."""
    model = rel.related_model
    assert not isinstance(model, str)
    return model


def _describe(rel: ForeignObjectRel) -> tuple[str, str]:
    """(“模块·记录”, field) for a relation, in the words of the referring module."""
    related = _related(rel)
    owner: Any = related._meta.auto_created  # the model of a many-to-many field, for its through table
    if isinstance(owner, type) and issubclass(owner, models.Model):
        m2m = next(f for f in owner._meta.many_to_many if f.remote_field.through is related)
        return f"{owner._meta.app_config.verbose_name}·{owner._meta.verbose_name}", str(m2m.verbose_name)
    return f"{related._meta.app_config.verbose_name}·{related._meta.verbose_name}", str(rel.field.verbose_name)


def references(batch: ImportBatch) -> list[str]:
    """Why the records this batch created cannot be removed: for every module holding a row that
    refers to one of them (an application, an expert, a post, a membership, a merge, a role …), which
    module, how many rows and which records — found through the models' relations, so a module added
    later is covered. The batch's own rows (records it created, their disciplines and history) do not
    count. Empty when nothing refers to them."""
    created = batch.created_ids or {}
    reasons: list[str] = []
    for table, ranges in created.items():
        model = table_model(table)
        for rel in _reverse_relations(model):
            related = _related(rel)
            label = related._meta.label
            if (label, rel.field.name) in OWNED:
                continue
            column = rel.field.attname
            rows = related._base_manager.filter(_ranges_q(ranges, column))
            own = created.get(related._meta.db_table)
            if own:
                rows = rows.exclude(_ranges_q(own))
            if label in DERIVED:
                rows = rows.exclude(DERIVED[label])
            n = rows.count()
            if not n:
                continue
            ids = rows.order_by().values_list(column, flat=True).distinct()
            k = ids.count()
            shown = [f"“{o}”" for o in model._base_manager.filter(pk__in=list(ids[:NAMES_SHOWN])).order_by("pk")]
            names = join_list(shown) + (_("等 %(k)s 条") % {"k": k} if k > len(shown) else "")
            where, field = _describe(rel)
            reasons.append(_("“%(where)s”中有 %(n)s 条记录（%(field)s）引用了本批新增的%(kind)s%(names)s")
                           % {"where": where, "n": n, "field": field, "kind": model._meta.verbose_name,
                              "names": names})
    return reasons


def _delete_derived(batch: ImportBatch) -> None:
    for table, ranges in (batch.created_ids or {}).items():
        for rel in _reverse_relations(table_model(table)):
            related = _related(rel)
            q = DERIVED.get(related._meta.label)
            if q is not None:
                related._base_manager.filter(_ranges_q(ranges, rel.field.attname)).filter(q).delete()


def _ancestors(path: str) -> list[str]:
    step = Organisation.steplen
    return [path[:i] for i in range(step, len(path), step)]


def _restore_updates(batch: ImportBatch) -> int:
    n = 0
    groups: dict[tuple[str, tuple[str, ...]], list[ImportChange]] = defaultdict(list)
    org_delta: dict[int, int] = defaultdict(int)
    disciplines: list[tuple[int, list[int]]] = []
    for ch in ImportChange.objects.filter(batch=batch).order_by("id").iterator(chunk_size=2000):
        cols = tuple(sorted(c for c in ch.before if not c.startswith("_")))
        if cols:
            groups[(ch.table, cols)].append(ch)
        if "_disciplines" in ch.before:
            disciplines.append((ch.object_id, ch.before["_disciplines"]))
        if ch.table == "people_person" and "org_id" in ch.before:
            org_delta[ch.after["org_id"]] -= 1
            org_delta[ch.before["org_id"]] += 1
        n += 1
    for (table, cols), items in groups.items():
        for i in range(0, len(items), 2000):
            apply.update_rows(table, cols, [(ch.object_id, *(_restore_value(c, ch.before[c]) for c in cols))
                                            for ch in items[i:i + 2000]])
    if disciplines:
        PersonDiscipline.objects.filter(person_id__in=[pk for pk, _ in disciplines]).delete()
        PersonDiscipline.objects.bulk_create([PersonDiscipline(person_id=pk, discipline_id=d, is_primary=i == 0)
                                              for pk, ds in disciplines for i, d in enumerate(ds)])
    for org_id, delta in org_delta.items():
        if delta:
            Organisation.objects.filter(pk=org_id).update(people_count=models.F("people_count") + delta)
    return n


BUILT_IN_TABLES = ("members_membership", "members_groupmembership", "people_person", "orgs_organisation")


def _remove_created(batch: ImportBatch) -> int:
    created = batch.created_ids
    n = 0
    # A kind declared by another module: its created rows go by their id ranges (what refers to them was
    # refused above by ``references``).
    for table, ranges in created.items():
        if table not in BUILT_IN_TABLES and ranges:
            n += table_model(table)._base_manager.filter(_ranges_q(ranges))._raw_delete(connection.alias)
    members = created.get("members_membership")
    if members:
        q = _ranges_q(members)
        MembershipEvent.objects.filter(_ranges_q(members, "membership_id")).delete()
        n += Membership.objects.filter(q)._raw_delete(connection.alias)
    groups = created.get("members_groupmembership")
    if groups:
        n += GroupMembership.objects.filter(_ranges_q(groups))._raw_delete(connection.alias)
    people = created.get("people_person")
    if people:
        q = _ranges_q(people)
        if Membership.objects.filter(_ranges_q(people, "person_id")).exists():
            raise ValidationError(_("本批导入的人员已有会员记录，不能撤销；请先撤销或处理相关会员记录。"))
        if Person.objects.filter(q, user__isnull=False).exists():
            raise ValidationError(_("本批导入的人员已关联平台账号，不能撤销。"))
        live = (Person.objects.filter(q, deleted_at__isnull=True).order_by().values("org_id")
                .annotate(n=models.Count("id")).values_list("org_id", "n"))
        for org_id, k in list(live):
            Organisation.objects.filter(pk=org_id).update(people_count=models.F("people_count") - k)
        PersonDiscipline.objects.filter(_ranges_q(people, "person_id")).delete()
        n += Person.objects.filter(q)._raw_delete(connection.alias)
    orgs = created.get("orgs_organisation")
    if orgs:
        q = _ranges_q(orgs)
        mine = list(Organisation.objects.filter(q).values_list("path", flat=True))
        for path in mine:
            if Organisation.objects.filter(path__startswith=path).exclude(q).exists():
                raise ValidationError(_("本批导入的组织下已有其他组织，不能撤销。"))
        if Person.objects.filter(_ranges_q(orgs, "org_id")).exists():
            raise ValidationError(_("本批导入的组织已登记了人员，不能撤销。"))
        parents: dict[str, int] = defaultdict(int)
        for path in mine:
            parents[path[:-Organisation.steplen]] += 1
        n += Organisation.objects.filter(q)._raw_delete(connection.alias)
        for path, k in parents.items():
            if path not in mine:
                Organisation.objects.filter(path=path).update(numchild=models.F("numchild") - k)
    return n

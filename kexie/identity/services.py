"""Writes of identity resolution: merge two people, undo a merge, mark a pair distinct, run the job.

A merge soft-deletes the merged record (``Person.merged_into``), moves its memberships (with their
history), posts and disciplines to the survivor, and fills the survivor's empty fields from it. The
``Merge`` row lists exactly what moved and what was filled, so ``undo`` puts everything back.
Rows whose twin the survivor already holds (a live membership of the same society, the same post in
the same term, the same discipline) stay on the merged record, listed in ``Merge.kept``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.census.services import schedule_refresh
from kexie.core.audit import log_action, snapshot
from kexie.core.services import is_system
from kexie.identity import engine
from kexie.identity.models import CandidateStatus, MatchCandidate, Merge
from kexie.members.models import ENDED, Membership, Post
from kexie.orgs import counts
from kexie.people.models import Person, PersonDiscipline
from kexie.people.services import person_search_text

# Survivor fields filled from the merged record when empty (attribute names).
FILL_FIELDS = ("gender", "birth_date", "ethnicity", "id_number", "phone", "email", "employer_id", "employer_name",
               "position", "title", "title_level", "education", "expertise", "bio", "honours", "user_id")
HASHES = {"id_number": "id_hash", "phone": "phone_hash"}
DEFAULT_AUTO = 0.99
DEFAULT_REVIEW = 0.5


def _empty(value: object) -> bool:
    return value is None or value == "" or value == []


def _lock_pair(first: int, second: int) -> tuple[Person, Person]:
    rows = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
    if first not in rows or second not in rows:
        raise ValidationError(_("人员不存在。"))
    return rows[first], rows[second]


def _check_scope(actor: Any, *pks: int) -> None:
    """Both people's *current* own organisations must be in the actor's change scope: a merge changes the
    profile of one and retires the other, which a society reaching them through memberships may not do."""
    if Person.objects.managed_by(actor, "identity.change").filter(pk__in=pks).count() != len(set(pks)):
        raise PermissionDenied(_("只能合并所属组织在您管辖范围内的人员。"))


def _json(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@transaction.atomic
def merge(actor: Any, survivor: Person, other: Person, *, candidate: MatchCandidate | None = None) -> Merge:
    """Merge ``other`` into ``survivor`` (both in the actor's scope)."""
    _check_scope(actor, survivor.pk, other.pk)
    record = _merge(actor, survivor.pk, other.pk, candidate=candidate, automatic=False)
    schedule_refresh()
    return record


def _merge(actor: Any, survivor_pk: int, other_pk: int, *, candidate: MatchCandidate | None,
           automatic: bool) -> Merge:
    if survivor_pk == other_pk:
        raise ValidationError(_("不能把人员与其自身合并。"))
    survivor, other = _lock_pair(survivor_pk, other_pk)
    if survivor.deleted_at or other.deleted_at:
        raise ValidationError(_("已删除或已合并的人员不能再合并。"))
    if survivor.id_hash and other.id_hash and survivor.id_hash != other.id_hash:
        raise ValidationError(_("两人的身份证号码不同，不能合并。"))
    before = snapshot(survivor, Person.AUDIT_FIELDS)
    record = Merge(survivor=survivor, merged=other, candidate=candidate, automatic=automatic,
                   actor=actor if getattr(actor, "pk", None) else None)

    # Memberships (their MembershipEvent history follows the row).
    live_societies = set(Membership.objects.filter(person=survivor, deleted_at__isnull=True)
                         .exclude(status__in=ENDED).values_list("society_id", flat=True))
    moved: list[int] = []
    kept: list[int] = []
    for m in Membership.objects.filter(person=other).order_by("pk"):
        live = m.deleted_at is None and m.status not in ENDED
        (kept if live and m.society_id in live_societies else moved).append(m.pk)
    Membership.objects.filter(pk__in=moved).update(person=survivor)
    record.memberships = moved
    record.kept = {"memberships": kept}

    seats = set(Post.objects.filter(person=survivor).values_list("term_id", "position"))
    posts = list(Post.objects.filter(person=other).order_by("pk").values_list("pk", "term_id", "position"))
    moved_posts = [pk for pk, term, position in posts if (term, position) not in seats]
    Post.objects.filter(pk__in=moved_posts).update(person=survivor)
    record.posts = moved_posts
    record.kept["posts"] = [pk for pk, _t, _p in posts if pk not in moved_posts]

    own = dict(PersonDiscipline.objects.filter(person=survivor).values_list("discipline_id", "is_primary"))
    has_primary = any(own.values())
    moved_pd: list[list[Any]] = []
    for pd in PersonDiscipline.objects.filter(person=other).order_by("pk"):
        if pd.discipline_id in own:
            record.kept.setdefault("disciplines", []).append(pd.pk)
            continue
        moved_pd.append([pd.pk, pd.is_primary])
        pd.person = survivor
        pd.is_primary = pd.is_primary and not has_primary
        pd.save(update_fields=["person", "is_primary"])
    record.disciplines = moved_pd

    # The merged record leaves the register first, so that its ID number and account may pass on.
    other.deleted_at = timezone.now()
    other.merged_into = survivor
    filled: dict[str, object] = {}
    updates = ["deleted_at", "merged_into"]
    if _empty(survivor.user_id) and other.user_id:
        record.kept["user_id"] = other.user_id
        other.user_id = None
        updates.append("user")
    other.save(update_fields=updates)
    counts.adjust(other.org_id, -1)

    for name in FILL_FIELDS:
        if name == "user_id":
            if "user_id" in record.kept:
                filled["user_id"] = survivor.user_id
                survivor.user_id = record.kept["user_id"]
            continue
        mine, theirs = getattr(survivor, name), getattr(other, name)
        if _empty(mine) and not _empty(theirs):
            filled[name] = _json(mine)
            setattr(survivor, name, theirs)
            if name in HASHES:
                setattr(survivor, HASHES[name], getattr(other, HASHES[name]))
    record.filled = filled
    survivor.search_text = person_search_text(survivor)
    survivor.save()
    record.save()
    if candidate is not None:
        _decide(candidate, actor, CandidateStatus.AUTO_MERGED if automatic else CandidateStatus.MERGED)
    after = snapshot(survivor, Person.AUDIT_FIELDS)
    extra = {"merge": record.pk, "merged_person": other.pk, "automatic": automatic}
    log_action(actor, "identity.person.merged", survivor, scope_path=survivor.org_path, before=before,
               after=after, extra=extra)
    log_action(actor, "identity.person.merged_into", other, scope_path=other.org_path,
               extra={"merge": record.pk, "survivor": survivor.pk, "automatic": automatic})
    return record


def _decide(candidate: MatchCandidate, actor: Any, status: str) -> None:
    candidate.status = status
    candidate.decided_by = actor if getattr(actor, "pk", None) else None
    candidate.decided_at = timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])


@transaction.atomic
def undo(actor: Any, record: Merge) -> Merge:
    """Put back exactly what ``record`` changed: the merged record, its rows, the survivor's fields."""
    current: Merge = Merge.objects.select_for_update().get(pk=record.pk)
    _check_scope(actor, current.survivor_id, current.merged_id)
    if current.undone_at:
        raise ValidationError(_("该合并已撤销。"))
    survivor, other = _lock_pair(current.survivor_id, current.merged_id)
    if survivor.deleted_at:
        raise ValidationError(_("保留人员已被合并或删除，请先撤销其后的合并。"))
    before = snapshot(survivor, Person.AUDIT_FIELDS)
    for name, old in current.filled.items():
        if name == "user_id":
            survivor.user_id = old
            continue
        setattr(survivor, name, old)  # always an empty value: only empty fields are filled
        if name in HASHES:
            setattr(survivor, HASHES[name], "")
    survivor.search_text = person_search_text(survivor)
    survivor.save()

    other.deleted_at = None
    other.merged_into = None
    updates = ["deleted_at", "merged_into"]
    if "user_id" in current.kept:
        other.user_id = current.kept["user_id"]
        updates.append("user")
    other.save(update_fields=updates)
    counts.adjust(other.org_id, +1)
    Membership.objects.filter(pk__in=current.memberships, person=survivor).update(person=other)
    Post.objects.filter(pk__in=current.posts, person=survivor).update(person=other)
    for pk, primary in current.disciplines:
        PersonDiscipline.objects.filter(pk=pk, person=survivor).update(person=other, is_primary=primary)

    current.undone_at = timezone.now()
    current.undone_by = actor if getattr(actor, "pk", None) else None
    current.save(update_fields=["undone_at", "undone_by"])
    if current.candidate_id:
        candidate = MatchCandidate.objects.select_for_update().get(pk=current.candidate_id)
        candidate.status = CandidateStatus.QUEUED
        candidate.decided_by, candidate.decided_at = None, None
        candidate.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    log_action(actor, "identity.merge.undone", survivor, scope_path=survivor.org_path, before=before,
               after=snapshot(survivor, Person.AUDIT_FIELDS), extra={"merge": current.pk, "restored": other.pk})
    log_action(actor, "identity.merge.undone", other, scope_path=other.org_path, extra={"merge": current.pk})
    schedule_refresh()
    return current


@transaction.atomic
def mark_distinct(actor: Any, candidate: MatchCandidate) -> MatchCandidate:
    """Staff say the two are different people: the pair never comes back to the queue."""
    current: MatchCandidate = MatchCandidate.objects.select_for_update().get(pk=candidate.pk)
    _check_scope(actor, current.person_a_id, current.person_b_id)
    if current.status != CandidateStatus.QUEUED:
        raise ValidationError(_("该疑似重复记录已处理。"))
    _decide(current, actor, CandidateStatus.DISTINCT)
    person = Person.objects.get(pk=current.person_a_id)
    log_action(actor, "identity.candidate.distinct", current, scope_path=person.org_path,
               extra={"person_a": current.person_a_id, "person_b": current.person_b_id})
    return current


@transaction.atomic
def merge_candidate(actor: Any, candidate: MatchCandidate, survivor_pk: int | None = None) -> Merge:
    """Staff confirm a queued pair: merge it (person A survives unless ``survivor_pk`` names B)."""
    current: MatchCandidate = MatchCandidate.objects.select_for_update().get(pk=candidate.pk)
    if current.status != CandidateStatus.QUEUED:
        raise ValidationError(_("该疑似重复记录已处理。"))
    a, b = current.person_a_id, current.person_b_id
    survivor, other = (b, a) if survivor_pk == b else (a, b)
    _check_scope(actor, survivor, other)
    record = _merge(actor, survivor, other, candidate=current, automatic=False)
    schedule_refresh()
    return record


# --- the job ------------------------------------------------------------------------------------


def _columns(people: Sequence[tuple[Any, ...]], primary: dict[int, str]) -> dict[str, list[Any]]:
    return {
        "name": [p[1] for p in people],
        "gender": [p[2] for p in people],
        "birth": [p[3] for p in people],
        "id_key": [p[4] for p in people],
        "phone_key": [p[5] for p in people],
        "email": [p[6] for p in people],
        "employer": [p[7] for p in people],
        "discipline": [primary.get(p[0], "") for p in people],
    }


def run_dedup(actor: Any, *, auto_threshold: float = DEFAULT_AUTO,
              review_threshold: float = DEFAULT_REVIEW) -> dict[str, Any]:
    """Find duplicates among the people in register (the actor's scope, or everyone for ``SYSTEM``,
    the background job started without a user): merge pairs at or above ``auto_threshold``, queue those from ``review_threshold`` for staff.
    Pairs staff marked distinct are left out. Returns the report."""
    if not 0 < review_threshold <= auto_threshold <= 1:
        raise ValidationError(_("阈值应满足 0 < 审核阈值 ≤ 自动合并阈值 ≤ 1。"))
    started = time.perf_counter()
    qs = Person.objects.alive() if is_system(actor) else Person.objects.managed_by(actor, "identity.change").alive()
    people = list(qs.order_by("pk").values_list("pk", "name", "gender", "birth_date", "id_hash", "phone_hash",
                                                "email", "employer_name"))
    report: dict[str, Any] = {"records": len(people), "pairs_found": 0, "merged": 0, "queued": 0,
                              "auto_merge_threshold": auto_threshold, "review_threshold": review_threshold}
    if len(people) < 2:
        report["seconds"] = round(time.perf_counter() - started, 3)
        return report
    pks = [p[0] for p in people]
    row = {pk: i for i, pk in enumerate(pks)}
    primary = {pid: code for pid, code in PersonDiscipline.objects.filter(is_primary=True, person__in=qs)
               .values_list("person_id", "discipline__code")}
    decided = MatchCandidate.objects.filter(status=CandidateStatus.DISTINCT).filter(
        Q(person_a__in=qs) & Q(person_b__in=qs)).values_list("person_a_id", "person_b_id")
    exclude = [(row[a], row[b]) for a, b in decided if a in row and b in row]
    result = engine.resolve(_columns(people, primary), auto_threshold=auto_threshold,
                            review_threshold=review_threshold, exclude=exclude)
    found = result.probability >= review_threshold
    report["pairs_found"] = int(found.sum())

    # Auto merges, strongest pairs first; ``root`` follows each record to the one it was merged into.
    root: dict[int, int] = {}

    def find(pk: int) -> int:
        while pk in root:
            pk = root[pk]
        return pk

    order = np.argsort(-result.weight, kind="stable")
    for i in order[result.auto[order]].tolist():
        a, b = find(pks[result.a[i]]), find(pks[result.b[i]])
        if a == b:
            continue
        survivor, other = _choose_survivor(a, b)
        try:
            with transaction.atomic():
                candidate = _upsert_candidate(pks[result.a[i]], pks[result.b[i]], result, i)
                if candidate.status != CandidateStatus.QUEUED:
                    continue
                _merge(actor, survivor, other, candidate=candidate, automatic=True)
        except ValidationError:
            continue  # e.g. different ID numbers: left in the queue for staff
        root[other] = survivor
        report["merged"] += 1

    for i in np.flatnonzero(result.review).tolist():
        a, b = pks[result.a[i]], pks[result.b[i]]
        if find(a) == find(b):
            continue
        candidate = _upsert_candidate(a, b, result, i)
        if candidate.status == CandidateStatus.QUEUED:
            report["queued"] += 1
    if report["merged"]:
        schedule_refresh()
    report["seconds"] = round(time.perf_counter() - started, 3)
    report["weights"] = result.weights.source
    return report


def _choose_survivor(a: int, b: int) -> tuple[int, int]:
    """The record with an ID number survives, else the older one."""
    with_id = set(Person.objects.filter(pk__in=[a, b]).exclude(id_hash="").values_list("pk", flat=True))
    if len(with_id) == 1:
        survivor = with_id.pop()
        return survivor, (b if survivor == a else a)
    return (a, b) if a < b else (b, a)


def _upsert_candidate(a: int, b: int, result: engine.Result, i: int) -> MatchCandidate:
    a, b = min(a, b), max(a, b)
    score = float(result.probability[i])
    weight = float(result.weight[i]) if np.isfinite(result.weight[i]) else 99.0
    candidate, created = MatchCandidate.objects.get_or_create(
        person_a_id=a, person_b_id=b, defaults={"score": score, "weight": weight, "evidence": result.evidence(i)})
    if not created and candidate.status == CandidateStatus.QUEUED:
        candidate.score, candidate.weight, candidate.evidence = score, weight, result.evidence(i)
        candidate.save(update_fields=["score", "weight", "evidence", "updated_at"])
    return candidate


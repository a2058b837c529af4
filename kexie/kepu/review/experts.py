"""Who reviews a 科普 item's science: experts of the 科普 expert libraries (``calls.ExpertLibrary.purpose ==
"kepu"``) owned by the item's organisation or one of its ancestors.

``pick_reviewers(item, count, exclude=())`` → up to ``count`` ``(Person, affinity)`` pairs. An expert qualifies when
the library entry is available (and not paused), the person is not deleted and has an active platform account
(a reviewer decides on the platform and is told there), is not the author's own Person and has no conflict with the
author: the same employer (registry organisation or normalised employer name) or the same legal entity (the nearest
non-branch ancestor), read with the helpers of ``kexie.calls.review.conflicts`` (decision 0050). Ranking: discipline
affinity (the share of the item's GB/T 13745 codes matched at the 3-, 5- and 7-digit level, equally weighted), then
the lowest open load (pending 科普 review tasks), then the nearest library, then the person id (stable)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from kexie.calls.models import Expert, LibraryPurpose
from kexie.calls.review.conflicts import _legal_entities, normalise_employer
from kexie.kepu.models import Item, ReviewTask, TaskDecision
from kexie.people.models import Person, PersonDiscipline
from kexie.signup.recipients import ancestor_paths

LEVELS = (3, 5, 7)


def _affinity(item_codes: list[str], expert_codes: Iterable[str]) -> float:
    """The share of the item's discipline codes the expert shares, averaged over the 3/5/7-digit levels the item's codes reach."""
    if not item_codes:
        return 0.0
    held = list(expert_codes)
    total, levels = 0.0, 0
    for n in LEVELS:
        wanted = {c[:n] for c in item_codes if len(c) >= n}
        if not wanted:
            continue
        have = {c[:n] for c in held if len(c) >= n}
        total += len(wanted & have) / len(wanted)
        levels += 1
    return round(total / levels, 4) if levels else 0.0


def author_person(item: Item) -> Person | None:
    if item.author_id is None:
        return None
    person: Person | None = Person.objects.filter(user_id=item.author_id, deleted_at__isnull=True).first()
    return person


def candidates(item: Item) -> list[tuple[int, int]]:
    """(person id, library distance) of every available expert of a 科普 library over the item, nearest entry
    kept when a person sits in several libraries."""
    paths = ancestor_paths(item.org_path)
    distance = {p: i for i, p in enumerate(paths)}
    today = timezone.localdate()
    rows = (Expert.objects
            .filter(library__purpose=LibraryPurpose.KEPU, library__deleted_at__isnull=True,
                    library__org_path__in=paths, available=True,
                    person__deleted_at__isnull=True, person__user__isnull=False, person__user__is_active=True)
            .filter(Q(unavailable_until__isnull=True) | Q(unavailable_until__lt=today))
            .values_list("person_id", "library__org_path"))
    best: dict[int, int] = {}
    for pid, path in rows:
        d = distance.get(path, len(paths))
        if pid not in best or d < best[pid]:
            best[pid] = d
    return sorted(best.items())


def conflicting(author: Person | None, person_ids: list[int]) -> set[int]:
    """The experts who share the author's employer or legal entity (or are the author)."""
    if author is None or not person_ids:
        return set()
    out = {author.pk} & set(person_ids)
    people = list(Person.objects.filter(pk__in=person_ids).values_list("pk", "employer_id", "employer_name"))
    emp_ids = {e for _p, e, _n in people if e}
    if author.employer_id:
        emp_ids.add(author.employer_id)
    entity = _legal_entities(emp_ids)
    a_name = normalise_employer(author.employer_name or "")
    a_emp = author.employer_id
    a_entity = entity.get(a_emp, a_emp) if a_emp else None
    for pid, emp, name in people:
        if a_emp and emp and (emp == a_emp or entity.get(emp, emp) == a_entity):
            out.add(pid)
        elif a_name and normalise_employer(name or "") == a_name:
            out.add(pid)
    return out


def open_load(person_ids: list[int]) -> dict[int, int]:
    rows = (ReviewTask.objects.filter(expert_id__in=person_ids, decision=TaskDecision.PENDING)
            .values("expert_id").annotate(n=Count("id")).values_list("expert_id", "n"))
    return {pid: n for pid, n in rows}


def pick_reviewers(item: Item, count: int, *, exclude: Iterable[Any] = ()) -> list[tuple[Person, float]]:
    """Up to ``count`` experts for the item's scientific review, best first, with their affinity in [0, 1].
    ``exclude``: people (Person objects or ids) not to pick, e.g. those already reviewing it."""
    if count <= 0:
        return []
    skip = {x if isinstance(x, int) else int(x.pk) for x in exclude}
    found = [(pid, d) for pid, d in candidates(item) if pid not in skip]
    author = author_person(item)
    bad = conflicting(author, [pid for pid, _d in found])
    found = [(pid, d) for pid, d in found if pid not in bad]
    if not found:
        return []
    ids = [pid for pid, _d in found]
    item_codes = list(item.disciplines.values_list("code", flat=True))
    codes: dict[int, list[str]] = {}
    for pid, code in PersonDiscipline.objects.filter(person_id__in=ids).values_list("person_id", "discipline__code"):
        codes.setdefault(pid, []).append(code)
    load = open_load(ids)
    ranked = sorted(
        ((_affinity(item_codes, codes.get(pid, ())), load.get(pid, 0), d, pid) for pid, d in found),
        key=lambda r: (-r[0], r[1], r[2], r[3]),
    )[:count]
    people = Person.objects.in_bulk([r[3] for r in ranked])
    return [(people[r[3]], r[0]) for r in ranked]

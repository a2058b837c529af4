"""Conflicts of interest (回避) and expertise fit, set-based over a few queries.

``conflicts(call, experts, applications)`` → a ``Conflicts`` set of ``(expert_person_id, application_id)``
pairs, with ``.reasons[pair]`` the reason codes (``Reason``). Reasons:

- ``employer``: same employer (the same registry organisation, or the same normalised employer name:
  NFKC, no blanks or bracketed parts, cut after the first legal-entity marker such as 大学/医院/研究院/公司);
- ``legal_entity``: employers in the same legal entity (the nearest ancestor organisation that is not a
  branch — an organisation kind whose code contains ``branch``, e.g. 学会分支机构);
- ``nominator``: the expert works at the application's nominating organisation (or its legal entity);
- ``collaborator`` / ``relative``: listed by the applicant (by registry id, or name + employer);
- ``own_application``: the expert has an application of their own in the same call (every pair of theirs);
- ``avoid_request``: one of the ≤ 3 experts the applicant asked to avoid;
- ``declared``: a conflict the expert declared (``ConflictDeclaration``).

Joins are dictionaries keyed by employer, entity, name…, so the cost follows the matching pairs, not
experts × applications (2,000 × 1,000 in well under a second).

``affinity(experts, applications)`` → ``Affinity``: a dense float32 matrix (experts × applications) in
[0, 1] from shared disciplines (GB/T 13745 codes: the share of the application's codes matched at the
3-digit, 5-digit and full level) and keyword overlap (the share of the application's keywords found in
the expert's expertise terms): ``0.2·s3 + 0.2·s5 + 0.2·s7 + 0.4·kw``. Four sparse-by-construction
incidence products in NumPy. ``Affinity.pairs(min_score)`` gives sparse ``(expert, application, score)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import models
from django.utils.translation import gettext_lazy as _

from kexie.calls.models import Application, ApplicationStatus, ConflictDeclaration
from kexie.identity.engine import to_simplified_many
from kexie.orgs.models import Organisation
from kexie.people.models import Person, PersonDiscipline


class Reason(models.TextChoices):
    EMPLOYER = "employer", _("同一工作单位")
    LEGAL_ENTITY = "legal_entity", _("同一法人单位")
    NOMINATOR = "nominator", _("与推荐单位同单位")
    COLLABORATOR = "collaborator", _("申报人所列合作者")
    RELATIVE = "relative", _("申报人亲属")
    OWN_APPLICATION = "own_application", _("本人在同一批次申报")
    AVOID_REQUEST = "avoid_request", _("申报人申请回避")
    DECLARED = "declared", _("专家自行申报回避")


Pair = tuple[int, int]


class Conflicts(set[Pair]):
    """The conflicting pairs; ``reasons[pair]`` lists why (Reason codes, each once)."""

    def __init__(self) -> None:
        super().__init__()
        self.reasons: dict[Pair, list[str]] = {}

    def add_reason(self, expert_id: int, app_id: int, reason: str) -> None:
        pair = (expert_id, app_id)
        self.add(pair)
        got = self.reasons.setdefault(pair, [])
        if reason not in got:
            got.append(reason)


_BRACKETS = re.compile(r"[（(【\[].*?[）)】\]]")
_NOISE = re.compile(r"[\s·・,，.。、\-—_/]+")
_MARKERS = ("大学", "学院", "医院", "研究院", "研究所", "科学院", "有限公司", "公司", "集团", "中心", "学校", "中学", "小学")


def normalise_employer(name: str) -> str:
    """The legal entity an employer name points at: traditional and variant characters as identity resolution
    reads them (東海大學 = 东海大学), brackets and punctuation dropped, cut after the first institution word."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = to_simplified_many([text.replace("\n", " ")])[0] if text else ""
    text = _NOISE.sub("", _BRACKETS.sub("", text))
    best = None
    for m in _MARKERS:
        i = text.find(m)
        if i > 0 and (best is None or i + len(m) < best):
            best = i + len(m)
    return text[:best] if best else text


def _expert_ids(experts: Iterable[Any]) -> list[int]:
    """Person ids from Person ids, Person or Expert objects."""
    out: list[int] = []
    for x in experts:
        if isinstance(x, int):
            out.append(x)
        elif isinstance(x, Person):
            out.append(x.pk)
        else:
            out.append(int(x.person_id))
    return list(dict.fromkeys(out))


def _app_ids(applications: Iterable[Any]) -> list[int]:
    return list(dict.fromkeys(int(x) if isinstance(x, int) else int(x.pk) for x in applications))


def _legal_entities(org_ids: set[int]) -> dict[int, int]:
    """Organisation id → id of its nearest ancestor-or-self whose kind is not a branch."""
    if not org_ids:
        return {}
    rows = list(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "path"))
    step = Organisation.steplen
    prefixes = {p[:i] for _pk, p in rows for i in range(step, len(p) + 1, step)}
    nodes = {path: (pk, "branch" in code) for pk, path, code in
             Organisation.objects.filter(path__in=prefixes).values_list("pk", "path", "kind__code")}
    out: dict[int, int] = {}
    for pk, path in rows:
        entity = pk
        for i in range(len(path), 0, -step):
            node = nodes.get(path[:i])
            if node is not None and not node[1]:
                entity = node[0]
                break
        out[pk] = entity
    return out


def conflicts(call: Any, experts: Iterable[Any], applications: Iterable[Any] | None = None) -> Conflicts:
    """Every conflicting (expert person id, application id) pair among ``experts`` and ``applications``
    (default: the call's applications that are not withdrawn), with reasons."""
    result = Conflicts()
    expert_ids = _expert_ids(experts)
    apps_qs = Application.objects.filter(call=call)
    if applications is None:
        apps_qs = apps_qs.exclude(status=ApplicationStatus.WITHDRAWN)
    else:
        apps_qs = apps_qs.filter(pk__in=_app_ids(applications))
    apps = list(apps_qs.values("pk", "applicant_person_id", "applicant_org_id", "applicant_org__name", "nominator_id",
                               "applicant_person__employer_id", "applicant_person__employer_name",
                               "avoid_requests", "collaborators", "relatives"))
    if not expert_ids or not apps:
        return result
    people = list(Person.objects.filter(pk__in=expert_ids).values("pk", "name", "employer_id", "employer_name"))
    entity = _legal_entities({p["employer_id"] for p in people if p["employer_id"]}
                             | {a["applicant_person__employer_id"] for a in apps if a["applicant_person__employer_id"]}
                             | {a["applicant_org_id"] for a in apps if a["applicant_org_id"]}
                             | {a["nominator_id"] for a in apps if a["nominator_id"]})

    by_employer: dict[int, list[int]] = defaultdict(list)
    by_entity: dict[int, list[int]] = defaultdict(list)
    by_emp_name: dict[str, list[int]] = defaultdict(list)
    by_name: dict[str, list[tuple[int, str]]] = defaultdict(list)
    known = set()
    for p in people:
        pid = p["pk"]
        known.add(pid)
        if p["employer_id"]:
            by_employer[p["employer_id"]].append(pid)
            by_entity[entity.get(p["employer_id"], p["employer_id"])].append(pid)
        norm = normalise_employer(p["employer_name"])
        if norm:
            by_emp_name[norm].append(pid)
        by_name[p["name"]].append((pid, norm))

    for a in apps:
        aid = a["pk"]
        emp_id = a["applicant_person__employer_id"] or a["applicant_org_id"]
        emp_name = a["applicant_person__employer_name"] if a["applicant_person_id"] else a["applicant_org__name"]
        if a["applicant_person_id"] in known:  # an expert's own application
            result.add_reason(a["applicant_person_id"], aid, Reason.OWN_APPLICATION)
        if emp_id:
            for pid in by_employer.get(emp_id, ()):
                result.add_reason(pid, aid, Reason.EMPLOYER)
            for pid in by_entity.get(entity.get(emp_id, emp_id), ()):
                if (pid, aid) not in result or Reason.EMPLOYER not in result.reasons[(pid, aid)]:
                    result.add_reason(pid, aid, Reason.LEGAL_ENTITY)
        norm = normalise_employer(emp_name or "")
        if norm:
            for pid in by_emp_name.get(norm, ()):
                result.add_reason(pid, aid, Reason.EMPLOYER)
        nom = a["nominator_id"]
        if nom:
            for pid in {*by_employer.get(nom, ()), *by_entity.get(entity.get(nom, nom), ())}:
                result.add_reason(pid, aid, Reason.NOMINATOR)
        for key, reason in (("collaborators", Reason.COLLABORATOR), ("relatives", Reason.RELATIVE),
                            ("avoid_requests", Reason.AVOID_REQUEST)):
            for entry in a[key] or []:
                for pid in _match_listed(entry, known, by_name):
                    result.add_reason(pid, aid, reason)

    # Experts with an application of their own in the call conflict with every application of the call.
    own = set(Application.objects.filter(call=call, applicant_person_id__in=expert_ids)
              .exclude(status=ApplicationStatus.WITHDRAWN).values_list("applicant_person_id", flat=True))
    for pid in own:
        for a in apps:
            result.add_reason(pid, a["pk"], Reason.OWN_APPLICATION)
    app_set = {a["pk"] for a in apps}
    for pid, aid in ConflictDeclaration.objects.filter(application__call=call, expert_id__in=expert_ids) \
            .values_list("expert_id", "application_id"):
        if aid in app_set:
            result.add_reason(pid, aid, Reason.DECLARED)
    return result


def _match_listed(entry: Any, known: set[int], by_name: dict[str, list[tuple[int, str]]]) -> list[int]:
    if not isinstance(entry, dict):
        return []
    pid = entry.get("person_id")
    if isinstance(pid, int) and not isinstance(pid, bool):
        return [pid] if pid in known else []
    name = str(entry.get("name") or "").strip()
    if not name:
        return []
    employer = normalise_employer(str(entry.get("employer") or ""))
    return [p for p, emp in by_name.get(name, ()) if not employer or employer == emp]


# ---- affinity -----------------------------------------------------------------------------------
WEIGHTS = {"d3": 0.2, "d5": 0.2, "d7": 0.2, "kw": 0.4}


@dataclass
class Affinity:
    expert_ids: list[int]
    application_ids: list[int]
    matrix: np.ndarray  # float32, experts × applications, in [0, 1]

    def score(self, expert_id: int, application_id: int) -> float:
        return float(self.matrix[self.expert_ids.index(expert_id), self.application_ids.index(application_id)])

    def conflict_mask(self, found: Iterable[Pair]) -> np.ndarray:
        """A boolean matrix aligned with ``matrix`` (experts × applications), True where a pair conflicts:
        what ``assign.Instance.from_matrix(…, conflicts=…)`` takes."""
        rows = {e: i for i, e in enumerate(self.expert_ids)}
        cols = {a: j for j, a in enumerate(self.application_ids)}
        mask = np.zeros(self.matrix.shape, dtype=bool)
        for e, a in found:
            if e in rows and a in cols:
                mask[rows[e], cols[a]] = True
        return mask

    def pairs(self, min_score: float = 0.0) -> list[tuple[int, int, float]]:
        """Sparse ``(expert person id, application id, score)`` for scores above ``min_score``."""
        rows, cols = np.nonzero(self.matrix > min_score)
        return [(self.expert_ids[r], self.application_ids[c], float(self.matrix[r, c])) for r, c in zip(rows, cols,
                                                                                                       strict=True)]


def _incidence(items: list[list[str]], vocab: dict[str, int]) -> np.ndarray:
    m = np.zeros((len(items), max(len(vocab), 1)), dtype=np.float32)
    for i, feats in enumerate(items):
        for f in feats:
            j = vocab.get(f)
            if j is not None:
                m[i, j] = 1.0
    return m


def _share(expert_feats: list[list[str]], app_feats: list[list[str]]) -> np.ndarray:
    """(experts × apps) share of each application's features that the expert has. Only features held on
    both sides enter the incidence matrices, which keeps them small."""
    have = {f for feats in expert_feats for f in feats}
    vocab: dict[str, int] = {}
    for feats in app_feats:
        for f in feats:
            if f in have:
                vocab.setdefault(f, len(vocab))
    counts = np.array([len(f) for f in app_feats], dtype=np.float32)
    if not vocab:
        return np.zeros((len(expert_feats), len(app_feats)), dtype=np.float32)
    shared = _incidence(expert_feats, vocab) @ _incidence(app_feats, vocab).T
    return np.divide(shared, counts[None, :], out=np.zeros_like(shared), where=counts[None, :] > 0)


def _norm_word(w: str) -> str:
    return unicodedata.normalize("NFKC", str(w)).strip().lower()


def affinity(experts: Iterable[Any], applications: Iterable[Any]) -> Affinity:
    expert_ids = _expert_ids(experts)
    app_ids = _app_ids(applications)
    codes: dict[int, list[str]] = defaultdict(list)
    for pid, code in PersonDiscipline.objects.filter(person_id__in=expert_ids).values_list(
            "person_id", "discipline__code"):
        codes[pid].append(code)
    words = dict(Person.objects.filter(pk__in=expert_ids).values_list("pk", "expertise"))
    apps = {pk: (d or [], k or []) for pk, d, k in
            Application.objects.filter(pk__in=app_ids).values_list("pk", "disciplines", "keywords")}
    app_ids = [a for a in app_ids if a in apps]
    e_codes = [codes.get(p, []) for p in expert_ids]
    a_codes = [list(apps[a][0]) for a in app_ids]
    total = np.zeros((len(expert_ids), len(app_ids)), dtype=np.float32)
    if expert_ids and app_ids:
        for key, n in (("d3", 3), ("d5", 5), ("d7", 7)):
            ef = [sorted({c[:n] for c in cs if len(c) >= n}) for cs in e_codes]
            af = [sorted({c[:n] for c in cs if len(c) >= n}) for cs in a_codes]
            total += WEIGHTS[key] * _share(ef, af)
        ek = [sorted({_norm_word(w) for w in (words.get(p) or []) if str(w).strip()}) for p in expert_ids]
        ak = [sorted({_norm_word(w) for w in apps[a][1] if str(w).strip()}) for a in app_ids]
        total += WEIGHTS["kw"] * _share(ek, ak)
    return Affinity(expert_ids, app_ids, np.clip(total, 0.0, 1.0).astype(np.float32))

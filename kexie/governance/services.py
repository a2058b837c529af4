"""Governance compliance: the queries behind the checks, rule edits and term-expiry reminders.

``collect()`` reads every term to check with a fixed number of aggregate queries whatever the number
of bodies (one for the bodies and their newest term, one for the composition counts, one for the
officials, one for their terms per body, one per ``official_posts`` rule for their society posts);
``rules.evaluate()`` does the rest in Python."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.accounts.models import RoleAssignment
from kexie.core.audit import log_action, snapshot
from kexie.core.services import require
from kexie.governance import rules as R
from kexie.governance.models import ComplianceRule
from kexie.members.models import BodyKind, LeadershipBody, OfficialStatus, Post, Term
from kexie.notices.services import notify
from kexie.orgs.models import Organisation

OFFICIALS = (OfficialStatus.SERVING, OfficialStatus.RETIRED)
REMINDER_DAYS = (180, 90, 30)  # reminders before the due end; overdue terms get one more


# --- reading ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    status: str = ""  # "", or a Verdict: the body's overall verdict
    kind: str = ""  # OrgKind code
    body_kind: str = ""
    q: str = ""  # part of the organisation's name


SEVERITY: dict[str, int] = {R.Verdict.FAIL: 0, R.Verdict.WARN: 1, R.Verdict.PASS: 2, R.Verdict.NA: 3}


@dataclass
class BodyRow:
    body_id: int
    body_kind: str
    org_id: int
    org_name: str
    org_code: str
    org_kind: str
    org_path: str
    facts: R.TermFacts
    results: list[R.Result] = field(default_factory=list)
    verdict: str = R.Verdict.NA

    @property
    def body_kind_label(self) -> str:
        return str(BodyKind(self.body_kind).label)

    @property
    def severity(self) -> int:
        """不合规 first, then 提醒, 合格, 不适用: the order of the overview and its export."""
        return SEVERITY.get(self.verdict, len(SEVERITY))

    @property
    def failures(self) -> list[R.Result]:
        return [r for r in self.results if r.verdict in (R.Verdict.FAIL, R.Verdict.WARN)]


@dataclass
class Overview:
    rules: list[R.RuleSpec]
    rows: list[BodyRow]
    on: dt.date
    totals: dict[str, int]


def active_rules() -> list[R.RuleSpec]:
    return [rule.spec() for rule in ComplianceRule.objects.filter(active=True).order_by("sort", "code")]


def scoped_bodies(user: Any, action: str = "governance.view") -> QuerySet[LeadershipBody]:
    """The bodies the user may see, of organisations that still exist."""
    return LeadershipBody.objects.for_user(user, action).filter(organisation__deleted_at__isnull=True)


def filter_bodies(bodies: QuerySet[LeadershipBody], filters: Filters) -> QuerySet[LeadershipBody]:
    if filters.kind:
        bodies = bodies.filter(organisation__kind__code=filters.kind)
    if filters.body_kind:
        bodies = bodies.filter(kind=filters.body_kind)
    if filters.q:
        bodies = bodies.filter(organisation__name__icontains=filters.q)
    return bodies


def newest_terms(bodies: QuerySet[LeadershipBody] | None = None) -> QuerySet[Term]:
    """The newest term (届) of each body: the current one, or the overdue one if no newer was registered."""
    newer = Term.objects.filter(body=OuterRef("body"), number__gt=OuterRef("number"))
    terms = Term.objects.filter(~Exists(newer))
    if bodies is not None:
        terms = terms.filter(body__in=bodies.values("pk"))
    return terms


def _active_posts(on: dt.date) -> Q:
    return (Q(ends_on__isnull=True) | Q(ends_on__gt=on)) & Q(person__deleted_at__isnull=True)


def _body_rows(bodies: QuerySet[LeadershipBody]) -> list[BodyRow]:
    newest = Term.objects.filter(body=OuterRef("pk")).order_by("-number")
    rows = (bodies.annotate(t_id=Subquery(newest.values("pk")[:1]), t_number=Subquery(newest.values("number")[:1]),
                            t_starts=Subquery(newest.values("starts_on")[:1]),
                            t_ends=Subquery(newest.values("ends_on")[:1]))
            .order_by("org_path", "kind")
            .values("pk", "kind", "org_path", "organisation_id", "organisation__name", "organisation__code",
                    "organisation__kind__name", "organisation__kind__category", "t_id", "t_number", "t_starts",
                    "t_ends"))
    out = []
    for r in rows:
        facts = R.TermFacts(term_id=r["t_id"], body_id=r["pk"], body_kind=r["kind"],
                            org_category=r["organisation__kind__category"], number=r["t_number"],
                            starts_on=_date(r["t_starts"]), ends_on=_date(r["t_ends"]), latest=True)
        out.append(BodyRow(body_id=r["pk"], body_kind=r["kind"], org_id=r["organisation_id"],
                           org_name=r["organisation__name"], org_code=r["organisation__code"],
                           org_kind=_(r["organisation__kind__name"]), org_path=r["org_path"], facts=facts))
    return out


def _date(value: Any) -> dt.date | None:
    """Subquery annotations of a DateField come back as strings on SQLite."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def collect(facts: Sequence[R.TermFacts], terms: QuerySet[Term], rules: Sequence[R.RuleSpec], on: dt.date) -> None:
    """Fill ``facts`` (one per term of ``terms``) with what the rules need, set-based."""
    by_term = {f.term_id: f for f in facts if f.term_id is not None}
    if not by_term:
        return
    term_ids = terms.values("pk")
    active = _active_posts(on)
    posts = Post.objects.filter(active, term__in=term_ids)
    ages = sorted({rule.parameter or 45 for rule in rules if rule.metric == R.Metric.YOUNG_SHARE})
    counts: dict[str, Any] = {
        "members": Count("person", distinct=True),
        "frontline_n": Count("person", distinct=True, filter=Q(frontline=True)),
    }
    for age in ages:
        counts[f"young_{age}"] = Count("person", distinct=True,
                                       filter=Q(person__birth_date__gt=R.young_cutoff(on, age)))
    for row in posts.values("term_id").annotate(**counts).order_by():
        f = by_term.get(row["term_id"])
        if f is None:
            continue
        f.members, f.frontline = row["members"], row["frontline_n"]
        f.young = {age: row[f"young_{age}"] for age in ages}

    if not any(rule.metric in R.OFFICIAL_METRICS for rule in rules):
        return
    official_posts = posts.filter(official__in=OFFICIALS)
    people: dict[int, list[R.Official]] = defaultdict(list)  # person -> their Official in each term
    for term_id, person_id, name, birth_date, status in (
            official_posts.values_list("term_id", "person_id", "person__name", "person__birth_date", "official")
            .order_by("term_id", "person_id", "official")):
        f = by_term.get(term_id)
        if f is None or any(o.person_id == person_id for o in f.officials[-1:]):
            continue
        official = R.Official(person_id=person_id, name=name, birth_date=birth_date, status=status)
        f.officials.append(official)
        people[person_id].append(official)
    if not people:
        return
    official_people = official_posts.values("person_id")
    body_of = {f.term_id: f.body_id for f in by_term.values()}
    per_body: dict[tuple[int, int], int] = {}
    for row in (Post.objects.filter(term__body__in=terms.values("body_id"), person__in=official_people)
                .values("term__body_id", "person_id").annotate(n=Count("term", distinct=True)).order_by()):
        per_body[(row["term__body_id"], row["person_id"])] = row["n"]
    for term_id, f in by_term.items():
        for o in f.officials:
            o.terms = per_body.get((body_of[term_id], o.person_id), 1)
    for rule in rules:
        if rule.metric != R.Metric.OFFICIAL_POSTS:
            continue
        held = (Post.objects.filter(active, term__in=newest_terms().values("pk"), person__in=official_people,
                                    term__body__kind__in=rule.body_kinds,
                                    term__body__organisation__kind__category__in=rule.org_categories,
                                    term__body__organisation__deleted_at__isnull=True)
                .values("person_id").annotate(n=Count("term__body__organisation", distinct=True)).order_by())
        for row in held:
            for o in people.get(row["person_id"], []):
                o.society_posts[rule.pk] = row["n"]


def overview(user: Any, filters: Filters, action: str = "governance.view", on: dt.date | None = None) -> Overview:
    """Every body in the user's scope (after the filters) with its newest term and a verdict per rule."""
    on = on or timezone.localdate()
    rules = active_rules()
    bodies = filter_bodies(scoped_bodies(user, action), filters)
    rows = _body_rows(bodies)
    collect([r.facts for r in rows], newest_terms(bodies), rules, on)
    totals = {v: 0 for v in R.Verdict.values}
    for row in rows:
        row.results = R.evaluate(row.facts, rules, on)
        row.verdict = R.overall(row.results)
        totals[row.verdict] += 1
    totals["all"] = len(rows)
    rows.sort(key=lambda r: r.severity)  # stable: within a verdict, the tree order stays
    if filters.status:
        rows = [r for r in rows if r.verdict == filters.status]
    return Overview(rules=rules, rows=rows, on=on, totals=totals)


@dataclass
class TermReport:
    term: Term
    latest: bool
    facts: R.TermFacts
    results: list[R.Result]
    verdict: str
    roster: dict[int, R.Member]
    on: dt.date
    terms: list[Term]  # the body's other terms, newest first

    def people_of(self, result: R.Result) -> list[R.Member | R.Official]:
        officials = {o.person_id: o for o in self.facts.officials}
        out: list[R.Member | R.Official] = []
        for pk in result.people:
            person = self.roster.get(pk) or officials.get(pk)
            if person is not None:
                out.append(person)
        return out


def term_report(term: Term, on: dt.date | None = None) -> TermReport:
    """One term (already fetched in the user's scope) checked against every active rule, with its roster."""
    on = on or timezone.localdate()
    rules = active_rules()
    body = term.body
    latest = not Term.objects.filter(body=body, number__gt=term.number).exists()
    facts = R.TermFacts(term_id=term.pk, body_id=body.pk, body_kind=body.kind,
                        org_category=body.organisation.kind.category, number=term.number, starts_on=term.starts_on,
                        ends_on=term.ends_on, latest=latest)
    roster: dict[int, R.Member] = {}
    for p in (Post.objects.filter(_active_posts(on), term=term).select_related("person")
              .order_by("person__name", "person_id")):
        m = roster.get(p.person_id)
        if m is None:
            m = roster[p.person_id] = R.Member(person_id=p.person_id, name=p.person.name,
                                               birth_date=p.person.birth_date, frontline=False, official="")
        m.frontline = m.frontline or p.frontline
        m.official = m.official or p.official
        m.positions.append(p.get_position_display())
    facts.roster = list(roster.values())
    collect([facts], Term.objects.filter(pk=term.pk), rules, on)
    results = R.evaluate(facts, rules, on)
    return TermReport(term=term, latest=latest, facts=facts, results=results, verdict=R.overall(results),
                      roster=roster, on=on, terms=list(Term.objects.filter(body=body).order_by("-number")))


# --- rule edits ---------------------------------------------------------------------------------------

def root_paths() -> list[str]:
    return list(Organisation.objects.filter(depth=1, deleted_at__isnull=True).order_by("path")
                .values_list("path", flat=True))


def can_edit_rules(user: Any) -> bool:
    from kexie.core.scope import user_can

    roots = root_paths() or [""]
    return all(user_can(user, "governance.change", path) for path in roots)


def update_rule(user: Any, pk: int, *, threshold: object, parameter: object = None,
                active: bool = True) -> ComplianceRule:
    """Change a rule's threshold (and age limit, and whether it is in force). Only users who may change
    the root organisation(s) — the provincial association's staff — may; the edit is audited."""
    with transaction.atomic():
        rule = ComplianceRule.objects.select_for_update().get(pk=pk)
        roots = root_paths() or [""]
        for path in roots:
            require(user, "governance.change", path)
        errors: dict[str, list[str]] = {}
        value = param = None
        try:
            value = R.parse_threshold(rule.metric, threshold)
        except ValidationError as exc:
            errors["threshold"] = list(exc.messages)
        try:
            param = R.parse_parameter(rule.metric, parameter)
        except ValidationError as exc:
            errors["parameter"] = list(exc.messages)
        if errors or value is None:
            raise ValidationError(errors)
        before = snapshot(rule, ComplianceRule.AUDIT_FIELDS)
        rule.threshold, rule.parameter, rule.active = value, param, bool(active)
        after = snapshot(rule, ComplianceRule.AUDIT_FIELDS)
        if before == after:
            return rule
        rule.save(update_fields=["threshold", "parameter", "active", "updated_at"])
        log_action(user, "governance.rule.changed", rule, scope_path=roots[0], before=before, after=after)
        return rule


# --- reminders ----------------------------------------------------------------------------------------

def reminder_bucket(ends_on: dt.date, on: dt.date) -> str | None:
    """Which reminder a term is due: "overdue", or the smallest of 180/90/30 days it is within."""
    left = (ends_on - on).days
    if left < 0:
        return "overdue"
    due = [d for d in REMINDER_DAYS if left <= d]
    return str(min(due)) if due else None


def recipients_by_path() -> dict[str, list[Any]]:
    """Active users by the path of the organisation where they hold a role."""
    holders: dict[str, dict[int, Any]] = defaultdict(dict)
    for a in (RoleAssignment.objects.filter(user__is_active=True, organisation__deleted_at__isnull=True)
              .select_related("user", "organisation").order_by("pk")):
        holders[a.organisation.path][a.user_id] = a.user
    return {path: list(users.values()) for path, users in holders.items()}


def recipients_for(path: str, holders: dict[str, list[Any]]) -> list[Any]:
    """The users holding a role on the organisation; if nobody does, those of the nearest ancestor that
    has someone (the association that supervises it), so that a reminder always reaches a person."""
    step = Organisation.steplen
    while path:
        if holders.get(path):
            return holders[path]
        path = path[:-step]
    return []


def send_term_reminders(on: dt.date | None = None) -> dict[str, int]:
    """换届提醒: notify for every newest term ending within 180/90/30 days or already overdue. The key
    (term and reminder) makes the job idempotent: run it daily, each reminder goes out once."""
    on = on or timezone.localdate()
    horizon = on + dt.timedelta(days=max(REMINDER_DAYS))
    terms = (newest_terms().filter(ends_on__lte=horizon, body__organisation__deleted_at__isnull=True)
             .select_related("body__organisation").order_by("ends_on", "pk"))
    holders = recipients_by_path()
    checked = sent = 0
    for term in terms:
        bucket = reminder_bucket(term.ends_on, on)
        if bucket is None:
            continue
        checked += 1
        body = term.body
        names = {"org": body.organisation.name, "body": body.get_kind_display(), "number": term.number,
                 "ends": term.ends_on.isoformat(), "days": abs((term.ends_on - on).days)}
        if bucket == "overdue":
            title = _("换届提醒：%(org)s%(body)s第%(number)s届已于 %(ends)s 届满") % names
            text = _("已超期 %(days)s 天，尚未登记新一届，请督促按期换届。") % names
        else:
            title = _("换届提醒：%(org)s%(body)s第%(number)s届将于 %(ends)s 届满") % names
            text = _("距届满还有 %(days)s 天，请提前做好换届准备。") % names
        sent += notify(recipients_for(body.org_path, holders), title=title, body=text,
                       url=reverse("governance:term", args=[term.pk]), key=f"governance.term:{term.pk}:{bucket}")
    return {"terms": checked, "notices": sent}


class ScopedTerms:
    """Terms reached through their body's scope, for ``get_in_scope`` (Term has no path of its own)."""

    def for_user(self, user: Any, action: str = "governance.view") -> QuerySet[Term]:
        return (Term.objects.filter(body__in=scoped_bodies(user, action).values("pk"))
                .select_related("body__organisation__kind"))

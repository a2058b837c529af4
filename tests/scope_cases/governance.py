"""换届与治理合规 (kexie.governance): its URL names and the city-B records its detail/change entries aim at."""

from __future__ import annotations

import datetime as dt

from kexie.governance.models import ComplianceRule
from kexie.members.models import BodyKind, LeadershipBody, Post, Term
from kexie.people.models import Person

TABLE: dict[str, tuple[str, str | None]] = {
    "governance:overview": ("list", None),  # only bodies in scope: tests/test_governance.py
    "governance:export": ("export", "governance"),
    "governance:term": ("detail", "governance_term"),
    "governance:rules": ("list", None),  # the rules are province-wide data, no organisation's records
    "governance:rule-edit": ("change", "governance_rule"),  # root organisation's change right only
}


def records(province) -> dict:
    b = province["city_b"]
    body = LeadershipBody.objects.create(organisation=b, org_path=b.path, kind=BodyKind.CONGRESS)
    term = Term.objects.create(body=body, number=4, starts_on=dt.date(2023, 3, 1), ends_on=dt.date(2028, 3, 1))
    someone = Person.objects.filter(org_path__startswith=b.path).order_by("pk").first()
    Post.objects.create(term=term, person=someone, position="delegate", frontline=True)
    return {"governance_term": term, "governance_rule": ComplianceRule.objects.order_by("pk").first()}

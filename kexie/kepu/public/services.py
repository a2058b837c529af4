"""Delivery's writes: a reader's own subscriptions (replaced as a set, like notice preferences: the reader's own
choice, no audit entry) and the search log (append-only, never the address)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kexie.core.search import query_tokens
from kexie.kepu.models import Audience, SearchLog, Subscription, Topic
from kexie.orgs.models import Region

Q_MAX = 100
TERMS_MAX = 300


@transaction.atomic
def save_subscriptions(user: Any, *, topics: Iterable[Topic] = (), audiences: Iterable[Audience] = (),
                       region: Region | None = None) -> int:
    """Replace the user's subscriptions with these topics, audiences and (at most one) region; how many now."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("请先登录。"))
    Subscription.objects.select_for_update().filter(user=user).delete()
    rows = ([Subscription(user=user, topic=t) for t in dict.fromkeys(topics)]
            + [Subscription(user=user, audience=a) for a in dict.fromkeys(audiences)]
            + ([Subscription(user=user, region=region)] if region is not None else []))
    Subscription.objects.bulk_create(rows)
    return len(rows)


def normalised_terms(q: str) -> str:
    """The query's words as the hot-topic counts use them (``core.search.query_tokens``), space-separated."""
    terms: list[str] = []
    size = 0
    for token in query_tokens(q):
        token = token[:40]
        if size + len(token) + 1 > TERMS_MAX:
            break
        terms.append(token)
        size += len(token) + 1
    return " ".join(terms)


def log_search(q: str, *, region_code: str = "", results: int = 0, user: Any = None) -> SearchLog:
    """One public search: the query, its normalised terms, the region (given or the reader's, never the address)
    and how many items it found."""
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    return SearchLog.objects.create(q=q.strip()[:Q_MAX], terms=normalised_terms(q), region_code=region_code[:12],
                                    results=max(0, results), user=user if signed_in else None)


def reader_region(user: Any) -> Region | None:
    """The region of the signed-in user's own organisation (their Person's), if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    from kexie.people.models import Person

    person = Person.objects.filter(user=user, deleted_at__isnull=True).select_related("org__region").first()
    org = getattr(person, "org", None) if person is not None else None
    return getattr(org, "region", None)

"""The daily roll-up of hot-topic terms into ``TermDay``: every public search's terms (``SearchLog.terms``, or the
query segmented when the search page stored none) and every read's item topic names (``ItemDay.views``), per
region and for all regions (''). Idempotent: a day's rows are replaced as a whole."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from kexie.core.search import query_tokens
from kexie.kepu.models import ItemDay, SearchLog, TermDay, TermSource

MAX_TERM = 40


def search_terms(q: str, terms: str) -> list[str]:
    """The words of a search, and the query itself as one phrase when it has several words: a rumour is searched
    as a sentence (吃碘盐能防辐射吗), and the phrase is what a debunk's claim is matched against."""
    words = terms.split() if terms.strip() else query_tokens(q)
    out = [w.strip().lower()[:MAX_TERM] for w in words if w.strip()]
    phrase = " ".join(q.split()).lower()
    if phrase and len(out) > 1 and len(phrase) <= MAX_TERM:
        out.append(phrase)
    return list(dict.fromkeys(out))


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


def roll_up_day(day: dt.date) -> dict[str, int]:
    """Replace ``day``'s TermDay rows; the numbers of search and read rows written."""
    start, end = _day_bounds(day)
    searched: Counter[tuple[str, str]] = Counter()
    logs = SearchLog.objects.filter(at__gte=start, at__lt=end).values_list("q", "terms", "region_code")
    for q, terms, region in logs.iterator(chunk_size=5000):
        for term in search_terms(q, terms):
            searched[(term, "")] += 1
            if region:
                searched[(term, region)] += 1
    read: Counter[tuple[str, str]] = Counter()
    reads = (ItemDay.objects.filter(day=day, views__gt=0, item__topics__isnull=False)
             .values_list("item__topics__name", "region_code").annotate(n=Sum("views")).order_by())
    for name, region, n in reads:
        term = name.strip().lower()[:MAX_TERM]
        read[(term, "")] += n
        if region:
            read[(term, region)] += n
    rows = [TermDay(day=day, term=t, region_code=r, source=TermSource.SEARCH, count=n)
            for (t, r), n in searched.items()]
    rows += [TermDay(day=day, term=t, region_code=r, source=TermSource.READ, count=n) for (t, r), n in read.items()]
    with transaction.atomic():
        TermDay.objects.filter(day=day).delete()
        TermDay.objects.bulk_create(rows, batch_size=2000)
    return {"search": len(searched), "read": len(read)}


def roll_up(now: dt.datetime | None = None) -> dict[str, int]:
    """Yesterday (complete) and today (so far): what the daily job and ``kexie kepu hot`` run."""
    today = timezone.localdate(now) if now else timezone.localdate()
    out = {"search": 0, "read": 0}
    for day in (today - dt.timedelta(days=1), today):
        for key, n in roll_up_day(day).items():
            out[key] += n
    return out

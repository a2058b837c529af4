"""数字科普 hot topics (decision 0054): searches and reads are rolled up per day into TermDay (idempotently); a
term whose recent count bursts above its own 28-day baseline (one-sided Poisson, p < 0.001, k ≥ 5, k ≥ 2×) is
reported by ``kexie kepu hot`` and the 热点 page, a flat series never is, however large; a rising term a debunk
answers is marked, and "resurfacing" when it rises in a region."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from kexie.kepu.hot.rising import burst, rising
from kexie.kepu.hot.rollup import roll_up_day
from kexie.kepu.models import Debunk, DebunkStatus, SearchLog, TermDay

pytestmark = pytest.mark.django_db
TODAY = None


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def plant(term: str, per_day: dict[int, int], region: str = "", terms: str | None = None) -> None:
    """``per_day``: days ago → searches of ``term`` that day (its words: ``terms``, else the term alone)."""
    today = timezone.localdate()
    for ago, n in per_day.items():
        day = today - dt.timedelta(days=ago)
        rows = SearchLog.objects.bulk_create(
            [SearchLog(q=term, terms=term if terms is None else terms, region_code=region) for _ in range(n)])
        SearchLog.objects.filter(pk__in=[r.pk for r in rows]).update(at=_at(day, 1 if ago == 0 else 10))


def roll_history(days: int = 36) -> None:
    today = timezone.localdate()
    for ago in range(2, days):
        roll_up_day(today - dt.timedelta(days=ago))


def hot_json(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("kepu", "hot", "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_a_planted_burst_is_reported_and_a_flat_series_is_not(province):
    flat = {ago: 6 for ago in range(35)}  # 6 a day for five weeks: large, but its own normal
    plant("流感疫苗", flat)
    burst_days = {ago: 1 for ago in range(7, 35, 3)}  # about 1 every 3 days before …
    burst_days.update({0: 9, 1: 8, 2: 7})  # … then 24 in three days
    plant("碘盐防辐射", burst_days)
    roll_history()
    terms = {t["term"]: t for t in hot_json("--days", "7")}
    assert "流感疫苗" not in terms
    hit = terms["碘盐防辐射"]
    assert hit["count"] == 24
    assert hit["baseline"] < 3 and hit["p"] < 0.001 and hit["ratio"] >= 2
    assert set(hit) == {"term", "count", "baseline", "ratio", "p", "debunked", "regions", "resurfacing"}
    assert hit["debunked"] is False


def test_the_roll_up_is_idempotent_and_counts_today(province):
    plant("台风路径", {0: 6})
    first = hot_json("--days", "1")
    second = hot_json("--days", "1")
    assert first == second
    today = timezone.localdate()
    row = TermDay.objects.get(day=today, term="台风路径", region_code="", source="search")
    assert row.count == 6
    roll_up_day(today)
    assert TermDay.objects.get(day=today, term="台风路径", region_code="", source="search").count == 6


def test_few_searches_are_no_burst():
    assert burst(4, 0, 7) is None  # k < 5
    assert burst(6, 84, 7) is None  # 3 a day expected 21: fewer is no rise
    assert burst(30, 28 * 4, 7) is None  # expected 28: flat
    found = burst(40, 28 * 2, 7)  # expected 14
    assert found is not None and found.p < 0.001 and round(found.ratio, 1) == 2.9


def test_a_debunked_claim_rising_in_a_region_is_resurfacing(province):
    Debunk.objects.create(org=province["root"], org_path=province["root"].path, claim="吃碘盐能防核辐射",
                          verdict="rumour", explanation="不能。", status=DebunkStatus.PUBLISHED,
                          published_at=timezone.now(), search_text="吃 碘盐 能 防 核辐射 吃碘盐能防核辐射")
    phrase = "吃碘盐能防核辐射吗"
    plant(phrase, {0: 5, 1: 4}, region="990100", terms="碘盐 核辐射")
    plant("地震前兆", {0: 5, 1: 4}, region="990100")
    roll_history(3)
    terms = {t["term"]: t for t in hot_json("--days", "3")}
    hit = terms[phrase]  # the sentence people search, beside its words
    assert "碘盐" in terms and "核辐射" in terms
    assert hit["debunked"] is True and hit["regions"] == ["990100"] and hit["resurfacing"] is True
    assert terms["地震前兆"]["debunked"] is False and terms["地震前兆"]["resurfacing"] is False
    only = {t.term: t for t in rising(days=3, region="990100")}
    assert only[phrase].resurfacing and only[phrase].count == 9
    elsewhere = {t.term for t in rising(days=3, region="990200")}
    assert phrase not in elsewhere and "地震前兆" not in elsewhere


def test_hot_page_lists_rising_terms(province, client_a):
    plant("极端高温", {0: 8, 1: 6})
    call_command("kepu", "hot", stdout=io.StringIO())
    resp = client_a.get("/kepu/manage/hot/?days=3")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "极端高温" in html and "暂无" in html
    for query in ("days=abc", "days=999", "region=" + "x" * 5000, "days=%E2%80%8B"):
        assert client_a.get(f"/kepu/manage/hot/?{query}").status_code == 200, query
    assert "极端高温" not in client_a.get("/kepu/manage/hot/?days=1&region=990100").content.decode()


def test_command_text_output_and_flush_tick(province):
    plant("寒潮预警", {0: 7})
    out = io.StringIO()
    call_command("kepu", "hot", "--days", "1", stdout=out)
    assert "寒潮预警：7 次" in out.getvalue()
    out = io.StringIO()
    call_command("kepu", "flush", stdout=out)
    assert "写入阅读记录" in out.getvalue()
    out = io.StringIO()
    call_command("kepu", "tick", stdout=out)
    assert out.getvalue().startswith("写入阅读记录")

"""The census of scientists (底数): figures against direct counts over the scoped people, both ways
(live and summary), scope, filters, the export workbook, age bands at their boundaries."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter

import openpyxl
import pytest
from django.test import override_settings

from kexie.census import services
from kexie.census.models import CensusCount, CensusState
from kexie.census.services import LIVE, SUMMARY, Filters, years_before
from kexie.core.scope import prefix_q
from kexie.orgs.models import Organisation
from kexie.people.models import Person, PersonDiscipline

METHODS = (LIVE, SUMMARY)


@pytest.fixture
def refreshed(db):
    return services.refresh()


def _age(birth: dt.date | None, on: dt.date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _band(age: int | None) -> str:
    if age is None:
        return ""
    for lower, value in ((65, "65p"), (55, "55_64"), (45, "45_54"), (35, "35_44")):
        if age >= lower:
            return value
    return "lt35"


def expected(people, on: dt.date) -> dict[str, Counter]:
    """Direct counts, computed here independently of the service."""
    rows = list(people.values_list("pk", "birth_date", "gender", "title_level", "education", "org__kind_id"))
    primary: dict[int, str] = {}
    for pid, code in (PersonDiscipline.objects.filter(person__in=[r[0] for r in rows], is_primary=True)
                      .values_list("person_id", "discipline__code")):
        primary[pid] = min(primary.get(pid, code[:3]), code[:3])
    out = {k: Counter() for k in ("age", "gender", "title", "education", "discipline", "kind")}
    for pid, birth, gender, title, edu, kind in rows:
        out["age"][_band(_age(birth, on))] += 1
        out["gender"][gender] += 1
        out["title"][title] += 1
        out["education"][edu] += 1
        out["discipline"][primary.get(pid, "")] += 1
        out["kind"][str(kind)] += 1
    return out


def as_values(census, key: str) -> Counter:
    b = next(b for b in census.breakdowns if b.key == key)
    assert abs(sum(r.share for r in b.rows) - (100 if census.total else 0)) < 1, key
    return Counter({r.value: r.n for r in b.rows})


def check(census, people, on: dt.date):
    assert census.total == people.count()
    want = expected(people, on)
    for key, counts in want.items():
        assert as_values(census, key) == +counts, key
    assert sum(as_values(census, "city").values()) == census.total


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("username", ["demo-province", "demo-city-a", "demo-society", "demo-volunteer"])
def test_figures_equal_a_direct_count_over_the_scoped_people(province, refreshed, method, username):
    user = province["users"][username]
    census = services.compute(user, Filters(), method=method)
    assert census.method == method
    check(census, Person.objects.for_user(user, "view").alive(), refreshed.as_of)
    if username == "demo-volunteer":
        assert census.total == 0


@pytest.mark.parametrize("method", METHODS)
def test_filters_apply_to_every_breakdown(province, refreshed, method):
    user, a = province["users"]["demo-province"], province["city_a"]
    county = Organisation.objects.filter(prefix_q("path", [a.path]), depth=a.depth + 1, people_count__gte=0).first()
    scoped = Person.objects.for_user(user, "view").alive()
    code, title = (PersonDiscipline.objects.filter(is_primary=True, person__in=scoped.filter(
        prefix_q("org_path", [a.path]))).values_list("discipline__code", "person__title_level").first())
    disc = code[:3]
    cases = [
        (Filters(org=a), scoped.filter(Person.scope_q([a.path]))),
        (Filters(org=county), scoped.filter(Person.scope_q([county.path]))),
        (Filters(discipline=disc), scoped.filter(pk__in=PersonDiscipline.objects.filter(
            is_primary=True, discipline__code__startswith=disc).values("person_id"))),
        (Filters(title_level=title), scoped.filter(title_level=title)),
        (Filters(title_level=""), scoped.filter(title_level="")),
        (Filters(org=a, discipline=disc, title_level=title), scoped.filter(Person.scope_q([a.path])).filter(
            title_level=title, pk__in=PersonDiscipline.objects.filter(
                is_primary=True, discipline__code__startswith=disc).values("person_id"))),
    ]
    for filters, people in cases:
        census = services.compute(user, filters, method=method)
        check(census, people, refreshed.as_of)
        assert census.total < scoped.count()
    assert services.compute(user, Filters(org=a, discipline=disc), method=method).total > 0


def test_the_two_ways_agree_and_small_scopes_count_live(province, refreshed):
    user = province["users"]["demo-city-a"]
    live = services.compute(user, Filters(), method=LIVE)
    summary = services.compute(user, Filters(), method=SUMMARY)
    assert [(b.key, b.rows) for b in live.breakdowns] == [(b.key, b.rows) for b in summary.breakdowns]
    assert services.compute(user, Filters()).method == LIVE  # the tiny province is under the threshold
    with override_settings(KEXIE_CENSUS_LIVE_MAX=0):
        assert services.compute(user, Filters()).method == SUMMARY


def test_summary_is_a_snapshot_and_says_so(province, refreshed, client_province):
    root = province["root"]
    user = province["users"]["demo-province"]
    before = services.compute(user, Filters(), method=SUMMARY).total
    person = Person.objects.alive().filter(org_path__startswith=root.path).first()
    Person.objects.filter(pk=person.pk).update(deleted_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    assert services.compute(user, Filters(), method=SUMMARY).total == before
    assert services.compute(user, Filters(), method=LIVE).total == before - 1
    state = services.refresh()
    assert services.compute(user, Filters(), method=SUMMARY).total == before - 1 == state.people
    with override_settings(KEXIE_CENSUS_LIVE_MAX=0):
        html = client_province.get("/census/").content.decode()
    assert "数据更新于" in html
    assert "实时统计" in client_province.get("/census/").content.decode()


def test_city_a_sees_only_its_figures_and_cannot_filter_into_city_b(province, refreshed, client_a):
    user_a, b = province["users"]["demo-city-a"], province["city_b"]
    with override_settings(KEXIE_CENSUS_LIVE_MAX=0):
        resp = client_a.get("/census/")
        assert resp.status_code == 200
        assert resp.context["census"].total == Person.objects.for_user(user_a).alive().count()
        assert resp.context["census"].method == SUMMARY
        assert client_a.get(f"/census/?org={b.pk}").status_code == 404
        assert client_a.get(f"/census/export/?org={b.pk}").status_code == 404
    assert client_a.get(f"/census/?org={b.pk}").status_code == 404
    html = resp.content.decode()
    assert b.name not in html
    assert f'value="{b.pk}"' not in html  # city B is not offered as a filter
    # City B's people are in no figure: the total excludes every one of them.
    b_only = Person.objects.alive().filter(prefix_q("org_path", [b.path])).exclude(
        pk__in=Person.objects.for_user(user_a).values("pk"))
    assert b_only.exists()
    a_people = Person.objects.alive().filter(prefix_q("org_path", [province["city_a"].path])).count()
    assert resp.context["census"].total >= a_people


def test_county_breakdown_for_one_city(province, refreshed, client_a, client_province):
    keys = [b.key for b in client_a.get("/census/").context["census"].breakdowns]
    assert keys[:2] == ["city", "county"]
    assert "county" not in [b.key for b in client_province.get("/census/").context["census"].breakdowns]
    a = province["city_a"]
    census = client_province.get(f"/census/?org={a.pk}").context["census"]
    assert "county" in [b.key for b in census.breakdowns]
    # the organisation typed into the picker ("code name", or a unique part of the name) gives the same figures
    from kexie.orgs.widgets import shown

    for typed in (shown(a), a.name):
        resp = client_province.get("/census/", {"org": typed})
        assert resp.status_code == 200 and resp.context["census"].total == census.total
    # city A cannot type its way into city B: a Chinese message, no figures
    resp = client_a.get("/census/", {"org": province["city_b"].name})
    assert resp.status_code == 400 and resp.context["census"] is None
    assert "找不到" in resp.content.decode()


def test_page_filters_htmx_and_csp(province, refreshed, client_province):
    a = province["city_a"]
    resp = client_province.get("/census/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert 'id="census-data" type="application/json"' in html
    assert "vendor/echarts/echarts.min.js" in html and "kexie/charts.js" in html
    assert 'data-chart="census-data" data-chart-key="age"' in html
    assert "<script>" not in html and " on" + "change=" not in html
    partial = client_province.get(f"/census/?org={a.pk}&title_level=senior", headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in body and 'id="census-data"' in body
    data = json.loads(body.split('id="census-data" type="application/json">')[1].split("</script>")[0])
    assert data["total"] == Person.objects.alive().filter(Person.scope_q([a.path]), title_level="senior").count()
    assert [b["key"] for b in data["breakdowns"]][:2] == ["city", "county"]
    assert sum(next(b for b in data["breakdowns"] if b["key"] == "age")["values"]) == data["total"]


@pytest.mark.parametrize("query", ["org=abc", "discipline=999x", "title_level=boss", "org=-3"])
def test_bad_filters_get_a_chinese_message(province, client_province, query):
    resp = client_province.get(f"/census/?{query}")
    assert resp.status_code == 400
    assert "筛选条件有误" in resp.content.decode()
    assert client_province.get(f"/census/?{query}", headers={"HX-Request": "true"}).status_code == 200
    assert client_province.get(f"/census/export/?{query}").status_code == 400


def test_missing_org_is_404(province, client_province):
    assert client_province.get("/census/?org=987654321").status_code == 404


@pytest.mark.parametrize("live_max", [0, 10**9])
def test_export_workbook(province, refreshed, client_a, live_max):
    user_a = province["users"]["demo-city-a"]
    with override_settings(KEXIE_CENSUS_LIVE_MAX=live_max):
        resp = client_a.get("/census/export/?title_level=middle")
    assert resp.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content)), read_only=True)
    assert wb.sheetnames == ["说明", "地区（市）", "地区（县、区）", "年龄段", "性别", "职称级别", "学历", "一级学科", "组织类型"]
    info = {r[0]: r[1] for r in wb["说明"].iter_rows(min_row=2, values_only=True)}
    people = Person.objects.for_user(user_a, "export").alive().filter(title_level="middle")
    assert info["统计范围"] == province["city_a"].name
    assert info["职称级别"] == "中级"
    assert info["去重科技工作者总数"] == people.count() > 0
    assert info["年龄计算日期"].date() == (refreshed.as_of if live_max == 0 else services.today())
    assert ("实时统计" == info["数据更新于"]) is (live_max != 0)
    want = expected(people, info["年龄计算日期"].date())
    labels = {"男": "M", "女": "F"}
    gender = {labels[r[0]]: r[1] for r in list(wb["性别"].iter_rows(min_row=2, values_only=True))[:-1]}
    assert gender == +want["gender"]
    for name in wb.sheetnames[1:]:
        rows = list(wb[name].iter_rows(min_row=2, values_only=True))
        assert rows[-1][:2] == ("合计", people.count())
        assert sum(r[1] for r in rows[:-1]) == people.count(), name
        assert all(isinstance(r[2], int | float) for r in rows)


def test_years_before_handles_29_february():
    assert years_before(dt.date(2024, 2, 29), 1) == dt.date(2023, 2, 28)
    assert years_before(dt.date(2024, 2, 29), 4) == dt.date(2020, 2, 29)
    on = dt.date(2035, 2, 28)
    assert services.age_band(dt.date(2000, 2, 29), on) == "lt35"  # 34 until 1 March in a common year
    assert services.age_band(dt.date(2000, 2, 29), dt.date(2035, 3, 1)) == "35_44"
    assert services.age_band(dt.date(1970, 3, 1), on) == "55_64"
    assert services.age_band(dt.date(1970, 2, 28), on) == "65p"
    assert services.age_band(None, on) == ""


@pytest.mark.parametrize("method", METHODS)
def test_age_bands_at_their_boundaries(province, method):
    user = province["users"]["demo-province"]
    org = Organisation.objects.filter(prefix_q("path", [province["city_a"].path]), depth=4).first()
    today = services.today()
    services.refresh()
    before = as_values(services.compute(user, Filters(org=org), method=method), "age")
    births = {
        "lt35": [today - dt.timedelta(days=1), years_before(today, 35) + dt.timedelta(days=1)],
        "35_44": [years_before(today, 35), years_before(today, 45) + dt.timedelta(days=1)],
        "45_54": [years_before(today, 45), years_before(today, 55) + dt.timedelta(days=1)],
        "55_64": [years_before(today, 55), years_before(today, 65) + dt.timedelta(days=1)],
        "65p": [years_before(today, 65), dt.date(1930, 1, 1)],
        "": [None],
    }
    from kexie.people.services import create_person

    for band, dates in births.items():
        for k, birth in enumerate(dates):
            create_person(user, {"name": f"边界{band}{k}", "gender": "F", "birth_date": birth, "org": org})
    for p in Person.objects.filter(name__startswith="边界"):
        assert _band(_age(p.birth_date, today)) == next(b for b, ds in births.items() if p.birth_date in ds)
    services.refresh(as_of=today)
    after = as_values(services.compute(user, Filters(org=org), method=method), "age")
    assert after - before == Counter({band: len(dates) for band, dates in births.items()})


def test_refresh_is_set_based_and_complete(province, refreshed):
    assert CensusState.objects.count() == 1
    assert refreshed.people == Person.objects.alive().count()
    assert refreshed.rows == CensusCount.objects.count()
    totals = CensusCount.objects.filter(discipline="*", title_level="*", dimension="total")
    assert sum(totals.values_list("n", flat=True)) == refreshed.people
    # Every organisation's row carries its path (so scope and subtree moves apply to it).
    paths = dict(Organisation.objects.values_list("pk", "path"))
    assert all(paths[o] == p for o, p in totals.values_list("org_id", "org_path"))
    services.refresh()
    assert CensusState.objects.count() == 1 and CensusCount.objects.count() == refreshed.rows


def test_census_rows_follow_subtree_moves(db):
    from kexie.orgs.services import path_columns

    assert ("census_censuscount", "org_path") in {(m._meta.db_table, c) for m, c in path_columns()}


def test_daily_command_refreshes_the_census(province, capsys):
    from django.core.management import call_command

    call_command("daily", now=True)
    assert CensusState.objects.get().people == Person.objects.alive().count()
    assert "底数汇总已更新" in capsys.readouterr().out

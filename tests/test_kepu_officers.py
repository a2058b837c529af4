"""科普中国信息员: registration with numbers in sequence, points by the rules with daily caps, the share button, the
reads an officer's links bring (for the view counters' flush), the yearly ranking (order, ties, masked names, by
region), staff pages in scope with the export and 停用, and the point rules at the province only."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from kexie.accounts.models import User
from kexie.core.audit import history_for
from kexie.kepu.models import InfoOfficer, Item, PointAction, PointEntry, PointRule
from kexie.kepu.officers import points, ranking, services
from kexie.orgs.models import Organisation, Region
from tests.conftest import login

pytestmark = pytest.mark.django_db
TODAY = dt.date(2031, 5, 6)  # a year the demo seed gave no points in


def person(name: str) -> User:
    return User.objects.create_user(name, password="kexie-test-password-1")


def officer(org: Organisation, name: str, *, region: Region | None = None) -> InfoOfficer:
    return services.register(person(f"u-{name}"), org=org, display_name=name, region=region)


def published(org: Organisation, title: str) -> Item:
    return Item.objects.create(org=org, org_path=org.path, title=title, summary=f"{title}摘要", status="published",
                               published_at=timezone.now())


def test_registration_numbers_follow_in_sequence_and_share_codes_differ(province):
    year = timezone.localdate().year
    first, second = officer(province["city_a"], "张三丰"), officer(province["city_b"], "李四")
    assert re.fullmatch(rf"KP{year}\d{{6}}", first.number)
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    assert first.share_code and first.share_code != second.share_code
    assert first.org_path == province["city_a"].path
    assert [e.action for e in history_for(first)] == ["kepu.officer.registered"]
    with pytest.raises(ValidationError):  # one registration per user
        services.register(first.user, org=province["city_a"], display_name="又一次")
    with pytest.raises(ValidationError):
        services.register(person("u-blank"), org=province["city_a"], display_name="   ")


def test_the_join_page_registers_a_signed_in_individual_and_refuses_bad_input(province):
    user = person("u-join")
    client = Client()
    client.force_login(user)
    assert client.get("/kepu/officers/me/")["Location"] == "/kepu/officers/join/"
    page = client.get("/kepu/officers/join/")
    assert page.status_code == 200 and "注册科普中国信息员" in page.content.decode()
    bad = client.post("/kepu/officers/join/", {"org": "没有这个组织", "display_name": "王五\x00" * 30})
    assert bad.status_code == 400 and not InfoOfficer.objects.filter(user=user).exists()
    city = province["city_a"]
    resp = client.post("/kepu/officers/join/", {"org": city.code, "display_name": "王五"})
    assert resp.status_code == 302 and resp["Location"] == "/kepu/officers/me/"
    me = client.get("/kepu/officers/me/").content.decode()
    officer_ = InfoOfficer.objects.get(user=user)
    assert officer_.org == city and officer_.number in me
    assert client.get("/kepu/officers/join/")["Location"] == "/kepu/officers/me/"  # already registered


def test_points_follow_the_rules_with_a_daily_cap_and_inactive_rules_give_nothing(province):
    o = officer(province["city_a"], "赵六")
    PointRule.objects.filter(action=PointAction.SHARE).update(points=2, daily_cap=5, active=True)
    got = [points.award(o, PointAction.SHARE, day=TODAY) for _ in range(4)]
    assert got == [2, 2, 1, 0]  # 5 points a day at most; the fourth writes nothing
    assert PointEntry.objects.filter(officer=o, day=TODAY).count() == 3
    assert points.award(o, PointAction.SHARE, day=TODAY + dt.timedelta(days=1)) == 2  # a new day
    PointRule.objects.filter(action=PointAction.RATED).update(active=False)
    assert points.award(o, PointAction.RATED, day=TODAY) == 0
    o.active = False
    o.save()
    assert points.award(o, PointAction.SHARE, day=TODAY + dt.timedelta(days=2)) == 0  # a stopped officer


def test_reads_through_share_links_give_points_in_one_call_capped(province):
    a, b = officer(province["city_a"], "钱七"), officer(province["city_b"], "孙八")
    PointRule.objects.filter(action=PointAction.SHARE_READ).update(points=1, daily_cap=50, active=True)
    assert points.award_share_reads({a.pk: 70, b.pk: 3, 999999: 4}, TODAY) == 53
    assert PointEntry.objects.get(officer=a, action=PointAction.SHARE_READ).points == 50
    assert PointEntry.objects.get(officer=b, action=PointAction.SHARE_READ).points == 3
    assert points.award_share_reads({a.pk: 5}, TODAY) == 0


def test_the_share_button_records_points_once_per_item_and_day(province):
    o = officer(province["city_a"], "周九")
    item = published(province["root"], "夏季防溺水指南")
    client = Client()
    client.force_login(o.user)
    page = client.get("/kepu/officers/me/").content.decode()
    assert f"/kepu/items/{item.pk}/?via={o.share_code}" in page
    resp = client.post(f"/kepu/officers/share/{item.pk}/", follow=True)
    assert "积分 +2" in resp.content.decode()
    client.post(f"/kepu/officers/share/{item.pk}/")
    assert PointEntry.objects.filter(officer=o, action=PointAction.SHARE).count() == 1
    draft = Item.objects.create(org=province["root"], org_path=province["root"].path, title="草稿")
    assert client.post(f"/kepu/officers/share/{draft.pk}/").status_code == 404
    stranger = Client()
    stranger.force_login(person("u-not-officer"))
    assert stranger.post(f"/kepu/officers/share/{item.pk}/").status_code == 403
    assert client.get(f"/kepu/officers/share/{item.pk}/").status_code == 405


def test_the_ranking_orders_by_points_then_registration_and_masks_names(province):
    year = TODAY.year
    first, tied_later, top = (officer(province["city_a"], "欧阳明"), officer(province["city_b"], "李华"),
                              officer(province["city_a"], "王大锤"))
    PointRule.objects.update(daily_cap=0)
    for o, n in ((first, 3), (tied_later, 3), (top, 5)):
        points.award(o, PointAction.SHARE, day=TODAY, times=n)
    points.award(top, PointAction.SHARE, day=dt.date(year - 1, 12, 31), times=50)  # another year
    rows = ranking.top(year)
    assert [r.officer_id for r in rows] == [top.pk, first.pk, tied_later.pk]
    assert [r.points for r in rows] == [10, 6, 6] and [r.rank for r in rows] == [1, 2, 3]
    assert ranking.standing(tied_later, year) == (6, 3)
    html = Client().get(f"/kepu/officers/ranking/?year={year}&n=2").content.decode()
    assert "王＊" in html and "欧＊" in html and "李＊" not in html  # the top 2
    assert "王大锤" not in html and "欧阳明" not in html
    assert province["city_a"].name in html
    assert ranking.mask("") == "＊"
    # bad query values fall back, never an error
    assert Client().get("/kepu/officers/ranking/?year=abc&n=-5&region=x1").status_code == 200


def test_the_ranking_by_region_counts_officers_of_the_region_and_below(province):
    city_region = Region.objects.filter(level="city").order_by("code").first()
    county = Region.objects.filter(parent=city_region).first() or city_region
    other = Region.objects.filter(level="city").exclude(pk=city_region.pk).first()
    near, far = officer(province["city_a"], "陈一", region=county), officer(province["city_a"], "陈二", region=other)
    for o in (near, far):
        points.award(o, PointAction.SHARE, day=TODAY)
    assert [r.officer_id for r in ranking.top(TODAY.year, region_code=city_region.code)] == [near.pk]
    assert ranking.top(TODAY.year, region_code="999999") == []


def test_staff_list_is_in_scope_exports_and_deactivates_after_asking(province, client_a):
    mine, theirs = officer(province["city_a"], "A市信息员甲"), officer(province["city_b"], "B市信息员乙")
    html = client_a.get("/kepu/manage/officers/").content.decode()
    assert "A市信息员甲" in html and "B市信息员乙" not in html
    assert "data-confirm" in html and f"/kepu/manage/officers/{mine.pk}/active/" in html
    export = client_a.get("/kepu/manage/officers/export/")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "A市信息员甲" in names and "B市信息员乙" not in names
    assert client_a.post(f"/kepu/manage/officers/{theirs.pk}/active/", {"active": "0"}).status_code == 404
    assert client_a.post(f"/kepu/manage/officers/{mine.pk}/active/", {"active": "0"}).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert not mine.active and theirs.active
    with pytest.raises(PermissionDenied):
        services.set_active(province["users"]["demo-city-a"], theirs, False)
    assert client_a.post(f"/kepu/manage/officers/{mine.pk}/active/", {"active": "x"}).status_code == 302
    mine.refresh_from_db()
    assert not mine.active  # a bad value changes nothing


def test_point_rules_are_edited_at_the_province_only_through_a_formset(province, client_province, client_a):
    assert client_a.get("/kepu/manage/officers/rules/").status_code == 403
    page = client_province.get("/kepu/manage/officers/rules/")
    assert page.status_code == 200 and "分享作品" in page.content.decode()
    rules = list(PointRule.objects.order_by("action"))
    data = {"rules-TOTAL_FORMS": str(len(rules)), "rules-INITIAL_FORMS": str(len(rules))}
    for i, r in enumerate(rules):
        data.update({f"rules-{i}-action": r.action, f"rules-{i}-points": str(r.points),
                     f"rules-{i}-daily_cap": str(r.daily_cap)} | ({f"rules-{i}-active": "on"} if r.active else {}))
    share = next(i for i, r in enumerate(rules) if r.action == PointAction.SHARE)
    bad = dict(data, **{f"rules-{share}-points": "-3"})
    assert client_province.post("/kepu/manage/officers/rules/", bad).status_code == 400
    assert PointRule.objects.get(action=PointAction.SHARE).points == 2
    good = dict(data, **{f"rules-{share}-points": "3", f"rules-{share}-daily_cap": "9"})
    good.pop(f"rules-{share}-active", None)
    assert client_province.post("/kepu/manage/officers/rules/", good).status_code == 302
    rule = PointRule.objects.get(action=PointAction.SHARE)
    assert (rule.points, rule.daily_cap, rule.active) == (3, 9, False)
    with pytest.raises(PermissionDenied):
        services.save_rules(province["users"]["demo-city-a"], [{"action": "share", "points": 1}])


def test_the_officer_page_shows_rank_and_ledger_on_a_phone_sized_page(province):
    o = officer(province["city_a"], "刘备")
    points.award(o, PointAction.SHARE, item=published(province["root"], "台风来了怎么办"))
    total, rank = ranking.standing(o, timezone.localdate().year)
    assert total == 2 and rank is not None
    client = login(o.user.username)
    html = client.get("/kepu/officers/me/").content.decode()
    assert f'id="officer-rank">{rank}<' in html and f'id="officer-points">{total}<' in html and "台风来了怎么办" in html and 'name="viewport"' in html

"""数字科普 effect (decision 0054): views are buffered — no row until flush, then ViewEvent rows, ItemDay and
Item.views/readers right with unique readers per day — in process or in Redis; the reading beacon adds time and
completion without a view and refuses bad input with an empty 400; a reader's rating is changed, not added; the
effect page's figures add up, its export opens, and its scope is the items' organisations."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from kexie.kepu.effect import counter
from kexie.kepu.effect.counter import flush, record_engagement, record_view
from kexie.kepu.models import Item, ItemDay, ItemStatus, Rating, ViewEvent
from kexie.orgs.models import Level, Region


@pytest.fixture(autouse=True)
def _in_process(settings, db):
    settings.KEXIE_REDIS_URL = ""
    settings.KEXIE_KEPU_VIEW_BATCH = 200
    counter._batch.take()  # nothing left over from another test
    yield
    counter._batch.take()


def make(org, title: str, status: str = ItemStatus.PUBLISHED) -> Item:
    now = timezone.now()
    return Item.objects.create(org=org, org_path=org.path, title=title, status=status,
                               published_at=now if status == ItemStatus.PUBLISHED else None)


def test_views_are_buffered_until_flush_then_counted_once_per_reader(province):
    a = province["city_a"]
    one, two = make(a, "秋冬季流感防护要点"), make(a, "科学认识转基因")
    for reader in ("r1", "r2", "r1"):
        record_view(one.pk, reader=reader, region_code="990100")
    record_view(two.pk, reader="r1", channel="wechat")
    assert not ViewEvent.objects.filter(item_id__in=[one.pk, two.pk]).exists()  # nothing written per view
    assert not ItemDay.objects.filter(item=one).exists()

    assert flush() == 4
    assert ViewEvent.objects.filter(item_id=one.pk).count() == 3
    day = ItemDay.objects.get(item=one)
    assert (day.views, day.readers, day.channel, day.region_code, day.org_path) == (3, 2, "web", "990100", a.path)
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.views, one.readers, two.views, two.readers) == (3, 2, 1, 1)

    # Later the same day: r1 again is no new reader, r3 is.
    record_view(one.pk, reader="r1", region_code="990100")
    record_view(one.pk, reader="r3", region_code="990100")
    assert flush() == 2
    day.refresh_from_db()
    one.refresh_from_db()
    assert (day.views, day.readers, one.views, one.readers) == (5, 3, 5, 3)
    assert flush() == 0


def test_a_full_batch_is_written_without_waiting_for_flush(province, settings):
    settings.KEXIE_KEPU_VIEW_BATCH = 3
    item = make(province["city_a"], "防灾减灾小常识")
    record_view(item.pk, reader="x")
    record_view(item.pk, reader="y")
    assert not ViewEvent.objects.filter(item_id=item.pk).exists()
    record_view(item.pk, reader="z")
    assert ViewEvent.objects.filter(item_id=item.pk).count() == 3
    item.refresh_from_db()
    assert item.views == 3


def test_views_of_a_deleted_item_are_dropped_not_fatal(province):
    item = make(province["city_a"], "将被删除的作品")
    record_view(item.pk, reader="x")
    gone = item.pk
    item.delete()
    live = make(province["city_a"], "仍在的作品")
    record_view(live.pk, reader="x")
    flush()
    assert not ViewEvent.objects.filter(item_id=gone).exists()
    assert ItemDay.objects.get(item=live).views == 1


def test_engagement_adds_time_and_completion_without_a_view(province):
    item = make(province["city_a"], "读完率测试作品")
    record_view(item.pk, reader="r1")
    record_engagement(item.pk, reader="r1", seconds=95, completed=True)
    record_engagement(item.pk, reader="r1", shared=True)
    flush()
    day = ItemDay.objects.get(item=item)
    assert (day.views, day.readers, day.seconds, day.completions, day.shares) == (1, 1, 95, 1, 1)
    item.refresh_from_db()
    assert item.views == 1


def _redis(settings):
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    settings.KEXIE_REDIS_URL = url
    client.delete(counter.REDIS_KEY)
    for key in client.scan_iter("kx:kepu:seen:*"):
        client.delete(key)
    return client


def test_redis_buffer_counts_in_redis_and_writes_on_flush(province, settings):
    client = _redis(settings)
    item = make(province["city_a"], "Redis 缓冲测试作品")
    for reader in ("r1", "r2", "r1", "r3"):
        record_view(item.pk, reader=reader)
    record_engagement(item.pk, reader="r2", seconds=40, completed=True)
    assert client.llen(counter.REDIS_KEY) == 5
    assert not ViewEvent.objects.filter(item_id=item.pk).exists()
    assert len(counter._batch) == 0
    assert flush() == 5
    assert client.llen(counter.REDIS_KEY) == 0
    day = ItemDay.objects.get(item=item)
    assert (day.views, day.readers, day.seconds, day.completions) == (4, 3, 40, 1)
    record_view(item.pk, reader="r3")  # seen today: Redis remembers across flushes
    record_view(item.pk, reader="r4")
    flush()
    item.refresh_from_db()
    assert (item.views, item.readers) == (6, 4)
    client.delete(counter.REDIS_KEY)


def test_redis_unreachable_falls_back_to_the_process(province, settings):
    settings.KEXIE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    counter._clients.clear()
    item = make(province["city_a"], "Redis 不可用时")
    record_view(item.pk, reader="r1")
    assert len(counter._batch) == 1
    settings.KEXIE_REDIS_URL = ""
    assert flush() == 1
    assert ItemDay.objects.get(item=item).views == 1


# -- the beacon ------------------------------------------------------------------------------------------------

def test_beacon_records_engagement_and_refuses_bad_input(province):
    item = make(province["city_a"], "信标测试作品")
    draft = make(province["city_a"], "信标草稿", status=ItemStatus.DRAFT)
    client = Client(enforce_csrf_checks=True)  # the beacon is CSRF-exempt
    bad = [{}, {"item": "abc"}, {"item": str(item.pk), "seconds": "-5"}, {"item": str(item.pk), "seconds": "9" * 40},
           {"item": "9" * 30}, {"item": str(draft.pk), "seconds": "10"},
           {"item": str(item.pk), "seconds": "10", "region": "北京"}, {"item": str(item.pk), "channel": "x" * 5000}]
    for data in bad:
        resp = client.post("/kepu/beacon/", data)
        assert resp.status_code == 400, data
        assert resp.content == b""
    assert client.get("/kepu/beacon/").status_code == 405
    resp = client.post("/kepu/beacon/", {"item": str(item.pk), "seconds": "75", "completed": "1", "shared": "0"})
    assert resp.status_code == 204
    assert "kx_r" in resp.cookies  # the anonymous reader gets the first-party cookie
    flush()
    assert not ItemDay.objects.filter(item=draft).exists()
    day = ItemDay.objects.get(item=item)
    assert (day.views, day.seconds, day.completions) == (0, 75, 1)
    event = ViewEvent.objects.get(item_id=item.pk)
    assert len(event.reader) == 32 and event.reader != resp.cookies["kx_r"].value


def test_beacon_is_rate_limited(province, settings):
    from django.core.cache import cache

    cache.clear()
    settings.KEXIE_KEPU_BEACON_RATE = "2/m"
    item = make(province["city_a"], "限流测试作品")
    client = Client()
    codes = [client.post("/kepu/beacon/", {"item": item.pk, "seconds": 5}).status_code for _ in range(3)]
    assert codes == [204, 204, 429]
    cache.clear()


def test_reader_id_follows_the_cookie_and_the_account(province, rf):
    from kexie.kepu.effect.readers import reader_id

    request = rf.get("/")
    request.user = province["users"]["demo-city-a"]
    signed_in = reader_id(request)
    again = rf.get("/")
    again.user = province["users"]["demo-city-a"]
    assert reader_id(again) == signed_in
    from django.contrib.auth.models import AnonymousUser

    anon = rf.get("/", HTTP_COOKIE="kx_r=abcdefghijklmnopqrstuv")
    anon.user = AnonymousUser()
    other = rf.get("/", HTTP_COOKIE="kx_r=abcdefghijklmnopqrstuv")
    other.user = AnonymousUser()
    assert reader_id(anon) == reader_id(other) != signed_in
    assert "abcdefghijklmnopqrstuv" not in reader_id(anon)


# -- ratings ---------------------------------------------------------------------------------------------------

def test_a_reader_rates_once_and_changes_the_rating(province):
    item = make(province["city_a"], "评价测试作品")
    reader = Client()
    resp = reader.post(f"/kepu/items/{item.pk}/rate/", {"stars": "4"}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200
    assert "感谢您的评价" in resp.content.decode()
    reader.post(f"/kepu/items/{item.pk}/rate/", {"helped": "yes"}, HTTP_HX_REQUEST="true")
    reader.post(f"/kepu/items/{item.pk}/rate/", {"stars": "2"}, HTTP_HX_REQUEST="true")
    rating = Rating.objects.get(item=item)
    assert (rating.stars, rating.helped) == (2, True)
    Client().post(f"/kepu/items/{item.pk}/rate/", {"stars": "5", "helped": "no"}, HTTP_HX_REQUEST="true")
    assert Rating.objects.filter(item=item).count() == 2


def test_ratings_refuse_bad_input_and_unpublished_items(province):
    item = make(province["city_a"], "评价输入测试")
    draft = make(province["city_a"], "未发布作品", status=ItemStatus.DRAFT)
    reader = Client()
    for data in ({"stars": "9"}, {}, {"helped": "maybe"}, {"stars": "x" * 5000}):
        resp = reader.post(f"/kepu/items/{item.pk}/rate/", data, HTTP_HX_REQUEST="true")
        assert resp.status_code == 400, data
        assert 'role="alert"' in resp.content.decode()
    assert reader.post(f"/kepu/items/{item.pk}/rate/", {}).status_code == 400  # the layout page without htmx
    assert reader.post(f"/kepu/items/{draft.pk}/rate/", {"stars": "3"}).status_code == 404
    assert reader.post("/kepu/items/99999999999999999999/rate/", {"stars": "3"}).status_code == 404
    assert not Rating.objects.filter(item__in=[item, draft]).exists()
    resp = reader.post(f"/kepu/items/{item.pk}/rate/", {"stars": "3"})
    assert resp.status_code == 302 and resp["Location"].endswith(f"/kepu/items/{item.pk}/#kepu-rate")


# -- the effect pages ------------------------------------------------------------------------------------------

@pytest.fixture
def region():
    r, _ = Region.objects.get_or_create(code="990100", defaults={"name": "测试市", "level": Level.CITY})
    return r


def _readings(province, region):
    a, b = province["city_a"], province["city_b"]
    one, two, other = make(a, "甲市作品一"), make(a, "甲市作品二"), make(b, "乙市作品保密")
    for n in range(5):
        record_view(one.pk, reader=f"r{n}", region_code=region.code)
    for n in range(3):
        record_view(two.pk, reader=f"r{n}", channel="wechat")
    record_engagement(one.pk, reader="r0", seconds=120, completed=True)
    for n in range(7):
        record_view(other.pk, reader=f"b{n}")
    flush()
    Rating.objects.create(item=one, reader="r0", stars=5, helped=True)
    Rating.objects.create(item=one, reader="r1", stars=3, helped=False)
    return one, two, other


def _by(client, by: str) -> dict:
    data = client.get(f"/kepu/manage/effect/?by={by}").context["report"]
    return {"total": data.total.views, "rows": {r.label: r.views for r in data.rows}, "sum": sum(r.views for r in data.rows)}


def test_effect_page_figures_add_up_within_scope(province, client_a, region):
    before = {by: _by(client_a, by) for by in ("item", "channel", "region", "org")}
    one, two, other = _readings(province, region)
    resp = client_a.get("/kepu/manage/effect/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "甲市作品一" in html and "甲市作品二" in html and "乙市作品保密" not in html
    assert f"/kepu/manage/{one.pk}/effect/" in html
    rows = {r.key: r for r in resp.context["report"].rows}
    assert (rows[one.pk].views, rows[one.pk].readers, rows[one.pk].completion_rate) == (5, 5, 20.0)
    assert (rows[one.pk].stars, rows[one.pk].helped_pct, rows[two.pk].views) == (4.0, 50.0, 3)
    assert other.pk not in rows
    for by in ("item", "channel", "region", "org"):
        after = _by(client_a, by)
        assert after["total"] == before[by]["total"] + 8 == after["sum"], by  # city B's 7 reads are not here
    channels, was = _by(client_a, "channel")["rows"], before["channel"]["rows"]
    assert channels["网站"] - was.get("网站", 0) == 5 and channels["微信"] - was.get("微信", 0) == 3
    places = _by(client_a, "region")["rows"]
    assert places[region.name] - before["region"]["rows"].get(region.name, 0) == 5
    audience = client_a.get("/kepu/manage/effect/?by=audience")
    assert audience.status_code == 200 and "各行之和可能大于合计" in audience.content.decode()


def test_effect_page_bad_filters_show_a_chinese_error(client_a, province):
    for query in ("month=2026-13", "month=abc", "month=" + "9" * 5000):
        resp = client_a.get(f"/kepu/manage/effect/?{query}")
        assert resp.status_code == 200, query
        assert "月份格式应为 2026-05" in resp.content.decode(), query
        assert resp.context["report"].month == timezone.localdate().replace(day=1)  # this month meanwhile
    assert client_a.get("/kepu/manage/effect/?by=nothing").status_code == 200
    assert client_a.get("/kepu/manage/effect/?month=2026-01%00").status_code == 400  # NUL: the 400 page
    last_year = client_a.get("/kepu/manage/effect/?month=2000-01")
    assert last_year.status_code == 200 and "所选月份没有阅读记录" in last_year.content.decode()


def test_effect_export_opens_with_the_same_figures(province, client_a, region):
    _readings(province, region)
    resp = client_a.get("/kepu/manage/effect/export/?by=item")
    assert resp.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content)), read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "作品"
    body = {r[0]: r for r in rows[1:]}
    assert body["甲市作品一"][1] == 5 and body["甲市作品二"][1] == 3
    assert body["合计"][1] == sum(r[1] for r in rows[1:-1])
    assert "乙市作品保密" not in body


def test_item_effect_page_in_scope_only(province, client_a, client_b, region):
    one, _two, other = _readings(province, region)
    resp = client_a.get(f"/kepu/manage/{one.pk}/effect/")
    assert resp.status_code == 200
    assert resp.context["data"]["total"].views == 5
    assert sum(r.views for r in resp.context["data"]["series"]) == 5
    assert client_a.get(f"/kepu/manage/{other.pk}/effect/").status_code == 404
    assert client_b.get(f"/kepu/manage/{other.pk}/effect/").status_code == 200
    assert client_a.get("/kepu/manage/99999999999999999999/effect/").status_code == 404


def test_effect_pages_need_kepu_view(province):
    from kexie.accounts.models import User

    user = User.objects.create_user("plain-reader", password="x-Pass-1234567")
    client = Client()
    client.force_login(user)
    assert client.get("/kepu/manage/effect/").status_code == 403
    assert client.get("/kepu/manage/effect/export/").status_code == 403
    assert client.get("/kepu/manage/hot/").status_code == 403
    assert "您没有查看数字科普传播效果的权限" in client.get("/kepu/manage/effect/").content.decode()


def test_registry_figures_count_last_year_per_organisation(province):
    import datetime as dt

    from kexie.kepu import figures

    a, b = province["city_a"], province["city_b"]
    items_before, reads_before = figures.kepu_items([a, b]), figures.kepu_reads([a, b])
    item = make(a, "上年度作品")
    last = timezone.localdate().year - 1
    Item.objects.filter(pk=item.pk).update(published_at=timezone.make_aware(dt.datetime(last, 6, 1)))
    make(a, "今年的作品")  # published now: not last year's
    ItemDay.objects.create(item=item, org_path=a.path, day=dt.date(last, 6, 2), channel="web", views=11)
    ItemDay.objects.create(item=item, org_path=a.path, day=dt.date(last + 1, 1, 2), channel="web", views=99)
    items_after = figures.kepu_items([a, b])
    assert items_after.get(a.pk, 0) == items_before.get(a.pk, 0) + 1
    assert items_after.get(b.pk, 0) == items_before.get(b.pk, 0)
    reads_after = figures.kepu_reads([a, b])
    assert reads_after.get(a.pk, 0) == reads_before.get(a.pk, 0) + 11
    assert reads_after.get(b.pk, 0) == reads_before.get(b.pk, 0)

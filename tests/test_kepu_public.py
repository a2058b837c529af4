"""数字科普 delivery (SPEC §3.6, decision 0052): the public pages, search, feeds and the personal feed show only
published, unretracted items; feeds filter by region (ancestors), audience and topic and refuse unknown values
with a Chinese 400; a retraction changes page and feeds at once (cache generation); searches are logged; a
published item reaches its subscribers once, in the background."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from kexie.core.services import SYSTEM
from kexie.kepu.content.services import create_item
from kexie.kepu.models import Audience, Item, ItemStatus, SearchLog, Subscription, Topic
from kexie.kepu.public import push
from kexie.kepu.review.services import publish, retract
from kexie.notices.models import Notification
from kexie.orgs.models import Level, Region


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def regions(db):
    prov, _ = Region.objects.get_or_create(code="990000", defaults={"name": "测试省", "level": Level.PROVINCE})
    city, _ = Region.objects.get_or_create(code="990100", defaults={"name": "测试市", "level": Level.CITY,
                                                                    "parent": prov})
    county, _ = Region.objects.get_or_create(code="990102", defaults={"name": "测试县", "level": Level.COUNTY,
                                                                      "parent": city})
    other, _ = Region.objects.get_or_create(code="990200", defaults={"name": "另一市", "level": Level.CITY,
                                                                     "parent": prov})
    return {"province": prov, "city": city, "county": county, "other": other}


def topic(code: str = "health") -> Topic:
    return Topic.objects.get(code=code)


def audience(code: str = "elderly") -> Audience:
    return Audience.objects.get(code=code)


def make(org, title: str, *, status: str = "published", body: str = "", topics=(), audiences=(), regions=(),
         capture=None) -> Item:
    item = create_item(SYSTEM, org=org, kind="article", title=title, summary=f"{title}的摘要",
                       body=body or f"<p>{title}正文。</p>", topics=topics, audiences=audiences, regions=regions)
    if status in ("approved", "published", "retracted"):
        Item.objects.filter(pk=item.pk).update(status=ItemStatus.APPROVED)
        item.refresh_from_db()
    if status in ("published", "retracted"):
        item = publish(SYSTEM, item)
    if status == "retracted":
        item = retract(SYSTEM, item, correction=f"{title}的数据有误，已撤稿更正。")
    return item


def published(org, title: str, capture, **kw) -> Item:
    with capture(execute=True):
        return make(org, title, **kw)


def feed(client: Client, **params) -> dict:
    resp = client.get("/kepu/feed.json", params)
    assert resp.status_code == 200, resp.content
    return json.loads(resp.content)


def titles(feed_body: dict) -> list[str]:
    return [i["title"] for i in feed_body["items"]]


def test_only_published_unretracted_items_anywhere(province, django_capture_on_commit_callbacks):
    org = province["city_a"]
    cap = django_capture_on_commit_callbacks
    shown = published(org, "可见的科普量子点", cap, topics=[topic()])
    hidden = {
        "draft": published(org, "草稿科普量子点", cap, status="draft", topics=[topic()]),
        "approved": published(org, "待发布科普量子点", cap, status="approved", topics=[topic()]),
        "retracted": published(org, "撤稿科普量子点", cap, status="retracted", topics=[topic()]),
        "deleted": published(org, "删除科普量子点", cap, topics=[topic()]),
    }
    Item.objects.filter(pk=hidden["deleted"].pk).update(deleted_at=timezone.now())
    cache.clear()
    anon = Client()
    pages = {
        "home": anon.get("/kepu/").content.decode(),
        "topic": anon.get("/kepu/topics/health/").content.decode(),
        "search": anon.get("/kepu/search/", {"q": "量子点"}).content.decode(),
        "rss": anon.get("/kepu/feed.rss").content.decode(),
        "json": anon.get("/kepu/feed.json").content.decode(),
    }
    for name, html in pages.items():
        assert shown.title in html, name
        for item in hidden.values():
            assert item.title not in html, (name, item.title)
    assert anon.get(f"/kepu/items/{shown.pk}/").status_code == 200
    assert anon.get(f"/kepu/items/{hidden['draft'].pk}/").status_code == 404
    assert anon.get(f"/kepu/items/{hidden['approved'].pk}/").status_code == 404
    gone = anon.get(f"/kepu/items/{hidden['retracted'].pk}/")
    assert gone.status_code == 410 and "数据有误，已撤稿更正" in gone.content.decode()
    assert anon.get(f"/kepu/items/{hidden['deleted'].pk}/").status_code == 410


def test_item_page_sanitises_shares_well_and_is_cacheable(province, django_capture_on_commit_callbacks):
    item = published(province["city_a"], "夏季防溺水", django_capture_on_commit_callbacks,
                     body='<p onclick="x()">不要独自下水。</p><script>alert(1)</script><img src="javascript:x">',
                     audiences=[audience("youth")])
    resp = Client().get(f"/kepu/items/{item.pk}/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "不要独自下水。" in html and "<script>alert" not in html and "onclick" not in html
    assert "javascript:x" not in html
    assert '<meta property="og:title" content="夏季防溺水">' in html
    assert '<meta name="description" content="夏季防溺水的摘要">' in html
    assert 'property="og:url" content="http://testserver/kepu/items/' in html
    assert "/kepu/audiences/youth/" in html
    returning = Client()
    returning.cookies["kx_r"] = "a" * 22
    cc = returning.get(f"/kepu/items/{item.pk}/")["Cache-Control"]
    assert "public" in cc and "max-age=60" in cc
    assert "private" in resp["Cache-Control"]  # the first answer sets the reader cookie: no shared cache


def test_retract_changes_page_and_feed_at_once(province, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    item = published(province["city_a"], "错误的科普结论", cap, topics=[topic()])
    anon = Client()
    assert "错误的科普结论" in titles(feed(anon))
    assert anon.get(f"/kepu/items/{item.pk}/").status_code == 200
    assert "错误的科普结论" in anon.get("/kepu/feed.rss").content.decode()
    with cap(execute=True):
        retract(SYSTEM, item, correction="结论引用的研究已被撤回。")
    assert "错误的科普结论" not in titles(feed(anon))
    assert "错误的科普结论" not in anon.get("/kepu/feed.rss").content.decode()
    gone = anon.get(f"/kepu/items/{item.pk}/")
    assert gone.status_code == 410 and "结论引用的研究已被撤回。" in gone.content.decode()
    assert "错误的科普结论" not in anon.get("/kepu/").content.decode()


def test_feed_filters_region_ancestors_audience_topic(province, regions, django_capture_on_commit_callbacks):
    cap, org = django_capture_on_commit_callbacks, province["city_a"]
    published(org, "全省通用", cap)
    published(org, "面向测试省", cap, regions=[regions["province"]])
    published(org, "面向测试县", cap, regions=[regions["county"]])
    published(org, "面向另一市", cap, regions=[regions["other"]], topics=[topic("food")])
    published(org, "老年人防诈骗", cap, audiences=[audience("elderly")])
    anon = Client()
    in_county = titles(feed(anon, region="990102"))
    assert {"全省通用", "面向测试省", "面向测试县", "老年人防诈骗"} <= set(in_county)
    assert "面向另一市" not in in_county
    in_city = titles(feed(anon, region="990100"))
    assert "面向测试县" not in in_city and "面向测试省" in in_city
    elderly = titles(feed(anon, audience="elderly", limit="100"))
    assert "老年人防诈骗" in elderly and not {"全省通用", "面向测试省", "面向另一市"} & set(elderly)
    food = titles(feed(anon, topic="food", limit="100"))
    assert "面向另一市" in food and not {"全省通用", "老年人防诈骗"} & set(food)
    assert len(feed(anon, limit="2")["items"]) == 2
    body = feed(anon, topic="food")
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    entry = next(i for i in body["items"] if i["title"] == "面向另一市")
    assert entry["_kepu"]["topics"] == ["food"] and entry["_kepu"]["regions"] == ["990200"]
    assert entry["url"].startswith("http://testserver/kepu/items/") and entry["content_text"]
    rss = anon.get("/kepu/feed.rss", {"region": "990102"})
    assert rss.status_code == 200 and rss["Content-Type"].startswith("application/rss+xml")
    xml = rss.content.decode()
    assert "面向测试县" in xml and "面向另一市" not in xml
    assert xml.index("老年人防诈骗") < xml.index("全省通用")  # newest first


@pytest.mark.parametrize("params", [{"region": "123"}, {"region": "x" * 500}, {"audience": "nobody"},
                                    {"topic": "无此专题"}, {"limit": "0"}, {"limit": "101"}, {"limit": "abc"},
                                    {"limit": "9" * 40}])
def test_bad_feed_filters_are_400_in_chinese(province, params):
    resp = Client().get("/kepu/feed.json", params)
    assert resp.status_code == 400
    assert any("\u4e00" <= ch <= "\u9fff" for ch in json.loads(resp.content)["detail"])
    rss = Client().get("/kepu/feed.rss", params)
    assert rss.status_code == 400 and any("\u4e00" <= ch <= "\u9fff" for ch in rss.content.decode())


def test_search_logs_terms_and_region_and_handles_bad_input(province, regions, django_capture_on_commit_callbacks):
    published(province["city_a"], "流感疫苗接种指南", django_capture_on_commit_callbacks)
    start = timezone.now()
    anon = Client()
    resp = anon.get("/kepu/search/", {"q": "流感 疫苗", "region": "990102"})
    assert resp.status_code == 200 and "流感疫苗接种指南" in resp.content.decode()
    row = SearchLog.objects.get(q="流感 疫苗")
    assert row.q == "流感 疫苗" and row.region_code == "990102" and row.results == 1
    assert set(row.terms.split()) >= {"流感", "疫苗"}
    assert anon.get("/kepu/search/").status_code == 200
    assert anon.get("/kepu/search/", {"q": "  "}).status_code == 200
    long = anon.get("/kepu/search/", {"q": "长" * 101})
    assert long.status_code == 400 and "最多 100 个字" in long.content.decode()
    assert anon.get("/kepu/search/", {"q": "疫苗", "region": "000"}).status_code == 400
    assert anon.get("/kepu/search/", {"q": '"*) OR (', "page": "x"}).status_code == 200
    assert SearchLog.objects.filter(at__gte=start).count() == 2  # blank and refused searches are not logged


def test_push_reaches_each_subscriber_once(province, regions, django_capture_on_commit_callbacks):
    users = province["users"]
    reader, county_reader, other, author = (users["demo-city-a"], users["demo-city-b"], users["demo-society"],
                                            users["demo-province"])
    Subscription.objects.create(user=reader, topic=topic())
    Subscription.objects.create(user=reader, audience=audience())  # two matching subscriptions: one notice
    Subscription.objects.create(user=county_reader, region=regions["province"])  # an ancestor of the county
    Subscription.objects.create(user=other, region=regions["other"])
    Subscription.objects.create(user=author, topic=topic())
    item = make(province["city_a"], "冬季心脑血管保健", status="approved", topics=[topic()], audiences=[audience()],
                regions=[regions["county"]])
    Item.objects.filter(pk=item.pk).update(author=author)
    item.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        publish(SYSTEM, item)
    notices = Notification.objects.filter(key=f"kepu-new-{item.pk}")
    told = [n.user.username for n in notices]
    assert told.count("demo-city-a") == 1 and told.count("demo-city-b") == 1
    assert "demo-society" not in told and "demo-province" not in told  # another region; the author
    assert notices.first().url == f"/kepu/items/{item.pk}/"
    assert push.push_item(item.pk) == 0  # a second run tells no one twice


def test_personal_feed_and_subscriptions_page(province, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    published(province["city_a"], "食品添加剂的真相", cap, topics=[topic("food")])
    published(province["city_a"], "航天员的一天", cap, topics=[topic("space")])
    client = Client()
    assert client.get("/kepu/mine/").status_code == 302  # anonymous: to the login page
    client.force_login(province["users"]["demo-city-a"])
    resp = client.post("/kepu/subscriptions/", {"topics": ["food"], "audiences": ["elderly"], "region": ""})
    assert resp.status_code == 302
    assert Subscription.objects.filter(user__username="demo-city-a").count() == 2
    mine = client.get("/kepu/mine/").content.decode()
    assert "食品添加剂的真相" in mine and "航天员的一天" not in mine
    client.post("/kepu/subscriptions/", {"topics": ["space"]})  # saving replaces the set
    subs = Subscription.objects.filter(user__username="demo-city-a")
    assert [s.topic.code for s in subs] == ["space"]
    bad = client.post("/kepu/subscriptions/", {"topics": ["nope"], "region": "x"})
    assert bad.status_code == 400 and [s.topic.code for s in subs] == ["space"]
    page = client.get("/kepu/subscriptions/").content.decode()
    assert 'value="space"' in page and "checked" in page


def test_portal_block_and_menu(province, django_capture_on_commit_callbacks):
    published(province["city_a"], "门户里的科普", django_capture_on_commit_callbacks)
    html = Client().get("/portal/").content.decode()
    assert 'id="portal-block-kepu"' in html and "门户里的科普" in html
    from kexie.core.registry import menu_for

    def names(user) -> list[str]:
        return [e.url_name for e in menu_for(user)]

    users = province["users"]
    assert "kepu:mine" in names(users["demo-volunteer"])  # an individual: the reader's entry
    assert "kepu:mine" not in names(users["demo-province"])  # 科普 staff (kepu.view): their own entries


@pytest.mark.parametrize("url", [
    "/kepu/?page=-1", "/kepu/items/99999999999999999999/", "/kepu/items/0/", "/kepu/topics/nope/",
    "/kepu/topics/health/?page=abc", "/kepu/audiences/" + "a" * 300 + "/", "/kepu/search/?q=%E2%80%AE&page=99999",
    "/kepu/search/?q=" + "x" * 5000, "/kepu/search/?region=" + "9" * 50 + "&q=a", "/kepu/feed.json?limit=-1",
    "/kepu/feed.rss?region=%F0%9F%98%80", "/kepu/mine/?page=%00", "/kepu/subscriptions/?x=1",
])
def test_malformed_input_never_500(province, url):
    for client in (Client(), Client()):
        resp = client.get(url)
        assert resp.status_code < 500, (url, resp.status_code)
        client.force_login(province["users"]["demo-volunteer"])

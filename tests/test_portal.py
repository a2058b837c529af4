"""The public portal (SPEC §3.11): home, news and notices, the expert finder over consenting profiles only (HTML
and /api/v1/public/experts/), cacheable anonymous pages whose server cache follows publishing and withdrawing,
and the staff pages of 新闻公告 in scope (decision 0032)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client

from kexie.core.services import SYSTEM
from kexie.core.validators import id_check_char
from kexie.people import services as people_services
from kexie.people.models import Discipline, Person
from kexie.portal import services
from kexie.portal.models import Article, ArticleStatus
from tests.conftest import login
from tests.test_registry import registry_app  # noqa: F401  (the fixture installing tests/registry_app)

TERM = "石墨烯储能"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _id_number(serial: int) -> str:
    head = f"11010519800101{serial:03d}"
    return head + id_check_char(head)


def expert(org, name: str, *, public: bool, term: str = TERM, serial: int = 1, phone: str = "13912345678") -> Person:
    discipline = Discipline.objects.filter(parent__isnull=False).order_by("code").first()
    return people_services.create_person(SYSTEM, {
        "name": name, "org": org, "employer_name": "省材料研究院", "title": "研究员", "phone": phone,
        "id_number": _id_number(serial), "expertise": [term, "电池材料"], "bio": f"{name}长期从事{term}研究。",
        "public_profile": public,
    }, [discipline] if discipline else None)


def article(org, title: str, *, kind: str = "news", publish: bool = True) -> Article:
    a = services.create_article(SYSTEM, org, kind=kind, title=title, summary=f"{title}摘要",
                                body=f"{title}第一段。\n\n第二段<script>alert(1)</script>")
    return services.publish(SYSTEM, a) if publish else a


def test_anonymous_home_shows_news_notices_and_links_and_is_cacheable(province):
    article(province["root"], "省科协召开年度工作会议")
    article(province["city_a"], "关于申报科技奖励的通知", kind="notice")
    article(province["root"], "草稿新闻不应出现", publish=False)
    resp = Client().get("/portal/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "省科协召开年度工作会议" in html and "关于申报科技奖励的通知" in html
    assert "草稿新闻不应出现" not in html
    assert 'id="portal-block-news"' in html
    assert "/portal/experts/" in html and "/accounts/login/" in html and "/innovation/market/" in html
    assert "public" in resp["Cache-Control"] and "max-age=" in resp["Cache-Control"]


def test_signed_in_pages_are_not_cached_publicly(province):
    resp = login("demo-scientist").get("/portal/")
    assert resp.status_code == 200
    assert "public" not in resp["Cache-Control"] and "no-store" in resp["Cache-Control"]


def test_news_list_and_article_page_answer_anonymously_with_the_body_escaped(province):
    a = article(province["root"], "科技周活动圆满结束")
    client = Client()
    resp = client.get("/portal/news/")
    assert resp.status_code == 200 and "科技周活动圆满结束" in resp.content.decode()
    assert "public" in resp["Cache-Control"]
    page = client.get(f"/portal/news/{a.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "科技周活动圆满结束第一段。" in html and "<script>alert(1)</script>" not in html
    article(province["root"], "只在通知公告中的通知", kind="notice")
    assert "只在通知公告中的通知" not in client.get("/portal/news/?kind=news").content.decode()
    assert "只在通知公告中的通知" in client.get("/portal/news/?kind=notice").content.decode()
    assert client.get("/portal/news/?kind=bogus&page=x").status_code == 200


def test_withdrawn_article_is_gone_and_a_draft_is_missing(province):
    a = article(province["root"], "即将撤回的新闻")
    draft = article(province["root"], "从未发布的草稿", publish=False)
    client = Client()
    assert client.get(f"/portal/news/{a.pk}/").status_code == 200
    services.withdraw(SYSTEM, a)
    resp = client.get(f"/portal/news/{a.pk}/")
    assert resp.status_code == 410 and "已撤回" in resp.content.decode()
    assert "即将撤回的新闻" not in client.get("/portal/news/").content.decode()
    assert "即将撤回的新闻" not in client.get("/portal/").content.decode()
    assert client.get(f"/portal/news/{draft.pk}/").status_code == 404
    assert client.get("/portal/news/999999999/").status_code == 404


def test_publish_and_withdraw_invalidate_the_cached_pages(province):
    client = Client()
    a = article(province["root"], "第一篇新闻")
    assert "第一篇新闻" in client.get("/portal/").content.decode()
    b = article(province["root"], "刚刚发布的新闻")  # the home page was cached before this one
    assert "刚刚发布的新闻" in client.get("/portal/").content.decode()
    assert "刚刚发布的新闻" in client.get("/portal/news/").content.decode()
    services.withdraw(SYSTEM, b)
    assert "刚刚发布的新闻" not in client.get("/portal/").content.decode()
    assert client.get(f"/portal/news/{b.pk}/").status_code == 410
    services.edit_article(SYSTEM, a, kind="news", title="改过标题的新闻", summary="", body="正文")
    assert "改过标题的新闻" in client.get("/portal/").content.decode()


def test_server_cache_serves_the_home_page_without_reading_articles_again(province, django_assert_max_num_queries):
    article(province["root"], "缓存中的新闻")
    client = Client()
    client.get("/portal/")
    with django_assert_max_num_queries(0):
        assert "缓存中的新闻" in client.get("/portal/").content.decode()


def test_expert_finder_shows_only_consenting_experts_with_masked_contacts(province):
    shown = expert(province["city_a"], "公开专家甲", public=True, serial=11, phone="13912345678")
    hidden = expert(province["city_b"], "未公开专家乙", public=False, serial=12, phone="13987654321")
    client = Client()
    resp = client.get("/portal/experts/", {"q": TERM})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "公开专家甲" in html and "未公开专家乙" not in html
    assert "139******78" in html and "13912345678" not in html and "13987654321" not in html
    assert shown.id_number not in html and shown.id_number[-4:] not in html
    assert "public" in resp["Cache-Control"]
    # the JSON form, anonymous
    api = client.get("/api/v1/public/experts/", {"q": TERM})
    assert api.status_code == 200
    data = api.json()
    names = [r["name"] for r in data["results"]]
    assert names == ["公开专家甲"] and data["count"] == 1
    row = data["results"][0]
    assert row["phone"] == "139******78" and TERM in row["expertise"]
    assert "id_number" not in row and shown.id_number not in api.content.decode()
    assert hidden.name not in api.content.decode()


def test_an_expert_who_withdraws_consent_disappears_at_once(province):
    person = expert(province["city_a"], "撤回同意的专家", public=True, serial=21)
    client = Client()
    assert "撤回同意的专家" in client.get("/portal/experts/", {"q": TERM}).content.decode()
    people_services.update_person(SYSTEM, person, {"public_profile": False})
    assert "撤回同意的专家" not in client.get("/portal/experts/", {"q": TERM}).content.decode()
    assert client.get("/api/v1/public/experts/", {"q": TERM}).json()["count"] == 0
    people_services.update_person(SYSTEM, Person.objects.get(pk=person.pk), {"public_profile": True})
    people_services.delete_person(SYSTEM, Person.objects.get(pk=person.pk))
    assert "撤回同意的专家" not in client.get("/portal/experts/", {"q": TERM}).content.decode()


def test_pagination_is_bounded(province):
    for i in range(3):
        expert(province["city_a"], f"分页专家{i}", public=True, serial=30 + i)
    client = Client()
    for page in ("0", "-1", "abc", "99999999999999999999", "\u4e00"):
        assert client.get("/portal/experts/", {"q": TERM, "page": page}).status_code == 200
    assert client.get("/api/v1/public/experts/", {"q": TERM, "page_size": 2}).json()["next"]
    big = client.get("/api/v1/public/experts/", {"page_size": 100000})
    assert big.status_code == 200 and len(big.json()["results"]) <= 50
    assert client.get("/api/v1/public/experts/", {"q": TERM, "page": 9999}).status_code == 404
    # malformed filters narrow nothing and never fail
    for params in ({"discipline": "x" * 50}, {"region": "'; drop"}, {"q": "x" * 5000}):
        assert client.get("/portal/experts/", params).status_code == 200
        assert client.get("/api/v1/public/experts/", params).status_code == 200


def test_expert_finder_filters_by_discipline_and_region(province):
    person = expert(province["city_a"], "学科筛选专家", public=True, serial=41)
    code = person.disciplines.first().code
    client = Client()
    assert "学科筛选专家" in client.get("/portal/experts/", {"q": TERM, "discipline": code[:3]}).content.decode()
    other = Discipline.objects.filter(parent__isnull=True).exclude(code=code[:3]).first().code
    assert "学科筛选专家" not in client.get("/portal/experts/", {"q": TERM, "discipline": other}).content.decode()
    region = province["city_a"].region
    if region is not None:
        assert "学科筛选专家" in client.get("/portal/experts/", {"q": TERM, "region": region.code}).content.decode()
    b_region = province["city_b"].region
    if b_region is not None and b_region != region:
        assert "学科筛选专家" not in client.get("/portal/experts/",
                                               {"q": TERM, "region": b_region.code}).content.decode()


def test_staff_write_news_in_their_scope_only(province):
    client_a, client_b = login("demo-city-a"), login("demo-city-b")
    resp = client_a.post("/portal/articles/new/", {"org": province["city_a"].pk, "kind": "notice",
                                                   "title": "A市科协通知", "summary": "", "body": "正文"})
    assert resp.status_code == 302
    a = Article.objects.get(title="A市科协通知")
    assert a.status == ArticleStatus.DRAFT and a.org_path == province["city_a"].path
    assert client_a.post(f"/portal/articles/{a.pk}/act/", {"action": "publish"}).status_code == 302
    assert Article.objects.get(pk=a.pk).status == ArticleStatus.PUBLISHED
    # city B: nothing of city A's article
    assert client_b.get(f"/portal/articles/{a.pk}/").status_code == 404
    assert client_b.get(f"/portal/articles/{a.pk}/edit/").status_code == 404
    assert client_b.post(f"/portal/articles/{a.pk}/act/", {"action": "withdraw"}).status_code == 404
    assert "A市科协通知" not in client_b.get("/portal/articles/").content.decode()
    with pytest.raises(PermissionDenied):
        services.withdraw(province["users"]["demo-city-b"], a)
    assert Article.objects.get(pk=a.pk).status == ArticleStatus.PUBLISHED
    # city B may not publish under city A either
    resp = client_b.post("/portal/articles/new/", {"org": province["city_a"].pk, "kind": "news", "title": "冒名",
                                                   "body": "正文"})
    assert resp.status_code == 400 and not Article.objects.filter(title="冒名").exists()
    # the list is in scope; the withdraw button asks first
    page = client_a.get(f"/portal/articles/{a.pk}/").content.decode()
    assert "data-confirm" in page and "A市科协通知" in client_a.get("/portal/articles/").content.decode()
    assert client_a.post(f"/portal/articles/{a.pk}/act/", {"action": "withdraw"}).status_code == 302
    assert Article.objects.get(pk=a.pk).status == ArticleStatus.WITHDRAWN


def test_bad_article_input_is_a_chinese_error_and_changes_nothing(province):
    client_a = login("demo-city-a")
    before = Article.objects.count()  # the demo's own articles
    resp = client_a.post("/portal/articles/new/", {"org": province["city_a"].pk, "kind": "x", "title": "",
                                                   "body": ""})
    assert resp.status_code == 400 and "field-error" in resp.content.decode()
    assert Article.objects.count() == before
    a = article(province["city_a"], "不能重复发布")
    client_a.post(f"/portal/articles/{a.pk}/act/", {"action": "publish"})
    assert Article.objects.get(pk=a.pk).status == ArticleStatus.PUBLISHED
    assert client_a.post(f"/portal/articles/{a.pk}/act/", {"action": "explode"}).status_code == 302


def test_delete_and_restore(province):
    a = article(province["city_a"], "删除后恢复的新闻")
    client = Client()
    services.delete_article(province["users"]["demo-city-a"], a)
    assert client.get(f"/portal/news/{a.pk}/").status_code == 410
    services.restore_article(province["users"]["demo-city-a"], a)
    assert client.get(f"/portal/news/{a.pk}/").status_code == 200


def test_menu_entry_for_staff_holding_portal_change(province):
    assert "/portal/articles/" in login("demo-city-a").get("/").content.decode()
    assert "/portal/articles/" not in login("demo-scientist").get("/").content.decode()
    assert login("demo-scientist").get("/portal/articles/").status_code == 403


def test_portal_blocks_from_another_module_are_rendered(province, registry_app):  # noqa: F811
    from kexie.core.registry import portal_blocks

    keys = [b.key for b in portal_blocks()]
    assert keys.index("news") < keys.index("registry-things")
    html = Client().get("/portal/").content.decode()
    assert 'id="portal-block-registry-things"' in html and "试验件甲 科普块" in html



def test_demo_seed_publishes_news_and_opens_a_share_of_expert_profiles(province):
    from types import SimpleNamespace

    from kexie.demo.portal import seed_portal

    Person.objects.update(public_profile=False)
    counts = seed_portal(SimpleNamespace(seed=7, root=province["root"], cities=[province["city_a"]]), log=lambda m: None)
    assert counts["articles"] >= 6 and Article.objects.for_public().count() >= 6
    public = Person.objects.for_public()
    with_expertise = Person.objects.alive().exclude(expertise=[]).count()
    assert 0.05 * with_expertise <= public.exclude(expertise=[]).count() <= 0.3 * with_expertise
    html = Client().get("/portal/").content.decode()
    assert "省科协召开全省科协系统工作会议" in html and "（已撤回）" not in html and "（草稿）" not in html

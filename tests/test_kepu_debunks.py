"""科学辟谣 (SPEC §3.6): drafts, publication with a reviewing expert, retraction (410 with the correction note),
the ClaimReview JSON-LD, paraphrase finding (同一流言的不同说法, traditional characters, synonyms), the 可能已有辟谣
suggestions of the staff form, 流言榜's order, scope and bad input."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import openpyxl
import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from kexie.core.services import SYSTEM
from kexie.kepu.debunks import rumours, services
from kexie.kepu.debunks.similar import match_claim, normalise, similar
from kexie.kepu.models import Debunk, DebunkStatus, SearchLog, Synonym, Topic
from kexie.people.models import Person
from tests.conftest import login

OVERNIGHT = "隔夜菜含有致癌物亚硝酸盐，不能吃"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def make(org, claim: str, *, verdict: str = "rumour", publish: bool = True, expert_name: str = "王明（省疾控中心）",
         **extra) -> Debunk:
    d = services.create_debunk(SYSTEM, org=org, claim=claim, verdict=verdict,
                               explanation=f"关于“{claim}”的解读。\n\n第二段<script>alert(1)</script>",
                               expert_name=expert_name, **extra)
    return services.publish(SYSTEM, d) if publish else d


# ---- services -------------------------------------------------------------------------------------------------
def test_publishing_needs_a_reviewing_expert_from_the_registry_or_typed_with_the_affiliation(province):
    a = province["city_a"]
    d = make(a, "喝醋能软化血管", publish=False, expert_name="")
    with pytest.raises(ValidationError, match="审核专家"):
        services.publish(SYSTEM, d)
    services.edit_debunk(SYSTEM, d, expert_name="李华")  # a name without the affiliation is not enough
    with pytest.raises(ValidationError, match="工作单位"):
        services.publish(SYSTEM, d)
    person = Person.objects.for_user(province["users"]["demo-city-a"], "people.view").first()
    services.edit_debunk(SYSTEM, d, expert=person, expert_name="")
    d = services.publish(SYSTEM, d)
    assert d.status == DebunkStatus.PUBLISHED and d.published_at is not None and d.expert == person


def test_writes_are_scoped_and_audited(province):
    user_a = province["users"]["demo-city-a"]
    with pytest.raises(PermissionDenied):
        services.create_debunk(user_a, org=province["city_b"], claim="越权的辟谣", verdict="myth", explanation="x")
    d = services.create_debunk(user_a, org=province["city_a"], claim="吃味精会掉头发", verdict="rumour",
                               explanation="没有证据。", expert_name="赵六（市人民医院）")
    services.publish(user_a, d)
    from kexie.core.audit import history_for

    assert {h.action for h in history_for(d)} == {"kepu.debunk.created", "kepu.debunk.published"}
    with pytest.raises(ValidationError):
        services.retract(user_a, d, reason="   ")
    services.retract(user_a, d, reason="依据的文献已被更正。")
    d.refresh_from_db()
    assert d.status == DebunkStatus.RETRACTED
    assert services.correction_of(d) == "依据的文献已被更正。"
    with pytest.raises(ValidationError):
        services.edit_debunk(user_a, d, claim="改了")  # a retracted debunk is reopened first
    services.reopen(user_a, d)
    d.refresh_from_db()
    assert d.status == DebunkStatus.DRAFT


# ---- public pages ---------------------------------------------------------------------------------------------
def test_claim_review_json_ld_is_valid_and_complete(province):
    d = make(province["city_a"], '网传"</script><script>alert(1)</script>喝碱性水能治病', verdict="myth",
             first_seen=timezone.localdate())
    resp = Client().get(f"/kepu/debunks/{d.pk}/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "<script>alert(1)</script>" not in html
    m = re.search(r'<script type="application/ld\+json" id="claim-review">(.*?)</script>', html, re.S)
    assert m, "no ClaimReview script"
    data = json.loads(m.group(1))
    assert data["@type"] == "ClaimReview" and data["claimReviewed"] == d.claim
    rating = data["reviewRating"]
    assert (rating["ratingValue"], rating["bestRating"], rating["worstRating"]) == (2, 4, 1)
    assert rating["alternateName"] == "误区"
    assert data["author"] == {"@type": "Organization", "name": province["city_a"].name}
    assert data["url"].endswith(f"/kepu/debunks/{d.pk}/") and data["datePublished"]
    assert data["itemReviewed"]["@type"] == "Claim" and "firstAppearance" in data["itemReviewed"]
    d.refresh_from_db()
    assert d.views == 1


def test_only_published_debunks_are_public_and_a_retracted_one_answers_410(province):
    a = province["city_a"]
    shown = make(a, "喝红酒能软化血管")
    draft = make(a, "草稿里的流言不应公开", publish=False)
    gone = make(a, "撤回的流言说法")
    services.retract(SYSTEM, gone, reason="结论有误，已重新核实。")
    client = Client()
    page = client.get("/kepu/debunks/").content.decode()
    assert "喝红酒能软化血管" in page and "草稿里的流言不应公开" not in page and "撤回的流言说法" not in page
    assert client.get(f"/kepu/debunks/{draft.pk}/").status_code == 404
    resp = client.get(f"/kepu/debunks/{gone.pk}/")
    assert resp.status_code == 410 and "结论有误，已重新核实。" in resp.content.decode()
    assert client.get(f"/kepu/debunks/{shown.pk}/").status_code == 200


def test_public_list_filters_by_verdict_and_topic(province):
    a = province["city_a"]
    food = Topic.objects.get(code="food")
    make(a, "吃小龙虾会得癌症", verdict="rumour", topics=[food])
    make(a, "多喝水有益健康", verdict="true")
    client = Client()
    rumours_only = client.get("/kepu/debunks/?verdict=rumour").content.decode()
    assert "吃小龙虾会得癌症" in rumours_only and "多喝水有益健康" not in rumours_only
    by_topic = client.get("/kepu/debunks/?topic=food").content.decode()
    assert "吃小龙虾会得癌症" in by_topic and "多喝水有益健康" not in by_topic
    assert client.get("/kepu/debunks/?verdict=xx&topic=%00&page=abc").status_code in (200, 400)


# ---- paraphrase finding ---------------------------------------------------------------------------------------
def ids(found) -> list[int]:
    return [d.pk for d, _score in found]


def test_a_paraphrase_finds_the_debunk_and_an_unrelated_claim_does_not(province):
    d = make(province["city_a"], OVERNIGHT)
    other = make(province["city_a"], "5G基站辐射会影响人体健康")
    assert d.pk in ids(similar("吃隔夜菜会致癌"))
    assert d.pk in ids(similar("喫隔夜菜會致癌嗎"))  # traditional characters
    assert d.pk in ids(similar("剩饭剩菜放一晚就有毒不能吃"))  # synonyms: 剩饭剩菜 → 隔夜菜
    assert other.pk not in ids(similar("吃隔夜菜会致癌"))
    unrelated = similar("量子鞋垫能治疗糖尿病")
    assert d.pk not in ids(unrelated) and other.pk not in ids(unrelated)
    assert match_claim("月亮是奶酪做的") is None
    found = match_claim("隔夜菜含有致癌物亚硝酸盐吗")
    assert found is not None and "隔夜菜" in found.claim


def test_synonym_rows_extend_the_shipped_list(province):
    d = make(province["city_a"], "喝豆浆会导致乳腺增生")
    before = dict((x.pk, sc) for x, sc in similar("喝豆奶会导致乳腺增生")).get(d.pk, 0.0)
    assert before < 1.0
    Synonym.objects.create(term="豆奶", canonical="豆浆")  # the cache follows the new row at once
    assert "豆浆" in normalise("豆奶")
    found = similar("喝豆奶会导致乳腺增生")
    assert found and found[0] == (d, 1.0)


def test_drafts_are_not_offered_to_public_search(province):
    d = make(province["city_a"], OVERNIGHT, publish=False)
    assert d.pk not in ids(similar("吃隔夜菜会致癌"))


# ---- staff pages ----------------------------------------------------------------------------------------------
def test_the_create_form_suggests_existing_debunks_as_the_claim_is_typed(province):
    d = make(province["city_b"], OVERNIGHT)  # published by another city: still worth knowing
    client = login("demo-city-a")
    form = client.get("/kepu/manage/debunks/new/").content.decode()
    assert 'hx-get="/kepu/manage/debunks/similar/' in form
    resp = client.get("/kepu/manage/debunks/similar/", {"claim": "吃隔夜菜会致癌"}, HTTP_HX_REQUEST="true")
    html = resp.content.decode()
    assert resp.status_code == 200 and "可能已有辟谣" in html and OVERNIGHT in html
    assert f"/kepu/debunks/{d.pk}/" in html  # another city's: its public page
    assert "可能已有辟谣" not in client.get("/kepu/manage/debunks/similar/", {"claim": "月亮是奶酪做的"}).content.decode()


def test_staff_create_edit_publish_and_retract_through_the_pages(province):
    client = login("demo-city-a")
    a = province["city_a"]
    resp = client.post("/kepu/manage/debunks/new/", {
        "org": a.pk, "claim": "蒸馒头加碱会致癌", "verdict": "rumour", "explanation": "食用碱是安全的。",
        "sources": "国家卫健委\nhttps://example.org/a", "expert_name": "陈晓", "expert_affiliation": "市农科院"})
    assert resp.status_code == 302
    d = Debunk.objects.get(claim="蒸馒头加碱会致癌")
    assert d.expert_name == "陈晓（市农科院）" and d.status == DebunkStatus.DRAFT
    page = client.get(f"/kepu/manage/debunks/{d.pk}/").content.decode()
    assert 'value="publish"' in page and 'value="retract"' not in page and "撰写科学辟谣" in page
    client.post(f"/kepu/manage/debunks/{d.pk}/act/", {"action": "publish"})
    d.refresh_from_db()
    assert d.status == DebunkStatus.PUBLISHED
    page = client.get(f"/kepu/manage/debunks/{d.pk}/").content.decode()
    assert 'value="retract"' in page and "data-confirm" in page and 'value="publish"' not in page
    client.post(f"/kepu/manage/debunks/{d.pk}/act/", {"action": "retract", "reason": ""})
    d.refresh_from_db()
    assert d.status == DebunkStatus.PUBLISHED  # no note, no retraction
    client.post(f"/kepu/manage/debunks/{d.pk}/act/", {"action": "retract", "reason": "数据来源需要更新。"})
    d.refresh_from_db()
    assert d.status == DebunkStatus.RETRACTED


def test_bad_form_input_is_a_chinese_error_and_changes_nothing(province):
    client = login("demo-city-a")
    before = Debunk.objects.count()
    resp = client.post("/kepu/manage/debunks/new/", {
        "org": province["city_a"].pk, "claim": "", "verdict": "nonsense", "explanation": "x" * 20_001,
        "expert_name": "只有姓名"})
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "这个字段是必填项" in html or "必填" in html
    assert "库外专家请同时填写姓名和工作单位" in html
    resp = client.post("/kepu/manage/debunks/new/", {"org": province["city_b"].pk, "claim": "越权", "verdict": "rumour",
                                                     "explanation": "x"})
    assert resp.status_code == 400
    assert Debunk.objects.count() == before
    d = make(province["city_a"], "一条已发布的辟谣")
    resp = client.post(f"/kepu/manage/debunks/{d.pk}/act/", {"action": "delete\x00"}, follow=True)
    assert resp.status_code in (200, 400)
    assert client.get("/kepu/manage/debunks/similar/", {"claim": "隔夜" * 500}).status_code == 200
    assert client.get("/kepu/manage/debunks/?status=zzz&verdict=%00&sort=nope").status_code in (200, 400)


def test_city_a_cannot_see_or_edit_city_b_drafts(province):
    b_draft = make(province["city_b"], "B市草稿：吃菠菜补铁", publish=False)
    client = login("demo-city-a")
    assert client.get(f"/kepu/manage/debunks/{b_draft.pk}/").status_code == 404
    assert client.get(f"/kepu/manage/debunks/{b_draft.pk}/edit/").status_code == 404
    assert client.post(f"/kepu/manage/debunks/{b_draft.pk}/act/", {"action": "publish"}).status_code == 404
    assert "B市草稿：吃菠菜补铁" not in client.get("/kepu/manage/debunks/").content.decode()
    similar_html = client.get("/kepu/manage/debunks/similar/", {"claim": "吃菠菜补铁"}).content.decode()
    assert "B市草稿" not in similar_html
    b_draft.refresh_from_db()
    assert b_draft.status == DebunkStatus.DRAFT
    assert login("demo-city-b").get(f"/kepu/manage/debunks/{b_draft.pk}/").status_code == 200


def test_export_holds_the_filtered_debunks(province):
    make(province["city_a"], "喝凉水会胖", verdict="myth")
    make(province["city_a"], "草稿不算发布", publish=False)
    resp = login("demo-city-a").get("/kepu/manage/debunks/export/?status=published")
    assert resp.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content)), read_only=True)
    cells = {str(c) for row in wb.active.iter_rows(values_only=True) for c in row if c is not None}
    assert "喝凉水会胖" in cells and "草稿不算发布" not in cells


# ---- 流言榜 -------------------------------------------------------------------------------------------------------
def test_rumour_board_ranks_the_months_debunks_by_views_and_matching_searches(province):
    a = province["city_a"]
    first = make(a, OVERNIGHT)
    second = make(a, "微波炉加热会让食物带辐射")
    third = make(a, "喝牛奶会导致骨质疏松")
    outside = make(a, "别的月份发布的辟谣")
    month = dt.date(2021, 3, 1)
    when = timezone.make_aware(dt.datetime(2021, 3, 15, 12))
    Debunk.objects.filter(pk__in=[first.pk, second.pk, third.pk]).update(published_at=when)
    Debunk.objects.filter(pk=outside.pk).update(published_at=when - dt.timedelta(days=60), views=100)
    Debunk.objects.filter(pk=second.pk).update(views=5)
    Debunk.objects.filter(pk=third.pk).update(views=3)
    for q in ["吃隔夜菜会致癌"] * 4 + ["剩菜会致癌吗"] * 3 + ["今天天气"] * 9:
        SearchLog.objects.create(q=q)
    SearchLog.objects.filter(at__gte=timezone.now() - dt.timedelta(minutes=5)).update(at=when)
    entries = rumours.ranking(month)
    assert [e.debunk_id for e in entries] == [first.pk, second.pk, third.pk]
    assert entries[0].searches == 7 and entries[0].heat == 7 and entries[1].heat == 5
    cache.clear()
    resp = Client().get("/kepu/debunks/monthly/?month=2021-03")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert html.index(OVERNIGHT) < html.index("微波炉加热会让食物带辐射") < html.index("喝牛奶会导致骨质疏松")
    assert "别的月份发布的辟谣" not in html
    assert "?month=2021-02" in html and "?month=2021-04" in html


@pytest.mark.parametrize("month", ["2024-13", "abcd", "2024-1", "1899-01", "9999-01", "x" * 5000],
                         ids=["month-13", "letters", "one-digit", "too-early", "future", "huge"])
def test_a_bad_month_is_a_chinese_400(province, month):
    resp = Client().get("/kepu/debunks/monthly/", {"month": month})
    assert resp.status_code == 400
    assert "月份" in resp.content.decode()
    assert Client().get("/kepu/debunks/monthly/", {"month": "2024-05\x00"}).status_code == 400


def test_a_past_month_without_debunks_says_so(province):
    resp = Client().get("/kepu/debunks/monthly/?month=2020-02")
    assert resp.status_code == 200 and "这个月还没有发布辟谣" in resp.content.decode()


def test_the_writer_hears_when_someone_else_publishes_or_retracts(province):
    from kexie.notices.models import Notification

    writer = province["users"]["demo-city-a"]
    d = services.create_debunk(writer, org=province["city_a"], claim="喝板蓝根能预防流感", verdict="myth",
                               explanation="没有证据。", expert_name="周七（市疾控中心）")
    services.publish(writer, d)  # one's own publication: no notice
    assert not Notification.objects.filter(user=writer, key__startswith="kepu-published-debunk-").exists()
    services.retract(province["users"]["demo-province"], d, reason="结论需要补充最新研究。")
    note = Notification.objects.get(user=writer, key__startswith="kepu-retracted-debunk-")
    assert "喝板蓝根能预防流感" in note.title and "结论需要补充最新研究。" in note.body


def test_editing_keeps_the_registry_expert_picked(province):
    user = province["users"]["demo-city-a"]
    person = Person.objects.for_user(user, "people.view").first()
    d = make(province["city_a"], "喝咖啡会导致骨质疏松", publish=False, expert=person, expert_name="")
    client = login("demo-city-a")
    page = client.get(f"/kepu/manage/debunks/{d.pk}/edit/").content.decode()
    assert f'value="{person.pk}"' in page
    from kexie.people.widgets import shown

    resp = client.post(f"/kepu/manage/debunks/{d.pk}/edit/", {
        "claim": "喝咖啡会导致骨质疏松吗", "verdict": "myth", "explanation": "适量饮用不会。",
        "expert": shown(person), "expert_id": person.pk})
    assert resp.status_code == 302
    d.refresh_from_db()
    assert d.claim == "喝咖啡会导致骨质疏松吗" and d.expert == person and d.verdict == "myth"


@pytest.mark.parametrize("topic", ["99999999999999999999999", "abc", "-1"])
def test_a_malformed_topic_is_a_form_error(province, topic):
    resp = login("demo-city-a").post("/kepu/manage/debunks/new/", {
        "org": province["city_a"].pk, "claim": "一条带坏专题的流言", "verdict": "rumour", "explanation": "解读",
        "topics": [topic]})
    assert resp.status_code == 400
    assert not Debunk.objects.filter(claim="一条带坏专题的流言").exists()

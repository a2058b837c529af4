"""企业之家 (/innovation/mine/): an enterprise's user sees its own needs with matched experts (public profiles, the
why naming the terms) and achievements, requests an introduction (点厨) from the same page and rates a finished
service there; another enterprise's needs and matches never appear; a user without an enterprise is told how to
register one; 数字科创 in the menu leads there for an enterprise's user; review notices name the need."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings

from kexie.accounts.models import User
from kexie.innovation.matching.store import clear_cache
from kexie.innovation.models import Dispatch, Introduction, IntroStatus, Need
from kexie.innovation.needs import enterprises, services
from kexie.notices.models import Notification
from tests.conftest import login

HOME = "/innovation/mine/"


@pytest.fixture
def match_dir(tmp_path, db):
    clear_cache()
    with override_settings(KEXIE_MATCH_DIR=tmp_path):
        yield tmp_path
    clear_cache()


def _company_need(province) -> Need:
    company = province["users"]["demo-company"]
    need = Need.objects.filter(enterprise__users=company, status="matching").order_by("pk").first()
    assert need is not None
    return need


def _matches_of(html: str, need: Need) -> str:
    return html.split(f'id="need-{need.pk}"', 1)[1].split("</article>", 1)[0]


def test_the_enterprise_sees_matched_experts_with_reasons_on_its_own_need(province, match_dir):
    need = _company_need(province)
    resp = login("demo-company").get(HOME)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert need.title in html and "企业之家" in html
    card = _matches_of(html, need)
    people = re.findall(r'data-person="(\d+)"', card)
    assert len(people) >= 3
    reasons = re.findall(r'class="why">([^<]*)<', card)
    assert reasons and all(r.startswith("匹配：") for r in reasons[:3])
    assert all(w not in {"匹配：设计", "匹配：分析"} for w in reasons)
    # public profiles only: what an enterprise may see
    from kexie.people.models import Person

    assert set(Person.objects.filter(pk__in=people).values_list("public_profile", flat=True)) == {True}
    assert card.count("提交引荐申请") == len(people) and "data-confirm=" in card


def test_another_enterprise_never_sees_this_need_or_its_matches(province, match_dir):
    need = _company_need(province)
    other = User.objects.create(username="home-other-company")
    ent = enterprises.register_enterprise(other, name="澄湖新材料有限公司", uscc="91350100M000100Y43",
                                          contact_name="周经理", contact_phone="13912345678", industry="34")
    enterprises.verify_enterprise(province["users"]["demo-province"], ent, "verify")
    c = Client()
    c.force_login(other)
    html = c.get(HOME).content.decode()
    assert "澄湖新材料有限公司" in html and need.title not in html and f'id="need-{need.pk}"' not in html
    assert 'id="no-needs"' in html


def test_a_user_without_an_enterprise_is_told_how_to_register(province):
    html = login("demo-scientist").get(HOME).content.decode()
    assert 'id="no-enterprise"' in html and "统一社会信用代码" in html
    assert "/innovation/enterprises/register/" in html


def test_the_menu_leads_an_enterprise_user_home_and_staff_to_the_needs(province):
    assert 'href="/innovation/mine/"' in login("demo-company").get("/").content.decode()
    staff = login("demo-province").get("/").content.decode()
    assert 'href="/innovation/mine/"' not in staff and 'href="/innovation/"' in staff


def test_introduction_requested_from_the_home(province, match_dir):
    need = _company_need(province)
    c = login("demo-company")
    card = _matches_of(c.get(HOME).content.decode(), need)
    person_id = int(re.findall(r'data-person="(\d+)"', card)[0])
    resp = c.post("/innovation/intro/new/", {"expert": person_id, "need": need.pk, "message": need.title})
    assert resp.status_code == 302
    intro = Introduction.objects.get(expert_id=person_id, need=need)
    assert intro.status == IntroStatus.REQUESTED and intro.enterprise.users.filter(username="demo-company").exists()
    # back home, the expert shows the request instead of a second form
    card = _matches_of(c.get(HOME).content.decode(), need)
    item = card.split(f'data-person="{person_id}"', 1)[1].split("</li>", 1)[0]
    assert "已申请引荐" in item and "提交引荐申请" not in item


def test_a_finished_service_is_rated_from_the_home(province, match_dir):
    company = province["users"]["demo-company"]
    d = (Dispatch.objects.filter(need__enterprise__users=company, status="done", rating__isnull=True)
         .order_by("pk").first())
    if d is None:  # make one: a finished, unrated service of the company's need
        d = Dispatch.objects.filter(need__enterprise__users=company).order_by("pk").first()
        Dispatch.objects.filter(pk=d.pk).update(status="done", rating=None)
        d.refresh_from_db()
    c = login("demo-company")
    assert f'id="rate-{d.pk}"' in c.get(HOME).content.decode()
    resp = c.post(f"/innovation/{d.need_id}/act/", {"action": "rate", "dispatch": d.pk, "rating": "4",
                                                    "comment": "响应及时", "back": "mine"})
    assert resp.status_code == 302 and resp["Location"] == HOME
    d.refresh_from_db()
    assert d.rating == 4
    html = c.get(HOME).content.decode()
    assert f'id="rate-{d.pk}"' not in html and "评分 4/5" in html


def test_review_notices_name_the_need(province):
    company = province["users"]["demo-company"]
    need = services.create_need(company, title="齿轮箱体铸件砂眼修补", description="铸件砂眼需要修补工艺指导。",
                                industry="34", kind="research", confidentiality="public")
    services.submit_need(company, need)
    services.review_need(province["users"]["demo-province"], need, "approve", "")
    titles = list(Notification.objects.filter(user=company, key__startswith=f"innovation-need-{need.pk}-")
                  .values_list("title", flat=True))
    assert titles == ["需求「齿轮箱体铸件砂眼修补」审核结果：已发布"]

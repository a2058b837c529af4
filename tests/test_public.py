"""``for_public()``: what anonymous visitors (and anyone outside an owner's scope) may see, declared once per model by
``public_q()``, default deny. Tested like scope: every model that declares ``public_q`` needs an entry in ``CASES``
(visible and hidden rows); the test fails for one that has none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from kexie.calls.models import Call
from kexie.calls.setup import services as setup_services
from kexie.core.services import SYSTEM
from kexie.innovation.challenges import services as challenges
from kexie.innovation.models import Challenge, Enterprise
from kexie.people.models import Person
from tests.conftest import login
from tests.test_calls import FORM, RUBRIC, make_call, stages
from tests.test_innovation_market import achievement, enterprise, need


def _soft_delete(obj: Any) -> Any:
    type(obj).objects.filter(pk=obj.pk).update(deleted_at=timezone.now())
    return obj


def _needs(province) -> tuple[list[Any], dict[str, Any]]:
    a = province["city_a"]
    ent = enterprise(a, name="隐名精工有限公司", phone="13922223333")
    shown = [need(a, "公开发布的需求", ent=ent), need(a, "对接中的公开需求", status="matching", ent=ent),
             need(a, "已对接的公开需求", status="matched", ent=ent)]
    hidden = {"草稿需求": need(a, "草稿需求", status="draft", ent=ent),
              "待审核需求": need(a, "待审核需求", status="submitted", ent=ent),
              "已关闭需求": need(a, "已关闭需求", status="closed", ent=ent),
              "已解决需求": need(a, "已解决需求", status="solved", ent=ent),
              "保密需求": need(a, "保密需求", confidentiality="matched", ent=ent),
              "已删除需求": _soft_delete(need(a, "已删除需求", ent=ent))}
    return shown, hidden


def _achievements(province) -> tuple[list[Any], dict[str, Any]]:
    a = province["city_a"]
    shown = [achievement(a, "已发布的成果")]
    hidden = {"未发布成果": achievement(a, "未发布成果", status="draft"),
              "已下架成果": achievement(a, "已下架成果", status="withdrawn"),
              "已删除成果": _soft_delete(achievement(a, "已删除成果"))}
    return shown, hidden


def _calls(province) -> tuple[list[Any], dict[str, Any]]:
    a = province["city_a"]
    shown = [make_call(province, owner=a, code="public-open")]
    draft = setup_services.create_call(SYSTEM, owner=a, code="public-draft", name="草稿批次", year=2026, type="talent",
                                      applicant_kind="person", form_schema=FORM, rubric=RUBRIC,
                                      stages=stages(timezone.localdate(), True), reviews_per_application=3)
    hidden = {"草稿批次": draft,
              "已删除批次": _soft_delete(make_call(province, owner=a, code="public-deleted"))}
    Call.objects.filter(pk=hidden["已删除批次"].pk).update(name="已删除批次")
    return shown, hidden


def _challenges(province) -> tuple[list[Any], dict[str, Any]]:
    a = province["city_a"]
    apply_by = (timezone.localdate() + dt.timedelta(days=30)).isoformat()

    def make(title: str) -> Challenge:
        return challenges.create_challenge(SYSTEM, owner=a, title=title, description="任务", bounty="50",
                                           apply_by=apply_by)

    shown = [challenges.publish(SYSTEM, make("张榜中的榜单"))]
    cancelled = challenges.publish(SYSTEM, make("已撤榜的榜单"))
    challenges.cancel(SYSTEM, cancelled, "需求方已自行解决。")
    hidden = {"草稿榜单": make("草稿榜单"), "已撤榜的榜单": cancelled,
              "已删除的榜单": _soft_delete(challenges.publish(SYSTEM, make("已删除的榜单")))}
    return shown, hidden


def _organisations(province) -> tuple[list[Any], dict[str, Any]]:
    from kexie.orgs.models import KindCategory, Organisation, OrgStatus

    shown = [province["city_a"], province["society"]]
    others = Organisation.objects.alive().exclude(kind__category__in=[KindCategory.ASSOCIATION, KindCategory.SOCIETY])
    dissolved = Organisation.objects.filter(kind__category=KindCategory.SOCIETY).exclude(pk=province["society"].pk).first()
    Organisation.objects.filter(pk=dissolved.pk).update(status=OrgStatus.DISSOLVED)
    deleted = Organisation.objects.filter(kind__category=KindCategory.ASSOCIATION, depth__gt=2).first()
    hidden = {"基层组织": others.first(), "已注销学会": dissolved, "已删除科协": _soft_delete(deleted)}
    return shown, hidden


def _join_settings(province) -> tuple[list[Any], dict[str, Any]]:
    """网上入会: the directory shows open societies only (tests/test_joining.py)."""
    from kexie.members.joining.services import save_settings
    from kexie.orgs.models import Organisation, OrgStatus

    def settings(org: Any, is_open: bool = True) -> Any:
        return save_settings(SYSTEM, org, {"is_open": is_open, "categories": ["member"], "referees_required": 0,
                                           "decision_days": 15, "dues": {}, "intro": "", "number_prefix": ""})

    society = province["society"]
    others = list(Organisation.objects.alive().filter(kind__code="society").exclude(pk=society.pk)[:3])
    shown = [settings(society)]
    closed = settings(others[0], is_open=False)
    dissolved = settings(others[1])
    Organisation.objects.filter(pk=others[1].pk).update(status=OrgStatus.DISSOLVED)
    deleted = settings(others[2])
    _soft_delete(others[2])
    return shown, {"未开放的学会": closed, "已注销学会": dissolved, "已删除学会": deleted}


def _experts(province) -> tuple[list[Any], dict[str, Any]]:
    """The public expert finder: consenting, alive, not merged (tests/test_portal.py)."""
    from tests.test_portal import expert

    a = province["city_a"]
    shown = [expert(a, "同意公开的专家", public=True, serial=51)]
    kept = expert(a, "合并保留的记录", public=False, serial=52)
    merged = expert(a, "已合并的公开专家", public=True, serial=53)
    Person.objects.filter(pk=merged.pk).update(merged_into=kept, deleted_at=timezone.now())
    hidden = {"未同意公开的专家": expert(a, "未同意公开的专家", public=False, serial=54),
              "已删除的公开专家": _soft_delete(expert(a, "已删除的公开专家", public=True, serial=55)),
              "已合并的公开专家": merged}
    return shown, hidden


def _articles(province) -> tuple[list[Any], dict[str, Any]]:
    """新闻公告 of the portal: published and alive only (tests/test_portal.py)."""
    from kexie.portal import services as portal
    from tests.test_portal import article

    a = province["city_a"]
    shown = [article(a, "已发布的新闻"), article(a, "已发布的通知", kind="notice")]
    hidden = {"草稿新闻": article(a, "草稿新闻", publish=False),
              "已撤回的新闻": portal.withdraw(SYSTEM, article(a, "已撤回的新闻")),
              "已删除的新闻": portal.delete_article(SYSTEM, article(a, "已删除的新闻"))}
    return shown, hidden


def _kepu_item(org: Any, title: str, status: str = "published", **over: Any) -> Any:
    from kexie.kepu.models import Item

    published = timezone.now() if status in ("published", "retracted") else None
    values = {"org": org, "org_path": org.path, "title": title, "body": "<p>正文</p>", "status": status,
              "published_at": published, **over}
    return Item.objects.create(**values)


def _kepu_items(province) -> tuple[list[Any], dict[str, Any]]:
    """科普作品 (decision 0052): published and not retracted, not deleted."""
    a = province["city_a"]
    shown = [_kepu_item(a, "已发布的科普作品")]
    hidden = {name: _kepu_item(a, name, status) for name, status in (
        ("科普草稿", "draft"), ("科学性审核中的作品", "science"), ("编辑审核中的作品", "editorial"),
        ("退回修改的作品", "returned"), ("待发布的作品", "approved"))}
    hidden["已撤稿的作品"] = _kepu_item(a, "已撤稿的作品", "retracted", retracted_at=timezone.now(),
                                  correction="数据有误")
    hidden["已删除的作品"] = _soft_delete(_kepu_item(a, "已删除的作品"))
    return shown, hidden


def _kepu_debunks(province) -> tuple[list[Any], dict[str, Any]]:
    """科学辟谣 (decision 0053): published and not deleted."""
    from kexie.kepu.models import Debunk

    a = province["city_a"]

    def debunk(claim: str, status: str = "published") -> Any:
        return Debunk.objects.create(org=a, org_path=a.path, claim=claim, verdict="rumour", explanation="解读",
                                     status=status, published_at=timezone.now() if status == "published" else None)

    shown = [debunk("已发布的辟谣")]
    hidden = {"辟谣草稿": debunk("辟谣草稿", "draft"), "已撤回的辟谣": debunk("已撤回的辟谣", "retracted"),
              "已删除的辟谣": _soft_delete(debunk("已删除的辟谣"))}
    return shown, hidden


def _kepu_incidents(province) -> tuple[list[Any], dict[str, Any]]:
    """应急事件 (decision 0051): public once one of its items is published (and not retracted)."""
    from kexie.kepu.models import Incident

    a = province["city_a"]
    approver = province["users"]["demo-city-a"]

    def incident(title: str) -> Any:
        return Incident.objects.create(org=a, org_path=a.path, kind="natural_disaster", title=title,
                                       approver=approver, started_at=timezone.now())

    shown_incident = incident("有已发布作品的事件")
    _kepu_item(a, "事件的应急作品", incident=shown_incident)
    drafts_only = incident("只有草稿的事件")
    _kepu_item(a, "事件的草稿", "draft", incident=drafts_only)
    retracted = incident("作品已撤稿的事件")
    _kepu_item(a, "撤稿的应急作品", "retracted", incident=retracted, retracted_at=timezone.now())
    return [shown_incident], {"只有草稿的事件": drafts_only, "作品已撤稿的事件": retracted,
                              "没有作品的事件": incident("没有作品的事件")}


# model label → rows an anonymous visitor sees and rows (by title) they must never see
CASES: dict[str, Callable[[Any], tuple[list[Any], dict[str, Any]]]] = {
    "innovation.need": _needs,
    "innovation.achievement": _achievements,
    "calls.call": _calls,
    "innovation.challenge": _challenges,
    "people.person": _experts,
    "portal.article": _articles,
    "orgs.organisation": _organisations,
    "members.joinsettings": _join_settings,
    "kepu.item": _kepu_items,
    "kepu.debunk": _kepu_debunks,
    "kepu.incident": _kepu_incidents,
}


def public_models() -> list[Any]:
    return [m for m in apps.get_models() if callable(getattr(m, "public_q", None))]


def test_every_public_model_has_a_case():
    labels = {m._meta.label_lower for m in public_models()}
    assert labels == set(CASES), "a model with public_q() needs visible and hidden rows in tests/test_public.py CASES"


@pytest.mark.parametrize("label", sorted(CASES))
def test_for_public_is_exactly_public_q_and_never_a_hidden_row(province, label):
    model = apps.get_model(label)
    shown, hidden = CASES[label](province)
    public = set(model.objects.for_public().values_list("pk", flat=True))
    assert isinstance(model.public_q(), Q)
    assert public == set(model.objects.filter(model.public_q()).values_list("pk", flat=True))
    assert {o.pk for o in shown} <= public
    leaked = [title for title, o in hidden.items() if o.pk in public]
    assert leaked == []
    # the anonymous visitor is nobody's scope: for_user gives nothing, for_public the public rows
    assert not model.objects.for_user(None).exists()


def test_a_model_without_public_q_shows_nothing(province):
    assert Enterprise.objects.exists()
    assert not hasattr(Enterprise, "public_q")
    assert list(Enterprise.objects.for_public()) == []


def test_marketplace_pages_answer_anonymously_and_show_no_hidden_row(province):
    needs_shown, needs_hidden = _needs(province)
    ach_shown, ach_hidden = _achievements(province)
    client = Client()  # anonymous
    resp = client.get("/innovation/market/")
    assert resp.status_code == 200
    html = resp.content.decode()
    for obj in (*needs_shown, *ach_shown):
        assert obj.title in html
    for title in (*needs_hidden, *ach_hidden):
        assert title not in html
    assert "隐名精工有限公司" not in html  # a need is shown without its enterprise
    for obj in needs_shown:
        page = client.get(f"/innovation/market/needs/{obj.pk}/")
        assert page.status_code == 200
        assert "隐名精工有限公司" not in page.content.decode() and "13922223333" not in page.content.decode()
    for obj in needs_hidden.values():
        assert client.get(f"/innovation/market/needs/{obj.pk}/").status_code == 404
    assert client.get(f"/innovation/market/achievements/{ach_shown[0].pk}/").status_code == 200
    for obj in ach_hidden.values():
        assert client.get(f"/innovation/market/achievements/{obj.pk}/").status_code == 404


def test_published_calls_and_challenges_are_seen_outside_the_owners_scope_and_drafts_are_not(province):
    calls_shown, calls_hidden = _calls(province)
    ch_shown, ch_hidden = _challenges(province)
    outsider = login("demo-city-b")  # city B staff: nothing of city A's scope
    html = outsider.get("/calls/").content.decode()
    assert calls_shown[0].name in html
    assert "草稿批次" not in html and "已删除批次" not in html
    assert outsider.get(f"/calls/{calls_shown[0].pk}/").status_code == 200
    for obj in calls_hidden.values():
        assert outsider.get(f"/calls/{obj.pk}/").status_code == 404
    resp = outsider.get("/innovation/challenges/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "张榜中的榜单" in html
    for title in ch_hidden:
        assert title not in html
    for obj in ch_hidden.values():
        assert outsider.get(f"/innovation/challenges/{obj.pk}/").status_code == 404
    owner = login("demo-city-a")  # the owner's staff still see their draft
    assert "草稿批次" in owner.get("/calls/").content.decode()

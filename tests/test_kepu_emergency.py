"""应急科普 (decision 0051): incidents with a named approver, the fast track (published within the request, only by
the approver), the after-review round and its deadline — a reminder before, one escalation after, to the approver
and the parent organisation's editors — the staff pages' scope, the public incident pages and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kexie.accounts.models import User
from kexie.core.audit import history_for
from kexie.core.scope import prefix_q
from kexie.core.services import SYSTEM
from kexie.kepu.content.services import create_item
from kexie.kepu.emergency import services
from kexie.kepu.models import (
    Incident,
    IncidentStatus,
    Item,
    ItemEvent,
    ItemStatus,
    Review,
    RoundKind,
    RoundStatus,
)
from kexie.kepu.review import services as review
from kexie.kepu.signals import item_published
from kexie.notices.models import Notification
from kexie.people.models import Person
from tests.conftest import login


@pytest.fixture
def expert(province):
    """A person of city A with a platform account, the picker's only choice (the libraries are the review area's)."""
    person = Person.objects.filter(prefix_q("org_path", [province["city_a"].path]), user__isnull=True,
                                   deleted_at__isnull=True).order_by("pk").first()
    person.user = User.objects.create_user(username="kepu-after-expert", password="x-Long-Passw0rd!")
    person.save(update_fields=["user"])
    return person


@pytest.fixture
def picker(monkeypatch, expert):
    chosen = {"people": [expert]}
    monkeypatch.setattr(services, "pick_reviewers", lambda item, count: [(p, 0.5) for p in chosen["people"]][:count])
    return chosen


def incident_of(province, org_key="city_a", approver="demo-city-a", hours=24, title="台风“海燕”应急科普"):
    return services.create_incident(SYSTEM, org=province[org_key], kind="natural_disaster", title=title,
                                    summary="防台风避险要点", approver=province["users"][approver],
                                    after_review_hours=hours)


def draft(province, incident, org_key="city_a", title="台风来临前如何加固门窗"):
    return create_item(SYSTEM, org=province[org_key], kind="article", title=title, summary="门窗加固",
                       body="<p>关好门窗，远离广告牌。</p>", incident=incident)


# ---- the fast track ------------------------------------------------------------------------------------------
def test_the_approver_publishes_within_the_request_and_the_after_review_opens(province, picker, expert,
                                                                              django_capture_on_commit_callbacks):
    incident = incident_of(province, hours=6)
    item = draft(province, incident)
    sent = []
    item_published.connect(lambda sender, item, **kw: sent.append(item.pk), weak=False, dispatch_uid="t-emerg")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = login("demo-city-a").post(reverse("kepu:item-fast-publish", args=[item.pk]))
    finally:
        item_published.disconnect(dispatch_uid="t-emerg")
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.PUBLISHED and item.published_at is not None
    assert Item.objects.for_public().filter(pk=item.pk).exists()
    assert item.after_review_due_at == item.published_at + dt.timedelta(hours=6)
    assert sent == [item.pk]
    round_ = Review.objects.get(item=item)
    assert (round_.kind, round_.status, round_.stage) == (RoundKind.AFTER, RoundStatus.ACTIVE, "science")
    task = round_.tasks.get()
    assert task.expert == expert and task.due_at == item.after_review_due_at
    notice = Notification.objects.get(user=expert.user, key__startswith="kepu-review-task-")
    assert notice.url == reverse("kepu:task", args=[task.pk])
    assert ItemEvent.objects.filter(item=item, action="fast_published").count() == 1
    assert history_for(item).filter(action="kepu.item.fast_published").exists()


def test_a_health_item_gets_two_after_reviewers(province, picker, expert):
    other = Person.objects.filter(prefix_q("org_path", [province["city_a"].path]), user__isnull=True,
                                  deleted_at__isnull=True).exclude(pk=expert.pk).order_by("pk").first()
    other.user = User.objects.create_user(username="kepu-after-expert-2", password="x-Long-Passw0rd!")
    other.save(update_fields=["user"])
    picker["people"] = [expert, other]
    item = draft(province, incident_of(province))
    Item.objects.filter(pk=item.pk).update(health=True)
    services.fast_publish(province["users"]["demo-city-a"], item)
    assert Review.objects.get(item=item).tasks.count() == 2


def test_anyone_but_the_approver_is_refused_with_the_approvers_name(province, picker):
    incident = incident_of(province)
    item = draft(province, incident)
    with pytest.raises(PermissionDenied, match="A市科协工作人员|demo-city-a"):
        services.fast_publish(province["users"]["demo-province"], item)
    response = login("demo-province").post(reverse("kepu:item-fast-publish", args=[item.pk]))
    assert response.status_code == 403
    assert str(incident.approver) in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.DRAFT and not Review.objects.filter(item=item).exists()
    # city B cannot even reach the item: 404 like a missing one
    assert login("demo-city-b").post(reverse("kepu:item-fast-publish", args=[item.pk])).status_code == 404


def test_no_fast_track_for_a_closed_incident_an_ordinary_item_or_a_published_one(province, picker):
    approver = province["users"]["demo-city-a"]
    incident = incident_of(province)
    plain = create_item(SYSTEM, org=province["city_a"], kind="article", title="普通科普", body="<p>正文</p>")
    with pytest.raises(PermissionDenied, match="应急事件"):
        services.fast_publish(approver, plain)
    item = draft(province, incident)
    services.fast_publish(approver, item)
    with pytest.raises(ValidationError, match="只有草稿"):
        services.fast_publish(approver, item)
    later = draft(province, incident, title="台风过后注意饮水卫生")
    services.close_incident(approver, incident)
    with pytest.raises(ValidationError, match="已结束"):
        services.fast_publish(approver, later)
    later.refresh_from_db()
    assert later.status == ItemStatus.DRAFT


def test_without_an_expert_the_round_waits_and_the_editors_are_told(province, monkeypatch):
    monkeypatch.setattr(services, "pick_reviewers", lambda item, count: [])
    item = draft(province, incident_of(province))
    services.fast_publish(province["users"]["demo-city-a"], item)
    round_ = Review.objects.get(item=item)
    assert round_.status == RoundStatus.ACTIVE and not round_.tasks.exists()
    assert Notification.objects.filter(user=province["users"]["demo-city-a"],
                                       key=f"kepu-after-review-assign-{round_.pk}").exists()


# ---- after-review and its deadline -----------------------------------------------------------------------
def test_an_overdue_after_review_escalates_exactly_once_to_the_approver_and_the_parent_editors(province, picker,
                                                                                                 expert):
    approver = province["users"]["demo-city-a"]
    item = draft(province, incident_of(province, hours=8))
    services.fast_publish(approver, item)
    item.refresh_from_db()
    due = item.after_review_due_at
    reminders = Notification.objects.filter(user=expert.user, key__startswith="kepu-review-due-")
    services.after_review_sweep(now=due - dt.timedelta(hours=4))  # more than a quarter of the 8 hours left
    assert not reminders.exists()
    assert services.after_review_sweep(now=due - dt.timedelta(hours=1))["reminded"] >= 1
    services.after_review_sweep(now=due - dt.timedelta(minutes=30))
    assert reminders.count() == 1
    item.refresh_from_db()
    assert item.after_review_escalated_at is None
    late = due + dt.timedelta(minutes=1)
    assert services.after_review_sweep(now=late)["escalated"] >= 1
    services.after_review_sweep(now=late + dt.timedelta(hours=5))
    item.refresh_from_db()
    assert item.after_review_escalated_at == late
    assert ItemEvent.objects.filter(item=item, action="escalated").count() == 1
    told = set(Notification.objects.filter(key=f"kepu-after-review-{item.pk}").values_list("user__username", flat=True))
    assert {"demo-city-a", "demo-province"} <= told  # the approver and the province (parent) editors
    assert "demo-city-b" not in told
    assert history_for(item).filter(action="kepu.item.after_review_escalated").count() == 1


def test_an_approved_after_review_is_never_escalated(province, picker, expert):
    item = draft(province, incident_of(province))
    services.fast_publish(province["users"]["demo-city-a"], item)
    task = Review.objects.get(item=item).tasks.get()
    expert.user.refresh_from_db()
    review.decide(expert.user, task, approve=True)
    item.refresh_from_db()
    assert item.after_reviewed_at is not None
    assert services.due_state(item) == "done"
    services.after_review_sweep(now=item.after_review_due_at + dt.timedelta(days=1))
    item.refresh_from_db()
    assert item.after_review_escalated_at is None
    assert not Notification.objects.filter(key=f"kepu-after-review-{item.pk}").exists()


def test_a_retracted_item_is_not_escalated(province, picker):
    item = draft(province, incident_of(province))
    services.fast_publish(province["users"]["demo-city-a"], item)
    review.retract(province["users"]["demo-city-a"], item, correction="数据有误，已撤稿更正。")
    item.refresh_from_db()
    services.after_review_sweep(now=item.after_review_due_at + dt.timedelta(hours=1))
    item.refresh_from_db()
    assert item.after_review_escalated_at is None


# ---- the panel on the staff item page ---------------------------------------------------------------------
def test_the_panel_shows_the_button_to_the_approver_only(province, picker):
    incident = incident_of(province)
    item = draft(province, incident)
    page = login("demo-city-a").get(reverse("kepu:item-manage", args=[item.pk])).content.decode()
    assert 'id="fast-publish"' in page and "data-confirm=" in page and "就是您" in page
    page = login("demo-province").get(reverse("kepu:item-manage", args=[item.pk])).content.decode()
    assert 'id="fast-publish"' not in page and str(incident.approver) in page
    services.fast_publish(province["users"]["demo-city-a"], item)
    page = login("demo-city-a").get(reverse("kepu:item-manage", args=[item.pk])).content.decode()
    assert 'id="fast-publish"' not in page and 'id="after-review-state"' in page and "待事后审核" in page


# ---- incidents: pages, scope, bad input --------------------------------------------------------------------
def test_register_an_incident_through_the_page_with_the_approver_picked_by_name(province):
    client = login("demo-city-a")
    page = client.get(reverse("kepu:incident-create")).content.decode()
    approver = province["users"]["demo-city-a"]
    assert f'value="{approver.pk}"' in page and str(approver) in page
    data = {"org": province["city_a"].pk, "kind": "public_health", "title": "流感高发应急科普",
            "approver": approver.pk, "after_review_hours": 12}
    response = client.post(reverse("kepu:incident-create"), data)
    incident = Incident.objects.get(title="流感高发应急科普")
    assert response.status_code == 302 and response.url == reverse("kepu:incident-manage", args=[incident.pk])
    assert incident.approver == approver and incident.after_review_hours == 12
    assert incident.org == province["city_a"] and incident.status == IncidentStatus.ACTIVE
    page = client.get(response.url).content.decode()
    assert f"{reverse('kepu:item-create')}?incident={incident.pk}" in page


@pytest.mark.parametrize("change", [
    {"after_review_hours": 0}, {"after_review_hours": 73}, {"after_review_hours": "abc"}, {"title": ""},
    {"title": "长" * 121}, {"kind": "alien"}, {"approver": 999999999}, {"approver": "x"}, {"org": 99999999999999},
    {"title": "事件\x00"},
])
def test_bad_incident_input_is_a_chinese_form_error_and_changes_nothing(province, change):
    approver = province["users"]["demo-city-a"]
    data = {"org": province["city_a"].pk, "kind": "public_health", "title": "坏输入事件", "approver": approver.pk,
            "after_review_hours": 24, **change}
    before = Incident.objects.count()
    response = login("demo-city-a").post(reverse("kepu:incident-create"), data)
    assert response.status_code == 400
    assert Incident.objects.count() == before


def test_the_approver_must_hold_an_approver_action_over_the_organisation(province):
    with pytest.raises(ValidationError, match="审批人"):
        incident_of(province, approver="demo-city-b")  # city B's staff has nothing over city A
    with pytest.raises(PermissionDenied):
        services.create_incident(province["users"]["demo-city-b"], org=province["city_a"], kind="accident",
                                 title="越权登记", approver=province["users"]["demo-city-a"])


def test_staff_pages_are_scoped(province):
    mine = incident_of(province, title="A市暴雨应急科普")
    theirs = incident_of(province, org_key="city_b", approver="demo-city-b", title="B市地震应急科普")
    client = login("demo-city-a")
    page = client.get(reverse("kepu:incidents")).content.decode()
    assert mine.title in page and theirs.title not in page
    for name in ("kepu:incident-manage", "kepu:incident-edit"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.post(reverse("kepu:incident-close", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == IncidentStatus.ACTIVE
    assert login("demo-city-b").get(reverse("kepu:incident-manage", args=[theirs.pk])).status_code == 200


def test_edit_and_close_an_incident(province):
    incident = incident_of(province)
    client = login("demo-city-a")
    data = {"kind": "natural_disaster", "title": "台风“海燕”应急科普（更新）", "summary": "",
            "approver": province["users"]["demo-province"].pk, "after_review_hours": 48}
    assert client.post(reverse("kepu:incident-edit", args=[incident.pk]), data).status_code == 302
    incident.refresh_from_db()
    assert incident.approver.username == "demo-province" and incident.after_review_hours == 48
    assert client.post(reverse("kepu:incident-close", args=[incident.pk])).status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.closed_at is not None
    page = client.get(reverse("kepu:incident-manage", args=[incident.pk])).content.decode()
    assert 'id="close-incident"' not in page and 'id="new-emergency-item"' not in page
    assert history_for(incident).filter(action="kepu.incident.closed").exists()


# ---- public pages ------------------------------------------------------------------------------------------
def test_the_public_incident_page_lists_only_published_items(province, picker, client):
    incident = incident_of(province)
    shown = draft(province, incident, title="台风天不要外出")
    hidden = draft(province, incident, title="尚未发布的草稿")
    gone = draft(province, incident, title="后来撤稿的作品")
    assert client.get(reverse("kepu:incident", args=[incident.pk])).status_code == 404
    assert incident.title not in client.get(reverse("kepu:incidents-public")).content.decode()
    approver = province["users"]["demo-city-a"]
    services.fast_publish(approver, shown)
    services.fast_publish(approver, gone)
    review.retract(approver, gone, correction="内容有误。")
    page = client.get(reverse("kepu:incident", args=[incident.pk])).content.decode()
    assert shown.title in page and hidden.title not in page and gone.title not in page
    assert reverse("kepu:item", args=[shown.pk]) in page
    listing = client.get(reverse("kepu:incidents-public")).content.decode()
    assert incident.title in listing and reverse("kepu:incident", args=[incident.pk]) in listing


@pytest.mark.parametrize("path", ["/kepu/incidents/99999999999999999999/", "/kepu/incidents/0/",
                                  "/kepu/incidents/?page=x", "/kepu/incidents/?page=99999999999",
                                  "/kepu/manage/incidents/99999999999999999999/",
                                  "/kepu/manage/incidents/?sort=nope&status=zzz&kind=%00"])
def test_bad_addresses_never_give_a_500(province, client_a, path):
    assert client_a.get(path).status_code in (200, 400, 404)


def test_new_emergency_item_from_the_incident_page_preselects_the_incident(province):
    incident = incident_of(province)
    client = login("demo-city-a")
    page = client.get(f"{reverse('kepu:item-create')}?incident={incident.pk}").content.decode()
    assert f'<option value="{incident.pk}" selected>' in page
    assert client.get(f"{reverse('kepu:item-create')}?incident=abc").status_code == 200


@pytest.mark.parametrize("status", [s for s in ItemStatus.values if s not in Item.WORKFLOW.sources("fast_publish")])
def test_fast_publish_refuses_every_status_outside_its_sources(province, picker, status):
    item = draft(province, incident_of(province))
    Item.objects.filter(pk=item.pk).update(status=status)
    with pytest.raises(ValidationError) as refused:
        services.fast_publish(province["users"]["demo-city-a"], item)
    assert "草稿" in str(refused.value)
    item.refresh_from_db()
    assert item.status == status and not Review.objects.filter(item=item, kind=RoundKind.AFTER).exists()


def test_a_returned_item_can_take_the_fast_track(province, picker):
    item = draft(province, incident_of(province))
    Item.objects.filter(pk=item.pk).update(status=ItemStatus.RETURNED)
    assert services.fast_publish(province["users"]["demo-city-a"], item).status == ItemStatus.PUBLISHED

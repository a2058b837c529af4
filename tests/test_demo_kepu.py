"""After ``kexie seed`` the 数字科普 demo is alive: the province's staff find items in every state, demo-expert a
review task waiting, readers published items on the home page and in the feed (never a draft or the retracted
one, whose page says why), the hot topics a planted rumour rising again, the effect figures add up, and city A
sees its own work and the province item it adopted."""

from __future__ import annotations

import json

import pytest
from django.db.models import Sum
from django.utils import timezone

from kexie.demo.data.kepu_debunks import DEBUNKS, INCIDENT, RISING_CLAIM
from kexie.demo.kepu import RETURNED, province_texts
from kexie.kepu.models import (
    Adoption,
    Debunk,
    InfoOfficer,
    Item,
    ItemDay,
    ItemStatus,
    PointEntry,
    ReviewTask,
    Screen,
    SearchLog,
    Subscription,
    TaskDecision,
    ViewEvent,
)
from kexie.kepu.screens.services import silent_screens
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _html(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return resp.content.decode()


def test_the_province_manages_items_in_every_state(province):
    statuses = set(Item.objects.filter(org=province["root"]).values_list("status", flat=True))
    assert set(ItemStatus.values) <= statuses
    page = _html(login("demo-province"), "/kepu/manage/")
    draft = Item.objects.filter(org=province["root"], status=ItemStatus.DRAFT).first()
    assert draft.title in page
    returned = Item.objects.get(status=ItemStatus.RETURNED, title=province_texts()[min(RETURNED)].title)
    assert RETURNED[min(RETURNED)][1] in _html(login("demo-province"), f"/kepu/manage/{returned.pk}/")


def test_the_expert_has_a_review_task_waiting(province):
    task = ReviewTask.objects.filter(expert__user__username="demo-expert", decision=TaskDecision.PENDING,
                                     item__status=ItemStatus.SCIENCE).first()
    assert task is not None
    client = login("demo-expert")
    assert task.item.title in _html(client, "/kepu/reviews/")
    assert task.item.title in _html(client, f"/kepu/reviews/tasks/{task.pk}/")


def test_anonymous_readers_find_published_items_never_drafts(province, client):
    published = Item.objects.for_public().order_by("-published_at").first()
    draft = Item.objects.filter(status=ItemStatus.DRAFT).first()
    home = _html(client, "/kepu/")
    assert published.title in home and draft.title not in home
    feed = json.loads(_html(client, "/kepu/feed.json"))
    titles = {entry["title"] for entry in feed["items"]}
    assert published.title in titles and draft.title not in titles
    retracted = Item.objects.get(status=ItemStatus.RETRACTED)
    assert retracted.title not in titles
    resp = client.get(f"/kepu/items/{retracted.pk}/")
    assert resp.status_code == 410 and retracted.correction[:20] in resp.content.decode()


def test_the_typhoon_items_are_out_and_after_review_is_running(province):
    items = Item.objects.filter(incident__title=INCIDENT["title"])
    assert items.count() == 3 and all(i.status == ItemStatus.PUBLISHED for i in items)
    assert items.filter(after_reviewed_at__isnull=False).count() == 1
    assert items.filter(after_reviewed_at__isnull=True, after_review_due_at__isnull=False).count() == 2


def test_debunks_are_published_and_the_planted_rumour_is_rising_again(province):
    assert Debunk.objects.for_public().count() == len(DEBUNKS)
    from kexie.kepu.hot.rising import rising

    found = {r.term: r for r in rising()}
    assert "胶带" in found, sorted(found)
    assert found["胶带"].debunked and found["胶带"].resurfacing
    claim = DEBUNKS[RISING_CLAIM][0]
    assert "胶带" in claim
    assert SearchLog.objects.filter(q__contains="胶带").count() >= 30


def test_reads_add_up_from_events_to_days_to_items(province):
    events = ViewEvent.objects.count()
    assert events > 500  # kexie/demo/kepu_history.py VIEWS["tiny"]
    assert ItemDay.objects.aggregate(n=Sum("views"))["n"] == events
    assert Item.objects.aggregate(n=Sum("views"))["n"] == events
    newest = Item.objects.for_public().filter(incident__isnull=True).order_by("-published_at").first()
    days = list(ItemDay.objects.filter(item=newest).values_list("day", flat=True))
    assert days and min(days) >= timezone.localtime(newest.published_at).date()


def test_city_a_sees_its_own_work_and_the_adopted_item(province):
    client = login("demo-city-a")
    own = Item.objects.filter(org=province["city_a"]).first()
    assert own is not None and own.title in _html(client, "/kepu/manage/")
    province_only = Item.objects.filter(org=province["root"], status=ItemStatus.DRAFT).first()
    assert province_only.title not in _html(client, "/kepu/manage/")
    assert Adoption.objects.filter(org=province["city_a"]).exists()


def test_officers_screens_and_subscriptions(province):
    officer = InfoOfficer.objects.get(user__username="demo-volunteer")
    assert InfoOfficer.objects.count() >= 30
    assert PointEntry.objects.exists()
    assert officer.display_name in _html(login("demo-volunteer"), "/kepu/officers/me/")
    assert Screen.objects.count() >= 12
    assert silent_screens().count() == 2
    assert Subscription.objects.filter(user__username="demo-scientist").count() >= 3

"""科普大屏: registration in scope with the key shown once and stored as its SHA-256 only, a new key that stops the
old one, the heartbeat (by key, at most one write a minute, 403 JSON otherwise), the list's 在线/离线 and 只看离线,
the daily notice of silent screens (once per silent spell), and the play page that fetches the feed of the
screen's region and topics."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.test import Client
from django.utils import timezone

from kexie.core.services import SYSTEM
from kexie.kepu.models import Screen, Topic
from kexie.kepu.screens import services
from kexie.notices.models import Notification
from kexie.orgs.models import Region

pytestmark = pytest.mark.django_db


def screen(org, name="人民广场科普大屏", **kw) -> tuple[Screen, str]:
    return services.create_screen(SYSTEM, org=org, name=name, location="人民广场东侧", **kw)


def _key_on(html: str) -> str:
    m = re.search(r'id="screen-key-value">([^<]+)<', html)
    return m.group(1) if m else ""


def test_a_new_screen_shows_its_key_once_and_keeps_only_the_digest(province, client_a):
    city = province["city_a"]
    topic = Topic.objects.get(code="health")
    resp = client_a.post("/kepu/manage/screens/new/", {
        "org": city.code, "name": "A市火车站大屏", "location": "候车大厅", "topics": [topic.pk], "active": "on"})
    assert resp.status_code == 302
    s = Screen.objects.get(name="A市火车站大屏")
    assert resp["Location"] == f"/kepu/manage/screens/{s.pk}/edit/"
    page = client_a.get(resp["Location"]).content.decode()
    key = _key_on(page)
    assert key and s.key_digest == hashlib.sha256(key.encode()).hexdigest() and key not in s.key_digest
    assert f"/kepu/screens/play/?key={key}" in page
    assert _key_on(client_a.get(resp["Location"]).content.decode()) == ""  # shown once
    assert list(s.topics.all()) == [topic] and s.org_path == city.path


def test_registration_refuses_an_organisation_outside_scope_and_bad_input(province, client_a):
    b = province["city_b"]
    resp = client_a.post("/kepu/manage/screens/new/", {"org": b.code, "name": "越权大屏", "location": "某处"})
    assert resp.status_code == 400 and not Screen.objects.filter(name="越权大屏").exists()
    resp = client_a.post("/kepu/manage/screens/new/", {"org": province["city_a"].code, "name": "", "location": "x" * 500})
    assert resp.status_code == 400 and "必填" in resp.content.decode()
    assert not Screen.objects.filter(location="x" * 500).exists()


def test_a_new_key_stops_the_old_one_and_asks_first(province, client_a):
    s, old = screen(province["city_a"])
    page = client_a.get(f"/kepu/manage/screens/{s.pk}/edit/").content.decode()
    assert "data-confirm" in page and f"/kepu/manage/screens/{s.pk}/key/" in page
    resp = client_a.post(f"/kepu/manage/screens/{s.pk}/key/", follow=True)
    new = _key_on(resp.content.decode())
    assert new and new != old
    assert services.by_key(old) is None and services.by_key(new) == s
    assert Client().get(f"/kepu/screens/play/?key={old}").status_code == 403
    assert client_a.get(f"/kepu/manage/screens/{s.pk}/key/").status_code == 405


def test_heartbeat_by_key_updates_at_most_once_a_minute(province):
    s, key = screen(province["city_a"])
    client = Client(enforce_csrf_checks=True)
    bad = client.post("/kepu/screens/heartbeat/", HTTP_X_SCREEN_KEY="wrong")
    assert bad.status_code == 403 and "密钥无效" in bad.json()["detail"]
    assert client.post("/kepu/screens/heartbeat/").status_code == 403
    ok = client.post("/kepu/screens/heartbeat/", HTTP_X_SCREEN_KEY=key)
    assert ok.status_code == 200 and ok.json()["recorded"] is True
    s.refresh_from_db()
    first = s.last_heartbeat_at
    assert first is not None
    again = client.post("/kepu/screens/heartbeat/", {"key": key})  # the key in the body works too
    assert again.json()["recorded"] is False
    s.refresh_from_db()
    assert s.last_heartbeat_at == first
    assert services.heartbeat(s, now=first + dt.timedelta(seconds=61)) is True
    s.active = False
    s.save()
    assert client.post("/kepu/screens/heartbeat/", HTTP_X_SCREEN_KEY=key).status_code == 403


def test_the_list_tells_online_from_offline_and_filters_offline(province, client_a, client_b):
    city = province["city_a"]
    on, _k1 = screen(city, "在线大屏甲")
    off, _k2 = screen(city, "离线大屏乙")
    now = timezone.now()
    Screen.objects.filter(pk=on.pk).update(last_heartbeat_at=now - dt.timedelta(minutes=5))
    Screen.objects.filter(pk=off.pk).update(last_heartbeat_at=now - dt.timedelta(hours=30))
    html = client_a.get("/kepu/manage/screens/").content.decode()
    assert "在线大屏甲" in html and "离线大屏乙" in html and "在线" in html and "离线" in html
    only_off = client_a.get("/kepu/manage/screens/?offline=on").content.decode()
    assert "离线大屏乙" in only_off and "在线大屏甲" not in only_off
    assert "离线大屏乙" not in client_b.get("/kepu/manage/screens/").content.decode()
    assert client_b.get(f"/kepu/manage/screens/{off.pk}/edit/").status_code == 404


def test_a_silent_screen_is_notified_once_per_silent_spell(province):
    s, _key = screen(province["city_a"], "沉默大屏")
    loud, _ = screen(province["city_a"], "正常大屏")
    now = timezone.now()
    Screen.objects.filter(pk=s.pk).update(last_heartbeat_at=now - dt.timedelta(hours=25))
    Screen.objects.filter(pk=loud.pk).update(last_heartbeat_at=now - dt.timedelta(hours=1))
    silent = services.silent_screens()
    assert silent.filter(pk=s.pk).exists() and not silent.filter(pk=loud.pk).exists()
    first = services.notify_silent()
    assert first["screens"] >= 1 and first["notices"] >= 1
    notices = Notification.objects.filter(key__startswith=f"kepu-screen-silent-{s.pk}-")
    users = set(notices.values_list("user__username", flat=True))
    assert "demo-city-a" in users and "demo-city-b" not in users
    assert "沉默大屏" in notices.first().title
    assert services.notify_silent()["notices"] == 0  # the same spell: no second notice
    services.heartbeat(Screen.objects.get(pk=s.pk), now=now - dt.timedelta(hours=2))  # back, then silent again
    assert services.notify_silent(now=now + dt.timedelta(hours=23))["notices"] >= 1
    assert Notification.objects.filter(key__startswith=f"kepu-screen-silent-{s.pk}-", user__username="demo-city-a"
                                       ).count() == 2


def test_a_never_heard_screen_counts_as_silent_a_day_after_registration(province):
    s, _key = screen(province["city_a"], "从未连接的大屏")
    assert not services.silent_screens().filter(pk=s.pk).exists()
    assert services.silent_screens(now=timezone.now() + dt.timedelta(hours=25)).filter(pk=s.pk).exists()


def test_the_play_page_fetches_the_feed_of_its_region_and_topics(province):
    region = Region.objects.filter(level="city").order_by("code").first()
    topics = list(Topic.objects.filter(code__in=["disaster", "health"]))
    s, key = screen(province["city_a"], region=region, topics=topics)
    resp = Client().get(f"/kepu/screens/play/?key={key}")
    assert resp.status_code == 200
    html = resp.content.decode()
    feeds = re.search(r'data-feeds="([^"]+)"', html).group(1).replace("&amp;", "&").split()
    assert feeds == [f"/kepu/feed.json?region={region.code}&topic=disaster",
                     f"/kepu/feed.json?region={region.code}&topic=health"]
    assert 'data-heartbeat-url="/kepu/screens/heartbeat/"' in html and f'data-key="{key}"' in html
    assert 'data-refresh="60"' in html and "kepu/screen.js" in html
    assert 'class="topbar"' not in html and "mainnav" not in html  # full screen: no site menu
    plain, key2 = screen(province["city_a"], "全省大屏")
    html2 = Client().get(f"/kepu/screens/play/?key={key2}").content.decode()
    assert 'data-feeds="/kepu/feed.json"' in html2
    assert Client().get("/kepu/screens/play/?key=nope").status_code == 403
    assert Client().get("/kepu/screens/play/").status_code == 403


def test_edit_changes_the_playlist_and_is_audited(province, client_a):
    s, _key = screen(province["city_a"])
    topic = Topic.objects.get(code="food")
    resp = client_a.post(f"/kepu/manage/screens/{s.pk}/edit/", {
        "name": "改名后的大屏", "location": "新地点", "topics": [topic.pk]})
    assert resp.status_code == 302
    s.refresh_from_db()
    assert s.name == "改名后的大屏" and not s.active and list(s.topics.all()) == [topic]
    from kexie.core.audit import history_for

    assert {e.action for e in history_for(s)} == {"kepu.screen.created", "kepu.screen.edited"}

"""Site notices with e-mail (kexie.notices): once per key, personal, mail after commit, safe links."""

from __future__ import annotations

from django.core import mail

from kexie.notices import services
from kexie.notices.models import Notification


def test_notify_once_per_key_with_mail_after_commit(province, django_capture_on_commit_callbacks):
    a, b = province["users"]["demo-city-a"], province["users"]["demo-city-b"]
    a.email, b.email = "a@example.org", ""
    a.save(update_fields=["email"]), b.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify([a, b, a], title="填报截止提醒", body="还有 3 天", url="/reports/", key="t:1:3") == 2
    assert Notification.objects.filter(key="t:1:3").count() == 2
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["a@example.org"]
    assert mail.outbox[0].subject == "填报截止提醒" and "/reports/" in mail.outbox[0].body
    assert Notification.objects.get(user=a, key="t:1:3").emailed
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify([a, b], title="填报截止提醒", key="t:1:3") == 0  # a job that runs twice
    assert len(mail.outbox) == 1
    # Without a key every call notifies.
    assert services.notify([a], title="审核结果", email=False) == 1 == services.notify([a], title="审核结果", email=False)


def test_inbox_is_personal_and_badge_counts_unread(province, client_a, client_b):
    a, b = province["users"]["demo-city-a"], province["users"]["demo-city-b"]
    services.notify([a], title="A 的通知", url="/census/", email=False)
    theirs = Notification.objects.create(user=b, title="B 的通知")
    page = client_a.get("/notices/").content.decode()
    assert "A 的通知" in page and "B 的通知" not in page
    assert 'id="notices-link"' in page and '<span class="badge">1</span>' in page
    # Someone else's notice: 404, and it stays unread.
    assert client_a.post(f"/notices/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    mine = Notification.objects.get(user=a)
    resp = client_a.post(f"/notices/{mine.pk}/read/")
    assert resp.status_code == 302 and resp["Location"] == "/census/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert '<span class="badge">' not in client_a.get("/notices/").content.decode()
    assert client_a.get(f"/notices/{mine.pk}/read/").status_code == 405  # reading changes state: POST only


def test_links_leave_the_site_never(province, client_a):
    a = province["users"]["demo-city-a"]
    for url in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        notice = Notification.objects.create(user=a, title="x", url=url)
        assert client_a.post(f"/notices/{notice.pk}/read/")["Location"] == "/notices/"


def test_read_all(province, client_a):
    a = province["users"]["demo-city-a"]
    services.notify([a], title="一", email=False)
    services.notify([a], title="二", email=False)
    assert client_a.post("/notices/read-all/").status_code == 302
    assert not Notification.objects.for_user(a).unread().exists()

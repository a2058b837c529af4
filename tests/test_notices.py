"""Site notices with e-mail (kexie.notices): once per key, personal, mail after commit, safe links; every key of
a kind some app declares (KexieAppConfig.notices), and each user's e-mail switch per kind (/notices/settings/)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kexie.core.registry import NoticeKind, app_configs, notice_kind, notice_kinds
from kexie.notices import services
from kexie.notices.models import NoticePreference, Notification
from tests.conftest import login
from tests.test_registry import registry_app  # noqa: F401  (a fixture)


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
    Notification.objects.filter(user__in=[a, b]).delete()  # the demo seeds work (and notices) for every account
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


# ---- the notices registry and each user's e-mail settings (issue 13, item 3) -------------------------------------
KEXIE = Path(__file__).resolve().parent.parent / "kexie"


def _notify_calls(path: Path) -> list[tuple[int, str | None]]:
    """(line, literal start of the key) of every ``notify(...)`` call in a file; ``None`` when the call names no
    key or the key does not start with literal text (its kind cannot be read from the code)."""
    found: list[tuple[int, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if not ((isinstance(func, ast.Name) and func.id == "notify")
                or (isinstance(func, ast.Attribute) and func.attr == "notify")):
            continue
        key = next((kw.value for kw in node.keywords if kw.arg == "key"), None)
        head: str | None = None
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            head = key.value
        elif isinstance(key, ast.JoinedStr):
            head = ""
            for part in key.values:
                if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
                    break
                head += part.value
        found.append((node.lineno, head or None))
    return found


def _keys_without_a_kind(paths, kinds) -> tuple[int, list[str]]:
    """How many ``notify`` calls the files hold, and those whose key has no declared kind."""
    calls, problems = 0, []
    for path in paths:
        for line, head in _notify_calls(path):
            calls += 1
            if head is None:
                problems.append(f"{path}:{line}: notify() without a literal key start")
            elif notice_kind(head, kinds) is None:
                problems.append(f"{path}:{line}: key {head!r}… has no declared notice kind")
    return calls, problems


def test_the_registry_lists_every_apps_notice_kinds():
    kinds = notice_kinds()
    by_app = {c.label: {k.key_prefix for k in c.notices} for c in app_configs() if c.notices}
    assert set(by_app) >= {"reports", "governance", "calls", "innovation"}
    assert {"reports:remind:", "reports:review:", "governance.term:", "calls-remind-", "calls-result-",
            "innovation-dispatch-", "innovation-need-", "innovation-intro-"} <= set(kinds)
    assert set(kinds) == set().union(*by_app.values())  # every declared kind, once
    for kind in kinds.values():
        assert re.search(r"[\u4e00-\u9fff]", str(kind.label)) and re.search(r"[\u4e00-\u9fff]", str(kind.description))
    # The longest declared prefix is a key's kind.
    assert notice_kind("calls-project-due-4-2026-49").key_prefix == "calls-project-due-"
    assert notice_kind("calls-project-4").key_prefix == "calls-project-"
    assert notice_kind("innovation-need-submitted-3-20261207").audience == "staff"
    assert notice_kind("innovation-need-3-published-2026").audience == "people"
    assert notice_kind("") is None and notice_kind("nobody-declares-this") is None


def test_a_prefix_declared_twice_is_an_error(monkeypatch):
    reports = apps.get_app_config("reports")
    monkeypatch.setattr(type(apps.get_app_config("governance")), "notices", (
        NoticeKind("reports:remind:", "重复", "重复的类别"),))
    assert reports.notices
    with pytest.raises(ValueError, match="declared twice"):
        notice_kinds()
    with pytest.raises(ValueError, match="audience"):
        NoticeKind("x-", "类别", "说明", audience="everyone")


def test_every_notify_key_in_the_code_has_a_declared_kind():
    calls, problems = _keys_without_a_kind(sorted(KEXIE.rglob("*.py")), notice_kinds())
    assert calls >= 30  # the scan sees the call sites (reports, governance, calls, innovation)
    assert not problems, "\n".join(problems)


def test_a_key_without_a_kind_is_caught(tmp_path):
    source = tmp_path / "module.py"
    source.write_text(
        "from kexie.notices.services import notify\n"
        "from kexie.notices import services\n"
        "def f(users, pk, key):\n"
        "    notify(users, title='甲', key=f'calls-remind-{pk}')\n"  # declared: fine
        "    notify(users, title='乙', key=f'nobody-{pk}')\n"  # no kind declares it
        "    services.notify(users, title='丙', key=key)\n"  # a key the code cannot show
        "    notify(users, title='丁')\n"  # no key at all
        "    notify(users, title='戊', key=f'reports:{pk}:x')\n",  # only a shorter start than any kind
        encoding="utf-8")
    calls, problems = _keys_without_a_kind([source], notice_kinds())
    assert calls == 5
    assert [p.split(":", 2)[1] for p in problems] == ["5", "6", "7", "8"]


def _settings_post(client, changes=None, drop=None, extra=None):
    """The settings page's own form, as the browser would post it, with some switches changed."""
    html = client.get(reverse("notices:settings")).content.decode()
    data = dict(re.findall(r'<input type="hidden" name="(notices-[\w-]+)" value="([^"]*)"', html))
    for name in re.findall(r'<input type="checkbox" name="(notices-\d+-email)"[^>]*checked', html):
        data[name] = "on"
    index = {v: k.rsplit("-", 1)[0] for k, v in data.items() if k.endswith("-kind")}
    for prefix, on in (changes or {}).items():
        field = f"{index[prefix]}-email"
        if on:
            data[field] = "on"
        else:
            data.pop(field, None)
    for name in drop or ():
        data.pop(name, None)
    data.update(extra or {})
    return client.post(reverse("notices:settings"), data)


def test_turning_a_kinds_email_off_stops_the_email_and_keeps_the_notice(province, client_a,
                                                                         django_capture_on_commit_callbacks):
    a, b, p = (province["users"][n] for n in ("demo-city-a", "demo-city-b", "demo-province"))
    for user, address in ((a, "a@example.org"), (b, "b@example.org"), (p, "p@example.org")):
        user.email = address
        user.save(update_fields=["email"])
    resp = _settings_post(client_a, {"reports:remind:": False})
    assert resp.status_code == 302 and resp["Location"] == reverse("notices:settings")
    assert "通知设置已保存。" in client_a.get(resp["Location"]).content.decode()
    assert NoticePreference.objects.get(user=a, key_prefix="reports:remind:").email is False
    assert NoticePreference.objects.filter(user=a).count() == 1  # choices equal to the default keep no row
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as queries:
        assert services.notify([a, b, p], title="填报催报", key="reports:remind:1:2:d3") == 3
    assert Notification.objects.filter(key="reports:remind:1:2:d3").count() == 3  # the site notice stays
    assert sorted(m.to[0] for m in mail.outbox) == ["b@example.org", "p@example.org"]
    assert not Notification.objects.get(user=a, key="reports:remind:1:2:d3").emailed
    assert len([q for q in queries.captured_queries if "notices_noticepreference" in q["sql"]]) == 1
    # Other kinds still reach a by e-mail; turned on again, this one does too.
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([a], title="换届提醒", key="governance.term:1:30")
    assert mail.outbox[-1].to == ["a@example.org"]
    assert _settings_post(client_a, {"reports:remind:": True}).status_code == 302
    assert not NoticePreference.objects.filter(user=a).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([a], title="填报催报", key="reports:remind:1:2:d1")
    assert mail.outbox[-1].to == ["a@example.org"] and len(mail.outbox) == 4


def test_settings_page_shows_the_kinds_of_the_users_audience(province, client_a):
    scientist = login("demo-scientist")
    mine = scientist.get(reverse("notices:settings")).content.decode()
    staff = client_a.get(reverse("notices:settings")).content.decode()
    people_kinds = [k for k in notice_kinds().values() if k.audience == "people"]
    staff_kinds = [k for k in notice_kinds().values() if k.audience == "staff"]
    assert people_kinds and staff_kinds
    for kind in people_kinds:
        assert f'data-kind="{kind.key_prefix}"' in mine and f'data-kind="{kind.key_prefix}"' in staff
    for kind in staff_kinds:
        assert f'data-kind="{kind.key_prefix}"' not in mine and f'data-kind="{kind.key_prefix}"' in staff
    assert "换届提醒" in staff and "换届提醒" not in mine and "评审提醒" in mine
    assert "<legend><strong>申报评审</strong></legend>" in mine  # grouped by module
    assert "站内通知始终保留" in mine and 'role="switch"' in mine
    assert "还没有登记电子邮箱" in mine or "邮件发往" in mine
    # The inbox links here.
    assert f'href="{reverse("notices:settings")}"' in client_a.get(reverse("notices:inbox")).content.decode()
    # Signed out: the login page, not the settings.
    assert Client().get(reverse("notices:settings")).status_code == 302


def test_bad_settings_posts_change_nothing(province, client_a):
    a = province["users"]["demo-city-a"]
    assert _settings_post(client_a, {"calls-remind-": False}).status_code == 302
    assert "通知设置已保存。" in client_a.get(reverse("notices:settings")).content.decode()
    before = list(NoticePreference.objects.filter(user=a).values_list("key_prefix", "email", "updated_at"))
    assert before[0][:2] == ("calls-remind-", False)
    url = reverse("notices:settings")
    bad = [
        client_a.post(url, {}),  # no management form
        client_a.post(url, {"notices-TOTAL_FORMS": "1", "notices-INITIAL_FORMS": "1",
                            "notices-0-kind": "reports:remind:"}),  # a stale page: one kind of many
        _settings_post(client_a, {"reports:remind:": False}, extra={"notices-0-kind": "nobody-"}),  # made up
        _settings_post(client_a, {"reports:remind:": False},
                       extra={"notices-1-kind": "reports:remind:", "notices-2-kind": "reports:remind:"}),
        _settings_post(client_a, {"reports:remind:": False}, drop=["notices-TOTAL_FORMS"]),
    ]
    for resp in bad:
        html = resp.content.decode()
        assert resp.status_code == 400 and 'role="alert"' in html and "通知设置已保存" not in html
        assert "设置未保存：" in html
    assert list(NoticePreference.objects.filter(user=a).values_list("key_prefix", "email", "updated_at")) == before


def test_a_people_user_cannot_set_a_staff_kind(province):
    scientist, user = login("demo-scientist"), province["users"]["demo-scientist"]
    resp = _settings_post(scientist, extra={"notices-0-kind": "governance.term:", "notices-0-email": ""})
    assert resp.status_code == 400 and "设置未保存：" in resp.content.decode()
    assert not NoticePreference.objects.filter(user=user).exists()


def test_a_new_modules_notice_kind_appears_in_the_settings(province, registry_app,  # noqa: F811
                                                            django_capture_on_commit_callbacks):
    """tests/registry_app declares one kind (e-mail off by default, for everyone): it shows under its module, its
    default holds back the e-mail, and switching it on sends it."""
    user = province["users"]["demo-scientist"]
    user.email = "s@example.org"
    user.save(update_fields=["email"])
    scientist = login("demo-scientist")
    html = scientist.get(reverse("notices:settings")).content.decode()
    assert "<legend><strong>试验台账</strong></legend>" in html and "试验件清点提醒" in html
    assert 'data-kind="registry-app:"' in html
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([user], title="清点差异", key="registry-app:1")
    assert Notification.objects.filter(user=user, key="registry-app:1").exists() and not mail.outbox
    assert _settings_post(scientist, {"registry-app:": True}).status_code == 302
    assert NoticePreference.objects.get(user=user, key_prefix="registry-app:").email is True
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([user], title="清点差异", key="registry-app:2")
    assert [m.to for m in mail.outbox] == [["s@example.org"]]

"""App registries (decision 0021): the main menu, `kexie daily` and the API router are read from what each app's
AppConfig declares. A throwaway module (tests/registry_app/) that edits no central file shows up in all three and
in the systematic scope test; the menu is role-aware (individuals do not see the staff pages)."""

from __future__ import annotations

import importlib
import io
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import override_settings
from django.urls import clear_url_caches, reverse

from kexie.accounts.models import Role, User
from kexie.accounts.services import grant_role
from kexie.core.registry import KexieAppConfig, daily_jobs, menu_for
from kexie.core.services import SYSTEM
from tests.conftest import login

STAFF_PAGES = ["orgs:tree", "people:list", "members:list", "imports:list", "census:page", "identity:queue",
               "reports:list", "evaluation:list", "governance:overview"]
EVERYONE_PAGES = ["kepu:mine", "calls:list", "innovation:needs", "notices:inbox", "me"]

# `kexie daily --now`, line by line, as the command printed it before the registries (numbers vary).
DAILY_LINES = [
    r"会员状态已刷新：.*",
    r"入会申请：临期提醒 \d+ 件，逾期上报 \d+ 件。",
    r"会费续缴提醒 \d+ 条。",
    r"底数汇总已更新：\d+ 人，\d+ 行。",
    r"换届提醒：\d+ 个届次，新发通知 \d+ 条。",
    r"填报提醒：.*",
    r"评审提醒：\d+ 个批次，新发通知 \d+ 条。",
    r"课题报告提醒：新发通知 \d+ 条。",
    r"派单督办：提醒 \d+ 单，上报督办 \d+ 单。",
    r"工作站：协议到期 \d+ 个，恢复运行 \d+ 个。",
    r"到期注销的账号：\d+ 个；清理过期验证码 \d+ 条。",
    r"科普阅读记录：写入 \d+ 条。",
    r"科普热词汇总：检索词 \d+ 个，阅读专题 \d+ 个。",
    r"科普审核：临期提醒 \d+ 条，逾期督办 \d+ 件，定时发布 \d+ 件。",
    r"应急科普事后审核：临期提醒 \d+ 件，逾期督办 \d+ 件。",
    r"专家匹配索引已重建：\d+ 人。",
    r"科普大屏离线提醒：离线大屏 \d+ 块，新发通知 \d+ 条。",
    r"数据导入：中断的批次 \d+ 个，删除到期文件 \d+ 个（\d+ 个批次）。",
    r"导出：删除到期文件 \d+ 个，中断的导出 \d+ 个。",
]


def _reload_urls() -> None:
    import kexie.api.urls
    import kexie.urls

    importlib.reload(kexie.api.urls)  # the router reads the installed apps' api_routes when imported
    importlib.reload(kexie.urls)
    clear_url_caches()


@pytest.fixture
def registry_app(settings):
    """The site with tests.registry_app installed and mounted, as a deployment adding a module would have it."""
    from kexie.accounts.services import rebuild_stale_scopes

    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "tests.registry_app"]):
        _reload_urls()  # kexie/urls.py mounts it at its url_prefix
        rebuild_stale_scopes()  # what migrate does when a module is installed: its actions reach the roles
        yield apps.get_app_config("registry_app")
    _reload_urls()  # back to the site without it


def _menu_hrefs(html: str) -> list[str]:
    nav = html[html.index('<ul class="mainnav"'):html.index('id="account-menu"')]
    return re.findall(r'<a href="([^"]+)"', nav)


def _daily_now() -> list[str]:
    out = io.StringIO()
    call_command("daily", now=True, stdout=out)
    return out.getvalue().splitlines()


def test_every_kexie_app_declares_through_the_registry():
    """Django takes an app's own config, not the imported base (or the declarations would be silently lost)."""
    checked = 0
    for config in apps.get_app_configs():
        if not config.name.startswith("kexie."):
            continue
        module = importlib.import_module(f"{config.name}.apps")
        own = [c for c in vars(module).values()
               if isinstance(c, type) and issubclass(c, KexieAppConfig) and c.__module__ == module.__name__]
        if own:
            assert [type(config)] == own, config.name
            checked += 1
    assert checked >= 14


@pytest.mark.django_db
def test_scientist_menu_holds_no_staff_page(province):
    html = login("demo-scientist").get(reverse("notices:inbox")).content.decode()
    hrefs = _menu_hrefs(html)
    assert hrefs == [reverse(name) for name in EVERYONE_PAGES]
    for label in ("组织", "科技工作者", "会员", "数据导入", "底数统计", "查重合并", "数据填报", "综合评价", "换届与治理"):
        assert f">{label}<" not in html, label
    assert ">申报评审<" in html and ">数字科创<" in html and 'id="notices-link"' in html
    # The volunteer (a 科普信息员 as well) and the enterprise user get the same short menu; the enterprise user's
    # 数字科创 leads home.
    volunteer = _menu_hrefs(login("demo-volunteer").get(reverse("notices:inbox")).content.decode())
    assert [h for h in volunteer if h != reverse("kepu:officer-me")] == hrefs and reverse("kepu:officer-me") in volunteer
    home = [reverse("innovation:my-enterprise") if h == reverse("innovation:needs") else h for h in hrefs]
    assert _menu_hrefs(login("demo-company").get(reverse("notices:inbox")).content.decode()) == home


@pytest.mark.django_db
def test_city_administrator_menu_holds_the_staff_pages(client_a, province):
    hrefs = _menu_hrefs(client_a.get(reverse("notices:inbox")).content.decode())
    assert hrefs == [reverse(n) for n in ["orgs:tree", "orgs:founding-queue", "people:list", "profile-changes", "signup:claims", "members:list", "members:queue", "imports:list", "census:page",
                                          "identity:queue", "reports:list", "calls:list", "innovation:needs",
                                          "kepu:manage", "kepu:reviews", "exports:list", "portal:articles", "evaluation:list", "governance:overview", "notices:inbox", "me"]]
    for href in hrefs[:-1]:  # every registered link opens (我的资料 is for people with a profile)
        assert client_a.get(href).status_code == 200, href


@pytest.mark.django_db
def test_menu_follows_the_actions_a_role_holds(province):
    """A role that may only look sees the staff pages but not 数据导入 (importing needs `change`)."""
    viewer = User.objects.create_user("menu-viewer", password="x")
    role = Role.objects.create(code="menu-viewer", name="只读", actions=["view"])
    grant_role(SYSTEM, viewer, province["city_a"], role.code)
    viewer.refresh_from_db()
    names = [e.url_name for e in menu_for(viewer)]
    assert "imports:list" not in names and "orgs:tree" in names and "governance:overview" in names
    client = login("menu-viewer")
    hrefs = _menu_hrefs(client.get(reverse("notices:inbox")).content.decode())
    assert reverse("imports:list") not in hrefs and reverse("orgs:tree") in hrefs


@pytest.mark.django_db
def test_menu_in_english_keeps_the_navigation_catalogue(client_a, province):
    client_a.post("/i18n/setlang/", {"language": "en", "next": "/notices/"})
    html = client_a.get(reverse("notices:inbox")).content.decode()
    for label in (">Organisations<", ">Members<", ">Import<", ">Census<", ">Governance<", ">S&amp;T workers<"):
        assert label in html, label


@pytest.mark.django_db
def test_unread_badge_beside_notices(province):
    from kexie.notices.services import notify

    user = province["users"]["demo-scientist"]
    from kexie.notices.services import mark_read

    mark_read(user)  # the seed's call-opening notices (decision 0042): only the new one is unread
    notify([user], title="评审结果", body="已通过", url="/calls/", key="registry-badge", email=False)
    html = login("demo-scientist").get(reverse("calls:list")).content.decode()
    assert re.search(r'id="notices-link">通知 <span class="badge">1</span></a>', html)


@pytest.mark.django_db
def test_daily_now_prints_the_same_lines_as_before(province):
    lines = _daily_now()
    assert len(lines) == len(DAILY_LINES), lines
    for pattern, line in zip(DAILY_LINES, lines, strict=True):
        assert re.fullmatch(pattern, line), (pattern, line)


@pytest.mark.django_db
def test_daily_lines_are_filled_from_each_result(province, monkeypatch):
    """Exact text, with the results made up: the same words and figures the command printed before."""
    results = {
        "refresh_people_counts_task": 7,
        "refresh_membership_statuses": {"有效": 3, "宽限期": 1},
        "joining_deadlines_task": {"reminded": 1, "escalated": 2},
        "dues_renewal_task": {"reminded": 5},
        "refresh_census_task": {"people": 120, "rows": 45},
        "term_reminders_task": {"terms": 2, "notices": 5},
        "send_report_reminders": {"即将截止": 4},
        "remind_reviewers_task": {"calls": 1, "notices": 6},
        "remind_project_reports_task": {"notices": 0},
        "escalate_dispatches_task": {"reminded": 2, "escalated": 1},
        "refresh_stations_task": {"expired": 0, "reactivated": 3},
        "carry_out_deletions": {"accounts": 1, "codes": 3},
        "rebuild_match_index_task": {"people": 900},
        "flush_views_task": {"views": 12},
        "roll_up_terms_task": {"search": 30, "read": 8},
        "sweep_task": {"reminded": 1, "escalated": 0, "published": 2},
        "after_review_sweep_task": {"reminded": 0, "escalated": 1},
        "silent_screens_task": {"screens": 2, "notices": 1},
        "import_housekeeping_task": {"interrupted": 1, "files": 4, "batches": 2},
        "export_housekeeping_task": {"interrupted": 1, "files": 2},
    }

    class Canned:
        def __init__(self, name):
            self.name = name

        def call(self):
            return results[self.name]

    from kexie.core import registry

    monkeypatch.setattr(registry.DailyJob, "load", lambda job: Canned(job.task.rsplit(".", 1)[1]))
    assert _daily_now() == [
        "会员状态已刷新：有效 3、宽限期 1",
        "入会申请：临期提醒 1 件，逾期上报 2 件。",
        "会费续缴提醒 5 条。",
        "底数汇总已更新：120 人，45 行。",
        "换届提醒：2 个届次，新发通知 5 条。",
        "填报提醒：即将截止 4",
        "评审提醒：1 个批次，新发通知 6 条。",
        "课题报告提醒：新发通知 0 条。",
        "派单督办：提醒 2 单，上报督办 1 单。",
        "工作站：协议到期 0 个，恢复运行 3 个。",
        "到期注销的账号：1 个；清理过期验证码 3 条。",
        "科普阅读记录：写入 12 条。",
        "科普热词汇总：检索词 30 个，阅读专题 8 个。",
        "科普审核：临期提醒 1 条，逾期督办 0 件，定时发布 2 件。",
        "应急科普事后审核：临期提醒 0 件，逾期督办 1 件。",
        "专家匹配索引已重建：900 人。",
        "科普大屏离线提醒：离线大屏 2 块，新发通知 1 条。",
        "数据导入：中断的批次 1 个，删除到期文件 4 个（2 个批次）。",
        "导出：删除到期文件 2 个，中断的导出 1 个。",
    ]


@pytest.mark.django_db
def test_daily_enqueues_every_declared_job(province):
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()  # what the seed's own services queued is not the command's
    out = io.StringIO()
    call_command("daily", stdout=out)
    paths = list(DBTaskResult.objects.order_by("enqueued_at", "pk").values_list("task_path", flat=True))
    assert sorted(paths) == sorted(job.task for job in daily_jobs()) and len(paths) == 20
    assert out.getvalue().startswith("已提交任务 ")


@pytest.mark.django_db
def test_throwaway_app_is_in_the_menu(registry_app, client_a, province):
    html = client_a.get(reverse("notices:inbox")).content.decode()
    hrefs = _menu_hrefs(html)
    # Declared with order 115: after 换届与治理 (110), before 通知 (120); it needs the `view` scope.
    assert hrefs.index("/registry-app/") == hrefs.index(reverse("governance:overview")) + 1
    assert 'id="registry-app-link">试验台账</a>' in html
    assert client_a.get("/registry-app/").status_code == 200
    scientist = login("demo-scientist").get(reverse("notices:inbox")).content.decode()
    assert "/registry-app/" not in _menu_hrefs(scientist)


@pytest.mark.django_db
def test_throwaway_app_is_in_the_daily_jobs(registry_app, province):
    lines = _daily_now()
    # order 105: after the expert index (100), before the import (110) and export (112) housekeeping
    assert lines[-3:] == ["试验台账：清点 3 件。", lines[-2], lines[-1]] and lines[-2].startswith("数据导入：")
    assert lines[-1].startswith("导出：")
    assert len(lines) == len(DAILY_LINES) + 1


@pytest.mark.django_db
def test_throwaway_app_is_in_the_api(registry_app, client_a, province):
    from kexie.api.urls import router

    assert ("registry-things", "registry-thing") in [(p, b) for p, _, b in router.registry]
    root = client_a.get("/api/v1/").json()
    assert root["registry-things"].endswith("/api/v1/registry-things/")
    assert client_a.get(reverse("registry-thing-list")).json() == [{"id": 1, "name": "试验件"}]
    assert client_a.get("/api/v1/people/").status_code == 200  # the declared routes are all still there
    from django.test import Client

    assert Client().get(reverse("registry-thing-list")).status_code in {401, 403}


@pytest.mark.django_db
def test_throwaway_app_must_bring_its_scope_cases(registry_app, monkeypatch):
    """The systematic scope test reports the new module's URL names until the module adds its entries."""
    from tests import test_scope
    from tests.registry_app import scope_cases

    with pytest.raises(AssertionError) as missing:
        test_scope.test_every_url_pattern_is_in_the_scope_table()
    assert "registry_app:page" in str(missing.value) and "registry-thing-list" in str(missing.value)
    monkeypatch.setattr(test_scope, "TABLE", {**test_scope.TABLE, **scope_cases.TABLE})
    test_scope.test_every_url_pattern_is_in_the_scope_table()


@pytest.mark.django_db
def test_throwaway_app_is_in_the_figures_and_the_actions(registry_app, province):
    """Its registry figure reaches the report builder's pre-fill list and the evaluation sources; its actions
    reach the roles that bundle them (the generic 管理员 holds every module's `view`), and nobody else."""
    from kexie.core.permissions import expand
    from kexie.reports import registry

    assert "registry_things" in registry.METRICS and str(registry.METRICS["registry_things"].unit) == "件"
    assert registry.values(["registry_things"], [province["city_a"]]) == {province["city_a"].pk: {"registry_things": 3.0}}
    assert {"registry_app.view", "registry_app.change"} <= expand(["*"]) and "registry_app.view" in expand(["view"])
    city_admin = province["users"]["demo-city-a"]
    city_admin.refresh_from_db()
    assert city_admin.scope_cache["registry_app.view"] == [province["city_a"].path]
    assert "registry_app.view" not in province["users"]["demo-scientist"].scope_cache


def test_api_routes_keep_their_names():
    """Prefixes, basenames and URL names that tests and clients use."""
    from kexie.api.urls import router

    assert [(p, b) for p, _, b in router.registry] == [
        ("orgs", "org"), ("people", "person"), ("memberships", "membership"), ("calls", "call"),
        ("call-applications", "call-application"), ("projects", "project"), ("needs", "need"),
        ("service-records", "service-record"), ("public/experts", "public-expert")]
    assert reverse("person-detail", args=[1]) == "/api/v1/people/1/"
    assert reverse("service-record-list") == "/api/v1/service-records/"


@pytest.fixture
def registry_things(registry_app, db, tmp_path):
    """The throwaway module with its table (it has no migrations: created inside the test's transaction, gone with
    it) and the uploads under a temporary MEDIA_ROOT (overridden inside registry_app's settings, undone first)."""
    from django.db import connection

    from tests.registry_app.models import Thing

    sql, params = connection.schema_editor().table_sql(Thing)  # no editor context: SQLite refuses one in a transaction
    with connection.cursor() as cur:
        cur.execute(sql, params)
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        yield Thing


def _things_file(path, rows):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("试验件")
    ws.write_row(0, 0, ["试验件编号", "名称"])
    for r, row in enumerate(rows, start=1):
        ws.write_row(r, 0, row)
    wb.close()
    return path


@pytest.mark.django_db
def test_throwaway_app_declares_an_import_kind(registry_things, client_a, province, tmp_path):
    """Its import kind is on the import page (template link and the upload form's choice, after the four built-in
    kinds), its template downloads, an upload imports the file through its importer, the batch page names it, and
    a rollback removes what it created — no file of kexie/imports names it."""
    import openpyxl

    from kexie.core.registry import import_kinds
    from kexie.imports import services
    from kexie.imports.models import BatchStatus, ImportBatch

    assert list(import_kinds()) == ["orgs", "people", "memberships", "groups", "things"]
    html = client_a.get(reverse("imports:list")).content.decode()
    assert reverse("imports:template", args=["things"]) in html and "试验件导入模板" in html
    assert re.search(r'<option value="things"[^>]*>试验件</option>', html)
    template = client_a.get(reverse("imports:template", args=["things"]))
    assert template.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(template.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["试验件编号", "名称"]

    city_a = province["city_a"]
    path = _things_file(tmp_path / "things.xlsx", [["T-001", "试验件甲"], ["T-002", "试验件乙"]])
    with open(path, "rb") as f:
        resp = client_a.post(reverse("imports:list"), {"kind": "things", "organisation": city_a.pk, "mode": "skip",
                                                        "file": f})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    batch = ImportBatch.objects.latest("pk")
    assert (batch.kind, batch.status, batch.created) == ("things", BatchStatus.DONE, 2), batch.message
    assert sorted(registry_things.objects.values_list("code", "name", "org_path")) == [
        ("T-001", "试验件甲", city_a.path), ("T-002", "试验件乙", city_a.path)]
    page = client_a.get(resp["Location"]).content.decode()
    assert "试验件" in page and "已导入：新增 2 条" in page
    assert "试验件" in client_a.get(reverse("imports:list")).content.decode()

    # The same file again: matched by code, nothing new; a duplicate row is refused with the kind's message.
    again = _things_file(tmp_path / "again.xlsx", [["T-001", "试验件甲"], ["T-003", "丙"], ["T-003", "丙二"]])
    with open(again, "rb") as f:
        dup = services.create_batch(province["users"]["demo-city-a"], kind="things", mode="skip", target=city_a,
                                    file=f, file_name="again.xlsx", dry_run=False)
    dup = services.run_batch(dup.pk)
    assert dup.status == BatchStatus.FAILED and dup.errors[0]["message"] == "与第 3 行的试验件编号重复。"
    assert registry_things.objects.count() == 2

    services.rollback_batch(province["users"]["demo-city-a"], batch)
    assert not registry_things.objects.exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.ROLLED_BACK


@pytest.mark.django_db
def test_throwaway_import_kind_needs_its_module_action(registry_things, province, tmp_path):
    """imports.change alone is not enough: the kind's own action (registry_app.change) is checked on the target."""
    from django.core.exceptions import PermissionDenied

    from kexie.imports import services

    clerk = User.objects.create_user("imports-only", password="x")
    role = Role.objects.create(code="imports-only", name="只管导入", actions=["imports.view", "imports.change"])
    grant_role(SYSTEM, clerk, province["city_a"], role.code)
    clerk.refresh_from_db()
    path = _things_file(tmp_path / "things.xlsx", [["T-001", "试验件甲"]])
    with open(path, "rb") as f, pytest.raises(PermissionDenied):
        services.create_batch(clerk, kind="things", mode="skip", target=province["city_a"], file=f,
                              file_name="things.xlsx", dry_run=False)
    assert not registry_things.objects.exists()

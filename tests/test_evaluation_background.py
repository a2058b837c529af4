"""Evaluation runs in the background (issue 15 item 5, decision 0047): 开始评价 queues a run and opens its page
(排队中, polled every 2 s); the task scores the organisations in batches with the progress on the run row
(已评价 k / n 个组织); the run becomes the current result only when done; a second start for the same system and
year is refused while one runs (a run whose worker died is failed after a while, so the year is not blocked);
a failure keeps its Chinese reason, removes what it wrote and leaves the current result alone; a city sees a
province run's page only through scores in its scope, without the province's progress counts."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.utils import timezone

from kexie.core.models import AuditEntry
from kexie.core.services import SYSTEM
from kexie.evaluation import services
from kexie.evaluation.models import EvaluationRun, LeafScore, RunStatus, Score

pytestmark = pytest.mark.django_db
YEAR = 2031
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def system(province):
    return services.install_preset(SYSTEM, "society_annual")


@pytest.fixture
def earlier(system):
    """A finished run of the year, the current result until a new run is done."""
    return services.run_evaluation(SYSTEM, system, YEAR)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _start(client, system, django_capture_on_commit_callbacks, year=YEAR):
    """开始评价 on /evaluation/; the task is enqueued after the commit (captured here, not run)."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/evaluation/run/", {"system": system.pk, "year": year})
    return response, callbacks


def test_start_queues_then_runs_in_batches_with_progress(province, client_province, system, earlier, settings,
                                                          monkeypatch, django_capture_on_commit_callbacks):
    settings.KEXIE_EVAL_PROGRESS_SHARE = 0.25
    response, callbacks = _start(client_province, system, django_capture_on_commit_callbacks)
    run = EvaluationRun.objects.exclude(pk=earlier.pk).get(system=system, year=YEAR)
    assert response.status_code == 302 and response["Location"] == f"/evaluation/runs/{run.pk}/"
    assert len(callbacks) == 1  # the task is enqueued once the run row is committed
    assert any("已开始 2031 年度评价" in m for m in _messages(response))
    assert run.status == RunStatus.QUEUED and not run.is_current and run.run_by.username == "demo-province"
    earlier.refresh_from_db()
    assert earlier.is_current  # the current result stays until the new run is done

    page = client_province.get(f"/evaluation/runs/{run.pk}/").content.decode()
    assert "排队中" in page and 'hx-trigger="every 2s"' in page and f"/evaluation/runs/{run.pk}/?poll=1" in page
    listing = client_province.get("/evaluation/").content.decode()
    assert "排队中" in listing
    assert client_province.get(f"/evaluation/runs/{run.pk}/export/").status_code == 302  # nothing to export yet

    # the worker: progress is written once per batch (a quarter of the organisations), and the page shows it
    seen: list[str] = []
    original = services._write_leaves

    def watched(*args, **kwargs):
        original(*args, **kwargs)
        poll = client_province.get(f"/evaluation/runs/{run.pk}/?poll=1", **HTMX).content.decode()
        seen.append(poll)

    monkeypatch.setattr(services, "_write_leaves", watched)
    done = services.perform_run(run.pk)
    total = len(services.targets(system).ids)
    assert total > 4 and len(seen) == math.ceil(total / math.ceil(total * 0.25))
    assert "正在评价" in seen[0] and "已评价 0 / " in seen[0] and f"/ {total} 个组织" in seen[0]
    step = math.ceil(total * 0.25)
    assert f"已评价 {step} / {total} 个组织" in seen[1]
    assert 'id="run-progress" value="' in seen[1]

    run.refresh_from_db()
    earlier.refresh_from_db()
    assert done.status == run.status == RunStatus.DONE and run.is_current and not earlier.is_current
    assert run.organisations == run.orgs_done == total == Score.objects.filter(run=run).count()
    assert run.finished_at is not None and run.percent == 100
    assert LeafScore.objects.filter(score__run=run).count() == total * system.indicators.filter(
        parent__isnull=False).count()
    assert AuditEntry.objects.filter(action="evaluation.run.created", object_id=run.pk).exists()
    # the polling page reloads itself once the run is done; the page shows the ranking
    poll = client_province.get(f"/evaluation/runs/{run.pk}/?poll=1", **HTMX)
    assert poll["HX-Refresh"] == "true"
    page = client_province.get(f"/evaluation/runs/{run.pk}/").content.decode()
    assert "类别内排名" in page and "hx-trigger" not in page and "排队中" not in page
    assert services.perform_run(run.pk).status == RunStatus.DONE  # a second delivery of the task does nothing
    assert Score.objects.filter(run=run).count() == total


def test_the_immediate_backend_runs_it_before_the_page_opens(province, client_province, system, settings,
                                                              django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_province.post(f"/evaluation/systems/{system.pk}/run/", {"year": YEAR})
    run = EvaluationRun.objects.get(system=system, year=YEAR)
    assert run.status == RunStatus.DONE and run.is_current and run.orgs_done == run.organisations > 0
    page = client_province.get(response["Location"]).content.decode()
    assert "类别内排名" in page


def test_a_second_start_while_one_runs_is_refused(province, client_province, system,
                                                  django_capture_on_commit_callbacks):
    _start(client_province, system, django_capture_on_commit_callbacks)
    run = EvaluationRun.objects.get(system=system, year=YEAR)
    response, callbacks = _start(client_province, system, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/evaluation/"
    assert not callbacks
    assert any("2031 年度的评价正在进行（排队中），请等它完成后再开始" in m for m in _messages(response))
    response = client_province.post(f"/evaluation/systems/{system.pk}/run/", {"year": YEAR}, follow=True)
    assert "请等它完成后再开始" in response.content.decode()
    with pytest.raises(ValidationError, match="正在进行"):  # the console is refused as well
        services.run_evaluation(SYSTEM, system, YEAR)
    assert EvaluationRun.objects.filter(system=system, year=YEAR).count() == 1
    # another year of the same system may run beside it
    _start(client_province, system, django_capture_on_commit_callbacks, year=YEAR - 1)
    assert EvaluationRun.objects.filter(system=system, year=YEAR - 1, status=RunStatus.QUEUED).count() == 1

    # a run whose worker died (no progress for longer than the limit) no longer blocks the year
    EvaluationRun.objects.filter(pk=run.pk).update(beat_at=timezone.now() - dt.timedelta(hours=2))
    response, callbacks = _start(client_province, system, django_capture_on_commit_callbacks)
    assert len(callbacks) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "评价中断" in run.error
    assert EvaluationRun.objects.filter(system=system, year=YEAR, status=RunStatus.QUEUED).count() == 1


def test_failures_keep_their_reason_and_the_current_result(province, client_province, system, earlier, settings,
                                                            monkeypatch, django_capture_on_commit_callbacks):
    settings.KEXIE_EVAL_PROGRESS_SHARE = 0.25
    # 1. an error in the second batch: what the run wrote is removed, the earlier result stays current
    _start(client_province, system, django_capture_on_commit_callbacks)
    run = EvaluationRun.objects.get(system=system, year=YEAR, status=RunStatus.QUEUED)
    original, calls = services._write_leaves, []

    def breaks(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        original(*args, **kwargs)

    monkeypatch.setattr(services, "_write_leaves", breaks)
    assert services.perform_run(run.pk).status == RunStatus.FAILED
    run.refresh_from_db()
    earlier.refresh_from_db()
    assert run.status == RunStatus.FAILED and not run.is_current and earlier.is_current
    assert "内部错误" in run.error and "disk full" not in run.error
    assert not Score.objects.filter(run=run).exists() and not LeafScore.objects.filter(score__run=run).exists()
    assert AuditEntry.objects.filter(action="evaluation.run.failed", object_id=run.pk).exists()
    page = client_province.get(f"/evaluation/runs/{run.pk}/").content.decode()
    assert "评价失败" in page and "内部错误" in page and "当前结果保持不变" in page
    assert 'id="run-again"' in page and "hx-trigger" not in page
    assert "失败" in client_province.get("/evaluation/").content.decode()
    monkeypatch.setattr(services, "_write_leaves", original)

    # 2. the person who started it was deactivated before the worker ran: refused in Chinese, nothing written
    _start(client_province, system, django_capture_on_commit_callbacks)
    second = EvaluationRun.objects.get(system=system, year=YEAR, status=RunStatus.QUEUED)
    province["users"]["demo-province"].__class__.objects.filter(username="demo-province").update(is_active=False)
    services.perform_run(second.pk)
    second.refresh_from_db()
    assert second.status == RunStatus.FAILED and second.error == "开始评价的账号已停用。"
    assert not Score.objects.filter(run=second).exists()
    earlier.refresh_from_db()
    assert earlier.is_current


def test_a_city_sees_a_province_run_only_through_its_scope(province, client_province, client_a, settings,
                                                           monkeypatch, django_capture_on_commit_callbacks):
    settings.KEXIE_EVAL_PROGRESS_SHARE = 0.25
    system = services.install_preset(SYSTEM, "county_capability")  # the province's run over every county
    _start(client_province, system, django_capture_on_commit_callbacks)
    run = EvaluationRun.objects.get(system=system, year=YEAR)
    url = f"/evaluation/runs/{run.pk}/"
    assert client_a.get(url).status_code == 404  # queued: nothing of it is in city A's scope yet
    assert client_a.get(url + "?poll=1", **HTMX).status_code == 404
    assert client_a.post("/evaluation/run/", {"system": system.pk, "year": YEAR}).status_code in (302, 403)
    assert EvaluationRun.objects.filter(system=system, year=YEAR).count() == 1

    a_path = province["city_a"].path
    pages: list[tuple[int, str]] = []
    original = services._write_leaves

    def watched(*args, **kwargs):
        original(*args, **kwargs)
        if Score.objects.filter(run=run, org_path__startswith=a_path).exists():
            resp = client_a.get(url)
            pages.append((resp.status_code, resp.content.decode()))

    monkeypatch.setattr(services, "_write_leaves", watched)
    services.perform_run(run.pk)
    assert pages, "city A's counties were scored"
    status, html = pages[0]
    assert status == 200 and "正在评价" in html
    assert "已评价" not in html and "个组织" not in html  # the province's progress is not city A's to read
    html = client_a.get(url).content.decode()
    b_county = Score.objects.filter(run=run).exclude(org_path__startswith=a_path).select_related(
        "organisation").first().organisation
    assert "类别内排名" in html and b_county.name not in html

"""Background exports (decision 0033): a large list export starts a job and shows its page at once; the job
writes the same rows as the export within the request, with the owner's scope when it runs; only the owner
sees or downloads it; progress moves; expired files are deleted; formula injection stays neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from kexie.accounts.models import RoleAssignment
from kexie.accounts.services import rebuild_scope
from kexie.core.export import write_csv
from kexie.core.models import PiiAccess
from kexie.exports import services
from kexie.exports.models import ExportJob, Status
from kexie.notices.models import Notification
from kexie.people.models import Person
from tests.conftest import login


@pytest.fixture
def jobs(settings, tmp_path):
    """Jobs run at once (the immediate task backend), files in a temporary MEDIA_ROOT."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.KEXIE_EXPORT_JOB_ROWS = 10
    return settings


def _sheet(content: bytes) -> list[list[object]]:
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_large_people_export_starts_a_job_and_writes_the_same_rows(jobs, province, django_capture_on_commit_callbacks):
    client = login("demo-city-a")
    jobs.KEXIE_EXPORT_JOB_ROWS = 1_000_000
    direct = _sheet(_body(client.get("/people/export/", {"gender": "F"})))
    jobs.KEXIE_EXPORT_JOB_ROWS = 10
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.get("/people/export/", {"gender": "F"})
    assert resp.status_code == 302
    job = ExportJob.objects.get()
    assert resp["Location"] == f"/exports/{job.pk}/"
    page = client.get(resp["Location"])
    assert page.status_code == 200
    job.refresh_from_db()
    assert job.status == Status.DONE, job.error
    assert job.rows_total == job.rows_done == len(direct) - 1 > 10
    assert job.parameters["gender"] == ["F"] and "confirmed" not in job.parameters
    download = client.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert _sheet(_body(download)) == direct
    assert "下载文件" in page.content.decode()
    notice = Notification.objects.get(user=province["users"]["demo-city-a"], key=f"exports-done-{job.pk}")
    assert notice.title == "导出完成：科技工作者"
    assert client.get("/exports/").status_code == 200


def test_small_export_still_streams(jobs, province):
    jobs.KEXIE_EXPORT_JOB_ROWS = 1_000_000
    resp = login("demo-city-a").get("/people/export/")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxml")
    assert not ExportJob.objects.exists()


def test_another_user_cannot_see_or_download_a_job(jobs, province, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        login("demo-city-a").get("/people/export/")
    job = ExportJob.objects.get()
    assert job.status == Status.DONE
    for name in ("demo-city-b", "demo-province"):
        other = login(name)
        for url in (f"/exports/{job.pk}/", f"/exports/{job.pk}/download/"):
            assert other.get(url).status_code == 404
        assert other.post(f"/exports/{job.pk}/retry/").status_code == 404
        assert f"/exports/{job.pk}/" not in other.get("/exports/").content.decode()


def test_job_runs_with_the_current_scope(jobs, province):
    """The role is revoked between the request and the run: the job refuses and writes nothing."""
    user = province["users"]["demo-city-a"]
    job = services.start_job(user, "people", {})  # queued; the enqueue waits for the commit that never comes
    RoleAssignment.objects.filter(user=user).delete()
    rebuild_scope(user)
    services.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED and "无权导出" in job.error
    assert not job.file and job.rows_done == 0


def test_scope_narrowed_before_the_run_exports_only_the_current_scope(jobs, province):
    """A province user whose role now covers city A only gets city A's people, not the province's."""
    user = province["users"]["demo-province"]
    job = services.start_job(user, "people", {})
    assignment = user.assignments.get()
    assignment.organisation = province["city_a"]
    assignment.save()
    rebuild_scope(user)
    services.run_job(job.pk)
    job.refresh_from_db()
    in_a = Person.objects.filter(deleted_at__isnull=True).for_user(user, "people.export").count()
    assert job.status == Status.DONE and job.rows_done == in_a
    assert in_a < Person.objects.filter(deleted_at__isnull=True).count()


def test_progress_moves_while_the_job_runs(jobs, province, monkeypatch):
    jobs.KEXIE_EXPORT_PROGRESS_ROWS = 5
    user = province["users"]["demo-city-a"]
    job = services.start_job(user, "people", {}, fmt="csv")
    seen: list[int] = []
    original_update = type(ExportJob.objects.all()).update

    def update(self, **kwargs):
        if "rows_done" in kwargs and "status" not in kwargs:
            seen.append(kwargs["rows_done"])
        return original_update(self, **kwargs)

    monkeypatch.setattr(type(ExportJob.objects.all()), "update", update)
    services.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert seen == list(range(5, job.rows_done + 1, 5)) and len(seen) >= 2, (seen, job.rows_done)
    assert job.fmt == "csv"


def test_job_page_shows_progress_and_time_left(jobs, province):
    user = province["users"]["demo-city-a"]
    job = services.start_job(user, "people", {})
    ExportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, rows_done=300, rows_total=1200,
                                               started_at=timezone.now() - dt.timedelta(seconds=3))
    client = login("demo-city-a")
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert "正在导出" in page and "300 / 1200" in page and "预计还需" in page and 'hx-trigger="every 1s"' in page
    poll = client.get(f"/exports/{job.pk}/", {"poll": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in poll and "300 / 1200" in poll


def test_failed_job_can_be_retried(jobs, province, django_capture_on_commit_callbacks):
    user = province["users"]["demo-city-a"]
    job = services.start_job(user, "people", {"gender": ["F"]})
    ExportJob.objects.filter(pk=job.pk).update(status=Status.FAILED, error="导出中断")
    client = login("demo-city-a")
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(f"/exports/{job.pk}/retry/")
    new = ExportJob.objects.exclude(pk=job.pk).get()
    assert resp["Location"] == f"/exports/{new.pk}/"
    assert new.retry_of_id == job.pk and new.parameters["gender"] == ["F"] and new.status == Status.DONE


def test_expired_files_are_deleted(jobs, province):
    user = province["users"]["demo-city-a"]
    job = services.start_job(user, "people", {})
    services.run_job(job.pk)
    job.refresh_from_db()
    name = job.file.name
    assert default_storage.exists(name)
    assert services.purge_expired() == 0  # not yet expired
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    from kexie.exports.tasks import export_housekeeping_task

    result = export_housekeeping_task.call()
    assert result["files"] == 1
    job.refresh_from_db()
    assert job.status == Status.EXPIRED and not default_storage.exists(name)
    assert login("demo-city-a").get(f"/exports/{job.pk}/download/").status_code == 410


def test_full_pii_job_logs_each_person_written_in_full(jobs, province):
    user = province["users"]["demo-province"]
    from kexie.core.scope import scope_paths

    if scope_paths(user, "people.pii") == []:
        pytest.skip("the province role holds no 查看完整个人信息 in this seed")
    before = PiiAccess.objects.count()
    job = services.start_job(user, "people", {"pii": ["full"]}, fmt="csv")
    services.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert PiiAccess.objects.count() > before


def test_full_pii_job_refused_without_the_pii_role(jobs, province):
    user = province["users"]["demo-city-a"]
    from kexie.core.scope import scope_paths

    if scope_paths(user, "people.pii") != []:
        pytest.skip("city A holds 查看完整个人信息 in this seed")
    job = services.start_job(user, "people", {"pii": ["full"]})
    services.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED and "完整个人信息" in job.error


def test_csv_neutralises_formulas_and_keeps_chinese():
    out = io.BytesIO()
    n = write_csv(out, ["姓名", "=h"], [["=1+1", "+86"], ["-2", "@SUM(A1)"], ["张三", True], [None, 3]])
    assert n == 4
    raw = out.getvalue()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [["姓名", "'=h"], ["'=1+1", "'+86"], ["'-2", "'@SUM(A1)"], ["张三", "是"], ["", "3"]]


def test_job_file_neutralises_formula_injection(jobs, province):
    user = province["users"]["demo-city-a"]
    person = Person.objects.filter(deleted_at__isnull=True).for_user(user, "people.export").first()
    Person.objects.filter(pk=person.pk).update(employer_name="=HYPERLINK(\"http://x\")")
    for fmt in ("xlsx", "csv"):
        job = services.start_job(user, "people", {}, fmt=fmt)
        services.run_job(job.pk)
        job.refresh_from_db()
        with default_storage.open(job.file.name, "rb") as f:
            content = f.read()
        if fmt == "xlsx":
            cells = [c for row in _sheet(content) for c in row]
        else:
            cells = [c for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for c in row]
        assert "'=HYPERLINK(\"http://x\")" in cells
        assert "=HYPERLINK(\"http://x\")" not in cells


def test_members_and_orgs_exports_start_jobs_too(jobs, province, django_capture_on_commit_callbacks):
    client = login("demo-province")
    jobs.KEXIE_EXPORT_JOB_ROWS = 2
    with django_capture_on_commit_callbacks(execute=True):
        for url in ("/members/export/", "/orgs/export/"):
            resp = client.get(url)
            assert resp.status_code == 302 and resp["Location"].startswith("/exports/")
    kinds = {j.kind: j for j in ExportJob.objects.all()}
    assert set(kinds) == {"memberships", "orgs"}
    assert all(j.status == Status.DONE and j.rows_done > 2 for j in kinds.values()), [j.error for j in kinds.values()]


def test_bad_filters_fail_the_job_in_chinese(jobs, province):
    user = province["users"]["demo-city-a"]
    job = services.start_job(user, "people", {"born_after": ["not-a-date"]})
    services.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.error == "筛选条件有误，无法导出。"

"""Background exports (decision 0033): a large list export starts a job and shows its page at once; the job
writes the same rows as the export within the request, with the owner's scope when it runs; only the owner
sees or downloads it; progress moves; expired files are deleted; formula injection stays neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

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


def _csv_rows(job) -> list[list[str]]:
    with default_storage.open(job.file.name, "rb") as f:
        raw = f.read()
    assert raw.startswith("\ufeff".encode()) and raw.count("\ufeff".encode()) == 1
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def _job_csv(user, params=None):
    job = services.start_job(user, "people", params or {}, fmt="csv")
    services.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Status.DONE, job.error
    return job, _csv_rows(job)


def test_parallel_job_writes_the_same_rows_in_the_same_order(jobs, province, monkeypatch):
    """Cut into three slices by primary key (here in one process: the test runs in a transaction that another
    process could not see), the file is the serial file row for row, and every slice moves the progress."""
    from kexie.exports import parallel

    user = province["users"]["demo-province"]
    jobs.KEXIE_EXPORT_WORKERS = 1
    serial_job, serial = _job_csv(user)
    assert serial_job.rows_done == len(serial) - 1 > 30

    jobs.KEXIE_EXPORT_WORKERS, jobs.KEXIE_EXPORT_PARALLEL_ROWS, jobs.KEXIE_EXPORT_PROGRESS_ROWS = 3, 10, 7
    slices: list[tuple[int | None, int | None]] = []
    original_write_part = parallel.write_part

    def spy(spec, out, headers):
        slices.append(tuple(spec["part"]))
        return original_write_part(spec, out, headers)

    monkeypatch.setattr(parallel, "write_part", spy)
    beats: list[int] = []
    original_update = type(ExportJob.objects.all()).update

    def update(self, **kwargs):
        if "rows_done" in kwargs and "status" not in kwargs:
            beats.append(1)
        return original_update(self, **kwargs)

    monkeypatch.setattr(type(ExportJob.objects.all()), "update", update)
    job, rows = _job_csv(user)
    assert rows == serial
    assert job.rows_done == job.rows_total == len(serial) - 1
    assert len(slices) == 3 and slices[0][1] is None and slices[-1][0] is None
    assert slices[0][0] == slices[1][1] and slices[1][0] == slices[2][1]  # adjacent, no gap, no overlap
    assert len(beats) >= (len(serial) - 1) // 7 - 3  # each slice adds its rows to the progress as it goes
    assert not list(Path(jobs.MEDIA_ROOT, "exports", "tmp").glob("*"))  # no part left behind


def test_parallel_job_with_filters_and_a_short_list(jobs, province):
    """Filters apply to every slice; a list shorter than the slices asked for still writes every row once."""
    user = province["users"]["demo-city-a"]
    jobs.KEXIE_EXPORT_WORKERS = 1
    _job, serial = _job_csv(user, {"gender": ["F"]})
    jobs.KEXIE_EXPORT_WORKERS, jobs.KEXIE_EXPORT_PARALLEL_ROWS = 2, 2
    _job, rows = _job_csv(user, {"gender": ["F"]})
    assert rows == serial
    from kexie.exports.kinds import descending_parts

    assert descending_parts(Person.objects.filter(pk__in=[]), 0, 4) == [(None, None)]
    three = list(Person.objects.order_by("-pk").values_list("pk", flat=True)[:3])
    assert descending_parts(Person.objects.filter(pk__in=three), 3, 8) == [(three[1], None), (three[2], three[1]),
                                                                          (None, three[2])]


def test_parallel_worker_slices_match_the_kind_rows(province):
    """Slices by split() cover the export exactly, newest first, without a shared row."""
    from kexie.exports.kinds import people

    user = province["users"]["demo-province"]
    _headers, total, rows = people.rows(user, {})
    everything = list(rows)
    parts = people.split(user, {}, total, 4)
    assert len(parts) == 4
    joined = [row for part in parts for row in people.rows(user, {}, part=part)[2]]
    assert joined == everything and total == len(everything)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_job_in_worker_processes(jobs, django_db_blocker):
    """Outside a transaction (as in the task worker, or after the request's commit with the immediate backend)
    the other slices are written by separate worker processes: same file as the serial run, every row
    counted in the progress by the process that wrote it."""
    from kexie.accounts.models import User
    from kexie.exports import parallel
    from tests.conftest import seed_tiny

    if not parallel.processes_possible():
        pytest.skip("an in-memory SQLite test database is not visible to another process")
    seed_tiny()  # again, after an earlier transactional test's flush
    user = User.objects.get(username="demo-province")
    jobs.KEXIE_EXPORT_WORKERS = 1
    _job, serial = _job_csv(user)
    jobs.KEXIE_EXPORT_WORKERS, jobs.KEXIE_EXPORT_PARALLEL_ROWS, jobs.KEXIE_EXPORT_PROGRESS_ROWS = 2, 10, 1
    counted: list[int] = []
    original_write = parallel.write

    def write(job, *args, **kwargs):
        written = original_write(job, *args, **kwargs)
        counted.append(ExportJob.objects.get(pk=job.pk).rows_done)  # before the final count is written
        return written

    started: list[int] = []
    original_start = parallel._start_worker

    def start(stderr):
        child = original_start(stderr)
        started.append(child.pid)
        return child

    parallel.write, parallel._start_worker = write, start
    try:
        login_client = login("demo-province")
        resp = login_client.get("/people/export/", {"fmt": "csv"})
    finally:
        parallel.write, parallel._start_worker = original_write, original_start
    job = ExportJob.objects.exclude(pk=_job.pk).get()
    assert resp.status_code == 302 and resp["Location"] == f"/exports/{job.pk}/"
    assert job.status == Status.DONE, job.error
    assert len(started) == 1
    assert _csv_rows(job) == serial
    assert counted == [len(serial) - 1]


def test_format_chooser_exports_again_in_the_format_chosen(jobs, province, django_capture_on_commit_callbacks):
    """A finished job's page offers the same export again as CSV (always) or Excel (only up to the xlsx
    limit); the new job has the same filters and the chosen format."""
    client = login("demo-city-a")
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/people/export/", {"gender": "F"})
    job = ExportJob.objects.get()
    assert job.fmt == "xlsx" and job.status == Status.DONE
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert 'id="export-again"' in page and 'value="csv"' in page and "Excel 文件限" in page
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(f"/exports/{job.pk}/again/", {"fmt": "csv"})
    new = ExportJob.objects.exclude(pk=job.pk).get()
    assert resp["Location"] == f"/exports/{new.pk}/"
    assert new.fmt == "csv" and new.status == Status.DONE and new.parameters["gender"] == ["F"]
    assert new.rows_done == job.rows_done

    jobs.KEXIE_EXPORT_XLSX_ROWS = 5  # the list is now above the xlsx limit: Excel is offered disabled, refused
    page = client.get(f"/exports/{new.pk}/").content.decode()
    assert 'value="xlsx" disabled' in page
    resp = client.post(f"/exports/{new.pk}/again/", {"fmt": "xlsx"}, follow=True)
    assert "只能生成 CSV 文件" in resp.content.decode() and ExportJob.objects.count() == 2
    resp = client.post(f"/exports/{new.pk}/again/", {"fmt": "pdf"}, follow=True)
    assert "请选择文件格式" in resp.content.decode() and ExportJob.objects.count() == 2
    assert login("demo-city-b").post(f"/exports/{new.pk}/again/", {"fmt": "csv"}).status_code == 404


def test_xlsx_asked_for_above_the_limit_is_written_as_csv(jobs, province):
    jobs.KEXIE_EXPORT_XLSX_ROWS = 5
    job = services.start_job(province["users"]["demo-city-a"], "people", {}, fmt="xlsx")
    services.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Status.DONE and job.fmt == "csv" and job.file.name.endswith(".csv")

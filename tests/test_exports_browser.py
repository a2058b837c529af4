"""Browser journey for background exports (decision 0033): export a list above the job threshold, watch the
job's page count the rows while the worker writes them, download the file, then export it again as CSV with
the format chooser (headless Chromium through Playwright)."""

from __future__ import annotations

import csv
import io
import re
import threading

import openpyxl
import pytest

from tests.browser import log_in, page, seed  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def run_like_the_worker(job_id: int) -> threading.Thread:
    """What the task worker does with a queued job, in a thread of this process, with its own connection."""
    from django.db import connection

    from kexie.exports import services

    def work() -> None:
        try:
            services.run_job(job_id)
        finally:
            connection.close()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def test_export_job_progress_download_and_csv_again(page, live_server, tmp_path, settings, monkeypatch):  # noqa: F811
    from kexie.exports import services
    from kexie.exports.models import ExportJob, Status

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KEXIE_EXPORT_JOB_ROWS = 10  # city A's list is far above it: a background job
    settings.KEXIE_EXPORT_PROGRESS_ROWS = 40
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    seed()
    # The worker stops after its first progress write until the page has shown it (then writes the rest).
    original_wrap = services._Progress.wrap
    shown_on_page = threading.Event()

    def slow_wrap(self, rows):
        for n, row in enumerate(original_wrap(self, rows), start=1):
            if n == self.every + 1:  # the count of the rows before this one is on the job row now
                shown_on_page.wait(60)
            yield row

    monkeypatch.setattr(services._Progress, "wrap", slow_wrap)
    log_in(page, "demo-city-a")

    # 1. Export the people list: the job's page opens at once, the job waits for the worker.
    page.goto("/people/")
    with page.expect_navigation():
        page.locator("#export-link").click()
    assert "/exports/" in page.url
    job = ExportJob.objects.get()
    assert job.status == Status.QUEUED
    page.locator("#export-status", has_text="排队中").wait_for()

    # 2. The worker runs: the page shows rows done out of the total while it writes, then the download.
    worker = run_like_the_worker(job.pk)
    page.locator("#export-rows", has_text=re.compile(r"已导出 [1-9]\d* / ")).wait_for()  # counted while it writes
    shown = page.locator("#export-rows").inner_text()
    shown_on_page.set()
    job.refresh_from_db()
    assert f"/ {job.rows_total} 行" in shown and job.rows_total > 40
    assert 0 < int(page.locator("#export-progress").get_attribute("value")) < 100
    page.locator("#export-download").wait_for(timeout=60_000)
    worker.join(30)
    job.refresh_from_db()
    assert job.status == Status.DONE and job.fmt == "xlsx"
    assert f"共 {job.rows_done} 行" in page.locator("#export-status").inner_text()
    with page.expect_download() as info:
        page.locator("#export-download").click()
    xlsx = tmp_path / "people.xlsx"
    info.value.save_as(xlsx)
    sheet = [list(r) for r in openpyxl.load_workbook(xlsx, read_only=True).worksheets[0].iter_rows(values_only=True)]
    assert sheet[0][:2] == ["姓名", "性别"] and len(sheet) == job.rows_done + 1

    # 3. The same export again as CSV, chosen on the job's page.
    page.locator("#export-again input[value=csv]").check()
    with page.expect_navigation():
        page.get_by_role("button", name="再导出一次").click()
    again = ExportJob.objects.exclude(pk=job.pk).get()
    assert page.url.endswith(f"/exports/{again.pk}/") and again.fmt == "csv"
    run_like_the_worker(again.pk).join(60)
    page.locator("#export-download", has_text="CSV").wait_for(timeout=30_000)
    with page.expect_download() as info:
        page.locator("#export-download").click()
    text = info.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [str(h) for h in sheet[0]] and len(rows) == len(sheet)
    assert [r[0] for r in rows[1:]] == [r[0] for r in sheet[1:]]  # the same people, in the same order

    # 4. 我的导出 lists both, each with its download link.
    page.goto("/exports/")
    assert page.locator("#export-jobs-box a.download").count() == 2

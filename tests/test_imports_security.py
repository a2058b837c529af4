"""Spreadsheet imports under attack and over time (decision 0018): zip bombs and oversize files are
refused before they are read, large files run in the worker and never in the request, files holding
personal data are deleted after KEXIE_IMPORT_FILE_DAYS and every error-file download is logged,
imports whose process died are marked failed and can be retried, and a rollback refuses to remove
records that other modules refer to."""

from __future__ import annotations

import datetime as dt
import io
import os
import time
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from kexie.core.models import PiiAccess
from kexie.imports import services
from kexie.imports.models import BatchStatus, ImportBatch
from kexie.people.models import Person
from tests.test_imports import (
    MEMBER_HEADER,
    ORG_HEADER,
    PEOPLE_HEADER,
    make_id,
    person_row,
    run,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
INTERRUPTED = "导入进程中断，未写入任何数据，请重试。"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def city_a(province):
    return province["city_a"]


@pytest.fixture
def user_a(province):
    return province["users"]["demo-city-a"]


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "imports"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def bomb(path: Path, rows: int, *, level: int = 1, cell: int = 1000) -> Path:
    """A valid xlsx (made by xlsxwriter, its sheet replaced) whose sheet XML is ``rows`` rows of one
    ``cell``-character cell: huge when unpacked, small on disk."""
    src = io.BytesIO()
    wb = xlsxwriter.Workbook(src, {"in_memory": True})
    wb.add_worksheet("数据").write_row(0, 0, PEOPLE_HEADER)
    wb.close()
    one = b'<row><c t="inlineStr"><is><t>' + b"A" * cell + b"</t></is></c></row>"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zout:
        for info in zin.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(info.filename, zin.read(info.filename))
                continue
            with zout.open(info.filename, "w") as f:
                f.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><sheetData><row>'
                        + b"".join(b'<c t="inlineStr"><is><t>' + h.encode() + b"</t></is></c>" for h in PEOPLE_HEADER)
                        + b"</row>")
                block = one * 1000
                for _ in range(rows // 1000):
                    f.write(block)
                f.write(b"</sheetData></worksheet>")
    return path


def upload(client, path: Path, target, **extra):
    with open(path, "rb") as f:
        return client.post("/imports/", {"kind": "people", "organisation": target.pk, "mode": "skip", "file": f,
                                         **extra})


# -- item 9: zip bombs, oversize files, row counts, the worker --------------------------------------------------


def test_an_upload_above_the_size_limit_is_refused_from_its_length_before_it_is_kept(tmp_path, client_a, city_a,
                                                                                      settings, monkeypatch):
    """The declared length decides: no chunk of the file reaches a temporary file, the page says the limit in Chinese
    (413), the CSRF check still holds, and the form on the page carries the limit for the browser's own check."""
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    settings.KEXIE_IMPORT_MAX_BYTES = 1024 * 1024
    seen: list[int] = []
    real = TemporaryFileUploadHandler.receive_data_chunk
    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk",
                        lambda self, raw, start: seen.append(len(raw)) or real(self, raw, start))
    path = tmp_path / "big.csv"
    path.write_bytes(("姓名,手机号\n" + "张三,13900000000\n" * 120_000).encode())
    assert path.stat().st_size > 2 * 1024 * 1024
    resp = upload(client_a, path, city_a)
    html = resp.content.decode()
    assert resp.status_code == 413 and "文件大小超过上限 1 MB，请拆分后分批导入。" in html
    assert seen == [] and not ImportBatch.objects.exists() and not media_files(settings)
    assert 'data-max-bytes="1048576"' in html and "不超过 1 MB" in html
    small = tmp_path / "small.csv"
    small.write_bytes("姓名,手机号\n张三,13900000000\n".encode())
    assert upload(client_a, small, city_a, dry_run="on").status_code == 302  # under the limit: as before
    from django.test import Client

    from kexie.accounts.models import User

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(User.objects.get(pk=client_a.session["_auth_user_id"]))
    with open(path, "rb") as f:
        assert strict.post("/imports/", {"kind": "people", "file": f}).status_code == 403  # no token: refused


def test_zip_bomb_is_refused_at_upload_fast_and_nothing_is_written(tmp_path, client_a, city_a, settings):
    path = bomb(tmp_path / "bomb.xlsx", 220_000)  # 220 MB of sheet XML in about 1.6 MB
    assert path.stat().st_size < 3 * 1024**2
    people = Person.objects.count()
    began = time.perf_counter()
    resp = upload(client_a, path, city_a)
    elapsed = time.perf_counter() - began
    html = resp.content.decode()
    assert resp.status_code == 400
    assert "文件解压后有" in html and "超过上限 200 MB" in html and "压缩炸弹" in html
    assert elapsed < 2, elapsed
    assert not ImportBatch.objects.exists() and not media_files(settings)
    assert Person.objects.count() == people


def test_compression_ratio_is_refused_below_the_size_limit(tmp_path, user_a, city_a, settings):
    path = bomb(tmp_path / "dense.xlsx", 40_000, level=9)  # 40 MB, well under the limit, but ~1,000 : 1
    with open(path, "rb") as f, pytest.raises(ValidationError, match="压缩比异常") as exc:
        services.create_batch(user_a, kind="people", mode="skip", target=city_a, file=f, file_name="dense.xlsx",
                              dry_run=True)
    assert "正常的表格一般不超过 200 倍" in str(exc.value)
    assert not ImportBatch.objects.exists() and not media_files(settings)


def test_unpacked_limit_is_a_setting(tmp_path, user_a, city_a, settings):
    path = write_xlsx(tmp_path / "small.xlsx", PEOPLE_HEADER, [person_row(i) for i in range(300)])
    settings.KEXIE_IMPORT_MAX_UNPACKED_BYTES = 50_000
    with open(path, "rb") as f, pytest.raises(ValidationError, match="文件解压后有"):
        services.create_batch(user_a, kind="people", mode="skip", target=city_a, file=f, file_name="small.xlsx",
                              dry_run=False)
    settings.KEXIE_IMPORT_MAX_UNPACKED_BYTES = 200 * 1024**2
    assert run(path, "people", user_a, city_a, dry_run=True).status == BatchStatus.CHECKED


def test_csv_and_xls_bytes_are_their_limit(tmp_path, user_a, city_a, settings):
    import shutil

    csv_path = write_csv(tmp_path / "p.csv", PEOPLE_HEADER, [person_row(i) for i in range(200)])
    xls_path = tmp_path / "people.xls"
    shutil.copy(FIXTURES / "people.xls", xls_path)
    settings.KEXIE_IMPORT_MAX_UNPACKED_BYTES = 4096
    for path in (csv_path, xls_path):
        assert path.stat().st_size > 4096
        with open(path, "rb") as f, pytest.raises(ValidationError, match="超过上限"):
            services.create_batch(user_a, kind="people", mode="skip", target=city_a, file=f, file_name=path.name,
                                  dry_run=False)
    assert not ImportBatch.objects.exists() and not media_files(settings)


def test_row_limit_is_checked_before_any_row_is_read(tmp_path, user_a, city_a, settings, monkeypatch):
    import python_calamine

    opened = []
    real = python_calamine.CalamineWorkbook

    class Spy:
        @staticmethod
        def from_path(p):
            opened.append(p)
            return real.from_path(p)

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Spy)
    settings.KEXIE_IMPORT_MAX_ROWS = 50
    rows = [person_row(i, 身份证号="", 手机号=f"137{i:08d}") for i in range(120)]
    for path in (write_xlsx(tmp_path / "many.xlsx", PEOPLE_HEADER, rows),
                 write_csv(tmp_path / "many.csv", PEOPLE_HEADER, rows)):
        batch = run(path, "people", user_a, city_a)
        assert batch.status == BatchStatus.FAILED
        assert batch.errors == [{"row": 0, "column": "", "message": "文件超过 50 行数据的上限，请拆分后分批导入。"}]
        assert batch.total_rows == 0  # refused from the counted rows, not after reading fifty of them
    assert opened == []  # calamine never unpacked the sheet
    assert not Person.objects.filter(name="导入测试1").exists()


def test_csv_line_breaks_inside_cells_do_not_count_as_rows(tmp_path, user_a, city_a, settings):
    settings.KEXIE_IMPORT_MAX_ROWS = 5
    rows = [person_row(i, 专业特长="机器学习\n" * 4 + "数据挖掘") for i in range(1, 6)]
    batch = run(write_csv(tmp_path / "multi.csv", PEOPLE_HEADER, rows), "people", user_a, city_a, dry_run=True)
    assert batch.status == BatchStatus.CHECKED, batch.errors


def test_large_files_run_in_the_worker_never_in_the_request(tmp_path, client_a, city_a, settings):
    from django_tasks_db.models import DBTaskResult

    from kexie.imports.tasks import run_import

    settings.KEXIE_IMPORT_INLINE_ROWS = 100
    path = write_xlsx(tmp_path / "rows.xlsx", PEOPLE_HEADER, [person_row(i) for i in range(300)])
    assert path.stat().st_size < services.inline_limit()  # small on disk: the row count decides
    resp = upload(client_a, path, city_a)
    batch = ImportBatch.objects.get()
    assert resp.status_code == 302 and batch.status == BatchStatus.QUEUED
    assert batch.row_estimate == 301 and batch.unpacked_size > batch.file_size
    queued = DBTaskResult.objects.filter(task_path=run_import.module_path)
    assert [r.args_kwargs["args"] for r in queued] == [[batch.pk]]
    settings.KEXIE_IMPORT_INLINE_ROWS = 5000
    settings.KEXIE_IMPORT_INLINE_BYTES = 20_000  # 300 rows unpack to more than this
    resp = upload(client_a, path, city_a)
    assert ImportBatch.objects.latest("pk").status == BatchStatus.QUEUED
    small = write_xlsx(tmp_path / "two.xlsx", PEOPLE_HEADER, [person_row(501), person_row(502)])
    resp = upload(client_a, small, city_a)
    assert ImportBatch.objects.latest("pk").status == BatchStatus.DONE


# -- item 7: files deleted after N days, downloads logged -----------------------------------------------------------


def _age(batch: ImportBatch, days: int) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(finished_at=timezone.now() - dt.timedelta(days=days))


def test_files_are_deleted_after_the_configured_days_and_the_batch_keeps_its_summary(
        tmp_path, user_a, city_a, client_a, settings):
    done = run(write_xlsx(tmp_path / "ok.xlsx", PEOPLE_HEADER, [person_row(1), person_row(2)]), "people", user_a,
               city_a)
    failed = run(write_xlsx(tmp_path / "bad.xlsx", PEOPLE_HEADER, [person_row(3), person_row(4, 手机号="1")]),
                 "people", user_a, city_a)
    dry = run(write_xlsx(tmp_path / "dry.xlsx", PEOPLE_HEADER, [person_row(5)]), "people", user_a, city_a,
              dry_run=True)
    assert failed.error_file and all(Path(b.file.path).exists() for b in (done, failed, dry))
    paths = [Path(done.file.path), Path(failed.file.path), Path(failed.error_file.path), Path(dry.file.path)]
    now = timezone.now()
    assert services.purge_files(now=now + dt.timedelta(days=6)) == {"batches": 0, "files": 0}  # still there
    assert services.purge_files(now=now + dt.timedelta(days=8)) == {"batches": 3, "files": 4}
    assert not any(p.exists() for p in paths)
    failed.refresh_from_db()
    assert failed.file_removed_at and not failed.error_file and failed.file_name == "bad.xlsx"
    assert failed.status == BatchStatus.FAILED and failed.error_count == 1 and failed.total_rows == 2
    html = client_a.get(f"/imports/{failed.pk}/").content.decode()
    assert "已按规定在导入 7 天后删除" in html and "错误文件已在导入 7 天后删除" in html
    assert 'id="error-file"' not in html and f"/imports/{failed.pk}/errors/" not in html
    resp = client_a.get(f"/imports/{failed.pk}/errors/")
    assert resp.status_code == 410 and "已在导入 7 天后按规定删除" in resp.content.decode()
    dry_html = client_a.get(f"/imports/{dry.pk}/").content.decode()
    assert "确认无误，正式导入" not in dry_html
    resp = client_a.post(f"/imports/{dry.pk}/confirm/")
    assert resp.status_code == 302 and ImportBatch.objects.count() == 3
    # a rollback needs only the batch's record, not the file
    services.rollback_batch(user_a, ImportBatch.objects.get(pk=done.pk))
    assert not Person.objects.filter(name__in=["导入测试1", "导入测试2"]).exists()


def test_retention_days_are_a_setting_and_the_daily_job_runs_the_purge(tmp_path, user_a, city_a, settings):
    from django_tasks_db.models import DBTaskResult

    from kexie.imports.tasks import import_housekeeping_task

    settings.KEXIE_IMPORT_FILE_DAYS = 2
    batch = run(write_xlsx(tmp_path / "a.xlsx", PEOPLE_HEADER, [person_row(1)]), "people", user_a, city_a)
    stray = Path(settings.MEDIA_ROOT) / "imports" / "2020" / "01" / "upload.xlsx"  # no batch refers to it
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"PK")
    old = time.time() - 3 * 86400
    os.utime(stray, (old, old))
    _age(batch, 3)
    assert import_housekeeping_task.call() == {"interrupted": 0, "batches": 1, "files": 2}
    assert not media_files(settings)
    call_command("daily", stdout=io.StringIO())
    assert DBTaskResult.objects.filter(task_path=import_housekeeping_task.module_path).exists()


def test_error_file_downloads_are_logged_as_pii_access(tmp_path, province, client_a, city_a, user_a):
    from tests.conftest import login

    batch = run(write_xlsx(tmp_path / "e.xlsx", PEOPLE_HEADER, [person_row(1, 手机号="1")]), "people", user_a, city_a)
    resp = client_a.get(f"/imports/{batch.pk}/errors/")
    assert resp.status_code == 200
    b"".join(resp.streaming_content)
    log = PiiAccess.objects.get()
    assert (log.user, log.field, log.object_id, log.scope_path) == (user_a, "import_error_file", batch.pk,
                                                                   batch.org_path)
    assert log.ip == "127.0.0.1"
    from kexie.accounts.models import User
    from kexie.core.scope import user_can

    others = [u for u in User.objects.filter(username__startswith="demo-").exclude(pk=user_a.pk)
              if user_can(u, "orgs.view", city_a.path) and not user_can(u, "people.pii", city_a.path)]
    if others:  # seen but not allowed: refused, and a refusal is no access
        assert login(others[0].username).get(f"/imports/{batch.pk}/errors/").status_code == 403
    assert PiiAccess.objects.count() == 1


# -- item 11: imports killed mid-run ---------------------------------------------------------------------------------


def _killed(batch: ImportBatch, minutes: int) -> ImportBatch:
    """What a process killed mid-run leaves behind: the batch running, its heartbeat stopped."""
    started = timezone.now() - dt.timedelta(minutes=minutes)
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, started_at=started)
    beat = services.progress_path(batch)
    beat.parent.mkdir(parents=True, exist_ok=True)
    beat.write_text('{"done": 2000, "total": 5000}')
    os.utime(beat, (started.timestamp(), started.timestamp()))
    return ImportBatch.objects.get(pk=batch.pk)


def _queued(tmp_path, user, target, rows, name="k.xlsx", dry_run=False) -> ImportBatch:
    path = write_xlsx(tmp_path / name, PEOPLE_HEADER, rows)
    with open(path, "rb") as f:
        return services.create_batch(user, kind="people", mode="skip", target=target, file=f, file_name=name,
                                     dry_run=dry_run)


def test_killed_import_is_marked_failed_on_the_page_and_can_be_retried(tmp_path, client_a, user_a, city_a):
    from kexie.core.models import AuditEntry

    batch = _killed(_queued(tmp_path, user_a, city_a, [person_row(1), person_row(2)]), 30)
    html = client_a.get(f"/imports/{batch.pk}/").content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and batch.message == INTERRUPTED
    assert "有错误，未导入" in html and INTERRUPTED in html and "用同一文件重新导入" in html
    assert AuditEntry.objects.filter(action="imports.importbatch.interrupted", object_id=batch.pk).exists()
    assert not Person.objects.filter(name="导入测试1").exists()
    resp = client_a.post(f"/imports/{batch.pk}/retry/")
    new = ImportBatch.objects.latest("pk")
    assert resp.status_code == 302 and resp["Location"] == f"/imports/{new.pk}/"
    assert new.retry_of == batch and new.status == BatchStatus.DONE and new.created == 2
    assert Person.objects.filter(name="导入测试1").count() == 1
    html = client_a.get(f"/imports/{batch.pk}/").content.decode()
    assert f"已重试：查看批次 #{new.pk}" in html
    with pytest.raises(ValidationError, match=f"该批次已重试过，见导入批次 #{new.pk}。"):
        services.retry_batch(user_a, batch)


def test_a_live_import_is_left_alone_and_only_interrupted_batches_retry(tmp_path, user_a, city_a):
    batch = _killed(_queued(tmp_path, user_a, city_a, [person_row(1)]), 30)
    os.utime(services.progress_path(batch))  # it is still beating
    assert services.recover_interrupted() == 0
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.RUNNING
    done = run(write_xlsx(tmp_path / "d.xlsx", PEOPLE_HEADER, [person_row(5)]), "people", user_a, city_a)
    with pytest.raises(ValidationError, match="只有因导入进程中断而失败的批次可以重试。"):
        services.retry_batch(user_a, done)


def test_watchdog_runs_in_the_daily_job_and_the_list_page(tmp_path, client_a, user_a, city_a, settings):
    from kexie.imports.tasks import import_housekeeping_task

    settings.KEXIE_IMPORT_STALE_MINUTES = 20
    first = _killed(_queued(tmp_path, user_a, city_a, [person_row(1)], "a.xlsx"), 25)
    second = _killed(_queued(tmp_path, user_a, city_a, [person_row(2)], "b.xlsx"), 15)
    assert import_housekeeping_task.call()["interrupted"] == 1
    assert ImportBatch.objects.get(pk=first.pk).status == BatchStatus.FAILED
    assert ImportBatch.objects.get(pk=second.pk).status == BatchStatus.RUNNING
    _killed(second, 45)
    client_a.get("/imports/")
    assert ImportBatch.objects.get(pk=second.pk).message == INTERRUPTED


def test_retry_needs_the_file(tmp_path, client_a, user_a, city_a):
    batch = _killed(_queued(tmp_path, user_a, city_a, [person_row(1)]), 30)
    services.recover_interrupted()
    _age(batch, 8)
    services.purge_files()
    html = client_a.get(f"/imports/{batch.pk}/").content.decode()
    assert "用同一文件重新导入" not in html and "上传的文件已删除，请重新上传。" in html
    client_a.post(f"/imports/{batch.pk}/retry/")
    assert ImportBatch.objects.count() == 1
    assert "上传的文件已删除（只保存 7 天），请重新上传。" in client_a.get(f"/imports/{batch.pk}/").content.decode()


def test_an_import_given_up_by_the_watchdog_commits_nothing(tmp_path, user_a, city_a, monkeypatch):
    """If the watchdog gives a batch up while its process was only slow, the import's transaction is
    rolled back at its end instead of committing rows under a batch that says nothing was written."""
    people = Person.objects.count()
    real_open = services.open_table

    def open_slowly(path, spec):  # the watchdog, elsewhere, takes the batch for dead as it starts reading
        services.recover_interrupted(now=timezone.now() + dt.timedelta(hours=1))
        return real_open(path, spec)

    monkeypatch.setattr(services, "open_table", open_slowly)
    batch = run(write_xlsx(tmp_path / "slow.xlsx", PEOPLE_HEADER, [person_row(1), person_row(2)]), "people",
                user_a, city_a)
    assert batch.status == BatchStatus.FAILED and batch.message == INTERRUPTED and batch.interrupted
    assert Person.objects.count() == people and batch.created_ids == []


def test_heartbeat_beats_while_an_import_runs(tmp_path, user_a, city_a, monkeypatch):
    monkeypatch.setattr(services, "HEARTBEAT_SECONDS", 0.02)
    batch = _queued(tmp_path, user_a, city_a, [person_row(1)])
    path = services.progress_path(batch)
    with services._Heartbeat(batch):
        assert path.exists()
        os.utime(path, (0, 0))
        time.sleep(0.2)
        assert path.stat().st_mtime > time.time() - 60


# -- item 16: rollback and references from other modules ----------------------------------------------------------


def _expert(person, owner):
    from kexie.calls.models import Expert, ExpertLibrary

    library = ExpertLibrary.objects.create(name="测试专家库", owner=owner, org_path=owner.path)
    return Expert.objects.create(library=library, person=person, org_path=owner.path)


def test_rollback_refuses_when_created_people_are_referenced_elsewhere(tmp_path, user_a, city_a, client_a):
    batch = run(write_xlsx(tmp_path / "p.xlsx", PEOPLE_HEADER, [person_row(i) for i in range(1, 4)]), "people",
                user_a, city_a)
    p1, p2 = Person.objects.get(name="导入测试1"), Person.objects.get(name="导入测试2")
    _expert(p1, city_a)
    _expert(p2, city_a)
    other = Person.objects.exclude(pk__in=[p1.pk, p2.pk]).filter(org_path__startswith=city_a.path).first()
    Person.objects.filter(pk=other.pk).update(merged_into=p1)  # an identity merge into an imported person
    resp = client_a.post(f"/imports/{batch.pk}/rollback/", follow=True)
    html = resp.content.decode()
    assert "本批新增的记录已被其他模块使用，不能撤销" in html
    assert "“申报评审·评审专家”中有 2 条记录（专家）引用了本批新增的科技工作者“导入测试1”、“导入测试2”" in html
    assert "“科技工作者·科技工作者”中有 1 条记录" in html
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.DONE
    assert Person.objects.filter(name__startswith="导入测试").count() == 3
    Person.objects.filter(pk=other.pk).update(merged_into=None)
    from kexie.calls.models import Expert

    Expert.objects.all().delete()
    services.rollback_batch(user_a, batch)
    assert not Person.objects.filter(name__startswith="导入测试").exists()


def test_pending_duplicate_suggestions_do_not_block_a_rollback_but_merges_do(tmp_path, user_a, city_a):
    from kexie.identity.models import MatchCandidate, Merge

    batch = run(write_xlsx(tmp_path / "p.xlsx", PEOPLE_HEADER, [person_row(1)]), "people", user_a, city_a)
    created = Person.objects.get(name="导入测试1")
    other = Person.objects.exclude(pk=created.pk).filter(org_path__startswith=city_a.path).first()
    MatchCandidate.objects.create(person_a=other, person_b=created, score=0.9)
    merge = Merge.objects.create(survivor=other, merged=created)
    with pytest.raises(ValidationError, match="身份识别") as exc:
        services.rollback_batch(user_a, batch)
    assert "“导入测试1”" in str(exc.value) and "匹配" not in str(exc.value)
    merge.delete()
    services.rollback_batch(user_a, batch)
    assert not Person.objects.filter(pk=created.pk).exists()
    assert not MatchCandidate.objects.filter(person_b_id=created.pk).exists()


def test_orgs_rollback_refuses_when_other_modules_use_the_new_organisations(tmp_path, user_a, city_a):
    from kexie.accounts.models import Role, RoleAssignment, User
    from kexie.orgs.models import Organisation, OrgKind

    kind = OrgKind.objects.filter(category="association").first()
    rows = [["IMP-S1", "引用测试", kind.code, "县级", "", "", "", ""]]
    batch = run(write_xlsx(tmp_path / "o.xlsx", ORG_HEADER, rows), "orgs", user_a, city_a)
    assert batch.status == BatchStatus.DONE, batch.errors
    org = Organisation.objects.get(code="IMP-S1")
    user = User.objects.create_user("imp-ref", password="x-Long-enough-1")
    RoleAssignment.objects.create(user=user, organisation=org, role=Role.objects.first())
    later = run(write_xlsx(tmp_path / "p.xlsx", PEOPLE_HEADER, [person_row(9, 工作单位="")]), "people", user_a, org,
                dry_run=True)
    assert later.status == BatchStatus.CHECKED
    with pytest.raises(ValidationError) as exc:
        services.rollback_batch(user_a, batch)
    text = str(exc.value)
    assert "“用户与角色·角色授予”中有 1 条记录（组织）引用了本批新增的组织“引用测试”" in text
    assert "“数据导入·导入批次”中有 1 条记录" in text
    assert Organisation.objects.filter(code="IMP-S1").exists()


def test_memberships_rollback_counts_its_own_rows_but_not_others(tmp_path, province):
    from kexie.members.models import Membership

    society = province["society"]
    user = province["users"]["demo-society"]
    rows = [["会员甲", make_id(611), "", "", "会员", "IMP-R-1", "2020-03-01", "2099-12-31"],
            ["会员乙", make_id(612), "", "", "会员", "IMP-R-2", "2020-03-01", "2099-12-31"]]
    batch = run(write_xlsx(tmp_path / "m.xlsx", MEMBER_HEADER, rows), "memberships", user, society)
    assert batch.status == BatchStatus.DONE and batch.created == 2, batch.errors
    _expert(Person.objects.get(name="会员乙"), society)
    with pytest.raises(ValidationError, match="“申报评审·评审专家”中有 1 条记录（专家）引用了本批新增的科技工作者“会员乙”"):
        services.rollback_batch(user, batch)
    from kexie.calls.models import Expert

    Expert.objects.all().delete()
    services.rollback_batch(user, batch)  # its memberships, their history and the people go together
    assert not Membership.objects.filter(number__startswith="IMP-R-").exists()
    assert not Person.objects.filter(name__in=["会员甲", "会员乙"]).exists()

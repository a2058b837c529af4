"""Spreadsheet imports (SPEC §2.4): every validation rule with its Chinese message, atomicity,
modes, dry run, rollback, the command line, scope, formula injection, encodings and formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from django.core.management import call_command

from kexie.core.crypto import blind_index
from kexie.core.models import AuditEntry
from kexie.core.scope import prefix_q
from kexie.core.validators import id_check_char
from kexie.imports import services
from kexie.imports.models import BatchStatus, ImportBatch, ImportChange
from kexie.members.models import GroupMembership, Membership
from kexie.orgs.models import Organisation
from kexie.people.models import Person

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
PEOPLE_HEADER = ["姓名", "性别", "出生日期", "身份证号", "手机号", "工作单位", "职称", "职称级别", "学历", "专业特长", "学科"]


def make_id(seq: int, birth: str = "19850312", region: str = "330102") -> str:
    body = f"{region}{birth}{seq % 1000:03d}"
    return body + id_check_char(body)


def person_row(i: int, **over) -> dict:
    row = {"姓名": f"导入测试{i}", "性别": "", "出生日期": "", "身份证号": make_id(i, f"1980{(i % 12) + 1:02d}15"),
           "手机号": f"139{i:08d}", "工作单位": "浙江省测试研究院", "职称": "研究员", "职称级别": "正高级",
           "学历": "博士研究生", "专业特长": "机器学习、数据挖掘", "学科": "520"}
    row.update(over)
    return row


def write_xlsx(path: Path, header: list[str], rows: list[dict | list], title: str = "数据") -> Path:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    ws = wb.add_worksheet(title)
    ws.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        values = [row.get(h, "") for h in header] if isinstance(row, dict) else row
        for c, v in enumerate(values):
            if isinstance(v, int | float):
                ws.write_number(r, c, v)
            elif v != "":
                ws.write_string(r, c, str(v))
    wb.close()
    return path


def write_csv(path: Path, header: list[str], rows: list[dict], encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for row in rows:
        w.writerow([row.get(h, "") for h in header])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def run(path: Path, kind: str, user, target, mode: str = "skip", dry_run: bool = False) -> ImportBatch:
    with open(path, "rb") as f:
        batch = services.create_batch(user, kind=kind, mode=mode, target=target, file=f, file_name=path.name,
                                      dry_run=dry_run)
    return services.run_batch(batch.pk)


def messages(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in batch.errors]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def city_a(province):
    return province["city_a"]


@pytest.fixture
def user_a(province):
    return province["users"]["demo-city-a"]


def import_people(tmp_path, user, target, rows, header=PEOPLE_HEADER, **kw) -> ImportBatch:
    return run(write_xlsx(tmp_path / "people.xlsx", header, rows), "people", user, target, **kw)


# -- the happy path ---------------------------------------------------------------------------------------


def test_people_import_creates_encrypted_searchable_counted_people(tmp_path, user_a, city_a):
    before = Organisation.objects.get(pk=city_a.pk).people_count
    batch = import_people(tmp_path, user_a, city_a, [person_row(i) for i in range(1, 6)])
    assert batch.status == BatchStatus.DONE, batch.errors
    assert (batch.created, batch.updated, batch.skipped, batch.error_count) == (5, 0, 0, 0)
    p = Person.objects.get(id_hash=blind_index(make_id(1, "19800215")))
    assert p.name == "导入测试1" and p.org_id == city_a.pk and p.org_path == city_a.path
    assert p.phone == "13900000001" and p.gender == "M" and str(p.birth_date) == "1980-02-15"
    assert p.title_level == "senior" and p.education == "doctor" and p.expertise == ["机器学习", "数据挖掘"]
    assert [d.code for d in p.disciplines.all()] == ["520"]
    from kexie.people.services import person_search_text

    assert p.search_text == person_search_text(p)
    assert Person.objects.filter(search_text__tokens="数据挖掘", pk=p.pk).exists()
    raw = Person.objects.filter(pk=p.pk).values_list("id_number", flat=True)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM people_person WHERE id = %s", [p.pk])
        assert cur.fetchone()[0].startswith("v2:")  # v2:<key id>:… (kexie.core.crypto)
    assert list(raw)
    assert Organisation.objects.get(pk=city_a.pk).people_count == before + 5
    assert AuditEntry.objects.filter(action="imports.importbatch.applied", object_id=batch.pk).exists()


def test_search_text_matches_people_services():
    from types import SimpleNamespace

    from kexie.imports.apply import search_text
    from kexie.people.services import person_search_text

    for name, kw, title, emp, pos in [("张伟", ["机器学习", "医学 影像"], "教授", "浙江大学 医学院", "副院长"),
                                      ("欧阳 娜娜", [], "", "", ""), ("李", ["Deep Learning"], "高级工程师", "某某公司", "")]:
        p = SimpleNamespace(name=name, expertise=kw, title=title, employer_name=emp, position=pos)
        assert search_text(name, kw, title, emp, pos) == person_search_text(p)


# -- validation rules, one by one, with their Chinese messages ---------------------------------------------


@pytest.mark.parametrize(("column", "value", "message"), [
    ("身份证号", "330102198003150010", "身份证号码校验位不正确，请核对后重新输入。"),
    ("身份证号", "33010219800315001", "身份证号码应为18位，前17位为数字，最后一位为数字或X。"),
    ("身份证号", "330102198013450016", "身份证号码中的出生日期无效。"),
    ("身份证号", "3.30102198003150E+17", "身份证号被 Excel 存成了数字（如科学计数法），后几位已丢失：请把该列设为文本格式后重新填写。"),
    ("手机号", "1390000", "电话号码格式不正确：手机号应为以1开头的11位数字，座机应为“区号-号码”。"),
    ("出生日期", "2023-02-30", "日期“2023-02-30”不存在，请核对年月日。"),
    ("出生日期", "去年春天", "无法识别的日期“去年春天”：请写成 2023-05-01、2023/5/1、2023.5.1 或 2023年5月1日。"),
    ("出生日期", "2999-01-01", "日期“2999-01-01”超出 1900—2100 年的范围。"),
    ("出生日期", "2099-01-01", "日期“2099-01-01”晚于今天。"),
    ("职称级别", "特级", "“特级”不是可选值，可填：正高级、副高级、中级、初级、无。"),
    ("学历", "高中", "“高中”不是可选值，可填：博士研究生、硕士研究生、大学本科、大学专科、其他。"),
    ("学科", "999", "“999”不是 GB/T 13745 学科代码或学科名称。"),
    ("姓名", "张" * 41, "内容过长：41 个字，最多 40 个字。"),
    ("姓名", "<script>", "内容以“<”开头".replace("内容以“<”开头", "姓名中包含不允许的字符（< > \" ' & ;）。")),
    ("工作单位", "=HYPERLINK(\"http://x\",\"点我\")",
     "内容以“=”开头，可能被表格软件当作公式执行（公式注入），请删除开头的“=”。"),
    ("工作单位", "+cmd|' /C calc'!A0", "内容以“+”开头，可能被表格软件当作公式执行（公式注入），请删除开头的“+”。"),
    ("职称", "-2+3", "内容以“-”开头，可能被表格软件当作公式执行（公式注入），请删除开头的“-”。"),
    ("专业特长", "@SUM(A1)", "内容以“@”开头，可能被表格软件当作公式执行（公式注入），请删除开头的“@”。"),
    ("专业特长", "、".join(f"词{i}" for i in range(31)), "专业特长最多填写30个关键词。"),
    ("姓名", "", "必填项，不能为空。"),
])
def test_each_rule_names_row_column_and_reason(tmp_path, user_a, city_a, column, value, message):
    rows = [person_row(1), person_row(2, **{column: value}), person_row(3)]
    n = Person.objects.count()
    batch = import_people(tmp_path, user_a, city_a, rows)
    assert batch.status == BatchStatus.FAILED
    assert (3, column, message) in messages(batch)
    assert Person.objects.count() == n


def test_more_rules(tmp_path, user_a, city_a):
    header = [*PEOPLE_HEADER, "电子邮箱", "所属组织"]
    rows = [
        person_row(1, 出生日期="1980-01-15"),  # ID says 1980-02-15
        person_row(2, 性别="男"),  # ID says female
        person_row(3, 电子邮箱="not-an-email"),
        person_row(4, 所属组织="不存在的组织"),
        person_row(5, 身份证号=make_id(1, "19800215")),  # same ID as row 2 (person 1)
    ]
    batch = import_people(tmp_path, user_a, city_a, rows, header=header)
    got = messages(batch)
    assert (2, "出生日期", "出生日期与身份证号码中的出生日期不一致。") in got
    assert (3, "性别", "性别与身份证号码不一致。") in got
    assert (4, "电子邮箱", "电子邮箱“not-an-email”格式不正确。") in got
    assert (5, "所属组织", "平台中没有编码或名称为“不存在的组织”的组织。") in got
    assert (6, "身份证号", "与第 2 行的身份证号重复。") in got


def test_duplicates_without_id_by_name_and_phone(tmp_path, user_a, city_a):
    rows = [person_row(1, 身份证号=""), person_row(1, 身份证号="", 职称="高级工程师")]
    batch = import_people(tmp_path, user_a, city_a, rows)
    assert (3, "手机号", "与第 2 行的姓名和手机号重复。") in messages(batch)


def test_identical_rows_in_one_file_are_flagged_once_and_nothing_is_written(tmp_path, user_a, city_a):
    """A row pasted twice is named with the row it repeats (spaces aside), whatever its columns say."""
    n = Person.objects.count()
    copy = {k: f" {v} " for k, v in person_row(2).items()}
    rows = [person_row(1), person_row(2), person_row(3), copy, person_row(2)]
    batch = import_people(tmp_path, user_a, city_a, rows)
    got = messages(batch)
    assert (5, "", "与第 3 行完全相同（文件内重复行），请删除其中一行。") in got
    assert (6, "", "与第 3 行完全相同（文件内重复行），请删除其中一行。") in got
    assert not [m for m in got if m[0] in (5, 6) and m[1]]  # not also the ID-number duplicate
    assert batch.status == BatchStatus.FAILED and Person.objects.count() == n


def test_organisation_references_by_code_or_name_within_scope(tmp_path, province, user_a, city_a):
    header = [*PEOPLE_HEADER, "所属组织"]
    child = Organisation.objects.filter(prefix_q("path", [city_a.path]), depth=city_a.depth + 1).first()
    city_b = province["city_b"]
    rows = [person_row(1, 所属组织=child.code), person_row(2, 所属组织=child.name), person_row(3, 所属组织=city_b.name),
            person_row(4, 所属组织=province["root"].code)]
    batch = import_people(tmp_path, user_a, city_a, rows, header=header)
    got = messages(batch)
    assert (4, "所属组织", f"组织“{city_b.name}”不在您的管理范围内。") in got
    assert (5, "所属组织", f"组织“{province['root'].code}”不在您的管理范围内。") in got
    assert len(got) == 2
    ok = import_people(tmp_path, user_a, city_a, rows[:2], header=header)
    assert ok.status == BatchStatus.DONE and ok.created == 2
    assert set(Person.objects.filter(name__in=["导入测试1", "导入测试2"]).values_list("org_id", flat=True)) == {child.pk}


def test_rows_must_stay_within_the_target(tmp_path, province, city_a):
    """A provincial user importing into city A cannot put rows into city B through the file."""
    user = province["users"]["demo-province"]
    header = [*PEOPLE_HEADER, "所属组织"]
    batch = import_people(tmp_path, user, city_a, [person_row(1, 所属组织=province["city_b"].code)], header=header)
    assert messages(batch) == [(2, "所属组织", f"组织“{province['city_b'].code}”不在本次导入的目标组织“{city_a.name}”之下。")]


def test_excel_serial_dates_and_date_styles(tmp_path, user_a, city_a):
    header = ["姓名", "出生日期", "手机号"]
    rows = [["序列日期", 29266, "13911110001"], ["点分日期", "1980.2.15", "13911110002"],
            ["中文日期", "1980年2月15日", "13911110003"], ["斜杠日期", "1980/2/15", "13911110004"],
            ["紧凑日期", "19800215", "13911110005"]]
    batch = run(write_xlsx(tmp_path / "d.xlsx", header, rows), "people", user_a, city_a)
    assert batch.status == BatchStatus.DONE, batch.errors
    dates = {str(d) for d in Person.objects.filter(phone_hash__in=[blind_index(r[2]) for r in rows])
             .values_list("birth_date", flat=True)}
    assert dates == {"1980-02-15"}


def test_date_cells_formatted_as_dates(tmp_path, user_a, city_a):
    import datetime as dt

    path = tmp_path / "dates.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["姓名", "出生日期", "手机号"])
    ws.write_string(1, 0, "日期格式")
    ws.write_datetime(1, 1, dt.datetime(1979, 11, 3), wb.add_format({"num_format": "yyyy年m月d日"}))
    ws.write_string(1, 2, "13922220001")
    wb.close()
    batch = run(path, "people", user_a, city_a)
    assert batch.status == BatchStatus.DONE, batch.errors
    assert str(Person.objects.get(name="日期格式").birth_date) == "1979-11-03"


def test_header_variants_and_a_title_row_above_the_header(tmp_path, user_a, city_a):
    header = ["人员花名册（2024年）", "", ""]
    rows = [["名字", "证件号码", "联系电话"], ["别名表头", make_id(77), "13933330001"]]
    batch = run(write_xlsx(tmp_path / "v.xlsx", header, rows), "people", user_a, city_a)
    assert batch.status == BatchStatus.DONE, batch.errors
    assert Person.objects.get(name="别名表头").id_hash == blind_index(make_id(77))
    assert batch.report["header_row"] == 2


def test_missing_required_column_and_doubled_columns(tmp_path, user_a, city_a):
    batch = run(write_xlsx(tmp_path / "m.xlsx", ["身份证号", "手机号"], [[make_id(1), "13900000001"]]),
                "people", user_a, city_a)
    assert messages(batch) == [(0, "", "缺少必填列：姓名。请使用下载的导入模板。")]
    batch = run(write_xlsx(tmp_path / "m2.xlsx", ["姓名", "身份证号", "证件号码"], [["某", make_id(1), make_id(2)]]),
                "people", user_a, city_a)
    assert messages(batch) == [(0, "", "“身份证号”和“证件号码”两列都表示“身份证号”，请只保留一列。")]


def test_malformed_and_oversize_files(tmp_path, user_a, city_a, settings):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    batch = run(bad, "people", user_a, city_a)
    assert batch.status == BatchStatus.FAILED
    assert messages(batch)[0][2].startswith("无法读取该 Excel 文件")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    from django.core.exceptions import ValidationError

    settings.KEXIE_IMPORT_MAX_BYTES = 1024
    big = write_csv(tmp_path / "big.csv", PEOPLE_HEADER, [person_row(i) for i in range(1, 50)])
    with pytest.raises(ValidationError, match="超过上限"):
        run(big, "people", user_a, city_a)
    settings.KEXIE_IMPORT_MAX_BYTES = 300 * 1024 * 1024
    settings.KEXIE_IMPORT_MAX_ROWS = 10
    batch = run(big, "people", user_a, city_a)
    assert messages(batch) == [(0, "", "文件超过 10 行数据的上限，请拆分后分批导入。")]
    assert not Person.objects.filter(name="导入测试1").exists()


def test_out_of_scope_existing_person_is_not_updated(tmp_path, province, city_a):
    user_b = province["users"]["demo-city-b"]
    import_people(tmp_path, user_b, province["city_b"], [person_row(1)])
    user_a = province["users"]["demo-city-a"]
    batch = import_people(tmp_path, user_a, city_a, [person_row(1, 职称="教授")], mode="update")
    assert messages(batch) == [(2, "身份证号", "该人员已登记在您管理范围以外的组织中，不能更新；可选择“跳过已有记录”。")]
    skipped = import_people(tmp_path, user_a, city_a, [person_row(1, 职称="教授")], mode="skip")
    assert skipped.status == BatchStatus.DONE and skipped.skipped == 1
    assert Person.objects.get(name="导入测试1").title == "研究员"


# -- atomicity ------------------------------------------------------------------------------------------------


def test_one_bad_row_among_ten_thousand_changes_nothing(tmp_path, user_a, city_a):
    rows = [person_row(i, 身份证号="", 手机号=f"135{i:08d}", 学科="") for i in range(10_000)]
    rows[7_777]["手机号"] = "12345"
    path = write_csv(tmp_path / "ten-thousand.csv", PEOPLE_HEADER, rows)
    people, count = Person.objects.count(), Organisation.objects.get(pk=city_a.pk).people_count
    batch = run(path, "people", user_a, city_a)
    assert batch.status == BatchStatus.FAILED and batch.total_rows == 10_000
    assert messages(batch) == [(7_779, "手机号", "电话号码格式不正确：手机号应为以1开头的11位数字，座机应为“区号-号码”。")]
    assert batch.created == 0 and batch.report["would_create"] == 9_999
    assert Person.objects.count() == people
    assert Organisation.objects.get(pk=city_a.pk).people_count == count
    assert not ImportChange.objects.exists() and batch.created_ids == []
    rows[7_777]["手机号"] = "13512345678"
    fixed = run(write_csv(tmp_path / "fixed.csv", PEOPLE_HEADER, rows), "people", user_a, city_a)
    assert fixed.status == BatchStatus.DONE and fixed.created == 10_000
    assert Person.objects.count() == people + 10_000
    assert Organisation.objects.get(pk=city_a.pk).people_count == count + 10_000


# -- modes, dry run, rollback --------------------------------------------------------------------------------


def _seed_people(tmp_path, user, target):
    batch = import_people(tmp_path, user, target, [person_row(1, 职称="", 专业特长=""), person_row(2)])
    assert batch.status == BatchStatus.DONE
    return batch


def test_mode_skip_update_fill(tmp_path, user_a, city_a):
    _seed_people(tmp_path, user_a, city_a)
    changed = [person_row(1, 职称="教授", 专业特长="知识图谱", 工作单位="新单位"), person_row(2), person_row(3)]

    skip = import_people(tmp_path, user_a, city_a, changed, mode="skip")
    assert (skip.created, skip.updated, skip.skipped) == (1, 0, 2)
    p1 = Person.objects.get(name="导入测试1")
    assert p1.title == "" and p1.employer_name == "浙江省测试研究院"

    fill = import_people(tmp_path, user_a, city_a, [*changed[:2], person_row(4)], mode="fill")
    assert (fill.created, fill.updated, fill.skipped) == (1, 1, 1)
    p1.refresh_from_db()
    assert p1.title == "教授" and p1.expertise == ["知识图谱"] and p1.employer_name == "浙江省测试研究院"

    update = import_people(tmp_path, user_a, city_a, changed[:2], mode="update")
    assert (update.created, update.updated, update.skipped) == (0, 1, 1)
    p1.refresh_from_db()
    assert p1.employer_name == "新单位"
    from kexie.people.services import person_search_text

    assert p1.search_text == person_search_text(p1)
    assert AuditEntry.objects.filter(action="people.person.imported", object_id=p1.pk).count() == 2


def test_match_by_phone_and_name_without_id_fills_the_id(tmp_path, user_a, city_a):
    import_people(tmp_path, user_a, city_a, [person_row(5, 身份证号="")])
    batch = import_people(tmp_path, user_a, city_a, [person_row(5)], mode="fill")
    assert (batch.created, batch.updated) == (0, 1), batch.errors
    assert Person.objects.get(name="导入测试5").id_hash == blind_index(make_id(5, "19800615"))


def test_dry_run_changes_nothing_and_says_what_would_change(tmp_path, user_a, city_a, client_a):
    _seed_people(tmp_path, user_a, city_a)
    n = Person.objects.count()
    rows = [person_row(1, 职称="教授"), person_row(2), person_row(3)]
    batch = import_people(tmp_path, user_a, city_a, rows, mode="update", dry_run=True)
    assert batch.status == BatchStatus.CHECKED
    assert (batch.created, batch.updated, batch.skipped) == (1, 1, 1)
    assert batch.report["samples"]["updated"][0]["fields"] == ["职称", "专业特长"]
    assert Person.objects.count() == n and Person.objects.get(name="导入测试1").title == ""
    html = client_a.get(f"/imports/{batch.pk}/").content.decode()
    assert "将新增" in html and "确认无误，正式导入" in html
    resp = client_a.post(f"/imports/{batch.pk}/confirm/")
    real = ImportBatch.objects.exclude(pk=batch.pk).latest("pk")
    assert resp.status_code == 302 and resp["Location"] == f"/imports/{real.pk}/"
    assert real.status == BatchStatus.DONE and not real.dry_run and (real.created, real.updated) == (1, 1)
    assert Person.objects.get(name="导入测试1").title == "教授"


def test_rollback_restores_updates_and_removes_creations(tmp_path, user_a, city_a, client_a):
    _seed_people(tmp_path, user_a, city_a)
    child = Organisation.objects.filter(prefix_q("path", [city_a.path]), depth=city_a.depth + 1).first()
    count_a, count_child = (Organisation.objects.get(pk=city_a.pk).people_count,
                            Organisation.objects.get(pk=child.pk).people_count)
    p1 = Person.objects.get(name="导入测试1")
    header = [*PEOPLE_HEADER, "所属组织"]
    batch = import_people(tmp_path, user_a, city_a, [person_row(1, 职称="教授", 学科="510、520", 所属组织=child.code),
                                                      person_row(9)], header=header, mode="update")
    assert (batch.created, batch.updated) == (1, 1), batch.errors
    p1.refresh_from_db()
    assert p1.org_id == child.pk and p1.title == "教授"
    assert Organisation.objects.get(pk=child.pk).people_count == count_child + 1
    resp = client_a.get(f"/imports/{batch.pk}/rollback/")
    assert "确认撤销" in resp.content.decode()
    resp = client_a.post(f"/imports/{batch.pk}/rollback/")
    assert resp.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.ROLLED_BACK and batch.rolled_back_at
    p1.refresh_from_db()
    assert p1.org_id == city_a.pk and p1.title == "" and [d.code for d in p1.disciplines.all()] == ["520"]
    assert not Person.objects.filter(name="导入测试9").exists()
    assert Organisation.objects.get(pk=city_a.pk).people_count == count_a
    assert Organisation.objects.get(pk=child.pk).people_count == count_child
    assert AuditEntry.objects.filter(action="imports.importbatch.rolled_back", object_id=batch.pk).exists()
    again = import_people(tmp_path, user_a, city_a, [person_row(9)])
    assert again.status == BatchStatus.DONE and again.created == 1


def test_rollback_refused_when_records_changed_since(tmp_path, user_a, city_a):
    from django.core.exceptions import ValidationError

    from kexie.people.services import update_person

    _seed_people(tmp_path, user_a, city_a)
    batch = import_people(tmp_path, user_a, city_a, [person_row(1, 职称="教授")], mode="update")
    update_person(user_a, Person.objects.get(name="导入测试1"), {"title": "研究员"})
    with pytest.raises(ValidationError, match="导入后又被修改过"):
        services.rollback_batch(user_a, batch)
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.DONE


# -- formats and encodings ------------------------------------------------------------------------------------


def test_gb18030_and_utf8_bom_csv(tmp_path, user_a, city_a):
    rows = [person_row(11, 姓名="欧阳䶮"), person_row(12, 姓名="司马懿")]
    gb = run(write_csv(tmp_path / "gb.csv", PEOPLE_HEADER, rows, "gb18030"), "people", user_a, city_a)
    assert gb.status == BatchStatus.DONE and gb.report["encoding"] == "gb18030", gb.errors
    assert Person.objects.filter(name="欧阳䶮").exists()
    bom = run(write_csv(tmp_path / "bom.csv", PEOPLE_HEADER, [person_row(13)], "utf-8-sig"), "people", user_a, city_a)
    assert bom.status == BatchStatus.DONE and bom.report["encoding"] == "utf-8-sig"


def test_xls_file(tmp_path, user_a, city_a):
    import shutil

    path = tmp_path / "people.xls"
    shutil.copy(FIXTURES / "people.xls", path)
    batch = run(path, "people", user_a, city_a)
    assert batch.status == BatchStatus.DONE, batch.errors
    assert batch.report["format"] == "xls" and batch.created == 2
    p = Person.objects.get(name="旧表格乙")
    assert p.phone == "13700000502" and str(p.birth_date) == "1988-07-09" and p.expertise == ["土木工程", "桥梁"]


def test_unreadable_csv_encoding(tmp_path, user_a, city_a):
    path = tmp_path / "x.csv"
    path.write_bytes("姓名,手机号\n".encode() + b"\xff\xfe\xfa" * 3 + b",13900000001\n")
    batch = run(path, "people", user_a, city_a)
    assert batch.status == BatchStatus.FAILED


# -- workbooks -------------------------------------------------------------------------------------------------


def test_template_has_headers_and_explanations(client_a):
    resp = client_a.get("/imports/template/people/")
    assert resp.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(resp.content))
    assert [c.value for c in wb.worksheets[0][1]][:4] == ["姓名", "性别", "出生日期", "民族"]
    help_text = " ".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "证件号码" in help_text and "GB 11643" in help_text and "公式注入" in help_text
    assert client_a.get("/imports/template/nothing/").status_code == 404


def test_template_filled_in_imports(tmp_path, client_a, user_a, city_a):
    wb = openpyxl.load_workbook(io.BytesIO(client_a.get("/imports/template/people/").content))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    row = {"姓名": "模板用户", "身份证号": make_id(88), "手机号": "13988880000", "学历": "大学本科"}
    ws.append([row.get(h) for h in header])
    path = tmp_path / "filled.xlsx"
    wb.save(path)
    batch = run(path, "people", user_a, city_a)
    assert batch.status == BatchStatus.DONE and batch.created == 1, batch.errors


def test_error_workbook_marks_rows_and_can_be_fixed_and_uploaded_again(tmp_path, user_a, city_a):
    rows = [person_row(1), person_row(2, 手机号="12"), person_row(3, 工作单位="=1+1")]
    batch = import_people(tmp_path, user_a, city_a, rows)
    assert batch.error_file
    wb = openpyxl.load_workbook(batch.error_file.path)
    ws = wb.worksheets[0]
    data = [[c.value for c in r] for r in ws.iter_rows()]
    assert data[0][0] == "错误信息" and data[0][1:] == PEOPLE_HEADER
    assert data[1][0] is None and "手机号" in data[2][0] and "公式注入" in data[3][0]
    assert data[3][PEOPLE_HEADER.index("工作单位") + 1] == "'=1+1"  # neutralised on the way out
    assert ws.cell(3, PEOPLE_HEADER.index("手机号") + 2).fill.fgColor.rgb.endswith("F8D7DA")
    assert [r[:2] for r in wb["错误清单"].iter_rows(min_row=2, values_only=True)] == [(3, "手机号"), (4, "工作单位")]
    ws.cell(3, PEOPLE_HEADER.index("手机号") + 2, "13900000002")
    ws.cell(4, PEOPLE_HEADER.index("工作单位") + 2, "某研究所")
    path = tmp_path / "fixed.xlsx"
    wb.save(path)
    again = run(path, "people", user_a, city_a)
    assert again.status == BatchStatus.DONE and again.created == 3, again.errors


# -- organisations, memberships, group memberships ---------------------------------------------------------------


ORG_HEADER = ["组织编码", "名称", "组织类型", "层级", "上级组织", "统一社会信用代码", "成立日期", "联系电话"]


def test_orgs_import_builds_the_tree(tmp_path, user_a, city_a):
    from kexie.orgs.models import OrgKind

    kind = OrgKind.objects.get(code="county_kx") if OrgKind.objects.filter(code="county_kx").exists() \
        else OrgKind.objects.filter(category="association").first()
    township = OrgKind.objects.filter(category="association").last()
    numchild = city_a.numchild
    rows = [["IMP-X1", "测试县科协", kind.name, "县级", "", "", "2001-06-18", "0571-87654321"],
            ["IMP-X2", "测试镇科协", township.code, "乡镇级", "IMP-X1", "", "", ""],
            ["IMP-X3", "测试镇二科协", township.code, "乡镇级", "测试县科协", "", "", ""]]
    batch = run(write_xlsx(tmp_path / "o.xlsx", ORG_HEADER, rows), "orgs", user_a, city_a)
    assert batch.status == BatchStatus.DONE and batch.created == 3, batch.errors
    x1 = Organisation.objects.get(code="IMP-X1")
    x2 = Organisation.objects.get(code="IMP-X2")
    assert x1.path[:-4] == city_a.path and x2.path[:-4] == x1.path and x1.numchild == 2
    assert Organisation.objects.get(pk=city_a.pk).numchild == numchild + 1
    assert [o.code for o in Organisation.objects.filter(path__startswith=x1.path, depth=x1.depth + 1)] == [
        "IMP-X2", "IMP-X3"]
    assert Organisation.objects.find_problems() == ([], [], [], [], [])
    moved = [["IMP-X2", "测试镇科协（改名）", township.code, "乡镇级", "IMP-X3", "", "", ""]]
    batch = run(write_xlsx(tmp_path / "o2.xlsx", ORG_HEADER, moved), "orgs", user_a, city_a, mode="update")
    assert messages(batch) == [(2, "上级组织", "导入不能改变已有组织的上级组织，请使用组织迁移功能。")]
    renamed = [["IMP-X2", "测试镇科协（改名）", township.code, "乡镇级", "IMP-X1", "", "", ""],
               ["IMP-X3", "测试镇二科协", township.code, "乡镇级", "", "", "", "0571-88889999"]]
    batch = run(write_xlsx(tmp_path / "o3.xlsx", ORG_HEADER, renamed), "orgs", user_a, city_a, mode="update")
    assert batch.updated == 2 and Organisation.objects.get(code="IMP-X2").name == "测试镇科协（改名）", batch.errors
    assert Organisation.objects.get(code="IMP-X3").contact_phone == "0571-88889999"
    assert Organisation.objects.find_problems() == ([], [], [], [], [])
    bad = [["IMP-X9", "坏组织", "没有的类型", "省市", "", "911100001000000000", "", "110"]]
    batch = run(write_xlsx(tmp_path / "o5.xlsx", ORG_HEADER, bad), "orgs", user_a, city_a)
    got = {c: m for _, c, m in messages(batch)}
    assert got["组织类型"] == "“没有的类型”不是平台中的组织类型。"
    assert got["层级"].startswith("“省市”不是可选值")
    assert got["统一社会信用代码"] == "统一社会信用代码校验位不正确，请核对后重新输入。"
    assert got["联系电话"].startswith("电话号码格式不正确")


def test_orgs_rollback_removes_the_new_branch(tmp_path, user_a, city_a):
    from kexie.orgs.models import OrgKind

    kind = OrgKind.objects.filter(category="association").first()
    numchild = Organisation.objects.get(pk=city_a.pk).numchild
    rows = [["IMP-R1", "撤销测试", kind.code, "县级", "", "", "", ""]]
    batch = run(write_xlsx(tmp_path / "o.xlsx", ORG_HEADER, rows), "orgs", user_a, city_a)
    services.rollback_batch(user_a, batch)
    assert not Organisation.objects.filter(code="IMP-R1").exists()
    assert Organisation.objects.get(pk=city_a.pk).numchild == numchild


MEMBER_HEADER = ["姓名", "身份证号", "手机号", "学会", "会员类别", "会员号", "入会日期", "会费缴至"]


def test_memberships_import_registers_people_and_members(tmp_path, province):
    society = province["society"]
    user = province["users"]["demo-society"]
    existing = Person.objects.exclude(id_hash="").first()
    rows = [["新会员甲", make_id(601), "", "", "会员", "IMP-M-001", "2020-03-01", "2099-12-31"],
            ["新会员乙", "", "13966660002", society.code, "学生会员", "", "2024-01-01", ""],
            [existing.name, existing.id_number, "", society.name, "高级会员", "IMP-M-003", "2019-01-01", "2099-12-31"]]
    batch = run(write_xlsx(tmp_path / "m.xlsx", MEMBER_HEADER, rows), "memberships", user, society)
    assert batch.status == BatchStatus.DONE and batch.created == 3, batch.errors
    m = Membership.objects.get(number="IMP-M-001")
    assert m.person.name == "新会员甲" and m.person.org_id == society.pk and m.status == "current"
    assert m.events.get().kind == "approved"
    assert Membership.objects.get(person=existing, society=society, number="IMP-M-003").category == "senior"
    assert Membership.objects.get(person__name="新会员乙").status == "expired"
    dup = [["新会员丙", make_id(602), "", "", "会员", "IMP-M-001", "", ""],
           ["新会员丁", make_id(603), "", "", "会员", "IMP-M-004", "", ""],
           ["新会员戊", make_id(604), "", "", "会员", "IMP-M-004", "", ""]]
    batch = run(write_xlsx(tmp_path / "m2.xlsx", MEMBER_HEADER, dup), "memberships", user, society)
    assert messages(batch) == [(4, "会员号", "与第 3 行的会员号（同一学会）重复。"),
                               (2, "会员号", "会员号“IMP-M-001”在该学会已被其他会员使用。")]
    upd = [["新会员甲", make_id(601), "", "", "资深会员", "IMP-M-001", "2020-03-01", "2099-12-31"]]
    batch = run(write_xlsx(tmp_path / "m3.xlsx", MEMBER_HEADER, upd), "memberships", user, society, mode="update")
    assert batch.updated == 1 and Membership.objects.get(number="IMP-M-001").category == "fellow"
    services.rollback_batch(user, batch)
    assert Membership.objects.get(number="IMP-M-001").category == "member"


def test_memberships_need_a_society(tmp_path, user_a, city_a):
    rows = [["某人", make_id(605), "", "", "会员", "", "", ""]]
    batch = run(write_xlsx(tmp_path / "m.xlsx", MEMBER_HEADER, rows), "memberships", user_a, city_a)
    assert messages(batch) == [(2, "学会", "请填写学会：本次导入的目标组织不是学会，每行须注明所属学会。")]
    rows[0][3] = city_a.code
    batch = run(write_xlsx(tmp_path / "m2.xlsx", MEMBER_HEADER, rows), "memberships", user_a, city_a)
    assert messages(batch) == [(2, "学会", f"“{city_a.code}”不是学会或学会的分支机构。")]


def test_group_memberships_import(tmp_path, province):
    society = province["society"]
    user = province["users"]["demo-society"]
    members = list(Organisation.objects.filter(prefix_q("path", [society.path])).exclude(pk=society.pk)[:1])
    assert members
    GroupMembership.objects.filter(member__in=members).delete()
    rows = [[m.code, "", f"G-{i}", "2022-01-01", "2099-12-31", "王五"] for i, m in enumerate(members)]
    header = ["会员单位", "学会", "会员号", "入会日期", "会费缴至", "单位代表"]
    batch = run(write_xlsx(tmp_path / "g.xlsx", header, rows), "groups", user, society)
    assert batch.status == BatchStatus.DONE and batch.created == 1, batch.errors
    assert GroupMembership.objects.get(member=members[0], society=society).status == "current"
    again = run(write_xlsx(tmp_path / "g2.xlsx", header, rows), "groups", user, society)
    assert again.skipped == 1 and again.created == 0
    rows[0][5] = "赵六"
    upd = run(write_xlsx(tmp_path / "g4.xlsx", header, rows), "groups", user, society, mode="update")
    assert upd.updated == 1 and GroupMembership.objects.get(member=members[0]).representative == "赵六"
    services.rollback_batch(user, upd)
    assert GroupMembership.objects.get(member=members[0]).representative == "王五"
    outside = Organisation.objects.exclude(prefix_q("path", [society.path])).filter(depth=2).first()
    rows = [[outside.code, "", "", "", "", ""]]
    batch = run(write_xlsx(tmp_path / "g3.xlsx", header, rows), "groups", user, society)
    assert messages(batch) == [(2, "会员单位", f"组织“{outside.code}”不在您的管理范围内。")]


# -- command line ----------------------------------------------------------------------------------------------


def test_cli_json_report_and_exit_code(tmp_path, city_a, capsys):
    ok = write_xlsx(tmp_path / "ok.xlsx", PEOPLE_HEADER, [person_row(21), person_row(22)])
    call_command("import", "people", str(ok), "--org", city_a.code, "--format", "json")
    report = json.loads(capsys.readouterr().out)
    assert (report["created"], report["updated"], report["errors"]) == (2, 0, [])
    bad = write_xlsx(tmp_path / "bad.xlsx", PEOPLE_HEADER, [person_row(23, 身份证号="330102198003150010")])
    with pytest.raises(SystemExit) as exc:
        call_command("import", "people", str(bad), "--org", city_a.code, "--format", "json")
    assert exc.value.code == 1
    report = json.loads(capsys.readouterr().out)
    assert report["created"] == 0 and report["errors"] == [
        {"row": 2, "column": "身份证号", "message": "身份证号码校验位不正确，请核对后重新输入。"}]
    dry = write_xlsx(tmp_path / "dry.xlsx", PEOPLE_HEADER, [person_row(24)])
    call_command("import", "people", str(dry), "--org", city_a.code, "--dry-run", "--format", "json")
    assert json.loads(capsys.readouterr().out)["created"] == 1
    assert not Person.objects.filter(name="导入测试24").exists()


def test_cli_user_scope(tmp_path, province):
    from django.core.management.base import CommandError

    path = write_xlsx(tmp_path / "ok.xlsx", PEOPLE_HEADER, [person_row(31)])
    with pytest.raises(CommandError, match="无权"):
        call_command("import", "people", str(path), "--org", province["city_b"].code, "--user", "demo-city-a")


def test_unknown_kind_is_refused_in_chinese_everywhere(tmp_path, province, client_a, city_a, user_a):
    """The kinds are what the apps declare (ImportKind); a code none declares changes nothing, anywhere."""
    from django.core.exceptions import ValidationError
    from django.core.management.base import CommandError

    from kexie.core.registry import import_kinds

    assert list(import_kinds()) == ["orgs", "people", "memberships", "groups"]
    assert {k.code: k.action for k in import_kinds().values()} == {
        "orgs": "orgs.change", "people": "people.change", "memberships": "members.change", "groups": "members.change"}
    path = write_xlsx(tmp_path / "ok.xlsx", PEOPLE_HEADER, [person_row(71)])
    with open(path, "rb") as f, pytest.raises(ValidationError, match="不支持的导入内容。"):
        services.create_batch(user_a, kind="things", mode="skip", target=city_a, file=f, file_name="ok.xlsx",
                              dry_run=False)
    with open(path, "rb") as f:
        resp = client_a.post("/imports/", {"kind": "things", "organisation": city_a.pk, "mode": "skip", "file": f})
    assert resp.status_code == 400 and "选择一个有效的选项" in resp.content.decode()
    resp = client_a.get("/imports/template/things/")
    assert resp.status_code == 404 and "没有这种导入模板。" in resp.content.decode()
    with pytest.raises(CommandError, match="不支持的导入内容：things。可导入：orgs、people、memberships、groups。"):
        call_command("import", "things", str(path), "--org", city_a.code)
    assert not ImportBatch.objects.exists() and not Person.objects.filter(name="导入测试71").exists()


def test_a_batch_of_a_kind_no_longer_installed_fails_in_chinese(tmp_path, user_a, city_a):
    """A batch stored with a kind whose module has gone (queued before, then run): failed with a message, no error
    page; the list and the batch page still show it by its stored code."""
    path = write_xlsx(tmp_path / "ok.xlsx", PEOPLE_HEADER, [person_row(72)])
    with open(path, "rb") as f:
        batch = services.create_batch(user_a, kind="people", mode="skip", target=city_a, file=f, file_name="ok.xlsx",
                                      dry_run=False)
    ImportBatch.objects.filter(pk=batch.pk).update(kind="gone")
    batch = services.run_batch(batch.pk)
    assert batch.status == BatchStatus.FAILED and batch.message == "不支持的导入内容。"
    assert batch.kind_label == "gone" and not Person.objects.filter(name="导入测试72").exists()


def test_kexie_console_script_passes_import_through(tmp_path, city_a, capsys):
    from kexie.cli import main

    path = write_xlsx(tmp_path / "ok.xlsx", PEOPLE_HEADER, [person_row(41)])
    main(["import", "people", str(path), "--org", city_a.code, "--format", "json"])
    assert json.loads(capsys.readouterr().out)["created"] == 1


# -- the console and scope -------------------------------------------------------------------------------------


def test_upload_through_the_console(tmp_path, client_a, city_a):
    path = write_xlsx(tmp_path / "web.xlsx", PEOPLE_HEADER, [person_row(51), person_row(52, 手机号="1")])
    with open(path, "rb") as f:
        resp = client_a.post("/imports/", {"kind": "people", "organisation": city_a.pk, "mode": "skip",
                                           "file": f})
    assert resp.status_code == 302
    batch = ImportBatch.objects.latest("pk")
    html = client_a.get(resp["Location"]).content.decode()
    assert "有错误，未导入" in html and "下载错误文件" in html and "电话号码格式不正确" in html
    resp = client_a.get(f"/imports/{batch.pk}/errors/")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "web.xlsx" in client_a.get("/imports/").content.decode()


def test_upload_form_rejects_other_files(tmp_path, client_a, city_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    resp = client_a.post("/imports/", {"kind": "people", "organisation": city_a.pk, "mode": "skip",
                                       "file": SimpleUploadedFile("x.exe", b"MZ...")})
    assert resp.status_code == 400 and "只支持 .xlsx、.xls 或 .csv 文件。" in resp.content.decode()


def test_city_a_cannot_import_into_or_see_city_b(tmp_path, province, client_a, client_b):
    city_b = province["city_b"]
    path = write_xlsx(tmp_path / "b.xlsx", PEOPLE_HEADER, [person_row(61)])
    with open(path, "rb") as f:
        resp = client_a.post("/imports/", {"kind": "people", "organisation": city_b.pk, "mode": "skip", "file": f})
    assert resp.status_code == 400 and not ImportBatch.objects.exists()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run(path, "people", province["users"]["demo-city-a"], city_b)
    b_batch = run(path, "people", province["users"]["demo-city-b"], city_b)
    assert f"/imports/{b_batch.pk}/" not in client_a.get("/imports/").content.decode()
    assert f"/imports/{b_batch.pk}/" in client_b.get("/imports/").content.decode()
    for url in (f"/imports/{b_batch.pk}/", f"/imports/{b_batch.pk}/errors/", f"/imports/{b_batch.pk}/rollback/"):
        assert client_a.get(url).status_code == 404
    assert client_a.post(f"/imports/{b_batch.pk}/rollback/").status_code == 404
    assert ImportBatch.objects.get(pk=b_batch.pk).status == BatchStatus.DONE


def test_error_file_only_for_the_uploader_or_pii_viewers(tmp_path, province, client_province):
    from tests.conftest import login

    city_a = province["city_a"]
    batch = import_people(tmp_path, province["users"]["demo-city-a"], city_a, [person_row(1, 手机号="1")])
    assert batch.error_file
    other = login("demo-province")
    resp = other.get(f"/imports/{batch.pk}/errors/")
    from kexie.core.scope import user_can

    expected = 200 if user_can(province["users"]["demo-province"], "people.pii", city_a.path) else 403
    assert resp.status_code == expected


def test_background_task_with_progress(tmp_path, user_a, city_a, settings):
    settings.KEXIE_IMPORT_INLINE_BYTES = 10
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    path = write_xlsx(tmp_path / "bg.xlsx", PEOPLE_HEADER, [person_row(i) for i in range(70, 75)])
    with open(path, "rb") as f:
        batch = services.create_batch(user_a, kind="people", mode="skip", target=city_a, file=f,
                                      file_name="bg.xlsx", dry_run=False)
    assert services.progress_of(batch)["percent"] == 0
    services.start_batch(batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.created == 5
    assert services.progress_of(batch)["percent"] == 100


def test_import_and_rollback_queue_one_census_refresh(tmp_path, province, user_a, city_a,
                                                      django_capture_on_commit_callbacks):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from kexie.census.models import CensusState
    from kexie.census.services import refresh
    from kexie.census.tasks import refresh_census_task

    refresh()
    waiting = DBTaskResult.objects.filter(task_path=refresh_census_task.module_path, status="READY")
    waiting.delete()  # the seed's automatic merges leave one queued; this test counts only what it queues itself
    with django_capture_on_commit_callbacks(execute=True):
        first = import_people(tmp_path, user_a, city_a, [person_row(i) for i in range(3)])
    assert first.status == BatchStatus.DONE and waiting.count() == 1
    assert waiting.get().run_after > timezone.now()  # a few minutes later, not in the import's request
    with django_capture_on_commit_callbacks(execute=True):
        second = import_people(tmp_path, user_a, city_a, [person_row(i) for i in range(10, 12)])
        services.rollback_batch(user_a, second)
    assert waiting.count() == 1  # a run of imports and rollbacks costs one refresh
    refresh_census_task.call()
    assert CensusState.objects.get().people == Person.objects.alive().count()

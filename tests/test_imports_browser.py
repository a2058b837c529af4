"""Browser journey for imports: upload a file with errors, download the error workbook, fix it,
upload it again, see the people in the list (headless Chromium through Playwright)."""

from __future__ import annotations

import openpyxl
import pytest

from tests.browser import log_in, page, seed  # noqa: F401 - the page fixture
from tests.test_imports import PEOPLE_HEADER, person_row, write_xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def upload(page, path) -> None:  # noqa: F811
    page.goto("/imports/")
    form = page.locator("#upload-form")
    form.get_by_label("导入内容").select_option("people")
    form.get_by_label("已有记录").select_option("skip")
    form.get_by_label("试导入（只检查，不写入）").uncheck()
    form.locator("input[type=file]").set_input_files(str(path))
    with page.expect_navigation():
        form.get_by_role("button", name="上传并检查").click()


def test_fix_the_error_workbook_and_upload_again(page, live_server, tmp_path, settings):  # noqa: F811
    from kexie.people.models import Person

    settings.MEDIA_ROOT = tmp_path / "media"
    user_a, _ = seed()
    city_a = user_a.assignments.get().organisation
    rows = [person_row(901, 姓名="浏览器甲"), person_row(902, 姓名="浏览器乙", 手机号="12345"),
            person_row(903, 姓名="浏览器丙", 工作单位="=HYPERLINK(\"http://x\")")]
    log_in(page, "demo-city-a")

    # 1. Upload a file with two bad rows: nothing is imported, the errors are listed.
    upload(page, write_xlsx(tmp_path / "名单.xlsx", PEOPLE_HEADER, rows))
    assert page.locator("#batch-status").inner_text().count("有错误，未导入") == 1
    errors = page.locator("#errors tbody tr")
    assert errors.count() == 2
    assert "电话号码格式不正确" in errors.nth(0).inner_text() and "公式注入" in errors.nth(1).inner_text()
    assert not Person.objects.filter(name__startswith="浏览器").exists()

    # 2. Download the error workbook: the failing rows are marked with the reason.
    with page.expect_download() as info:
        page.locator("#error-file").click()
    xlsx = tmp_path / "errors.xlsx"
    info.value.save_as(xlsx)
    wb = openpyxl.load_workbook(xlsx)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[0] == "错误信息"
    assert ws.cell(2, 1).value is None and "手机号" in ws.cell(3, 1).value and "工作单位" in ws.cell(4, 1).value

    # 3. Fix the two cells and upload the same workbook again.
    ws.cell(3, header.index("手机号") + 1, "13912345678")
    ws.cell(4, header.index("工作单位") + 1, "浏览器测试研究所")
    fixed = tmp_path / "名单-已改.xlsx"
    wb.save(fixed)
    upload(page, fixed)
    page.locator("#batch-status", has_text="已导入").wait_for()
    assert page.locator("#count-created").inner_text().strip() == "3"
    assert page.locator("#count-errors").inner_text().strip() == "0"

    # 4. The people are there, in city A's list.
    page.goto("/people/?q=浏览器测试研究所")
    results = page.locator("#results")
    results.get_by_role("link", name="浏览器丙").wait_for()
    page.goto("/imports/")
    assert page.locator("#batches tbody tr").count() == 2
    assert set(Person.objects.filter(name__startswith="浏览器").values_list("org_id", flat=True)) == {city_a.pk}

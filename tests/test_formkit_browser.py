"""Browser journey for the form builder (headless Chromium through Playwright): staff design a call's application
form — a section, a choice field, a table with its columns — with htmx swapping the builder and the preview showing
the form as applicants will see it; the inputs follow the chosen type; the builder and the set-up page (with its
eligibility, stage and rubric rows) fit a 390 px phone screen without widening the page."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.browser import DESK, PHONE, fits, log_in, page, seed  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def make_call():
    from kexie.accounts.models import User
    from kexie.calls.setup import services as setup_services

    seed()
    staff = User.objects.get(username="demo-province")
    d = lambda n: (dt.date.today() + dt.timedelta(days=n)).isoformat()  # noqa: E731
    return setup_services.create_call(
        staff, owner=staff.assignments.get().organisation, code="builder-journey", name="表单设计测试批次", year=2026,
        type="talent", applicant_kind="person", eligibility=[{"rule": "age", "on": "2026-12-31", "max": 35}],
        stages=[{"code": "apply", "deadline": d(30)}, {"code": "review_corr", "deadline": d(60)},
                {"code": "result", "deadline": ""}],
        rubric=[{"key": "a", "label": "创新性", "weight": 1, "max": 100, "guidance": ""}])


def test_staff_design_a_form_in_the_builder_and_it_fits_a_phone(page):  # noqa: F811
    call = make_call()
    log_in(page, "demo-province")
    page.set_viewport_size(DESK)
    page.goto(f"/calls/{call.pk}/form/")
    builder = page.locator("#builder")
    preview = page.locator(".fk-preview")
    assert "添加节和字段后" in preview.inner_text()

    assert page.locator("#id_s-key").is_visible()  # an empty form opens on "添加节"
    page.fill("#id_s-key", "basic")
    page.fill("#id_s-title", "基本信息")
    builder.get_by_role("button", name="添加节").click()
    page.locator(".fk-preview article header", has_text="基本信息").wait_for()

    builder.locator("details.fk-add summary", has_text="添加字段").click()
    form = builder.locator("details.fk-add[open] form.fk-form")
    form.locator("select.fk-type").select_option("choice")
    assert form.get_by_label("选项（每行一个）", exact=True).is_visible() and not form.get_by_label("单位", exact=True).is_visible()
    form.get_by_label("字段键").fill("level")
    form.get_by_label(re.compile(r"^名称")).fill("职称")
    form.get_by_label("选项（每行一个）", exact=True).fill("正高级\n副高级")
    form.get_by_role("button", name="添加").click()
    page.locator(".fk-preview select#f-level").wait_for()
    assert page.locator(".fk-preview select#f-level option").all_inner_texts() == ["—", "正高级", "副高级"]

    builder.locator("details.fk-add summary", has_text="添加字段").click()
    form = builder.locator("details.fk-add[open] form.fk-form")
    form.locator("select.fk-type").select_option("table")
    columns = form.locator("fieldset.fk-columns")
    assert columns.is_visible()
    form.get_by_label("字段键").fill("papers")
    form.get_by_label(re.compile(r"^名称")).fill("代表性论文")
    columns.locator("input[name$='-col-0-key']").fill("title")
    columns.locator("input[name$='-col-0-label']").fill("题目")
    columns.locator("input[name$='-col-1-key']").fill("year")
    columns.locator("input[name$='-col-1-label']").fill("年份")
    columns.locator("select[name$='-col-1-type']").select_option("number")
    form.get_by_role("button", name="添加").click()
    page.locator("#table-papers").wait_for()
    assert page.locator("#table-papers thead").inner_text().split() == ["#", "题目", "年份"]

    from kexie.calls.models import Call

    schema = Call.objects.get(pk=call.pk).form_schema
    assert [f["key"] for f in schema["sections"][0]["fields"]] == ["level", "papers"]

    page.set_viewport_size(PHONE)
    page.goto(f"/calls/{call.pk}/form/")
    assert fits(page), "申报表设计页在 390 px 宽的屏幕上超出页面宽度"
    page.goto(f"/calls/{call.pk}/edit/")
    assert fits(page), "批次设置页在 390 px 宽的屏幕上超出页面宽度"
    rule = page.locator("fieldset.fk-rule").first
    assert rule.get_by_label("年龄计算日期").is_visible() and not rule.locator("legend", has_text="职称级别").is_visible()
    assert "<textarea" not in page.content().replace('<textarea name="description"', "")

"""Setting up a call without JSON boxes: eligibility rules, stages and rubric through formsets posted like a browser
would, refusals with Chinese messages and nothing saved, the set-up and application-form JSON files round-trip, and
the application form designed in the shared builder (frozen once an application was submitted)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kexie.calls.applications import services as app_services
from kexie.calls.models import Call
from tests.conftest import login

RUBRIC_ROWS = [{"label": "创新性", "weight": "0.6", "max": "100", "guidance": "原创程度", "key": "innovation"},
               {"label": "影响力", "weight": "0.4", "max": "100"}]


def day(n: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


def formset(prefix: str, rows: list[dict], *, initial: int = 0, extra: int = 1) -> dict[str, str]:
    """A formset as a browser posts it: the management form, the rows, then blank rows."""
    out = {f"{prefix}-TOTAL_FORMS": str(len(rows) + extra), f"{prefix}-INITIAL_FORMS": str(initial)}
    for i, row in enumerate(rows):
        for key, value in row.items():
            out[f"{prefix}-{i}-{key}"] = value
    return out


def stage_rows(nominate: bool = True) -> list[dict]:
    rows = [{"code": "apply", "deadline": day(30)}]
    if nominate:
        rows.append({"code": "nominate", "deadline": day(40)})
    return rows + [{"code": "formal", "deadline": day(50)}, {"code": "review_corr", "deadline": day(60)},
                   {"code": "notice", "deadline": day(70)}, {"code": "result", "deadline": ""}]


def setup_post(*, stages=None, rules=(), rubric=RUBRIC_ROWS, **fields) -> dict:
    """The call set-up page's POST: the settings, then the three formsets (el, st, ru)."""
    data = {"name": "2026年度青年人才托举工程", "year": "2026", "type": "talent", "applicant_kind": "person",
            "reviews_per_application": "3", **{k: v if hasattr(v, "read") else str(v) for k, v in fields.items()}}
    data |= formset("el", list(rules)) | formset("st", stage_rows() if stages is None else stages)
    data |= formset("ru", list(rubric))
    return data


@pytest.fixture
def admin(province):
    return login("demo-province")


def test_a_call_is_created_with_rules_stages_and_rubric_through_the_formsets(province, admin):
    society = province["society"]
    rules = [{"rule": "age", "on": "2026-12-31", "max_age": "35"},
             {"rule": "title", "levels": ["senior", "vice_senior"]},
             {"rule": "region", "orgs": f"{province['city_a'].code}，{province['city_b'].code}"},
             {"rule": "previous", "years": "3", "types": ["talent"], "statuses": ["approved"]},
             {"rule": "membership", "society": society.code}]
    data = setup_post(rules=rules, owner=province["root"].pk, code="setup-1")
    resp = admin.post("/calls/new/", data)
    assert resp.status_code == 302, re.findall(r'role="alert">(.*?)<', resp.content.decode())
    call = Call.objects.get(code="setup-1")
    assert resp["Location"] == f"/calls/{call.pk}/form/"  # next: design the application form
    assert call.eligibility == [
        {"rule": "age", "on": "2026-12-31", "max": 35},
        {"rule": "title", "levels": ["senior", "vice_senior"]},
        {"rule": "region", "orgs": [province["city_a"].pk, province["city_b"].pk]},
        {"rule": "previous", "years": 3, "types": ["talent"], "statuses": ["approved"]},
        {"rule": "membership", "society": society.pk}]
    assert call.stages == [{"code": r["code"], "deadline": r["deadline"]} for r in stage_rows()]
    assert call.rubric == [
        {"key": "innovation", "label": "创新性", "weight": 0.6, "max": 100, "guidance": "原创程度"},
        {"key": "c1", "label": "影响力", "weight": 0.4, "max": 100, "guidance": ""}]
    assert call.form_schema == {"sections": [], "rules": []}
    # the set-up page shows them back in the same widgets, ready for the next save
    page = admin.get(f"/calls/{call.pk}/edit/").content.decode()
    assert 'name="el-0-rule"' in page and 'value="2026-12-31"' in page and province["city_a"].code in page
    assert 'name="st-TOTAL_FORMS"' in page and 'value="创新性"' in page
    edit = setup_post(rules=rules, stages=stage_rows(nominate=False), rubric=RUBRIC_ROWS)
    assert admin.post(f"/calls/{call.pk}/edit/", edit).status_code == 302
    call.refresh_from_db()
    assert [s["code"] for s in call.stages] == ["apply", "formal", "review_corr", "notice", "result"]


def test_bad_setup_input_is_refused_with_a_message_and_nothing_saved(province, admin):
    base = {"owner": province["root"].pk, "code": "setup-bad"}
    swapped = stage_rows()
    swapped[2]["deadline"], swapped[3]["deadline"] = swapped[3]["deadline"], swapped[2]["deadline"]
    cases = [
        (setup_post(stages=swapped, **base), "阶段“通讯评审”的截止日期早于上一阶段。"),
        (setup_post(stages=stage_rows()[:-1], **base), "阶段必须从“申报”开始，以“结果”结束。"),
        (setup_post(stages=[{"code": "", "deadline": day(5)}, *stage_rows()], **base), "请选择阶段。"),
        (setup_post(rules=[{"rule": "age", "max_age": "35"}], **base), "年龄条件须填写计算日期。"),
        (setup_post(rules=[{"rule": "age", "on": "2026-12-31", "min_age": "40", "max_age": "35"}], **base),
         "最大年龄不能小于最小年龄。"),
        (setup_post(rules=[{"rule": "title"}], **base), "职称条件须至少选择一个级别。"),
        (setup_post(rules=[{"rule": "region", "orgs": "no-such-org"}], **base),
         "没有找到编码为“no-such-org”的组织，或它不在您的管理范围内。"),
        (setup_post(rules=[{"rule": "shoe_size"}], **base), "shoe_size"),
        (setup_post(rubric=[{"label": "甲", "weight": "0.5", "max": "10"}], **base),
         "评分指标的权重之和应为 1（现为 0.5）。"),
        (setup_post(rubric=[{"label": "甲", "max": "10"}], **base), "请填写权重。"),
        (setup_post(**{**base, "owner": province["city_b"].pk + 10**6}), "请选择主办单位。"),
    ]
    for data, message in cases:
        resp = admin.post("/calls/new/", data)
        assert resp.status_code == 400 and message in resp.content.decode(), message
    assert not Call.objects.filter(code="setup-bad").exists()
    # a city's staff cannot make a call for the province: the owner is not among their choices
    city = login("demo-city-a")
    resp = city.post("/calls/new/", setup_post(owner=province["root"].pk, code="setup-bad"))
    assert resp.status_code == 400 and "请选择主办单位。" in resp.content.decode()
    assert not Call.objects.filter(code="setup-bad").exists()


def test_editing_refuses_a_bad_deadline_order_and_keeps_the_call(province, admin):
    admin.post("/calls/new/", setup_post(owner=province["root"].pk, code="setup-edit"))
    call = Call.objects.get(code="setup-edit")
    before = (call.stages, call.eligibility, call.rubric, call.name)
    swapped = stage_rows()
    swapped[0]["deadline"] = day(45)
    resp = admin.post(f"/calls/{call.pk}/edit/", setup_post(stages=swapped, name="改名"))
    assert resp.status_code == 400 and "阶段“单位推荐”的截止日期早于上一阶段。" in resp.content.decode()
    call.refresh_from_db()
    assert (call.stages, call.eligibility, call.rubric, call.name) == before


def test_the_setup_page_has_no_json_text_box(province, admin):
    for url in ("/calls/new/", None):
        if url is None:
            admin.post("/calls/new/", setup_post(owner=province["root"].pk, code="setup-nojson"))
            call = Call.objects.get(code="setup-nojson")
            url = f"/calls/{call.pk}/edit/"
        page = admin.get(url).content.decode()
        assert "<textarea" not in page.replace('<textarea name="description"', "")  # only the description
        for name in ("eligibility", "stages", "rubric", "form_schema"):
            assert f'name="{name}"' not in page
        assert "JSON 格式说明" not in page and "[{" not in page
        assert 'name="el-TOTAL_FORMS"' in page and 'name="st-0-code"' in page and 'name="ru-TOTAL_FORMS"' in page
        assert 'type="file" name="setup_file"' in page
    form_page = admin.get(f"/calls/{call.pk}/form/").content.decode()
    assert "<textarea" not in form_page.split('id="builder"')[0]
    assert 'name="s-key"' in form_page and "导出 JSON" in form_page and "导入 JSON 文件" in form_page


def test_setup_and_form_json_files_round_trip(province, admin):
    admin.post("/calls/new/", setup_post(owner=province["root"].pk, code="setup-src",
                                         rules=[{"rule": "age", "on": "2026-12-31", "max_age": "35"}]))
    src = Call.objects.get(code="setup-src")
    form_url = f"/calls/{src.pk}/form/"
    admin.post(form_url, {"op": "add_section", "s-key": "basic", "s-title": "基本信息"})
    admin.post(form_url, {"op": "save_field", "prefix": "n-basic", "n-basic-section": "basic",
                          "n-basic-key": "summary", "n-basic-label": "主要成就", "n-basic-type": "text",
                          "n-basic-multiline": "on", "n-basic-required": "on"})
    src.refresh_from_db()
    assert src.form_schema["sections"][0]["fields"] == [
        {"key": "summary", "label": "主要成就", "type": "text", "required": True, "multiline": True}]
    exported = admin.get(f"/calls/{src.pk}/setup.json")
    assert exported["Content-Disposition"] == 'attachment; filename="setup-src-setup.json"'
    setup = json.loads(exported.content)
    assert {k: setup[k] for k in ("eligibility", "stages", "rubric", "form_schema")} == {
        "eligibility": src.eligibility, "stages": src.stages, "rubric": src.rubric, "form_schema": src.form_schema}

    # a new call from the file: its structured parts replace the (blank) formsets
    data = setup_post(owner=province["root"].pk, code="setup-copy", rules=[], rubric=[], stages=[])
    data["setup_file"] = SimpleUploadedFile("setup.json", exported.content)
    resp = admin.post("/calls/new/", data)
    assert resp.status_code == 302, re.findall(r'role="alert">(.*?)<', resp.content.decode())
    copy = Call.objects.get(code="setup-copy")
    assert (copy.eligibility, copy.stages, copy.rubric, copy.form_schema) == (
        src.eligibility, src.stages, src.rubric, src.form_schema)
    assert admin.get(f"/calls/{copy.pk}/setup.json").json() | {"code": "setup-src", "name": src.name} == setup

    # the application form alone: export, change, import back
    form_file = admin.get(f"/calls/{src.pk}/form.json")
    assert form_file.json() == src.form_schema
    admin.post(form_url, {"op": "remove_field", "key": "summary"})
    src.refresh_from_db()
    assert src.form_schema["sections"][0]["fields"] == []
    admin.post(f"/calls/{src.pk}/form/upload/", {"file": SimpleUploadedFile("f.json", form_file.content)})
    src.refresh_from_db()
    assert src.form_schema == form_file.json()

    # files that are not what they claim change nothing
    bad = SimpleUploadedFile("f.json", b'{"sections": [{"key": "a", "title": "A", "fields": [{"key": "x", "type": "nope", "label": "X"}]}]}')
    resp = admin.post(f"/calls/{src.pk}/form/upload/", {"file": bad}, follow=True)
    assert "字段“x”的类型“nope”未知。" in resp.content.decode()
    data = setup_post(owner=province["root"].pk, code="setup-bad-file")
    data["setup_file"] = SimpleUploadedFile("x.json", b"\xff\xfe not json")
    resp = admin.post("/calls/new/", data)
    assert resp.status_code == 400 and "无法读取该文件：请上传 UTF-8 编码的 JSON 文件。" in resp.content.decode()
    data["setup_file"] = SimpleUploadedFile("x.json", b'{"hello": 1}')
    resp = admin.post("/calls/new/", data)
    assert resp.status_code == 400 and "该文件不是批次设置文件" in resp.content.decode()
    assert not Call.objects.filter(code="setup-bad-file").exists()
    src.refresh_from_db()
    assert src.form_schema == form_file.json()


def test_the_application_form_is_designed_in_the_builder_and_frozen_after_a_submission(province, admin):
    from tests.test_calls import good_data, make_call, make_person

    call = make_call(province, nominate=False)
    url = f"/calls/{call.pk}/form/"
    page = admin.get(url).content.decode()
    assert "申报表设计" in page and 'name="f-summary"' in page  # the preview shows the form as applicants see it
    assert f'href="/calls/{call.pk}/form/"' in admin.get(f"/calls/{call.pk}/").content.decode()  # linked
    resp = admin.post(url, {"op": "add_section", "s-key": "more", "s-title": "补充"}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and 'id="builder"' in resp.content.decode() and "补充" in resp.content.decode()
    resp = admin.post(url, {"op": "add_section", "s-key": "more", "s-title": "又一个"}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 400 and "节的键“more”重复。" in resp.content.decode()
    call.refresh_from_db()
    assert [s["key"] for s in call.form_schema["sections"]] == ["basic", "more"]

    person = make_person(province["city_a"], user=True)
    app = app_services.start_application(person.user, call, person=person, title="测试")
    app_services.submit(person.user, app, good_data())
    resp = admin.post(url, {"op": "remove_section", "section": "more"}, follow=True)
    assert "已有申报提交，不能再修改申报主体、申报条件和申报表。" in resp.content.decode()
    call.refresh_from_db()
    assert [s["key"] for s in call.form_schema["sections"]] == ["basic", "more"]
    page = admin.get(url).content.decode()
    assert 'name="op"' not in page  # no builder buttons once frozen

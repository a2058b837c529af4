"""Funded topics (立项 → 中期检查 → 结题): establishment from the final results, the midterm and final reports
(validation, ordering, returns, pass and fail), extension and termination, reminders, the pages, the export,
the expert-library choice on the call form, and the calls API (scope and the applicant's own records)."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kexie.calls.common import ApplicationInvalid
from kexie.calls.experts import services as expert_services
from kexie.calls.models import (
    Application,
    ApplicationStatus,
    Call,
    Project,
    ProjectEvent,
    ProjectReport,
    ProjectReportStatus,
    ProjectStatus,
)
from kexie.calls.projects import services as projects
from kexie.calls.setup import services as setup_services
from kexie.core.services import SYSTEM
from kexie.notices.models import Notification
from tests.test_calls import make_call, make_person
from tests.test_calls_setup import setup_post

ATTACHMENT = {"name": "结题报告.pdf", "path": "projects/x/y/attachment.pdf", "size": 2048}


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def funded_call(province, n=2, *, midterm=6, months=12, funding="10.00") -> Call:
    """A call with final results: ``n`` approved applications (leaders with accounts) and one not approved."""
    call = make_call(province, nominate=False)
    Call.objects.filter(pk=call.pk).update(tracks_projects=True, project_months=months, midterm_month=midterm,
                                           funds=True, funding_per_item=Decimal(funding), current_stage="result",
                                           results_published_at=timezone.now())
    for i in range(n + 1):
        p = make_person(province["city_a"], name=f"负责人{call.pk}-{i}", user=True)
        Application.objects.create(call=call, applicant_person=p, org_path=p.org_path, title=f"课题{call.pk}-{i}",
                                   status=ApplicationStatus.APPROVED if i < n else ApplicationStatus.NOT_APPROVED)
    return Call.objects.get(pk=call.pk)


def midterm_data(**extra):
    return {"progress": "完成样机试制与台架试验。", "plan": "开展示范应用。", "papers": "2", "patents": "1",
            "spent": "4.5", **extra}


def final_data(**extra):
    return {"summary": "全面完成研究任务。", "goals": "全面完成", "papers": "5", "patents": "2", "talents": "3",
            "advisory_reports": "1", "spent": "9.8", "attachment": ATTACHMENT,
            "achievements": [{"name": "高效储能材料", "kind": "专利", "date": "2027-03-01", "note": "ZL2027"}],
            **extra}


def leader(project: Project):
    return project.application.applicant_person.user


# ---- establishment ------------------------------------------------------------------------------
def test_establish_creates_projects_with_due_dates_once(province):
    staff = province["users"]["demo-province"]
    call = funded_call(province)
    assert projects.establish(staff, call, starts=dt.date(2027, 1, 31)) == 2
    assert projects.establish(staff, call) == 0  # a rerun adds nothing
    ps = list(Project.objects.filter(call=call).order_by("code"))
    assert [p.code for p in ps] == [f"{call.code}-001", f"{call.code}-002"]
    p = ps[0]
    assert (p.starts, p.ends, p.funding, p.status) == (dt.date(2027, 1, 31), dt.date(2028, 1, 31), Decimal("10.00"),
                                                       ProjectStatus.ONGOING)
    # 31 Jan + 6 months = 31 Jul; the final report is due at the end date
    assert {r.kind: r.due for r in p.reports.all()} == {"midterm": dt.date(2027, 7, 31), "final": dt.date(2028, 1, 31)}
    assert Notification.objects.filter(user=leader(p), key=f"calls-project-{p.pk}").count() == 1
    assert not Project.objects.filter(application__status=ApplicationStatus.NOT_APPROVED).exists()


def test_add_months_clamps_to_the_month_end():
    assert projects.add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert projects.add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert projects.add_months(dt.date(2027, 11, 15), 14) == dt.date(2029, 1, 15)


def test_establish_refusals(province):
    staff = province["users"]["demo-province"]
    call = funded_call(province)
    with pytest.raises(PermissionDenied):
        projects.establish(province["users"]["demo-city-a"], call)
    Call.objects.filter(pk=call.pk).update(results_published_at=None)
    with pytest.raises(ValidationError) as exc:
        projects.establish(staff, Call.objects.get(pk=call.pk))
    assert exc.value.messages == ["结果发布后方可立项。"]
    Call.objects.filter(pk=call.pk).update(tracks_projects=False)
    with pytest.raises(ValidationError) as exc:
        projects.establish(staff, Call.objects.get(pk=call.pk))
    assert exc.value.messages == ["该批次不跟踪立项课题。"]
    assert not Project.objects.filter(call=call).exists()


def test_no_midterm_when_the_call_has_none(province):
    call = funded_call(province, n=1, midterm=0)
    projects.establish(SYSTEM, call)
    assert list(Project.objects.get(call=call).reports.values_list("kind", flat=True)) == ["final"]


# ---- reports ------------------------------------------------------------------------------------
def _established(province, **kw) -> Project:
    call = funded_call(province, **kw)
    projects.establish(province["users"]["demo-province"], call)
    return Project.objects.filter(call=call).select_related("application__applicant_person__user").first()


def test_midterm_then_final_the_whole_way(province):
    staff = province["users"]["demo-province"]
    p = _established(province)
    mid, final = p.reports.get(kind="midterm"), p.reports.get(kind="final")
    with pytest.raises(ValidationError) as exc:
        projects.submit_report(leader(p), final, final_data())
    assert exc.value.messages == ["中期检查通过后方可提交结题报告。"]
    projects.save_report(leader(p), mid, {"progress": "进行中"})  # a draft may be partial
    with pytest.raises(ApplicationInvalid) as exc:
        projects.submit_report(leader(p), mid, {"progress": "进行中", "papers": "-1"})
    assert exc.value.errors["plan"] == ["“下一阶段计划”为必填项。"]
    assert exc.value.errors["spent"] == ["“已支出经费”为必填项。"]
    assert "papers" in exc.value.errors
    with pytest.raises(ApplicationInvalid) as exc:
        projects.submit_report(leader(p), mid, midterm_data(spent="12"))
    assert exc.value.errors["spent"] == ["已支出经费（12 万元）超过资助金额（10.00 万元）。"]
    assert ProjectReport.objects.get(pk=mid.pk).status == ProjectReportStatus.PENDING
    projects.submit_report(leader(p), mid, midterm_data())
    with pytest.raises(ValidationError) as exc:
        projects.save_report(leader(p), mid, midterm_data())
    assert exc.value.messages == ["报告已提交，不能再修改（退回修改后方可修改）。"]
    # returned with a reason, fixed, passed
    with pytest.raises(ValidationError) as exc:
        projects.judge_report(staff, mid, "return", "")
    assert exc.value.messages == ["退回或不通过须填写审核意见。"]
    projects.judge_report(staff, mid, "return", "请补充经费使用明细。")
    assert ProjectReport.objects.get(pk=mid.pk).status == ProjectReportStatus.RETURNED
    projects.submit_report(leader(p), mid, midterm_data(problems="已补充明细"))
    projects.judge_report(staff, mid, "pass")
    with pytest.raises(ValidationError):
        projects.judge_report(staff, mid, "pass")  # judged once
    projects.submit_report(leader(p), final, final_data())
    projects.judge_report(staff, final, "pass", "同意结题。")
    p.refresh_from_db()
    assert p.status == ProjectStatus.CONCLUDED
    assert p.outputs["papers"] == 5 and p.outputs["patents"] == 2 and p.outputs["goals"] == "全面完成"
    assert p.outputs["achievements"][0]["name"] == "高效储能材料"
    actions = list(ProjectEvent.objects.filter(project=p).values_list("action", flat=True))
    assert actions == ["established", "saved", "submitted", "returned", "submitted", "passed", "submitted", "passed",
                       "concluded"]
    # the submitted data is kept with each submission event
    first = ProjectEvent.objects.filter(project=p, action="submitted").first()
    assert first.data["progress"] == "完成样机试制与台架试验。" and first.data.get("problems") is None
    with pytest.raises(ValidationError) as exc:
        projects.extend(staff, p, p.ends + dt.timedelta(days=30), "来不及")
    assert exc.value.messages == ["课题已结题，不能再延期或终止。"]


def test_only_the_leader_fills_and_only_staff_judge(province):
    p = _established(province)
    mid = p.reports.get(kind="midterm")
    other = make_person(province["city_a"], name="旁人", user=True).user
    with pytest.raises(PermissionDenied):
        projects.save_report(other, mid, midterm_data())
    projects.submit_report(leader(p), mid, midterm_data())
    with pytest.raises(PermissionDenied):
        projects.judge_report(leader(p), mid, "pass")
    with pytest.raises(PermissionDenied):
        projects.judge_report(province["users"]["demo-city-a"], mid, "pass")


def test_failed_midterm_terminates_and_failed_final_closes(province):
    staff = province["users"]["demo-province"]
    call = funded_call(province)
    projects.establish(staff, call)
    p1, p2 = Project.objects.filter(call=call).order_by("code")
    m1 = p1.reports.get(kind="midterm")
    projects.submit_report(leader(p1), m1, midterm_data())
    with pytest.raises(ValidationError):
        projects.judge_report(staff, m1, "fail", " ")
    projects.judge_report(staff, m1, "fail", "进展严重滞后。")
    p1.refresh_from_db()
    assert p1.status == ProjectStatus.TERMINATED and p1.status_reason == "中期检查不通过：进展严重滞后。"
    with pytest.raises(ValidationError) as exc:
        projects.save_report(leader(p1), p1.reports.get(kind="final"), final_data())
    assert exc.value.messages == ["课题已终止，不能再提交报告。"]
    m2, f2 = p2.reports.get(kind="midterm"), p2.reports.get(kind="final")
    projects.submit_report(leader(p2), m2, midterm_data())
    projects.judge_report(staff, m2, "pass")
    with pytest.raises(ApplicationInvalid) as exc:
        projects.submit_report(leader(p2), f2, final_data(attachment=None))
    assert exc.value.errors["attachment"] == ["“报告全文及佐证材料”为必填项。"]
    projects.submit_report(leader(p2), f2, final_data())
    projects.judge_report(staff, f2, "fail", "未达到预期目标。")
    p2.refresh_from_db()
    assert p2.status == ProjectStatus.FAILED and p2.outputs == {}


def test_extension_once_within_twelve_months_and_termination(province):
    staff = province["users"]["demo-province"]
    p = _established(province)
    final = p.reports.get(kind="final")
    with pytest.raises(ValidationError) as exc:
        projects.extend(staff, p, p.ends + dt.timedelta(days=30), "")
    assert exc.value.messages == ["请填写延期理由。"]
    with pytest.raises(ValidationError) as exc:
        projects.extend(staff, p, p.ends, "实验设备延迟到货")
    assert exc.value.messages == [f"新的完成日期应晚于原计划完成日期（{p.ends.isoformat()}）。"]
    with pytest.raises(ValidationError) as exc:
        projects.extend(staff, p, projects.add_months(p.ends, 12) + dt.timedelta(days=1), "实验设备延迟到货")
    assert exc.value.messages == ["延期不能超过 12 个月。"]
    with pytest.raises(PermissionDenied):
        projects.extend(leader(p), p, p.ends + dt.timedelta(days=90), "实验设备延迟到货")
    new_end = p.ends + dt.timedelta(days=90)
    projects.extend(staff, p, new_end, "实验设备延迟到货")
    assert ProjectReport.objects.get(pk=final.pk).due == new_end
    with pytest.raises(ValidationError) as exc:
        projects.extend(staff, p, new_end + dt.timedelta(days=30), "再延")
    assert exc.value.messages == ["课题只能延期一次。"]
    with pytest.raises(ValidationError) as exc:
        projects.terminate(staff, p, "  ")
    assert exc.value.messages == ["请填写终止理由。"]
    projects.terminate(staff, p, "负责人调离。")
    p.refresh_from_db()
    assert p.status == ProjectStatus.TERMINATED and p.extensions == 1


def test_reminders_for_due_and_overdue_reports_once_a_week(province):
    p = _established(province)
    mid = p.reports.get(kind="midterm")
    today = mid.due - dt.timedelta(days=20)
    assert projects.remind_due(today) == 0  # not yet within 14 days
    today = mid.due - dt.timedelta(days=10)
    assert projects.remind_due(today) >= 1
    assert projects.remind_due(today) == 0  # once per week
    notice = Notification.objects.filter(user=leader(p), key__startswith=f"calls-project-due-{mid.pk}-").get()
    assert notice.title.startswith("中期检查报告即将截止")
    late = projects.remind_due(mid.due + dt.timedelta(days=8))
    assert late >= 1
    assert Notification.objects.filter(user=leader(p), title__startswith="中期检查报告已逾期").exists()
    # a submitted report is not reminded about
    projects.submit_report(leader(p), mid, midterm_data())
    projects.remind_due(mid.due + dt.timedelta(days=15))
    assert Notification.objects.filter(key__startswith=f"calls-project-due-{mid.pk}-").count() == 2


# ---- pages --------------------------------------------------------------------------------------
def test_pages_leader_fills_with_attachment_staff_judges_and_exports(province, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                         "OPTIONS": {"location": str(tmp_path)}}}
    staff_user = province["users"]["demo-province"]
    call = funded_call(province, n=1)
    staff = client_for(staff_user)
    page = staff.get(f"/calls/{call.pk}/projects/").content.decode()
    assert "有 1 项入选申报尚未立项" in page
    resp = staff.post(f"/calls/{call.pk}/projects/establish/", {"starts": "2027-02-01"})
    assert resp.status_code == 302
    p = Project.objects.get(call=call)
    mid = p.reports.get(kind="midterm")
    lead = client_for(leader(p))
    assert p.code in lead.get("/calls/projects/").content.decode()
    html = lead.get(f"/calls/projects/{p.pk}/").content.decode()
    assert "填写报告" in html and "2027-08-01" in html
    # bad input: a wrong file type is refused with the field's message and nothing is saved
    bad = lead.post(f"/calls/projects/reports/{mid.pk}/", {
        "f-progress": "完成", "f-plan": "继续", "f-spent": "3", "action": "submit",
        "file-attachment": SimpleUploadedFile("a.exe", b"MZ", content_type="application/octet-stream")})
    assert bad.status_code == 400 and "只接受 pdf、doc、docx、zip 格式的文件" in bad.content.decode()
    assert ProjectReport.objects.get(pk=mid.pk).status == ProjectReportStatus.PENDING
    ok = lead.post(f"/calls/projects/reports/{mid.pk}/", {
        "f-progress": "完成样机", "f-plan": "示范应用", "f-spent": "3.5", "f-papers": "1", "action": "submit",
        "t-achievements-0-name": "样机", "t-achievements-0-kind": "新产品",
        "file-attachment": SimpleUploadedFile("中期报告.pdf", b"%PDF-1.4 x", content_type="application/pdf")})
    assert ok.status_code == 302
    mid.refresh_from_db()
    assert mid.status == ProjectReportStatus.SUBMITTED and mid.data["achievements"][0]["name"] == "样机"
    download = lead.get(f"/calls/projects/reports/{mid.pk}/file/?key=attachment")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 x"
    # an outsider cannot read the project, the report or its file
    outsider = client_for(make_person(province["city_b"], name="外人", user=True).user)
    assert outsider.get(f"/calls/projects/{p.pk}/").status_code == 404
    assert outsider.get(f"/calls/projects/reports/{mid.pk}/file/?key=attachment").status_code == 404
    assert staff.post(f"/calls/projects/reports/{mid.pk}/judge/", {"verdict": "pass"}).status_code == 302
    assert ProjectReport.objects.get(pk=mid.pk).status == ProjectReportStatus.PASSED
    resp = staff.get(f"/calls/{call.pk}/projects/export/")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content)), read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("立项编号", "课题名称", "负责人/单位")
    assert rows[1][0] == p.code and rows[1][9] == "通过" and rows[1][11] == "待提交"
    # the application page links to its project
    assert p.code in lead.get(f"/calls/applications/{p.application_id}/").content.decode()


# ---- the call form and the API ---------------------------------------------------------------------
def test_call_form_sets_library_and_periods_in_scope_only(province):
    staff_user = province["users"]["demo-province"]
    call = funded_call(province, n=0)
    lib = expert_services.create_library(staff_user, owner=province["root"], name="省级专家库")
    b_lib = expert_services.create_library(province["users"]["demo-city-b"], owner=province["city_b"], name="B市专家库")
    with pytest.raises(PermissionDenied):  # city B may not edit a provincial call at all
        setup_services.edit_call(province["users"]["demo-city-b"], call, expert_library=b_lib)
    city_a = province["users"]["demo-city-a"]
    a_call = make_call(province, owner=province["city_a"], nominate=False)
    with pytest.raises(ValidationError) as exc:
        setup_services.edit_call(city_a, a_call, expert_library=b_lib)
    assert exc.value.messages == ["评审专家库“B市专家库”不在您的管理范围内。"]
    with pytest.raises(ValidationError) as exc:
        setup_services.edit_call(staff_user, call, project_months=6, midterm_month=6)
    assert exc.value.messages == ["中期检查应在研究周期之内（早于第 6 个月）。"]
    client = client_for(staff_user)
    page = client.get(f"/calls/{call.pk}/edit/").content.decode()
    assert "省级专家库" in page and "研究周期（月）" in page
    form = setup_post(  # the set-up page's formsets, filled with the call's own stages and rubric
        stages=[{"code": s["code"], "deadline": s["deadline"] or ""} for s in call.stages], rules=[],
        rubric=[{k: str(v) for k, v in c.items()} for c in call.rubric], name=call.name, expert_library=lib.pk,
        notice_days=5, appeal_lodge_days=10, appeal_decide_days=30, tracks_projects="on", project_months=24,
        midterm_month=12)
    resp = client.post(f"/calls/{call.pk}/edit/", form)
    assert resp.status_code == 302, re.findall(r"(?:errorlist|field-error)[^>]*>(.*?)</", resp.content.decode(), re.S)
    call.refresh_from_db()
    assert (call.expert_library, call.notice_days, call.appeal_lodge_days, call.project_months,
            call.midterm_month) == (lib, 5, 10, 24, 12)
    resp = client.post(f"/calls/{call.pk}/edit/", {**form, "midterm_month": 30})
    assert resp.status_code == 400 and "中期检查应在研究周期之内（早于第 24 个月）。" in resp.content.decode()


def test_calls_api_is_scoped_and_shows_the_applicants_own(province):
    staff_user = province["users"]["demo-province"]
    call = funded_call(province, n=1)
    projects.establish(staff_user, call)
    p = Project.objects.get(call=call)
    staff = client_for(staff_user)
    body = staff.get(f"/api/v1/projects/?call={call.pk}").json()
    assert body["count"] == 1 and body["results"][0]["code"] == p.code
    assert {r["kind"] for r in body["results"][0]["reports"]} == {"midterm", "final"}
    apps = staff.get(f"/api/v1/call-applications/?call={call.pk}&status=approved").json()
    assert apps["count"] == 1 and "reviews" not in apps["results"][0]
    assert staff.get(f"/api/v1/calls/{call.pk}/").json()["tracks_projects"] is True
    lead = client_for(leader(p))
    assert [r["id"] for r in lead.get("/api/v1/projects/").json()["results"]] == [p.pk]
    assert lead.get(f"/api/v1/call-applications/{p.application_id}/").status_code == 200
    # city B's staff have no part in a city-A applicant's project under a provincial call
    city_b = client_for(province["users"]["demo-city-b"])
    assert city_b.get(f"/api/v1/projects/{p.pk}/").status_code == 404
    ids = {r["id"] for r in city_b.get("/api/v1/projects/?page_size=500").json()["results"]}
    assert p.pk not in ids
    assert all(Project.objects.get(pk=i).org_path.startswith(province["city_b"].path) for i in ids)
    apps_b = {r["id"] for r in city_b.get("/api/v1/call-applications/?page_size=500").json()["results"]}
    assert p.application_id not in apps_b

"""Calls that never dead-end (decision 0039): an abandoned application closed by the call's staff with the reason
(before its resubmission deadline only after a warning), the formal check in batches (a refused row reported, the
rest proceed; 200 applications within a bounded number of queries), no opening without the expert library the
review stages need (said on the page before the button), no pre-filled application title, the call list counting
submitted applications, and the demo's finished call with reviews, scores and results."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kexie.calls.applications import services as app_services
from kexie.calls.experts import services as expert_services
from kexie.calls.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Call,
    ExpertLibrary,
    Review,
    ReviewStatus,
)
from kexie.calls.review import publication
from kexie.calls.setup import services as setup_services
from kexie.core.services import SYSTEM
from kexie.notices.models import Notification
from kexie.people.models import Person
from tests.conftest import login
from tests.test_calls import FORM, RUBRIC, good_data, make_call, make_person, stages


def _submitted(call: Call, org, n: int, *, users: bool = True) -> list[Application]:
    apps = []
    for i in range(n):
        person = make_person(org, f"申报人{i}", user=users)
        app = app_services.start_application(SYSTEM, call, person=person, title=f"课题{i}")
        apps.append(app_services.submit(SYSTEM, app, good_data()))
    return apps


def _at_formal(province, n: int = 3) -> tuple[Call, list[Application]]:
    """A call without nominations, ``n`` applications submitted, moved on to 形式审查."""
    call = make_call(province, nominate=False)
    apps = _submitted(call, province["city_a"], n)
    call = setup_services.advance_stage(province["users"]["demo-province"], call)
    return call, apps


def _move_deadline(call: Call, code: str, days: int) -> Call:
    """The stage's deadline moved to ``today + days``; the stages after it keep a later date."""
    today = timezone.localdate()
    rows = []
    for s in call.stages:
        s = dict(s)
        if s["code"] == code:
            s["deadline"] = (today + dt.timedelta(days=days)).isoformat()
        elif s["deadline"] and code != "apply" and s["code"] in ("apply", "nominate"):
            s["deadline"] = (today + dt.timedelta(days=days - 10)).isoformat()
        rows.append(s)
    Call.objects.filter(pk=call.pk).update(stages=rows)
    return Call.objects.get(pk=call.pk)


def _status(app: Application) -> str:
    app.refresh_from_db()
    return app.status


# ---- closing an abandoned application -----------------------------------------------------------
def test_a_return_never_resubmitted_blocks_the_stage_until_staff_close_it(province):
    staff = province["users"]["demo-province"]
    call, (kept, abandoned) = _at_formal(province, 2)
    app_services.formal_check(staff, kept, "pass")
    app_services.formal_check(staff, abandoned, "return", ["材料不齐全"])
    with pytest.raises(ValidationError) as exc:
        setup_services.advance_stage(staff, call)
    assert exc.value.messages == ["还有 1 份申报未完成形式审查。",
                                  "其中 1 份退回修改后尚未重新提交；申报人逾期不提交的，可在申报页关闭（须说明理由）。"]
    # The formal stage's deadline — the last day to resubmit — has passed: no formal check is possible any more.
    call = _move_deadline(call, "formal", -1)
    assert not app_services.closing_is_early(Application.objects.select_related("call").get(pk=abandoned.pk))
    with pytest.raises(ValidationError, match="关闭申报须说明理由。"):
        app_services.close_application(staff, abandoned, "  ")
    with pytest.raises(PermissionDenied):  # city A holds the applicant, not the provincial call
        app_services.close_application(province["users"]["demo-city-a"], abandoned, "逾期")
    with pytest.raises(PermissionDenied):
        app_services.close_application(abandoned.applicant_person.user, abandoned, "逾期")
    assert _status(abandoned) == ApplicationStatus.RETURNED

    app_services.close_application(staff, abandoned, "退回修改后逾期未重新提交。")
    abandoned.refresh_from_db()
    assert abandoned.status == ApplicationStatus.CLOSED and abandoned.status_reason == "退回修改后逾期未重新提交。"
    event = abandoned.events.order_by("-at", "-id").first()
    assert (event.action, event.from_status, event.to_status, event.comment, event.actor) == (
        "closed", "returned", "closed", "退回修改后逾期未重新提交。", staff)
    notice = Notification.objects.filter(user=abandoned.applicant_person.user, key__contains="closed").get()
    assert "申报已关闭" in notice.title and call.name in notice.title and notice.body == "退回修改后逾期未重新提交。"
    # The applicant can no longer resubmit it; the call moves on without it.
    with pytest.raises(ValidationError):
        app_services.submit(abandoned.applicant_person.user, abandoned, good_data())
    call = setup_services.advance_stage(staff, call)
    assert call.current_stage == "review_corr"
    assert _status(kept) == ApplicationStatus.UNDER_REVIEW and _status(abandoned) == ApplicationStatus.CLOSED
    # Closed applications stay out of the results.
    assert abandoned.pk not in {a.pk for a in publication.compute_results(call).applications}


def test_only_drafts_and_returns_close_and_only_while_the_call_runs(province):
    staff = province["users"]["demo-province"]
    call, (submitted,) = _at_formal(province, 1)
    with pytest.raises(ValidationError, match="只有草稿或退回修改的申报可以关闭（当前：已提交）。"):
        app_services.close_application(staff, submitted, "逾期")
    applying = make_call(province, nominate=False)  # still at 申报, its deadline ahead: closing is early
    draft = app_services.start_application(SYSTEM, applying, person=make_person(province["city_a"], user=True))
    assert app_services.closing_is_early(Application.objects.select_related("call").get(pk=draft.pk))
    assert app_services.resubmission_deadline(draft) == applying.deadline_of("apply")
    app_services.close_application(staff, draft, "申报截止后未提交。")
    assert _status(draft) == ApplicationStatus.CLOSED
    with pytest.raises(ValidationError):
        app_services.close_application(staff, draft, "再次关闭")
    Call.objects.filter(pk=call.pk).update(status="closed")
    Application.objects.filter(pk=submitted.pk).update(status=ApplicationStatus.RETURNED)
    with pytest.raises(ValidationError, match="该批次不在进行中。"):
        app_services.close_application(staff, submitted, "逾期")


def test_the_application_page_warns_before_the_deadline_and_closes_with_the_reason(province):
    staff_client = login("demo-province")
    staff = province["users"]["demo-province"]
    call, (app,) = _at_formal(province, 1)
    app_services.formal_check(staff, app, "return", ["附件不清晰或无效"])
    call = _move_deadline(call, "formal", 5)
    deadline = call.deadline_of("formal").isoformat()
    page = staff_client.get(f"/calls/applications/{app.pk}/").content.decode()
    assert f"提醒：申报人仍可在 {deadline} 前提交这份申报。" in page
    assert 'data-confirm="申报人仍可提交这份申报。确定现在关闭吗？关闭后不能恢复。"' in page
    # Neither the applicant nor city A staff see the button.
    applicant = app.applicant_person.user
    from django.test import Client

    own = Client()
    own.force_login(applicant)
    assert 'id="close"' not in own.get(f"/calls/applications/{app.pk}/").content.decode()
    assert 'id="close"' not in login("demo-city-a").get(f"/calls/applications/{app.pk}/").content.decode()
    # After the deadline: no warning, the plain question.
    _move_deadline(call, "formal", -2)
    page = staff_client.get(f"/calls/applications/{app.pk}/").content.decode()
    assert "提醒：" not in page and "前提交。关闭后这份申报不再参加本批次" in page
    assert 'data-confirm="关闭后申报人不能再修改或提交这份申报，且不能恢复。确定关闭吗？"' in page
    # The formal queue page points at it.
    assert f"/calls/applications/{app.pk}/#close" in staff_client.get(f"/calls/{call.pk}/formal/").content.decode()
    # The reason is required; then closed, said so, kept in the history.
    resp = staff_client.post(f"/calls/applications/{app.pk}/close/", {"reason": ""}, follow=True)
    assert "关闭申报须说明理由。" in resp.content.decode() and _status(app) == ApplicationStatus.RETURNED
    resp = staff_client.post(f"/calls/applications/{app.pk}/close/", {"reason": "逾期未补充附件。"}, follow=True)
    text = resp.content.decode()
    assert resp.status_code == 200 and "申报已关闭，已通知申报人。" in text
    assert _status(app) == ApplicationStatus.CLOSED and "逾期关闭" in text and "逾期未补充附件。" in text
    # The applicant's own attempt is refused (no 500) and changes nothing.
    other = app_services.start_application(SYSTEM, make_call(province, nominate=False),
                                           person=app.applicant_person)
    resp = own.post(f"/calls/applications/{other.pk}/close/", {"reason": "不想申报了"})
    assert resp.status_code in (302, 403, 404) and _status(other) == ApplicationStatus.DRAFT


# ---- the formal check in batches ----------------------------------------------------------------
def test_batch_pass_and_return_with_one_reason_report_refused_rows(province):
    staff = province["users"]["demo-province"]
    call, apps = _at_formal(province, 6)
    already = apps[5]
    app_services.formal_check(staff, already, "pass")
    other_call, (foreign,) = _at_formal(province, 1)
    out = app_services.formal_check_batch(staff, call, [a.pk for a in apps[:3]] + [already.pk, foreign.pk], "pass")
    assert [a.pk for a in out.done] == [a.pk for a in apps[:3]]
    assert out.failed == [(already.pk, already.title, "这份申报不在形式审查队列中（当前：形式审查通过）。"),
                          (foreign.pk, "", "这份申报不属于本批次。")]
    assert {_status(a) for a in apps[:3]} == {ApplicationStatus.FORMAL_PASSED}
    assert _status(foreign) == ApplicationStatus.SUBMITTED
    with pytest.raises(ValidationError, match="形式审查不通过或退回修改须说明理由。"):
        app_services.formal_check_batch(staff, call, [apps[3].pk], "return")
    with pytest.raises(ValidationError, match="审查结论无效。"):
        app_services.formal_check_batch(staff, call, [apps[3].pk], "fail", ["材料不齐全"])
    with pytest.raises(PermissionDenied):
        app_services.formal_check_batch(province["users"]["demo-city-a"], call, [apps[3].pk], "pass")
    out = app_services.formal_check_batch(staff, call, [apps[3].pk, apps[4].pk], "return", ["材料不齐全"], "请补充")
    assert not out.failed
    for app in apps[3:5]:
        app.refresh_from_db()
        assert (app.status, app.status_reason) == (ApplicationStatus.RETURNED, "材料不齐全；请补充")
        assert app.events.filter(action="returned", actor=staff, comment="材料不齐全；请补充").exists()
        assert Notification.objects.filter(user=app.applicant_person.user, key__contains="returned").exists()


def test_the_list_page_checks_a_batch_and_lists_refusals(province):
    staff_client = login("demo-province")
    staff = province["users"]["demo-province"]
    call, apps = _at_formal(province, 4)
    app_services.formal_check(staff, apps[3], "pass")
    page = staff_client.get(f"/calls/{call.pk}/applications/").content.decode()
    assert "通过所选" in page and "退回所选（填写原因）" in page
    for a in apps[:3]:
        assert f'name="ids" value="{a.pk}"' in page
    assert f'name="ids" value="{apps[3].pk}"' not in page  # not in the queue: no box
    assert "通过所选" not in login("demo-city-a").get(f"/calls/{call.pk}/applications/").content.decode()

    url = f"/calls/{call.pk}/formal/batch/"
    resp = staff_client.post(url, {"ids": [apps[0].pk, apps[1].pk, apps[3].pk], "verdict": "pass",
                                   "query": "status=submitted&sort=-id"})
    assert resp.status_code == 302 and resp["Location"] == f"/calls/{call.pk}/applications/?status=submitted&sort=-id"
    text = staff_client.get(resp["Location"]).content.decode()
    assert "已处理 2 份申报：通过。" in text
    assert f"“{apps[3].title}”（#{apps[3].pk}）未处理：这份申报不在形式审查队列中（当前：形式审查通过）。" in text
    assert [_status(a) for a in apps] == ["formal_passed", "formal_passed", "submitted", "formal_passed"]
    # A return needs its reason; bad input is a Chinese message, never a 500.
    for bad, message in (({"ids": [apps[2].pk], "verdict": "return"}, "退回修改须说明理由：勾选理由或填写意见。"),
                         ({"ids": [], "verdict": "pass"}, "所选申报：请至少选择一份申报。"),
                         ({"ids": ["x"], "verdict": "pass"}, "所选申报：所选申报无效。"),
                         ({"ids": [apps[2].pk], "verdict": "fail"}, "审查结论：审查结论无效。")):
        resp = staff_client.post(url, bad, follow=True)
        assert resp.status_code == 200 and f'<p class="msg msg-error" role="status">{message}</p>' in \
            resp.content.decode(), message
        assert _status(apps[2]) == "submitted"
    resp = staff_client.post(url, {"ids": [apps[2].pk], "verdict": "return", "reasons": ["材料不齐全"]}, follow=True)
    assert "已处理 1 份申报：退回修改。" in resp.content.decode() and _status(apps[2]) == "returned"
    # City A may not: refused with the reason, nothing moved.
    resp = login("demo-city-a").post(url, {"ids": [apps[2].pk], "verdict": "pass"})
    assert resp.status_code in (403, 404) and _status(apps[2]) == "returned"


def test_two_hundred_applications_pass_in_one_batch_quickly(province, django_assert_max_num_queries):
    staff = province["users"]["demo-province"]
    call = make_call(province, nominate=False)
    org = province["city_a"]
    people = Person.objects.bulk_create([Person(name=f"批量申报人{i}", org=org, org_path=org.path,
                                                birth_date=dt.date(1990, 1, 1)) for i in range(200)])
    now = timezone.now()
    Application.objects.bulk_create([Application(call=call, applicant_person=p, org_path=org.path,
                                                 title=f"批量课题{i}", status=ApplicationStatus.SUBMITTED,
                                                 revision=1, submitted_at=now) for i, p in enumerate(people)])
    call = setup_services.advance_stage(staff, call)
    ids = list(Application.objects.filter(call=call).values_list("pk", flat=True))
    assert len(ids) == 200
    started = time.perf_counter()
    with django_assert_max_num_queries(200 * 8 + 10):
        out = app_services.formal_check_batch(staff, call, ids, "pass")
    elapsed = time.perf_counter() - started
    assert len(out.done) == 200 and not out.failed
    assert elapsed < 30, elapsed  # a generous bound on a shared machine; the query bound is the guard
    assert Application.objects.filter(call=call, status=ApplicationStatus.FORMAL_PASSED).count() == 200
    assert ApplicationEvent.objects.filter(application__call=call, action="formal_passed").count() == 200


# ---- no opening without the expert library ------------------------------------------------------
def test_a_call_opens_only_with_the_library_its_review_stages_need(province):
    staff = province["users"]["demo-province"]
    client = login("demo-province")
    call = setup_services.create_call(
        staff, owner=province["root"], code="no-library-call", name="缺少专家库的批次", year=2026, type="talent",
        form_schema=FORM, stages=stages(timezone.localdate(), False), rubric=RUBRIC)
    page = client.get(f"/calls/{call.pk}/").content.decode()
    before_button = page.split("发布</button>", 1)[0]
    assert "此批次的评审阶段需要专家库，请先选择专家库。" in before_button
    assert f'action="/calls/{call.pk}/open/"' not in page and "disabled" in before_button.rsplit("<button", 1)[1]
    with pytest.raises(ValidationError) as exc:
        setup_services.open_call(staff, call)
    assert "此批次的评审阶段需要专家库，请先选择专家库。" in exc.value.messages
    resp = client.post(f"/calls/{call.pk}/open/", follow=True)
    assert "此批次的评审阶段需要专家库，请先选择专家库。" in resp.content.decode()
    assert Call.objects.get(pk=call.pk).status == "draft"
    lib = expert_services.create_library(staff, owner=province["root"], name="批次专家库")
    setup_services.edit_call(staff, call, expert_library=lib)
    ExpertLibrary.objects.filter(pk=lib.pk).update(deleted_at=timezone.now())  # a deleted library counts as none
    with pytest.raises(ValidationError, match="需要专家库"):
        setup_services.open_call(staff, call)
    ExpertLibrary.objects.filter(pk=lib.pk).update(deleted_at=None)
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "需要专家库" not in page and f'action="/calls/{call.pk}/open/"' in page
    assert setup_services.open_call(staff, call).status == "open"


# ---- the title, the counts ----------------------------------------------------------------------
def test_the_application_title_starts_empty_and_is_required_on_submit(province):
    call = make_call(province, nominate=False)
    person = make_person(province["city_a"], "张青年", user=True)
    from django.test import Client

    client = Client()
    client.force_login(person.user)
    resp = client.post(f"/calls/{call.pk}/apply/", {"title": ""})
    app = Application.objects.get(call=call, applicant_person=person)
    assert resp.status_code == 302 and app.title == ""
    page = client.get(f"/calls/applications/{app.pk}/fill/").content.decode()
    assert 'name="title" value=""' in page and "张青年" not in page.split('name="title"', 1)[1].split(">", 1)[0]
    post = {"title": "", "f-summary": "主要成就", "f-keywords": "储能", "f-discipline": "430",
            "t-papers-0-title": "固态电解质", "t-papers-0-year": "2024", "action": "save",
            **{f"{k}-{m}": v for k, n in (("avoid_requests", 3), ("collaborators", 5), ("relatives", 3))
               for m, v in (("TOTAL_FORMS", str(n)), ("INITIAL_FORMS", "0"))}}
    assert client.post(f"/calls/applications/{app.pk}/fill/", post).status_code == 302  # a draft may wait
    resp = client.post(f"/calls/applications/{app.pk}/fill/", {**post, "action": "submit"})
    assert resp.status_code == 400 and "请填写申报名称。" in resp.content.decode()
    assert _status(app) == ApplicationStatus.DRAFT
    resp = client.post(f"/calls/applications/{app.pk}/fill/", {**post, "title": "固态电池界面研究",
                                                               "action": "submit"})
    assert resp.status_code == 302 and _status(app) == ApplicationStatus.SUBMITTED


def test_the_call_list_and_the_application_list_count_submitted_applications(province):
    call = make_call(province, nominate=False)
    org = province["city_a"]
    for i in range(2):
        app_services.start_application(SYSTEM, call, person=make_person(org, f"草稿人{i}"), title=f"草稿{i}")
    kept, gone = _submitted(call, org, 2, users=False)
    app_services.withdraw(SYSTEM, gone, "不参加了")
    client = login("demo-province")
    page = client.get("/calls/", {"q": call.name, "sort": "-year"}).content.decode()
    row = page.split(f'/calls/{call.pk}/"', 1)[1].split("</tr>", 1)[0]
    assert row.rstrip().endswith('class="num">1</td>'), row
    page = client.get(f"/calls/{call.pk}/applications/").content.decode()
    assert "已提交申报 1 份" in page and "另有草稿 2 份" in page


# ---- the demo ------------------------------------------------------------------------------------
def test_the_demo_finished_call_has_reviews_scores_and_results_and_a_closed_draft(province):
    finished = Call.objects.get(code__startswith="topic-")
    assert finished.status == "closed" and finished.results_published_at is not None
    reviews = Review.objects.filter(call=finished, status=ReviewStatus.SUBMITTED)
    assert reviews.exists() and not reviews.filter(total__isnull=True).exists()
    assert Application.objects.filter(call=finished, status="approved").exists()
    assert Application.objects.filter(call=finished, status="not_approved").exists()
    popsci = Call.objects.get(code__startswith="popsci-")
    closed = Application.objects.get(call=popsci, status=ApplicationStatus.CLOSED)
    assert closed.status_reason and closed.events.filter(action="closed").exists()
    page = login("demo-province").get(f"/calls/{popsci.pk}/applications/").content.decode()
    assert "通过所选" in page and 'name="ids"' in page  # the batch check has work in the demo

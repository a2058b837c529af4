"""申报评审, reviewing and results: assignment (and reassignment after a declared conflict), review validation,
blind modes on both sides, normalisation / bias correction / intervals on hand-made examples, ties, the grey zone,
meeting votes, public notice with objections, the appeals window, the Excel export, the CLI, and concurrency on
PostgreSQL (two staff assigning at once, two reviewers submitting at once)."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading

import numpy as np
import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from kexie.accounts.models import User
from kexie.calls.experts import services as expert_services
from kexie.calls.models import (
    Appeal,
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Call,
    MeetingVote,
    Objection,
    Review,
    ReviewAssignment,
)
from kexie.calls.review import publication
from kexie.calls.review import results as R
from kexie.calls.review import services as review
from kexie.calls.setup import services as setup_services
from tests.test_calls import make_call, make_person


def review_call(province, *, n_apps=3, n_experts=4, blind=False, places=None, rpa=3) -> Call:
    staff = province["users"]["demo-province"]
    call = make_call(province, nominate=False)
    lib = expert_services.create_library(staff, owner=province["root"], name=f"专家库{call.pk}")
    experts = [make_person(province["city_b"], name=f"评审专家{call.pk}x{i}", employer_name=f"专家单位{i}",
                           user=True) for i in range(n_experts)]
    expert_services.add_experts(staff, lib, experts)
    for i in range(n_apps):
        p = make_person(province["city_a"], name=f"申请人{call.pk}y{i}", employer_name=f"申请单位{i}", user=True)
        Application.objects.create(call=call, applicant_person=p, org_path=p.org_path, title=f"课题{call.pk}-{i}",
                                   status=ApplicationStatus.UNDER_REVIEW, keywords=["储能"], disciplines=["43020"])
    Call.objects.filter(pk=call.pk).update(current_stage="review_corr", expert_library=lib, blind=blind,
                                           places=places, reviews_per_application=rpa)
    return Call.objects.get(pk=call.pk)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


GOOD = {"innovation": "80", "impact": "60"}


def submit(assignment, scores=GOOD, comment="思路清晰，创新性较强。", rec="recommend"):
    return review.save_review(assignment.expert.user, assignment, scores=scores, comment=comment,
                              recommendation=rec, submit=True)


# ---- assignment and reviews ---------------------------------------------------------------------
def test_assignment_fills_each_application_and_a_rerun_adds_nothing(province):
    staff = province["users"]["demo-province"]
    call = review_call(province)
    out = review.run_assignment(staff, call)
    assert out.created == 9 and out.result.conflicts_violated == 0 and out.result.load_violations == 0
    per_app = ReviewAssignment.objects.filter(call=call).values_list("application_id", flat=True)
    assert sorted(per_app.distinct()) == sorted(call.applications.values_list("pk", flat=True))
    assert all(list(per_app).count(a) == 3 for a in set(per_app))
    assert review.run_assignment(staff, call).created == 0
    # a declared conflict releases the pair; a rerun fills the gap with another expert, never the same one
    a = ReviewAssignment.objects.filter(call=call).select_related("expert").first()
    expert_services.declare_conflict(a.expert.user, a.application, a.expert, "曾与申请人合作")
    again = review.run_assignment(staff, call)
    assert again.created == 1 and again.kept == 8
    live = ReviewAssignment.objects.filter(application=a.application).exclude(status=AssignmentStatus.RELEASED)
    assert live.count() == 3 and a.expert_id not in set(live.values_list("expert_id", flat=True))
    with pytest.raises(ValidationError) as exc:
        submit(ReviewAssignment.objects.get(pk=a.pk))
    assert exc.value.messages == ["您已申报回避，不能再评审这份申报。"]


def test_assignment_refused_outside_review_and_without_library(province):
    staff = province["users"]["demo-province"]
    call = review_call(province)
    Call.objects.filter(pk=call.pk).update(expert_library=None)
    with pytest.raises(ValidationError) as exc:
        review.run_assignment(staff, Call.objects.get(pk=call.pk))
    assert exc.value.messages == ["本批次没有可用的评审专家（请先指定评审专家库）。"]
    Call.objects.filter(pk=call.pk).update(current_stage="notice")
    with pytest.raises(ValidationError) as exc:
        review.run_assignment(staff, Call.objects.get(pk=call.pk))
    assert exc.value.messages == ["该批次当前不在专家评审阶段。"]
    with pytest.raises(PermissionDenied):
        review.run_assignment(province["users"]["demo-city-a"], call)


def test_review_validation_and_a_review_is_submitted_once(province):
    call = review_call(province)
    review.run_assignment(province["users"]["demo-province"], call)
    a = ReviewAssignment.objects.filter(call=call).select_related("expert__user").first()
    user = a.expert.user
    with pytest.raises(ValidationError) as exc:
        review.save_review(user, a, scores={"innovation": "120", "impact": ""}, submit=True)
    assert exc.value.messages == ["“创新性”的评分应在 0 到 100 之间。", "请为“影响力”评分。", "请填写评审意见。",
                                  "请选择推荐意见。"]
    with pytest.raises(ValidationError) as exc:
        review.save_review(user, a, scores={"innovation": "很好", "impact": "-1"}, comment="x",
                           recommendation="maybe", submit=True)
    assert exc.value.messages == ["“创新性”的评分应为数字。", "“影响力”的评分应在 0 到 100 之间。", "推荐意见无效。"]
    other = ReviewAssignment.objects.filter(call=call).exclude(expert=a.expert).select_related("expert__user").first()
    with pytest.raises(PermissionDenied):
        review.save_review(other.expert.user, a, scores=GOOD, submit=False)
    draft = review.save_review(user, a, scores={"innovation": "70"}, comment="初稿")
    assert draft.status == "draft" and draft.total is None and draft.scores == {"innovation": 70.0}
    done = submit(a)
    assert done.pk == draft.pk and done.status == "submitted" and done.total == pytest.approx(72.0)  # .6·80 + .4·60
    assert ReviewAssignment.objects.get(pk=a.pk).status == AssignmentStatus.DONE
    with pytest.raises(ValidationError) as exc:
        submit(a, scores={"innovation": "10", "impact": "10"})
    assert exc.value.messages == ["评审意见已提交，不能再修改。"]
    assert Review.objects.get(assignment=a).total == pytest.approx(72.0)
    Call.objects.filter(pk=call.pk).update(stages=[{**s, "deadline": "2020-01-01"} if s["code"] == "review_corr"
                                                   else s for s in call.stages])
    late = ReviewAssignment.objects.filter(call=call, status="assigned").select_related("expert__user").first()
    with pytest.raises(ValidationError) as exc:
        submit(late)
    assert exc.value.messages == ["评审已于 2020-01-01 截止。"]


# ---- blind modes --------------------------------------------------------------------------------
def test_reviewer_never_sees_the_applicant_when_blind_and_applicant_never_sees_reviewers(province):
    staff = province["users"]["demo-province"]
    call = review_call(province, blind=True, n_apps=2, rpa=2)
    review.run_assignment(staff, call)
    a = ReviewAssignment.objects.filter(call=call).select_related("expert__user", "application__applicant_person"
                                                                  ).first()
    name = a.application.applicant_person.name
    expert = client_for(a.expert.user)
    for url in ("/calls/reviews/", f"/calls/reviews/{a.pk}/"):
        html = expert.get(url).content.decode()
        assert name not in html and review.anon_code(a.application) in html, url
    page = expert.get(f"/calls/reviews/{a.pk}/").content.decode()
    assert "原创程度" in page and 'name="s-innovation"' in page  # rubric guidance, one input per criterion
    resp = expert.post(f"/calls/reviews/{a.pk}/", {"s-innovation": "101", "s-impact": "50", "comment": "好",
                                                   "recommendation": "recommend", "action": "submit"})
    assert resp.status_code == 400 and "“创新性”的评分应在 0 到 100 之间。" in resp.content.decode()
    resp = expert.post(f"/calls/reviews/{a.pk}/", {"s-innovation": "90", "s-impact": "50", "comment": "论证充分",
                                                   "recommendation": "recommend", "action": "submit"})
    assert resp.status_code == 302 and Review.objects.get(assignment=a).status == "submitted"
    assert client_for(User.objects.create(username="stranger-rev")).get(f"/calls/reviews/{a.pk}/").status_code == 404

    Call.objects.filter(pk=call.pk).update(blind=False)
    assert name in expert.get(f"/calls/reviews/{a.pk}/").content.decode()

    # the applicant's result page: opinions as 专家 1 …, never a reviewer's name
    for other in ReviewAssignment.objects.filter(application=a.application).exclude(pk=a.pk):
        submit(other, comment="建议加强应用验证")
    Call.objects.filter(pk=call.pk).update(current_stage="result", results_published_at=timezone.now())
    Application.objects.filter(pk=a.application_id).update(status="not_approved", status_reason="经评审未入选。")
    applicant = client_for(a.application.applicant_person.user)
    html = applicant.get(f"/calls/applications/{a.application_id}/result/").content.decode()
    assert "论证充分" in html and "建议加强应用验证" in html and "专家 1" in html and "专家 2" in html
    for r in ReviewAssignment.objects.filter(application=a.application).select_related("expert"):
        assert r.expert.name not in html
    staff_page = login_staff().get(f"/calls/{call.pk}/results/").content.decode()
    assert a.application.title in staff_page


def login_staff() -> Client:
    from tests.conftest import login

    return login("demo-province")


# ---- results: normalisation, correction, intervals, ties, grey zone -----------------------------
def test_zscores_and_interval_on_a_balanced_example():
    # three applications, two reviewers; reviewer 1 is 10 points harsher on everything
    r = R.compute([0, 0, 1, 1, 2, 2], [0, 1, 0, 1, 0, 1], [80, 70, 70, 60, 90, 80], n_apps=3, n_reviewers=2,
                  places=1)
    assert r.raw.tolist() == [75, 65, 85]
    assert r.review_z.tolist() == pytest.approx([0, 0, -1, -1, 1, 1])  # each reviewer: mean 80/70, sd 10
    assert r.z.tolist() == pytest.approx([0, -1, 1])
    # ridge λ = 2 shrinks the ±5 severity to ±5·3/(3+2) = ±3; balanced, so the corrected means equal the raw ones
    assert r.reviewer_effect.tolist() == pytest.approx([3, -3])
    assert r.corrected.tolist() == pytest.approx([75, 65, 85])
    # residuals ±2 → RSS 24, df = 6 − 3 − 1 = 2, σ = √12; half-width t(2)·σ/√2 = 4.303·3.464/1.414 = 10.54
    assert r.df == 2 and r.sigma == pytest.approx(12 ** 0.5)
    assert (r.high - r.corrected).tolist() == pytest.approx([10.540] * 3, abs=1e-3)
    assert r.rank.tolist() == [2, 3, 1]
    # line = (85 + 75) / 2 = 80: applications 0 and 2 have it inside their interval — flagged, none decided
    assert r.line == 80 and r.grey.tolist() == [True, False, True] and not r.proposed.any()


def test_bias_correction_removes_reviewer_severity_in_an_unbalanced_design():
    # equal true quality 70; reviewer 0 lenient (+10), reviewer 1 harsh (−10), reviewer 2 fair; many applications
    rng = np.random.default_rng(3)
    severity = np.array([10.0, -10.0, 0.0])
    apps, revs = [], []
    for i in range(30):
        pair = [(1, 2), (0, 2), (0, 1)][i % 3]
        apps += [i, i]
        revs += list(pair)
    y = 70 + severity[revs] + rng.normal(0, 1, len(revs))
    r = R.compute(apps, revs, y, n_apps=30, n_reviewers=3)
    assert r.raw.max() - r.raw.min() > 8  # raw means follow who reviewed (±5), not the work
    assert r.corrected.max() - r.corrected.min() < 4
    assert r.reviewer_effect[0] > r.reviewer_effect[2] > r.reviewer_effect[1]
    assert np.all(r.low < r.corrected) and np.all(r.corrected < r.high)


def test_competition_ranks_and_ties_across_the_line():
    v = np.array([90.0, 85.0, 85.004, 80.0, np.nan])
    assert R.competition_ranks(np.nan_to_num(v, nan=-np.inf), ~np.isnan(v)).tolist() == [1, 2, 2, 4, 0]
    # a single reviewer per application: no residual degrees of freedom, so no interval, but a tie at the
    # line (places = 2, the 2nd and 3rd are equal) is still flagged for the panel
    r = R.compute([0, 1, 2, 3], [0, 0, 0, 0], [90, 85, 85, 80], n_apps=4, n_reviewers=1, places=2)
    assert r.rank.tolist() == [1, 2, 2, 4] and r.df == 0
    assert r.grey.tolist() == [False, True, True, False] and r.proposed.tolist() == [True, False, False, False]


def test_clear_gaps_are_proposed_and_unreviewed_applications_are_unranked():
    r = R.compute([0, 0, 1, 1, 2, 2], [0, 1, 0, 1, 0, 1], [95, 94, 60, 61, 40, 41], n_apps=4, n_reviewers=2,
                  places=1)
    assert r.grey.tolist() == [False, False, False, False]
    assert r.proposed.tolist() == [True, False, False, False]
    assert r.rank.tolist() == [1, 2, 3, 0] and np.isnan(r.raw[3])


# ---- meeting votes ------------------------------------------------------------------------------
def test_meeting_votes_per_round(province):
    staff = province["users"]["demo-province"]
    call = review_call(province, n_apps=1)
    Call.objects.filter(pk=call.pk).update(current_stage="review_meeting")
    call.refresh_from_db()
    app = call.applications.get()
    panel = review.panel_of(call)
    review.cast_vote(panel[0].user, app, panel[0], "yes")
    review.cast_vote(staff, app, panel[1], "no")
    review.cast_vote(panel[0].user, app, panel[0], "abstain")  # changes their vote, not a second one
    assert review.vote_counts(call)[app.pk] == {"round": 1, "yes": 0, "no": 1, "abstain": 1}
    review.cast_vote(panel[0].user, app, panel[0], "yes", 2)
    assert review.vote_counts(call)[app.pk] == {"round": 2, "yes": 1, "no": 0, "abstain": 0}
    outsider = make_person(province["city_a"], name="非委员", user=True)
    with pytest.raises(ValidationError) as exc:
        review.cast_vote(staff, app, outsider, "yes")
    assert exc.value.messages == ["“非委员”不是本批次的评审委员。"]
    with pytest.raises(PermissionDenied):
        review.cast_vote(outsider.user, app, panel[2], "yes")
    assert MeetingVote.objects.filter(application=app).count() == 3
    resp = client_for(panel[3].user).post(f"/calls/applications/{app.pk}/vote/", {"vote": "yes", "round": "2"})
    assert resp.status_code == 302 and review.vote_counts(call)[app.pk]["yes"] == 2
    assert client_for(outsider.user).post(f"/calls/applications/{app.pk}/vote/", {"vote": "yes"}).status_code == 404


# ---- public notice, objections, final results, appeals ------------------------------------------
def _to_notice(province, n_apps=3):
    call = review_call(province, n_apps=n_apps)
    Call.objects.filter(pk=call.pk).update(current_stage="notice")
    call.refresh_from_db()
    return call, list(call.applications.order_by("pk"))


def test_public_notice_objections_and_final_results(province):
    staff = province["users"]["demo-province"]
    call, apps = _to_notice(province)
    call = publication.publish_notice(staff, call, [apps[0].pk, apps[1].pk])
    assert call.notice_ends - call.notice_starts == dt.timedelta(days=6)
    assert set(Application.objects.filter(status="publicised").values_list("pk", flat=True)) == {apps[0].pk,
                                                                                                   apps[1].pk}
    with pytest.raises(ValidationError):
        publication.publish_notice(staff, call, [apps[2].pk])

    anyone = User.objects.create(username="objector")
    page = client_for(anyone).get(f"/calls/{call.pk}/notice/").content.decode()
    assert apps[0].title in page and apps[2].title not in page and "提出异议" in page
    resp = client_for(anyone).post(f"/calls/applications/{apps[0].pk}/object/",
                                   {"name": "王某", "contact": "13800001111", "text": "成果署名存在争议"})
    assert resp.status_code == 302
    obj = Objection.objects.get(application=apps[0])
    assert obj.status == "open" and obj.contact == "13800001111" and obj.lodged_by == anyone
    with pytest.raises(ValidationError) as exc:
        publication.lodge_objection(anyone, apps[1], name="", contact="", text="")
    assert exc.value.messages == ["请填写异议人姓名（实名提出）。", "请填写联系方式。", "请填写异议内容。"]
    assert client_for(anyone).post(f"/calls/applications/{apps[2].pk}/object/",
                                   {"name": "王某", "contact": "1", "text": "x"}).status_code == 404
    second = publication.lodge_objection(anyone, apps[1], name="李某", contact="li@example.com", text="数据存疑")

    setup_services.advance_stage(staff, call)  # → 结果
    call.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        publication.finalise(staff, call)
    assert exc.value.messages == ["还有未处理的公示异议。"]
    with pytest.raises(ValidationError) as exc:
        publication.handle_objection(staff, obj, "upheld", " ")
    assert exc.value.messages == ["请说明处理意见。"]
    with pytest.raises(PermissionDenied):
        publication.handle_objection(province["users"]["demo-city-a"], obj, "upheld", "x")
    admin = login_staff()
    assert admin.post(f"/calls/objections/{obj.pk}/", {"verdict": "upheld", "reason": "经核实署名有误"}
                      ).status_code == 302
    publication.handle_objection(staff, second, "dismissed", "数据经核实无误")
    with pytest.raises(ValidationError) as exc:
        publication.handle_objection(staff, second, "upheld", "改判")
    assert exc.value.messages == ["该异议已处理。"]
    with pytest.raises(ValidationError) as exc:
        publication.finalise(staff, call)
    assert exc.value.messages == [f"公示期至 {call.notice_ends.isoformat()} 结束，之后方可发布结果。"]
    Call.objects.filter(pk=call.pk).update(notice_ends=timezone.localdate() - dt.timedelta(days=1))
    call.refresh_from_db()
    assert publication.finalise(staff, call) == {"approved": 1, "not_approved": 2}
    status = dict(Application.objects.filter(call=call).values_list("pk", "status"))
    assert status == {apps[0].pk: "not_approved", apps[1].pk: "approved", apps[2].pk: "not_approved"}
    with pytest.raises(ValidationError):
        publication.finalise(staff, call)


def test_appeals_within_the_window(province):
    staff = province["users"]["demo-province"]
    call, apps = _to_notice(province)
    Call.objects.filter(pk=call.pk).update(current_stage="result")
    Application.objects.filter(call=call).update(status="not_approved")
    call.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        publication.lodge_appeal(apps[0].applicant_person.user, apps[0], "评分有误")
    assert exc.value.messages == ["结果发布后方可申请复审。"]
    now = timezone.now()
    Call.objects.filter(pk=call.pk).update(results_published_at=now - dt.timedelta(days=15))  # last day
    appeal = publication.lodge_appeal(apps[0].applicant_person.user, apps[0], "评分有误")
    assert appeal.decide_by == timezone.localdate() + dt.timedelta(days=60)
    with pytest.raises(ValidationError) as exc:
        publication.lodge_appeal(apps[0].applicant_person.user, apps[0], "再次申请")
    assert exc.value.messages == ["这份申报已申请过复审。"]
    with pytest.raises(PermissionDenied):
        publication.lodge_appeal(apps[2].applicant_person.user, apps[1], "替人申请")
    Call.objects.filter(pk=call.pk).update(results_published_at=now - dt.timedelta(days=16))
    published = timezone.localdate(now - dt.timedelta(days=16))
    with pytest.raises(ValidationError) as exc:
        publication.lodge_appeal(apps[1].applicant_person.user, apps[1], "评分有误")
    assert exc.value.messages == [f"复审申请期限已于 {(published + dt.timedelta(days=15)).isoformat()} 截止。"]
    with pytest.raises(ValidationError) as exc:
        publication.decide_appeal(staff, appeal, "upheld", "")
    assert exc.value.messages == ["请填写复审决定的理由。"]
    publication.decide_appeal(staff, appeal, "upheld", "复核后总分计算有误，改为入选。")
    app = Application.objects.get(pk=apps[0].pk)
    assert app.status == "approved" and app.status_reason == "复核后总分计算有误，改为入选。"
    with pytest.raises(ValidationError):
        publication.decide_appeal(staff, appeal, "rejected", "x")
    # the page: the applicant sees the decision; a stranger gets 404
    html = client_for(apps[0].applicant_person.user).get(f"/calls/applications/{apps[0].pk}/result/").content.decode()
    assert "复核后总分计算有误" in html
    assert client_for(User.objects.create(username="nosy")).get(
        f"/calls/applications/{apps[0].pk}/result/").status_code == 404
    Call.objects.filter(pk=call.pk).update(results_published_at=now)
    resp = client_for(apps[2].applicant_person.user).post(f"/calls/applications/{apps[2].pk}/appeal/",
                                                          {"reasons": "专家意见与材料不符"})
    assert resp.status_code == 302 and Appeal.objects.filter(application=apps[2]).exists()


# ---- export and CLI -----------------------------------------------------------------------------
def test_excel_export_of_the_whole_call_and_the_results_page(province):
    staff = province["users"]["demo-province"]
    call = review_call(province, n_apps=2, rpa=2, places=1)
    review.run_assignment(staff, call)
    for a in ReviewAssignment.objects.filter(call=call).select_related("expert__user"):
        submit(a)
    admin = login_staff()
    page = admin.get(f"/calls/{call.pk}/results/")
    assert page.status_code == 200 and "72.0" in page.content.decode()
    resp = admin.get(f"/calls/{call.pk}/export/all/")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content)), read_only=True)
    assert wb.sheetnames == ["申报", "评审意见", "评审结果", "公示异议", "复审"]
    reviews = list(wb["评审意见"].iter_rows(values_only=True))
    assert len(reviews) == 5 and reviews[0][3:6] == ("创新性", "影响力", "加权总分")
    assert all(r[5] == 72 for r in reviews[1:])
    res = list(wb["评审结果"].iter_rows(values_only=True))
    assert [r[2] for r in res[1:]] == [2, 2] and [r[5] for r in res[1:]] == [72, 72]
    assert [r[8] for r in res[1:]] == [1, 1]  # tied, both first
    assert client_for(province["users"]["demo-city-a"]).get(f"/calls/{call.pk}/export/all/").status_code == 404


def test_cli_assign_json(province):
    call = review_call(province)
    buf = io.StringIO()
    call_command("calls", "assign", str(call.pk), "--format", "json", stdout=buf)
    data = json.loads(buf.getvalue())
    assert data["call"]["id"] == call.pk and data["pairs_assigned"] == 9
    assert data["conflicts_violated"] == 0 and data["load_violations"] == 0
    assert data["optimum_bound"] >= data["objective"] > 0 and data["seconds"] >= 0
    buf = io.StringIO()
    call_command("calls", "assign", str(call.pk), "--format", "json", stdout=buf)
    assert json.loads(buf.getvalue())["pairs_assigned"] == 0


# ---- concurrency (PostgreSQL) -------------------------------------------------------------------
def _pg_province():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises every write anyway")
    from tests.conftest import seed_tiny

    seed_tiny()
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    return {"users": users, "root": users["demo-province"].assignments.get().organisation,
            "city_a": users["demo-city-a"].assignments.get().organisation,
            "city_b": users["demo-city-b"].assignments.get().organisation}


def _race(*jobs):
    barrier = threading.Barrier(len(jobs))
    outcomes: list[object] = []

    def run(job):
        try:
            barrier.wait()
            outcomes.append(job())
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_staff_running_assignment_at_once():
    province = _pg_province()
    call = review_call(province, n_apps=4, n_experts=5)
    staff = province["users"]["demo-province"]
    outcomes = _race(lambda: review.run_assignment(staff, call).created,
                     lambda: review.run_assignment(staff, call).created)
    assert sorted(outcomes) == [0, 12], outcomes
    assert ReviewAssignment.objects.filter(call=call).count() == 12


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_reviewers_submitting_at_once():
    province = _pg_province()
    call = review_call(province, n_apps=1, n_experts=2, rpa=2)
    review.run_assignment(province["users"]["demo-province"], call)
    a, b = ReviewAssignment.objects.filter(call=call).select_related("expert__user")
    outcomes = _race(lambda: submit(a).pk, lambda: submit(b).pk, lambda: submit(a).pk)
    stored = list(Review.objects.filter(call=call).values_list("assignment_id", "status"))
    assert sorted(stored) == sorted([(a.pk, "submitted"), (b.pk, "submitted")])
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(errors) == 1 and errors[0].messages == ["评审意见已提交，不能再修改。"], outcomes


def test_daily_task_reminds_unfinished_reviewers_once(province):
    from kexie.calls.tasks import remind_reviewers_task
    from kexie.notices.models import Notification

    call = review_call(province)
    review.run_assignment(province["users"]["demo-province"], call)
    stages = [dict(s) for s in call.stages]
    for s in stages:
        if s["code"] == "review_corr":
            s["deadline"] = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    Call.objects.filter(pk=call.pk).update(stages=stages, status="open")
    done = ReviewAssignment.objects.filter(call=call).select_related("expert__user").first()
    for a in ReviewAssignment.objects.filter(call=call, expert=done.expert).select_related("expert__user"):
        submit(a)  # this expert has finished every review
    waiting = set(ReviewAssignment.objects.filter(call=call, status=AssignmentStatus.ASSIGNED)
                  .values_list("expert__user_id", flat=True))
    assert waiting and done.expert.user_id not in waiting
    first = remind_reviewers_task.call()
    assert first["notices"] == len(waiting)
    assert set(Notification.objects.filter(key__startswith=f"calls-remind-{call.pk}-").values_list("user_id", flat=True)) == waiting
    assert remind_reviewers_task.call()["notices"] == 0  # the same day again: nobody twice


# ---- the PDF result letter ----------------------------------------------------------------------
def test_result_letter_pdf_for_the_applicant_and_staff_only_once_final(province):
    staff = province["users"]["demo-province"]
    call = review_call(province, n_apps=2, rpa=2)
    review.run_assignment(staff, call)
    for a in ReviewAssignment.objects.filter(call=call).select_related("expert__user"):
        submit(a, comment="论证充分，建议资助。")
    app = call.applications.order_by("pk").select_related("applicant_person__user").first()
    applicant = client_for(app.applicant_person.user)
    url = f"/calls/applications/{app.pk}/letter.pdf"
    assert "letter.pdf" not in applicant.get(f"/calls/applications/{app.pk}/result/").content.decode()
    assert applicant.get(url).status_code == 404  # before results are final
    Call.objects.filter(pk=call.pk).update(current_stage="result", results_published_at=timezone.now())
    assert applicant.get(url).status_code == 404  # published, but this application has no final result yet
    Application.objects.filter(pk=app.pk).update(status="approved", status_reason="综合评分位列前茅。")
    assert f'href="/calls/applications/{app.pk}/letter.pdf"' in applicant.get(
        f"/calls/applications/{app.pk}/result/").content.decode()

    resp = applicant.get(url)
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"] == f'attachment; filename="result-letter-{app.pk}.pdf"'
    assert resp.content.startswith(b"%PDF") and len(resp.content) > 5000
    assert b"CJK" in pdf_objects(resp.content)  # a Noto CJK font from the OS packages is embedded
    assert "calls/letter.html" in [t.name for t in resp.templates]
    ctx = resp.context
    assert ctx["app"].pk == app.pk and ctx["app"].get_status_display() == "入选"
    assert ctx["app"].status_reason == "综合评分位列前茅。" and ctx["issuer"] == call.owner.name
    assert [o["label"] for o in ctx["opinions"]] == ["专家 1", "专家 2"]
    assert all(o["comment"] == "论证充分，建议资助。" for o in ctx["opinions"])
    html = render_letter_html(ctx)
    assert "评审结果通知书" in html and call.name in html and app.title in html and "入选" in html
    assert app.applicant_person.name in html and "专家 1" in html and call.owner.name in html
    for r in ReviewAssignment.objects.filter(application=app).select_related("expert"):
        assert r.expert.name not in html
    assert "http" not in html.replace("http-equiv", "")  # no external assets

    assert login_staff().get(url).status_code == 200
    city_a = client_for(province["users"]["demo-city-a"])  # the applicant's city: scoped like the result page
    assert city_a.get(url).status_code == city_a.get(f"/calls/applications/{app.pk}/result/").status_code
    other = call.applications.exclude(pk=app.pk).select_related("applicant_person__user").first()
    assert client_for(other.applicant_person.user).get(url).status_code == 404
    assert client_for(User.objects.create(username="letter-stranger")).get(url).status_code == 404


def test_letter_rendering_refuses_external_urls():
    from kexie.calls.review.pdf import OfflineFetcher

    fetcher = OfflineFetcher(allowed_protocols=["data"])
    for url in ("https://example.com/logo.png", "file:///etc/passwd", "http://127.0.0.1/x.css"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    fetcher.fetch("data:text/plain,ok").close()  # inline data only


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF's objects with their (Flate) streams inflated, to look for names without a PDF library."""
    import re
    import zlib

    out = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    return b"\n".join(out)


def render_letter_html(ctx) -> str:
    from django.template.loader import render_to_string

    return render_to_string("calls/letter.html", {k: ctx[k] for k in ("app", "call", "opinions", "appeal",
                                                                       "issuer", "issued")})

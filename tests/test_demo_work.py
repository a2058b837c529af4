"""After ``kexie seed`` every demo account has something to do, and finds it through its pages: the scientist an
open call it may apply to, the expert review tasks, staff a finished call's published results, an evaluation run
with scores and candidate pairs in the duplicate queue, the society its open annual report, the company a need
with matched experts. The start-up text says for each account what it can do first."""

from __future__ import annotations

import re

import pytest

from kexie.calls.models import Application, AssignmentStatus, Call, ReviewAssignment, ReviewStatus
from kexie.calls.review import publication
from kexie.demo.accounts import ACCOUNTS, print_accounts
from kexie.evaluation.models import EvaluationRun, Score
from kexie.identity.models import CandidateStatus, MatchCandidate
from kexie.innovation.models import Need
from kexie.people.models import Person
from kexie.reports.models import Campaign, CampaignStatus, Submission, SubmissionStatus
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _html(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return resp.content.decode()


def test_every_demo_account_exists_and_the_start_up_text_says_what_to_do_first(province, capsys):
    names = {name for name, *_rest in ACCOUNTS}
    assert {"demo-expert", "demo-company", "demo-enterprise", "demo-scientist"} <= names
    assert names <= set(province["users"])
    print_accounts()
    out = capsys.readouterr().out
    for name, _display, _scope, first in ACCOUNTS:
        assert re.search(rf"^\s+{name}\s", out, re.M), name
        assert f"先做：{first}" in out
    enterprise = province["users"]["demo-enterprise"].assignments.get().organisation
    assert re.search(rf"demo-enterprise\s+企业科协工作人员：{enterprise.name}", out)
    assert enterprise.kind.code == "enterprise_kx"
    assert "demo-company" in out and "发布技术需求" in out.split("demo-company", 1)[1].splitlines()[0]


def test_the_scientist_sees_an_open_call_it_may_apply_to(province):
    client = login("demo-scientist")
    person = Person.objects.get(user__username="demo-scientist")
    call = Call.objects.get(code__startswith="paper-")
    assert call.status == "open" and call.current_stage == "apply"
    assert not Application.objects.filter(call=call, applicant_person=person).exists()
    assert call.name in _html(client, "/calls/")
    page = _html(client, f"/calls/{call.pk}/")
    assert "您符合本批次的申报条件" in page and f'action="/calls/{call.pk}/apply/"' in page
    resp = client.post(f"/calls/{call.pk}/apply/", {"title": "我的论文"})
    assert resp.status_code == 302
    assert Application.objects.filter(call=call, applicant_person=person, status="draft").exists()


def test_the_expert_sees_review_tasks_waiting(province):
    client = login("demo-expert")
    person = Person.objects.get(user__username="demo-expert")
    assert person.expert_entries.filter(library__name="省科协评审专家库").exists()
    waiting = ReviewAssignment.objects.filter(expert=person, status=AssignmentStatus.ASSIGNED,
                                              call__current_stage="review_corr")
    assert waiting.exists()
    assert 'href="/calls/reviews/"' in _html(client, "/calls/")  # the menu's 申报评审 leads to the tasks
    page = _html(client, "/calls/reviews/")
    assignment = waiting.order_by("pk").first()
    assert f"/calls/reviews/{assignment.pk}/" in page and assignment.call.name in page
    form = _html(client, f"/calls/reviews/{assignment.pk}/")
    assert "提交评审意见" in form
    assert assignment.application.applicant_name not in form  # blind review


def test_the_finished_call_shows_reviews_scores_and_published_results(province):
    call = Call.objects.get(code__startswith="topic-")
    assert call.results_published_at is not None and call.status == "closed"
    reviews = call.reviews.filter(status=ReviewStatus.SUBMITTED)
    assert reviews.count() == Application.objects.filter(call=call).count() * call.reviews_per_application
    approved = list(Application.objects.filter(call=call, status="approved"))
    assert len(approved) == 15
    results = publication.compute_results(call)
    first = min((r["rank"], a) for a, r in zip(results.applications, results.rows, strict=True) if r["rank"])[1]
    row = dict(zip(results.applications, results.rows, strict=True))[first]
    assert first.status == "approved" and row["n"] == call.reviews_per_application
    page = _html(login("demo-province"), f"/calls/{call.pk}/results/")
    line = page.split(f"/calls/applications/{first.pk}/", 1)[1].split("</tr>", 1)[0]
    assert first.title in line and f"<td>{row['raw']}</td>" in line and "入选" in line
    assert page.count("<td>入选</td>") == 15


def test_the_evaluation_page_shows_a_run_with_scores(province):
    client = login("demo-province")
    run = EvaluationRun.objects.filter(system__code="society_annual", is_current=True).get()
    assert Score.objects.filter(run=run).count() == run.organisations > 0
    assert f"/evaluation/runs/{run.pk}/" in _html(client, "/evaluation/")
    page = _html(client, f"/evaluation/runs/{run.pk}/")
    score = Score.objects.filter(run=run).order_by("category_rank").first()
    assert score.organisation.name in page and str(score.total) in page
    county = EvaluationRun.objects.get(system__code="county_capability", is_current=True)
    assert f"/evaluation/runs/{county.pk}/" in _html(login("demo-city-a"), "/evaluation/")


def test_the_duplicate_queue_has_pairs_for_the_province_and_city_a(province):
    queued = MatchCandidate.objects.filter(status=CandidateStatus.QUEUED)
    assert queued.count() >= 4
    page = _html(login("demo-province"), "/identity/")
    assert all(f"/identity/{c.pk}/" in page for c in queued[:5])
    mine = queued.filter(person_a__org_path__startswith=province["city_a"].path)
    assert mine.exists()
    assert f"/identity/{mine.first().pk}/" in _html(login("demo-city-a"), "/identity/")


def test_the_society_has_its_open_annual_report_to_start(province):
    society = province["society"]
    sub = Submission.objects.get(organisation=society, campaign__status=CampaignStatus.OPEN,
                                 status=SubmissionStatus.NOT_STARTED)
    assert Campaign.objects.get(pk=sub.campaign_id).deadline > sub.campaign.opens_on
    page = _html(login("demo-society"), "/reports/")
    assert "本单位待办" in page and sub.campaign.name in page and f"/reports/submissions/{sub.pk}/" in page


def test_the_company_need_has_matched_experts(province):
    company = province["users"]["demo-company"]
    need = Need.objects.filter(enterprise__users=company, status="matching").order_by("pk").first()
    assert need is not None
    assert need.title in _html(login("demo-company"), "/innovation/")
    assert need.title in _html(login("demo-company"), f"/innovation/{need.pk}/")
    page = _html(login("demo-province"), f"/innovation/{need.pk}/")
    assert 'id="matches"' in page
    matches = page.split('id="matches"', 1)[1].split("</article>", 1)[0]
    assert len(re.findall(r'href="/people/\d+/"', matches)) >= 3

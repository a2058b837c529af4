"""申报评审: a draft call of city B, an application from city B (to a provincial call), a city-B expert library
and one of its experts (tests/test_calls.py has the rest)."""

from __future__ import annotations

import datetime as dt

from kexie.core.services import SYSTEM

TABLE = {
    "calls:list": ("list", None),  # calls in scope plus published ones; tests/test_calls.py
    "calls:create": ("list", None),  # the owner must be in the creator's change scope
    "calls:detail": ("detail", "call"),
    "calls:edit": ("change", "call"),
    "calls:setup-json": ("change", "call"),  # the set-up file (导出 JSON)
    "calls:call-form": ("change", "call"),  # the application form in the builder (tests/test_calls_setup.py)
    "calls:form-json": ("change", "call"),
    "calls:form-upload": ("change", "call"),
    "calls:open": ("change", "call"),
    "calls:advance": ("change", "call"),
    "calls:quotas": ("change", "call"),
    "calls:apply": ("change", "call"),
    "calls:applications": ("detail", "call"),
    "calls:export": ("detail", "call"),
    "calls:nominations": ("detail", "call"),
    "calls:formal": ("change", "call"),
    "calls:formal-batch": ("change", "call"),  # the batch formal check on the list (tests/test_calls_deadends.py)
    "calls:application": ("detail", "application"),
    "calls:fill": ("change", "application"),
    "calls:rows": ("change", "application"),
    "calls:file": ("detail", "application"),
    "calls:nominate": ("change", "application"),
    "calls:formal-check": ("change", "application"),
    "calls:withdraw": ("change", "application"),
    "calls:close": ("change", "application"),  # closing an abandoned application: the call's staff
    "calls:declare": ("change", "application"),
    "calls:libraries": ("list", None),
    "calls:library": ("detail", "expert_library"),
    "calls:expert": ("change", "expert"),
    # reviewing and results (tests/test_calls_review.py)
    "calls:assign": ("change", "call"),
    "calls:results": ("change", "call"),
    "calls:publish": ("change", "call"),
    "calls:finalise": ("change", "call"),
    "calls:export-all": ("change", "call"),
    "calls:notice": ("detail", "call"),  # a published call's notice is public; the city-B call is a draft
    "calls:my-reviews": ("own", None),  # the caller's own assignments only
    "calls:subscribe": ("own", None),  # the caller's own subscription (tests/test_call_notices.py)
    "calls:review": ("change", "assignment"),  # the assigned expert only
    "calls:vote": ("change", "application"),  # panel members of the call and the call's staff
    "calls:object": ("change", "application"),  # publicised applications only
    "calls:result": ("detail", "application"),
    "calls:letter": ("detail", "application"),  # the PDF result letter, scoped like the result page
    "calls:appeal": ("change", "application"),
    "calls:objection": ("change", "objection"),
    "calls:appeal-decide": ("change", "appeal"),
    # funded topics (tests/test_calls_projects.py)
    "calls:projects": ("change", "call"),
    "calls:establish": ("change", "call"),
    "calls:projects-export": ("change", "call"),
    "calls:project-list": ("list", None),  # projects in scope plus the caller's own
    "calls:project": ("detail", "project"),
    "calls:project-extend": ("change", "project"),
    "calls:project-terminate": ("change", "project"),
    "calls:project-report": ("change", "project_report"),
    "calls:project-report-rows": ("change", "project_report"),
    "calls:project-report-file": ("detail", "project_report"),
    "calls:project-report-judge": ("change", "project_report"),
    # API (tests/test_calls_projects.py checks the lists)
    "call-list": ("api-list", "call"),  # API lists: no id of a city-B record in their results
    "call-detail": ("detail", "call"),
    "call-application-list": ("api-list", "application"),
    "call-application-detail": ("detail", "application"),
    "project-list": ("api-list", "project"),
    "project-detail": ("detail", "project"),
}

FORM = {"sections": [{"key": "s", "title": "基本", "fields": [{"key": "summary", "label": "简介", "type": "text"}]}],
        "rules": []}


def records(province):
    from kexie.calls.applications import services as app_services
    from kexie.calls.experts import services as expert_services
    from kexie.calls.setup import services as setup_services
    from kexie.core.scope import prefix_q
    from kexie.people.models import Person

    b = province["city_b"]
    today = dt.date.today()
    stages = [{"code": "apply", "deadline": (today + dt.timedelta(days=30)).isoformat()},
              {"code": "formal", "deadline": ""}, {"code": "review_corr", "deadline": ""},
              {"code": "result", "deadline": ""}]
    draft = setup_services.create_call(province["users"]["demo-city-b"], owner=b, code="city-b-draft-call",
                                 name="B市科普基地认定（草稿）", year=2026, type="base", applicant_kind="person",
                                 form_schema=FORM, stages=stages)
    provincial = setup_services.create_call(province["users"]["demo-province"], owner=province["root"],
                                      code="scope-provincial-call", name="全省开放批次", year=2026, type="topic",
                                      form_schema=FORM, stages=stages)
    province_lib = expert_services.create_library(province["users"]["demo-province"], owner=province["root"],
                                                  name="全省评审专家库（范围测试）")
    setup_services.edit_call(province["users"]["demo-province"], provincial, expert_library=province_lib)
    setup_services.open_call(province["users"]["demo-province"], provincial)
    person = Person.objects.filter(prefix_q("org_path", [b.path])).order_by("pk").first()
    app = app_services.start_application(SYSTEM, provincial, person=person, title="B市申报人的课题")
    app = app_services.save_draft(SYSTEM, app, {"summary": "B市内容"})
    lib = expert_services.create_library(province["users"]["demo-city-b"], owner=b, name="B市评审专家库")
    expert_services.add_experts(SYSTEM, lib, [person])
    from kexie.calls.models import Appeal, Objection, ReviewAssignment

    # The assignment is the scientist's own (OWNERS): only the assigned expert opens a review.
    expert = Person.objects.filter(user=province["users"]["demo-scientist"]).first() or Person.objects.filter(
        prefix_q("org_path", [b.path])).exclude(pk=person.pk).order_by("pk").first()
    assignment = ReviewAssignment.objects.create(call=provincial, application=app, expert=expert,
                                                 org_path=provincial.org_path)
    objection = Objection.objects.create(call=provincial, application=app, name="异议人", contact="13800000000",
                                         text="B市异议", org_path=app.org_path)
    appeal = Appeal.objects.create(call=provincial, application=app, reasons="B市复审", decide_by=today,
                                   org_path=app.org_path)
    from kexie.calls.models import Project, ProjectReport

    project = Project.objects.create(call=provincial, application=app, code="scope-provincial-call-001",
                                     title=app.title, org_path=app.org_path, starts=today,
                                     ends=today + dt.timedelta(days=365))
    report = ProjectReport.objects.create(project=project, kind="midterm", due=today + dt.timedelta(days=180),
                                          org_path=app.org_path)
    return {"call": draft, "application": app, "expert_library": lib, "expert": lib.experts.get(),
            "assignment": assignment, "objection": objection, "appeal": appeal, "project": project,
            "project_report": report}


OWNERS = {"assignment": "demo-scientist"}  # a review assignment is reachable by its expert only
# Without an attachment key a download answers "no such attachment" — to the owner, after the scope check; the
# result letter exists once the results are final (tests/test_calls_review.py) and the city-B application has none.
OWN_PAGES = {"calls:file": (404, "没有这个附件。"), "calls:project-report-file": (404, "没有这个附件。"),
             "calls:letter": (404, "")}

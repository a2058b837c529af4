"""数据填报: campaigns, submissions, forms and versions of city B (tests/test_reports.py has the rest)."""

from __future__ import annotations

import datetime as dt

TABLE = {
    "reports:list": ("list", None),  # campaigns with a filer or owner in scope: tests/test_reports.py
    "reports:campaign-create": ("list", None),  # the root must be in the creator's change scope
    "reports:campaign": ("detail", "campaign"),
    "reports:campaign-close": ("change", "campaign"),
    "reports:campaign-export": ("detail", "campaign"),
    "reports:aggregate": ("detail", "campaign"),
    "reports:aggregate-export": ("detail", "campaign"),
    "reports:import-template": ("detail", "campaign"),
    "reports:import": ("change", "campaign"),
    "reports:submission": ("change", "submission"),
    "reports:submission-rows": ("change", "submission"),
    "reports:submission-file": ("detail", "submission"),
    "reports:review": ("change", "submission"),
    "reports:forms": ("list", None),
    "reports:form": ("change", "report_form"),
    "reports:form-new-version": ("change", "report_form"),
    "reports:version": ("detail", "form_version"),
    "reports:version-edit": ("change", "form_version"),
    "reports:version-publish": ("change", "form_version"),
    "reports:version-json": ("detail", "form_version"),
    "reports:version-upload": ("change", "form_version"),
}


def records(province):
    from kexie.reports import services

    user_b = province["users"]["demo-city-b"]
    b = province["city_b"]
    form = services.create_form(user_b, owner=b, code="city_b_form", name="B市专用报表", schema={
        "sections": [{"key": "s", "title": "基本", "fields": [
            {"key": "n", "label": "数量", "type": "number", "min": 0}]}], "rules": []})
    draft = form.versions.get()
    published = services.publish(user_b, draft)
    draft = services.new_version(user_b, form)
    campaign = services.create_campaign(user_b, version=published, name="B市专用填报任务", year=2025, root=b,
                                        kinds=["kx"], opens_on=dt.date(2025, 1, 1), deadline=dt.date(2025, 3, 1))
    submission = campaign.submissions.order_by("org_path").first()
    return {"campaign": campaign, "submission": submission, "report_form": form, "form_version": draft}


# Without an attachment key the download answers "no such attachment" — for the owner, after the scope check.
OWN_PAGES = {"reports:submission-file": (404, "没有这个附件。")}

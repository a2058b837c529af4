"""科创云集市 and service statistics: city-B records that are *not* public (a need visible to matched experts
only, a draft achievement) so that the public pages must answer 404 for them like the staff pages do; a city-B
enquiry; and city-B service records (tests/test_innovation_market.py checks lists, dashboard and export)."""

from __future__ import annotations

TABLE = {
    "innovation:market": ("public", None),  # public needs and published achievements only: test_innovation_market
    "innovation:market-need": ("detail", "market_need"),  # a non-public city-B need: 404 for everyone
    "innovation:market-achievement": ("detail", "market_achievement"),  # a draft: 404 for everyone
    "innovation:achievements": ("list", None),
    "innovation:achievement-create": ("list", None),  # the owner must be in the caller's change scope
    "innovation:achievement": ("detail", "market_achievement"),
    "innovation:achievement-edit": ("change", "market_achievement"),
    "innovation:achievement-act": ("change", "market_achievement"),
    "innovation:enquiries": ("list", None),
    "innovation:enquiry": ("change", "market_enquiry"),  # shows the full contact (logged): change scope only
    "innovation:services": ("list", None),  # ServiceRecord.objects.for_user: test_dashboard_page
    "innovation:services-export": ("export", "services"),  # test_services_export_is_cell_checked_and_scoped
}


def records(province):
    import datetime as dt

    from kexie.innovation.models import Achievement, Enquiry, Need, ServiceRecord

    b = province["city_b"]
    need = Need.objects.create(code="XQ-SCOPE-MKT-B", title="B市保密需求", description="仅对匹配专家可见",
                               industry="34", kind="research", confidentiality="matched", owner=b,
                               org_path=b.path, status="published")
    ach = Achievement.objects.create(title="B市未发布成果", description="草稿", maturity="pilot",
                                     transfer_mode="licence", owner=b, org_path=b.path, status="draft")
    published = Achievement.objects.create(title="B市已发布成果", description="已发布", maturity="pilot",
                                           transfer_mode="licence", owner=b, org_path=b.path, status="published")
    enquiry = Enquiry.objects.create(achievement=published, name="B市意向人", contact="13800000001",
                                     text="B市意向", org_path=b.path)
    record = ServiceRecord.objects.create(society=b, enterprise_name="B市服务企业", kind="research",
                                          served_on=dt.date.today(), org_path=b.path)
    return {"market_need": need, "market_achievement": ach, "market_enquiry": enquiry, "services": record}


# Neither the draft nor the matched-experts-only need has a public page, even for its owner (their own pages are
# the staff pages innovation:achievement and innovation:need).
OWN_PAGES = {"innovation:market-achievement": (404, ""), "innovation:market-need": (404, "")}

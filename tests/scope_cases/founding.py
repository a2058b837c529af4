"""网上组建企业（园区）科协: a request to city B's 科协 (tests/test_founding.py has the rest)."""

from __future__ import annotations

TABLE = {
    "orgs:founding-queue": ("list", None),
    "orgs:founding-apply": ("own", None),  # the caller's own new request
    "orgs:founding-mine": ("own", None),
    "orgs:founding-parents": ("list", None),  # without a typed text: an empty list (public 科协 by design)
    "orgs:founding-request": ("detail", "formation_request"),
    "orgs:founding-edit": ("change", "formation_request"),
    "orgs:founding-act": ("change", "formation_request"),
    "orgs:founding-attachment": ("detail", "formation_request"),
}

OWN_PAGES = {
    # the owner is city B's staff: only the applicant edits a returned request; this one has no attachment
    "orgs:founding-edit": (403, "申请人本人"),
    "orgs:founding-attachment": (404, "没有这个附件。"),
}


def records(province):
    from django.utils import timezone

    from kexie.accounts.models import User
    from kexie.core.validators import uscc_check_char
    from kexie.orgs.models_founding import FormationRequest

    b = province["city_b"]
    user = User.objects.create_user("scope-founder-b", password="x")
    first17 = "91990200KB0000001"
    return {"formation_request": FormationRequest.objects.create(
        applicant=user, parent=b, org_path=b.path, enterprise_name="B市范围测试企业有限公司",
        uscc=first17 + uscc_check_char(first17), proposed_name="B市范围测试企业有限公司科协", scientists=12,
        chair_name="周工", chair_phone="13900000001", secretary_name="吴工", secretary_phone="13900000002",
        meeting_on=timezone.localdate(), submitted_at=timezone.now())}

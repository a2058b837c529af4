"""单位入会: a city-B 农技协 that takes group members online and a unit's application to it
(tests/test_joining_group.py has the rest)."""

from __future__ import annotations

TABLE = {
    "members:group-apply": ("own", None),  # the caller applies for their unit to an open society
    "members:group-application": ("detail", "join_group_application"),
    "members:group-application-edit": ("change", "join_group_application"),
    "members:group-application-act": ("change", "join_group_application"),
    "members:group-letter": ("detail", "join_group_application"),
}

OWN_PAGES = {
    # the owner is city B's staff: only the account that applied corrects a returned application
    "members:group-application-edit": (403, "经办人"),
    # the record is found; it has no letter, and the page says so
    "members:group-letter": (404, "没有上传单位公函"),
}


def records(province):
    from django.utils import timezone

    from kexie.accounts.models import User
    from kexie.core.services import SYSTEM
    from kexie.core.validators import uscc_check_char
    from kexie.members.joining import services as svc
    from kexie.members.models_joining import GroupApplication
    from kexie.orgs.models import Organisation, OrgKind

    b = province["city_b"]
    kind = OrgKind.objects.get(code="agri_assoc")
    assoc = Organisation.objects.filter(kind=kind, path__startswith=b.path).first()
    if assoc is None:
        assoc = Organisation.objects.add_child(b, {"name": "B市入会测试农技协", "code": "SCOPE-JOIN-B", "kind": kind,
                                                   "level": b.level})
    svc.save_settings(SYSTEM, assoc, {"is_open": True, "categories": ["member"], "referees_required": 0,
                                      "decision_days": 15, "dues": {"member": 80}, "intro": "", "number_prefix": "",
                                      "disciplines": [], "accepts_groups": True})
    agent, _ = User.objects.get_or_create(username="scope-unit-agent-b")
    first17 = "91340100MA8HCPB01"
    now = timezone.now()
    app = GroupApplication.objects.create(
        applicant=agent, society=assoc, org_path=assoc.path, unit_name="B市单位入会测试有限公司",
        unit_uscc=first17 + uscc_check_char(first17), unit_kind="enterprise", contact_name="B市联系人",
        contact_phone="13900001234", statement="B市单位入会申请陈述", submitted_at=now,
        due_at=now + timezone.timedelta(days=15))
    return {"join_group_application": app}

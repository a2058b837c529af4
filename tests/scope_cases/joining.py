"""网上入会: a city-B 农技协 open for joining, an application to it, a membership with a dues payment and a
certificate (tests/test_joining.py has the rest)."""

from __future__ import annotations

TABLE = {
    "members:societies": ("public", None),  # the directory: open societies only (JoinSettings.public_q)
    "members:verify": ("public", None),  # a code's state, society, number and a masked name
    "members:verify-code": ("public", None),
    "members:apply": ("own", None),  # the caller's own application to an open society
    "members:my-applications": ("own", None),
    "members:queue": ("list", None),
    "members:queue-export": ("export", None),
    "members:application": ("detail", "join_application"),
    "members:application-edit": ("change", "join_application"),
    "members:application-act": ("change", "join_application"),
    "members:join-settings": ("change", "join_society"),
    "members:card": ("detail", "join_membership"),
    "members:certificate": ("detail", "join_membership"),
    "members:dues": ("change", "join_membership"),
}

OWN_PAGES = {
    # the owner is city B's staff: the applicant edits a returned application, staff are sent back to it
    "members:application-edit": (403, "申请人本人"),
}


def records(province):
    from django.utils import timezone

    from kexie.core.services import SYSTEM
    from kexie.members.joining import services as svc
    from kexie.members.models import Membership
    from kexie.members.models_joining import DuesPayment, MembershipApplication, MembershipCertificate
    from kexie.orgs.models import Organisation, OrgKind
    from kexie.people.models import Person

    b = province["city_b"]
    kind = OrgKind.objects.get(code="agri_assoc")
    assoc = Organisation.objects.filter(kind=kind, path__startswith=b.path).first()
    if assoc is None:
        assoc = Organisation.objects.add_child(b, {"name": "B市入会测试农技协", "code": "SCOPE-JOIN-B", "kind": kind,
                                                   "level": b.level})
    svc.save_settings(SYSTEM, assoc, {"is_open": True, "categories": ["member"], "referees_required": 0,
                                      "decision_days": 15, "dues": {"member": 80}, "intro": "", "number_prefix": "",
                                      "disciplines": []})
    people = Person.objects.filter(org_path__startswith=b.path, deleted_at__isnull=True).order_by("-pk")
    applicant, member = people[0], people[1]
    now = timezone.now()
    app = MembershipApplication.objects.create(person=applicant, society=assoc, org_path=assoc.path,
                                               statement="B市入会申请陈述", submitted_at=now,
                                               due_at=now + timezone.timedelta(days=15))
    m = Membership.objects.create(person=member, society=assoc, org_path=assoc.path, number="SCOPE-B-2026-00001",
                                  status="current", joined_on=timezone.localdate(),
                                  dues_paid_through=timezone.localdate().replace(month=12, day=31))
    DuesPayment.objects.create(membership=m, society=assoc, org_path=assoc.path, period=timezone.localdate().year,
                               amount=80, receipt_number="SCOPE-RCPT-B")
    MembershipCertificate.objects.create(membership=m, org_path=m.org_path)
    return {"join_application": app, "join_society": assoc, "join_membership": m}

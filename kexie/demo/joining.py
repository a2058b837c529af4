"""Demo data of 网上入会: join settings on the first societies (the demo society's among them), one pending application
to the demo society, and a manual dues payment and a certificate for demo-scientist's membership."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from kexie.accounts.models import User
from kexie.core.services import SYSTEM
from kexie.members.joining import services as svc
from kexie.members.models import ENDED, Membership
from kexie.members.models_joining import DuesPayment, MembershipApplication, MembershipCertificate
from kexie.people.models import Discipline, Person

GROUP_STATEMENT = ("本单位长期从事本领域产品研发，现有工程技术人员六十余人，希望加入学会，参加学术交流和标准制定，"
                   "并鼓励本单位科技人员以个人身份入会。")
LETTER = b"%PDF-1.4\n% demo letter\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
DUES = {"student": 50, "member": 200, "senior": 400, "fellow": 600}
STATEMENTS = ["长期从事本领域研究与工程实践，希望加入学会参加学术交流、服务行业发展。",
              "在本学科方向发表论文十余篇，主持省级课题两项，愿意遵守学会章程、履行会员义务。"]


def seed_joining(gen: Any, log: Any = print) -> dict[str, int]:
    out = {"join_settings": 0, "applications": 0, "payments": 0, "certificates": 0}
    with transaction.atomic():
        for i, (society, disc) in enumerate(gen.societies[:8]):
            first = Discipline.objects.filter(code=str(disc)[:3]).first()
            svc.save_settings(SYSTEM, society, {
                "is_open": True, "categories": ["member", "student"] + (["senior"] if i % 2 == 0 else []),
                "referees_required": 0 if i == 0 else i % 3, "decision_days": 15, "dues": DUES,
                "intro": f"{society.name}欢迎本领域科技工作者加入。入会后可参加学术年会、专委会活动，获取会员服务。",
                "number_prefix": "", "disciplines": [first] if first else [], "accepts_groups": i % 2 == 0})
            out["join_settings"] += 1
        if not gen.societies:
            return out
        society = gen.societies[0][0]
        busy = Membership.objects.filter(society=society, deleted_at__isnull=True).exclude(status__in=ENDED)
        applicant = (Person.objects.filter(deleted_at__isnull=True, user__isnull=True)
                     .exclude(pk__in=busy.values("person_id")).order_by("id").first())
        if applicant is not None and not MembershipApplication.objects.filter(person=applicant,
                                                                               society=society).exists():
            now = timezone.now()
            app = MembershipApplication.objects.create(
                person=applicant, society=society, org_path=society.path, category="member",
                statement=STATEMENTS[0], submitted_at=now, due_at=now + dt.timedelta(days=15))
            svc._event(app, SYSTEM, "submitted")
            out["applications"] += 1
        out["group_applications"] = _group_application(society)
        user = User.objects.filter(username="demo-scientist").first()
        m = (Membership.objects.filter(person__user=user, society=society, deleted_at__isnull=True)
             .exclude(status__in=ENDED + ("pending",)).first() if user else None)
        if m is not None:
            year = gen.today.year
            receipt = f"HF{year}{m.pk:06d}"
            if not DuesPayment.objects.filter(society=society, receipt_number=receipt).exists():
                svc.record_payment(SYSTEM, m, period=year, amount=DUES.get(m.category, 200), receipt_number=receipt)
                out["payments"] += 1
            if not MembershipCertificate.objects.filter(membership=m, revoked_at__isnull=True).exists():
                MembershipCertificate.objects.create(membership=m, org_path=m.org_path)
                out["certificates"] += 1
    log(f"  网上入会：开放学会 {out['join_settings']} 个，待审批申请 {out['applications']} 件，"
        f"单位入会申请 {out.get('group_applications', 0)} 件，"
        f"会费登记 {out['payments']} 笔，会员证书 {out['certificates']} 张")
    return out


def _group_application(society: Any) -> int:
    """单位入会: demo-enterprise applies for its enterprise (linked by credit code) to the demo society; if that unit is
    already a group member there, for a unit outside the tree. Pending, so demo-society has it in the queue."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kexie.core.validators import uscc_check_char
    from kexie.members.joining import group_services as gsvc
    from kexie.members.models_joining import GroupApplication
    from kexie.orgs.models import Organisation, Region

    user = User.objects.filter(username="demo-enterprise").first()
    if user is None or GroupApplication.objects.filter(society=society).exists():
        return 0
    unit = Organisation.objects.filter(assignments__user=user, deleted_at__isnull=True).order_by("path").first()
    unit = unit or Organisation.objects.filter(kind__code="enterprise_kx", deleted_at__isnull=True).order_by(
        "path").first()
    region = (unit.region if unit is not None else None) or Region.objects.filter(level="city").order_by(
        "code").first()
    if unit is not None and not unit.uscc:
        first17 = f"91{(region.code if region else '340100')[:6]}MA{unit.pk:07d}"
        Organisation.objects.filter(pk=unit.pk).update(uscc=first17 + uscc_check_char(first17))
        unit.refresh_from_db()
    name, code = (unit.name, unit.uscc) if unit is not None else ("", "")
    if not code or gsvc.live_group_membership(society, code, unit) is not None:
        first17 = f"91{(region.code if region else '340100')[:6]}MA1DEM701"
        name, code = "澜州智联传感科技有限公司", first17 + uscc_check_char(first17)
    gsvc.apply_group(user, society, gsvc.UnitInput(
        unit_name=name, unit_uscc=code, unit_kind="enterprise", region=region, contact_name="周海峰",
        contact_phone="13905510188", statement=GROUP_STATEMENT),
        letter=SimpleUploadedFile("单位入会申请函.pdf", LETTER, content_type="application/pdf"))
    return 1

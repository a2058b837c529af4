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
                "number_prefix": "", "disciplines": [first] if first else []})
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
        f"会费登记 {out['payments']} 笔，会员证书 {out['certificates']} 张")
    return out

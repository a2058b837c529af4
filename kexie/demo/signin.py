"""Demo data of signing in by phone or e-mail and of profile change requests (decision 0038): demo-volunteer gets a
verified phone and e-mail (so that the sign-in page takes 13800138000 or volunteer@demo.kexie.example with the demo
password), and a history of change requests — one rejected with its reason, one approved, one waiting — whose
arrival reached the staff who decide them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from kexie.accounts.models import User
from kexie.core.crypto import blind_index
from kexie.core.services import SYSTEM
from kexie.home import services as home
from kexie.home.models import ProfileChange
from kexie.notices.models import Notification
from kexie.people.models import Person
from kexie.signup.models import Contact
from kexie.signup.recipients import deciders

DEMO_PHONE = "13800138000"
DEMO_EMAIL = "volunteer@demo.kexie.example"


def seed_signin(gen: Any, log: Any = print) -> dict[str, int]:
    out = {"contacts": 0, "profile_changes": 0}
    user = User.objects.filter(username="demo-volunteer").first()
    person = Person.objects.filter(user=user, deleted_at__isnull=True).select_related("org").first() if user else None
    if user is None or person is None:
        return out
    with transaction.atomic():
        if not Contact.objects.filter(user=user).exists():
            Contact.objects.create(user=user, phone=DEMO_PHONE, phone_hash=blind_index(DEMO_PHONE), email=DEMO_EMAIL,
                                   verified_at=timezone.now())
            User.objects.filter(pk=user.pk).update(email=DEMO_EMAIL)
            out["contacts"] = 1
        if ProfileChange.objects.filter(person=person).exists():
            return out
        staff = deciders(person.org_path, ("people.change",))
        actor = staff[0] if staff else SYSTEM
        now = timezone.now()
        birth = (person.birth_date or dt.date(1985, 5, 1)) + dt.timedelta(days=400)
        rejected = home.request_change(user, person, {"birth_date": birth}, "身份证上的出生日期")
        home.reject_change(actor, rejected, "出生日期与登记的身份证号码不一致，请核对身份证后重新提交。")
        approved = home.request_change(user, person, {"employer_name": "江淮省科学技术馆"}, "工作调动")
        home.approve_change(actor, approved)
        for change, days in ((rejected, 40), (approved, 12)):
            ProfileChange.objects.filter(pk=change.pk).update(created_at=now - dt.timedelta(days=days),
                                                              decided_at=now - dt.timedelta(days=days - 2))
        person.refresh_from_db()
        waiting = home.request_change(user, person, {"phone": "13800138001"}, "更换了手机号")
        # the staff's inbox keeps the arrival notices, read (the demo's staff start with no unread notice of it)
        Notification.objects.filter(key__in=[f"home.change-arrived.{c.pk}" for c in (rejected, approved, waiting)]
                                    ).update(read_at=now)
        out["profile_changes"] = 3
    log(f"  登录与资料变更：demo-volunteer 可用手机号 {DEMO_PHONE} 或邮箱 {DEMO_EMAIL} 登录；"
        f"资料变更申请 {out['profile_changes']} 项（驳回、通过、待审核各一）")
    return out

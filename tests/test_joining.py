"""网上入会: directory, applications (duplicates, referees, return → resubmit, reject, approve with a unique number),
scope of the society's staff, reminders and escalation, dues, certificates and their verification."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from kexie.accounts.models import User
from kexie.core.services import SYSTEM
from kexie.members.joining import services as svc
from kexie.members.models import ENDED, Membership, Status
from kexie.members.models_joining import (
    ApplicationAction,
    DuesPayment,
    JoinSettings,
    MembershipApplication,
    MembershipCertificate,
)
from kexie.notices.models import Notification
from kexie.orgs.models import Organisation
from kexie.people.models import Discipline, Person
from tests.conftest import login

_seq = itertools.count(1)


def open_society(society, **over) -> JoinSettings:
    data = {"is_open": True, "categories": ["member", "student"], "referees_required": 0, "decision_days": 15,
            "dues": {"member": 200, "student": 50}, "intro": "欢迎加入", "number_prefix": "",
            "disciplines": list(Discipline.objects.filter(parent__isnull=True).order_by("code")[:1])}
    data.update(over)
    return svc.save_settings(SYSTEM, society, data)


def applicant(society) -> tuple[User, Person]:
    """A fresh account linked to a registry person who is not (yet) a member of ``society``."""
    busy = Membership.objects.filter(society=society, deleted_at__isnull=True).exclude(status__in=ENDED)
    person = (Person.objects.filter(user__isnull=True, deleted_at__isnull=True)
              .exclude(pk__in=busy.values("person_id")).exclude(join_applications__society=society)
              .order_by("-id").first())
    user = User.objects.create(username=f"joiner-{next(_seq)}")
    Person.objects.filter(pk=person.pk).update(user=user)
    person.refresh_from_db()
    return user, person


@pytest.fixture
def setup(province):
    society = province["society"]
    s = open_society(society)
    user, person = applicant(society)
    staff = province["users"]["demo-society"]
    return {"society": society, "settings": s, "user": user, "person": person, "staff": staff}


def _apply(setup, **kw):
    return svc.apply(setup["user"], setup["society"], category=kw.pop("category", "member"),
                     statement=kw.pop("statement", "从事化学研究十年，希望入会。"), **kw)


@pytest.mark.django_db
def test_apply_and_approve_issues_a_unique_number_and_a_membership_in_good_standing(setup):
    app = _apply(setup)
    assert app.status == "submitted" and app.due_at > timezone.now() + dt.timedelta(days=14)
    staff_notice = Notification.objects.filter(user=setup["staff"], key=f"members-application-{app.pk}").get()
    assert setup["society"].name in staff_notice.title
    m = svc.approve(setup["staff"], app)
    app.refresh_from_db()
    assert app.status == "approved" and app.membership == m and app.decided_by == setup["staff"]
    year = timezone.localdate().year
    assert m.number.startswith(f"{setup['society'].code}-{year}-")
    assert m.status in (Status.NEW, Status.CURRENT) and m.dues_paid_through == dt.date(year, 12, 31)
    note = Notification.objects.get(user=setup["user"], key=f"members-result-{app.pk}")
    assert note.title == f"入会申请已通过：{setup['society'].name}"
    # a second approval elsewhere in the society gets the next number, never the same
    user2, _p2 = applicant(setup["society"])
    m2 = svc.approve(setup["staff"], svc.apply(user2, setup["society"], category="student", statement="学生"))
    assert m2.number != m.number and m2.number[:-5] == m.number[:-5]
    assert int(m2.number[-5:]) == int(m.number[-5:]) + 1
    # already a member: refused with a message
    with pytest.raises(ValidationError, match="已是"):
        _apply(setup)


@pytest.mark.django_db
def test_one_open_application_per_person_and_society(setup):
    _apply(setup)
    with pytest.raises(ValidationError, match="已向"):
        _apply(setup)
    assert MembershipApplication.objects.filter(person=setup["person"], society=setup["society"]).count() == 1
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the rule too
        MembershipApplication.objects.create(person=setup["person"], society=setup["society"],
                                             org_path=setup["society"].path, statement="x",
                                             submitted_at=timezone.now(), due_at=timezone.now())


@pytest.mark.django_db
def test_referees_required_and_checked(setup):
    open_society(setup["society"], referees_required=2)
    with pytest.raises(ValidationError, match="2 位推荐人"):
        _apply(setup, referees=[svc.RefereeInput("李四", "某大学", "13800001111")])
    with pytest.raises(ValidationError, match="格式不正确"):
        _apply(setup, referees=[svc.RefereeInput("李四", "某大学", "13800001111"),
                                svc.RefereeInput("王五", "某研究所", "12345")])
    assert not MembershipApplication.objects.filter(person=setup["person"]).exists()
    app = _apply(setup, referees=[svc.RefereeInput("李四", "某大学", "13800001111"),
                                  svc.RefereeInput("王五", "某研究所", "13900002222")])
    refs = list(app.referees.all())
    assert [r.name for r in refs] == ["李四", "王五"] and refs[0].phone_masked != "13800001111"


@pytest.mark.django_db
def test_return_then_resubmit_then_reject_with_reason(setup):
    app = _apply(setup)
    with pytest.raises(ValidationError, match="理由"):
        svc.return_(setup["staff"], app, "  ")
    svc.return_(setup["staff"], app, "请补充主要科研成果。")
    app.refresh_from_db()
    assert app.status == "returned" and app.reason == "请补充主要科研成果。"
    note = Notification.objects.filter(user=setup["user"], key__startswith=f"members-result-{app.pk}").get()
    assert setup["society"].name in note.title and note.body == "请补充主要科研成果。"
    with pytest.raises(ValidationError):
        svc.approve(setup["staff"], app)  # returned: not approvable until resubmitted
    with pytest.raises(PermissionDenied):
        svc.resubmit(setup["staff"], app, category="member", statement="x")  # only the applicant
    svc.resubmit(setup["user"], app, category="member", statement="补充：主持省级课题两项。")
    app.refresh_from_db()
    assert app.status == "submitted" and app.reason == "" and "课题" in app.statement
    svc.reject(setup["staff"], app, "不符合入会条件。")
    app.refresh_from_db()
    assert app.status == "rejected"
    assert Notification.objects.filter(user=setup["user"], title=f"入会申请未通过：{setup['society'].name}").exists()
    actions = list(app.events.values_list("action", flat=True))
    assert actions == ["submitted", "returned", "resubmitted", "rejected"]
    # rejected: the person may apply again
    assert _apply(setup).status == "submitted"


@pytest.mark.django_db
def test_out_of_scope_staff_and_strangers_are_refused(setup, province):
    app = _apply(setup)
    for name in ("demo-city-a", "demo-city-b", "demo-scientist"):
        with pytest.raises(PermissionDenied):
            svc.approve(province["users"][name], app)
    app.refresh_from_db()
    assert app.status == "submitted"
    client = login("demo-city-b")
    assert client.get(reverse("members:application", args=[app.pk])).status_code == 404
    resp = client.post(reverse("members:application-act", args=[app.pk]), {"action": "approve"})
    assert resp.status_code == 404
    app.refresh_from_db()
    assert app.status == "submitted"


@pytest.mark.django_db
def test_apply_needs_a_linked_person_and_an_open_society(setup, province):
    with pytest.raises(PermissionDenied, match="实名认证"):
        svc.apply(province["users"]["demo-city-a"], setup["society"], category="member", statement="x")
    client = login("demo-city-a")
    resp = client.get(reverse("members:apply", args=[setup["society"].pk]))
    assert resp.status_code == 200 and "实名认证" in resp.content.decode()
    open_society(setup["society"], is_open=False)
    with pytest.raises(ValidationError, match="暂未开放"):
        _apply(setup)
    with pytest.raises(ValidationError, match="类别"):
        open_society(setup["society"])
        _apply(setup, category="fellow")


@pytest.mark.django_db
def test_reminder_then_escalation_once_each(setup, province):
    app = _apply(setup)
    # the demo's own pending application falls due a year later: the counts below are this application's
    MembershipApplication.objects.exclude(pk=app.pk).update(due_at=app.due_at + dt.timedelta(days=365))
    now = timezone.now()
    assert svc.remind_and_escalate(now) == {"reminded": 0, "escalated": 0}
    soon = app.due_at - dt.timedelta(days=1)
    assert svc.remind_and_escalate(soon) == {"reminded": 1, "escalated": 0}
    assert svc.remind_and_escalate(soon) == {"reminded": 0, "escalated": 0}
    late = app.due_at + dt.timedelta(hours=1)
    assert svc.remind_and_escalate(late) == {"reminded": 0, "escalated": 1}
    assert svc.remind_and_escalate(late + dt.timedelta(days=3)) == {"reminded": 0, "escalated": 0}
    root_staff = province["users"]["demo-province"]  # the society sits under the provincial association
    overdue = Notification.objects.filter(key__startswith=f"members-application-overdue-{app.pk}")
    assert overdue.filter(user=root_staff).count() == 1 and overdue.filter(user=setup["staff"]).count() == 1
    assert setup["society"].name in overdue.first().title
    assert list(app.events.filter(action__in=[ApplicationAction.REMINDED, ApplicationAction.ESCALATED])
                .values_list("action", flat=True)) == ["reminded", "escalated"]


@pytest.mark.django_db
def test_dues_extend_paid_through_and_receipts_are_unique(setup, province):
    m = svc.approve(setup["staff"], _apply(setup))
    year = timezone.localdate().year
    p = svc.record_payment(setup["staff"], m, period=year + 1, amount=200, receipt_number="R-0001")
    m.refresh_from_db()
    assert m.dues_paid_through == dt.date(year + 1, 12, 31) and p.method == "manual"
    with pytest.raises(ValidationError, match="已登记"):
        svc.record_payment(setup["staff"], m, period=year + 2, amount=200, receipt_number="R-0001")
    svc.record_payment(setup["staff"], m, period=year, amount=200, receipt_number="R-0002")  # earlier year
    m.refresh_from_db()
    assert m.dues_paid_through == dt.date(year + 1, 12, 31)  # never moved back
    assert DuesPayment.objects.filter(membership=m).count() == 2
    with pytest.raises(PermissionDenied):
        svc.record_payment(province["users"]["demo-city-b"], m, period=year + 3, amount=1, receipt_number="R-9")


@pytest.mark.django_db
def test_renewal_reminder_once_per_period(setup):
    m = svc.approve(setup["staff"], _apply(setup))
    today = m.dues_paid_through - dt.timedelta(days=10)
    mine = Notification.objects.filter(user=setup["user"], title__startswith="会费即将到期")
    svc.renewal_reminders(m.dues_paid_through - dt.timedelta(days=45))  # too early for this member
    assert not mine.exists()
    assert svc.renewal_reminders(today)["reminded"] >= 1
    assert mine.count() == 1 and setup["society"].name in mine.get().title
    assert svc.renewal_reminders(today + dt.timedelta(days=1)) == {"reminded": 0}  # once per period, for everyone
    assert mine.count() == 1


@pytest.mark.django_db
def test_certificate_verify_valid_revoked_unknown(setup, province):
    m = svc.approve(setup["staff"], _apply(setup))
    with pytest.raises(PermissionDenied):
        svc.certificate_for(province["users"]["demo-city-b"], m)
    cert = svc.certificate_for(setup["user"], m)
    assert svc.certificate_for(setup["user"], m) == cert  # the same certificate, not a new one each time
    v = svc.verify(cert.display_code.lower())
    name = setup["person"].name
    assert v.state == "valid" and v.number == m.number and v.society == setup["society"].name
    assert v.name != name and v.name[0] == name[0]
    anon = __import__("django.test", fromlist=["Client"]).Client()
    body = anon.get(reverse("members:verify"), {"code": cert.code}).content.decode()
    assert "证书有效" in body and m.number in body and name not in body
    Membership.objects.filter(pk=m.pk).update(status=Status.EXPIRED)
    assert svc.verify(cert.code).state == "expired"
    Membership.objects.filter(pk=m.pk).update(status=Status.CURRENT)
    svc.revoke_certificate(setup["staff"], cert)
    assert svc.verify(cert.code).state == "revoked"
    assert svc.verify("ABCD-EFGH-JKLM-NPQR").state == "unknown"
    assert svc.verify("<script>").state == "unknown"
    assert "未找到" in anon.get(reverse("members:verify-code", args=["NOPE"])).content.decode()
    assert MembershipCertificate.objects.filter(membership=m, revoked_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_directory_filters_and_recommendations(setup, province):
    society = setup["society"]
    code = setup["settings"].disciplines.first().code
    anon = __import__("django.test", fromlist=["Client"]).Client()
    resp = anon.get(reverse("members:societies"), {"discipline": code})
    assert resp.status_code == 200 and society.name in resp.content.decode()
    other = Discipline.objects.filter(parent__isnull=True).exclude(code=code).first()
    assert society.name not in anon.get(reverse("members:societies"), {"discipline": other.code}).content.decode()
    assert anon.get(reverse("members:societies"), {"discipline": "x" * 50, "region": "<b>"}).status_code == 200
    # applying asks an anonymous visitor to sign in
    assert anon.get(reverse("members:apply", args=[society.pk])).status_code == 302
    # the person's disciplines recommend the society
    from kexie.people.models import PersonDiscipline

    PersonDiscipline.objects.get_or_create(person=setup["person"], discipline=setup["settings"].disciplines.first())
    assert society.pk in [s.society_id for s in svc.recommendations(setup["person"])]
    _apply(setup)
    assert society.pk not in [s.society_id for s in svc.recommendations(setup["person"])]
    # a closed society leaves the directory
    open_society(society, is_open=False)
    assert not svc.directory().filter(society=society).exists()


@pytest.mark.django_db
def test_settings_page_is_the_staff_s_and_only_for_joinable_kinds(setup, province):
    client = login("demo-society")
    url = reverse("members:join-settings", args=[setup["society"].pk])
    resp = client.post(url, {"is_open": "on", "categories": ["member", "senior"], "referees_required": "1",
                             "decision_days": "10", "dues_member": "300", "dues_senior": "500",
                             "number_prefix": "HX", "intro": "须知", "disciplines": []})
    assert resp.status_code == 302
    s = JoinSettings.objects.get(society=setup["society"])
    assert s.categories == ["member", "senior"] and s.dues == {"member": 300, "senior": 500}
    assert s.referees_required == 1 and s.decision_days == 10 and s.number_prefix == "HX"
    bad = client.post(url, {"is_open": "on", "categories": [], "decision_days": "0", "referees_required": "9"})
    assert bad.status_code == 400
    assert login("demo-city-b").get(url).status_code == 404
    root = Organisation.objects.get(pk=province["root"].pk)
    assert login("demo-province").get(reverse("members:join-settings", args=[root.pk])).status_code == 404


@pytest.mark.django_db
def test_pages_for_applicant_and_staff(setup):
    from django.test import Client

    applicant_client = Client()
    applicant_client.force_login(setup["user"])
    resp = applicant_client.post(reverse("members:apply", args=[setup["society"].pk]), {
        "category": "member", "statement": "网页申请", "ref-TOTAL_FORMS": "0", "ref-INITIAL_FORMS": "0"})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    app = MembershipApplication.objects.get(person=setup["person"], society=setup["society"])
    assert applicant_client.get(reverse("members:my-applications")).status_code == 200
    staff = login("demo-society")
    queue = staff.get(reverse("members:queue"), {"status": "submitted"})
    assert queue.status_code == 200 and setup["person"].name in queue.content.decode()
    assert staff.get(reverse("members:queue-export")).status_code == 200
    resp = staff.post(reverse("members:application-act", args=[app.pk]), {"action": "return", "reason": ""})
    app.refresh_from_db()
    assert app.status == "submitted"  # no reason: refused, nothing changed
    staff.post(reverse("members:application-act", args=[app.pk]), {"action": "approve"})
    app.refresh_from_db()
    assert app.status == "approved"
    card = applicant_client.get(reverse("members:card", args=[app.membership_id]))
    assert card.status_code == 200 and app.membership.number in card.content.decode()
    pdf = applicant_client.get(reverse("members:certificate", args=[app.membership_id]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert login("demo-city-b").get(reverse("members:card", args=[app.membership_id])).status_code == 404
    dues = staff.post(reverse("members:dues", args=[app.membership_id]),
                      {"period": str(timezone.localdate().year + 1), "amount": "200", "receipt_number": "SJ-1",
                       "method": "transfer", "paid_on": timezone.localdate().isoformat()})
    assert dues.status_code == 302


@pytest.mark.django_db
def test_demo_seeds_settings_a_pending_application_a_payment_and_a_certificate(province):
    from kexie.demo.joining import seed_joining

    society = province["society"]

    class Gen:
        societies = [(society, "150")]
        today = timezone.localdate()

    lines: list[str] = []
    seed_joining(Gen(), log=lines.append)
    assert lines and "网上入会" in lines[0]
    assert JoinSettings.objects.for_public().filter(society=society).exists()
    assert MembershipApplication.objects.filter(society=society, status="submitted").exists()
    m = Membership.objects.filter(person__user=province["users"]["demo-scientist"], society=society).get()
    assert DuesPayment.objects.filter(membership=m).exists()
    cert = MembershipCertificate.objects.get(membership=m, revoked_at__isnull=True)
    assert svc.verify(cert.code).state == "valid"
    seed_joining(Gen(), log=lines.append)  # again: nothing twice
    assert MembershipCertificate.objects.filter(membership=m).count() == 1
    assert DuesPayment.objects.filter(membership=m).count() == 1
    client = login("demo-scientist")
    assert client.get(reverse("members:card", args=[m.pk])).status_code == 200
    queue = login("demo-society").get(reverse("members:queue"))
    assert queue.status_code == 200 and "待审批" in queue.content.decode()


@pytest.mark.django_db
def test_services_refuse_every_status_outside_the_table(setup):
    flow = MembershipApplication.WORKFLOW
    app = _apply(setup)
    calls = {"approve": lambda: svc.approve(setup["staff"], app),
             "return": lambda: svc.return_(setup["staff"], app, "理由"),
             "reject": lambda: svc.reject(setup["staff"], app, "理由"),
             "withdraw": lambda: svc.withdraw(setup["user"], app),
             "resubmit": lambda: svc.resubmit(setup["user"], app, category="member", statement="再次提交")}
    for name, call in calls.items():
        for status in [s for s in flow.statuses.values if s not in flow.sources(name)]:
            MembershipApplication.objects.filter(pk=app.pk).update(status=status)
            events = app.events.count()
            with pytest.raises(ValidationError) as exc:
                call()
            assert any("\u4e00" <= ch <= "\u9fff" for ch in " ".join(exc.value.messages)), (name, status)
            app.refresh_from_db()
            assert app.status == status and app.events.count() == events, (name, status)
    assert flow["reject"].confirm and flow["withdraw"].confirm

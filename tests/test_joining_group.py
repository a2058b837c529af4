"""单位入会 (decision 0036): a unit applies online to become a group member of a society — validation in Chinese,
one open application per unit and society, linking to the tree or the innovation registry by credit code, the
society's queue (tab, export), approve → GroupMembership, return → resubmit, reject with a reason, scope of the
staff, deadline reminders, and what the applicant sees on 我的."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from kexie.accounts.models import User
from kexie.core.services import SYSTEM
from kexie.core.validators import uscc_check_char
from kexie.members.joining import group_services as gsvc
from kexie.members.joining import services as svc
from kexie.members.joining.tasks import joining_deadlines_task
from kexie.members.models import ENDED, GroupMembership, Status
from kexie.members.models_joining import ApplicationAction, GroupApplication, JoinSettings
from kexie.notices.models import Notification
from kexie.orgs.models import Organisation, Region
from tests.conftest import login

_seq = itertools.count(1)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def code(n: int | None = None) -> str:
    """A valid GB 32100 credit code no other test uses."""
    first17 = f"91340100MA{(n if n is not None else 3000000 + next(_seq)):07d}"
    return first17 + uscc_check_char(first17)


def open_for_groups(society, accepts: bool = True) -> JoinSettings:
    return svc.save_settings(SYSTEM, society, {
        "is_open": True, "categories": ["member"], "referees_required": 0, "decision_days": 15,
        "dues": {"member": 200}, "intro": "欢迎加入", "number_prefix": "", "disciplines": [],
        "accepts_groups": accepts})


def account() -> User:
    return User.objects.create(username=f"unit-agent-{next(_seq)}", display_name="周经办")


def region() -> Region:
    return Region.objects.filter(level__in=("city", "county")).order_by("code").first()


def unit(uscc: str, **over) -> gsvc.UnitInput:
    data = {"unit_name": "澜州精密仪器有限公司", "unit_uscc": uscc, "unit_kind": "enterprise", "region": region(),
            "contact_name": "周海峰", "contact_phone": "13905510188", "statement": "本单位有工程技术人员六十余人，申请入会。"}
    data.update(over)
    return gsvc.UnitInput(**data)


def form_data(uscc: str, **over) -> dict:
    data = {"unit_name": "澜州精密仪器有限公司", "unit_uscc": uscc, "unit_kind": "enterprise", "region": region().pk,
            "contact_name": "周海峰", "contact_phone": "13905510188", "statement": "本单位有工程技术人员六十余人，申请入会。"}
    data.update(over)
    return data


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Letters go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def setup(province):
    society = province["society"]
    open_for_groups(society)
    user = account()
    client = login(user.username)
    return {"society": society, "staff": province["users"]["demo-society"], "user": user, "client": client}


def _messages(resp) -> str:
    return resp.content.decode()


def _xlsx_cells(resp) -> list[list]:
    content = b"".join(resp.streaming_content) if resp.streaming else resp.content
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [list(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_a_unit_in_the_tree_applies_with_a_letter_and_the_society_approves(setup, province):
    society, staff, user, client = setup["society"], setup["staff"], setup["user"], setup["client"]
    busy = GroupMembership.objects.filter(society=society, deleted_at__isnull=True).exclude(status__in=ENDED)
    org = (Organisation.objects.filter(kind__code="university_kx", deleted_at__isnull=True)
           .exclude(pk__in=busy.values("member_id")).order_by("path").first())
    uscc = code()
    Organisation.objects.filter(pk=org.pk).update(uscc=uscc)
    url = reverse("members:group-apply", args=[society.pk])
    page = client.get(url)
    assert page.status_code == 200 and "统一社会信用代码" in page.content.decode()
    resp = client.post(url, {**form_data(uscc.lower(), unit_name=org.name, unit_kind="university"),
                             "letter": SimpleUploadedFile("公函.pdf", PDF, content_type="application/pdf")})
    assert resp.status_code == 302, _messages(resp)
    app = GroupApplication.objects.get(unit_uscc=uscc, society=society)
    assert resp["Location"] == reverse("members:group-application", args=[app.pk])
    assert app.organisation == org and app.status == "submitted" and app.letter_name == "公函.pdf"
    assert app.due_at > timezone.now() + dt.timedelta(days=14)
    # the phone is encrypted at rest and masked on the staff's pages
    with connection.cursor() as cur:
        cur.execute("SELECT contact_phone FROM members_groupapplication WHERE id = %s", [app.pk])
        assert "13905510188" not in cur.fetchone()[0]
    notice = Notification.objects.get(user=staff, key=f"members-application-group-{app.pk}")
    assert org.name in notice.title
    staff_client = login("demo-society")
    queue = staff_client.get(reverse("members:queue") + "?kind=group").content.decode()
    assert org.name in queue and "13905510188" not in queue and "139******88" in queue
    detail = staff_client.get(reverse("members:group-application", args=[app.pk])).content.decode()
    assert "13905510188" not in detail and 'value="approve"' in detail
    letter = staff_client.get(reverse("members:group-letter", args=[app.pk]))
    assert letter.status_code == 200 and b"".join(letter.streaming_content) == PDF
    # approve through the page: a group membership in good standing with a number, linked to the organisation
    resp = staff_client.post(reverse("members:group-application-act", args=[app.pk]), {"action": "approve"})
    assert resp.status_code == 302
    app.refresh_from_db()
    gm = app.group_membership
    year = timezone.localdate().year
    assert app.status == "approved" and gm.member == org and gm.society == society and gm.unit_uscc == uscc
    assert gm.number.startswith(f"{society.code}-G{year}-") and gm.status in (Status.NEW, Status.CURRENT)
    assert gm.dues_paid_through == dt.date(year, 12, 31) and gm.representative == "周海峰"
    assert [e.action for e in app.events.all()] == [ApplicationAction.SUBMITTED, ApplicationAction.APPROVED]
    result = Notification.objects.get(user=user, key=f"members-result-group-{app.pk}")
    assert result.title.startswith("单位入会申请已通过") and gm.number in result.body
    # the applicant sees it (and the number) on 我的 and on the joining page
    me = client.get(reverse("me")).content.decode()
    assert org.name in me and gm.number in me
    mine = client.get(reverse("members:my-applications")).content.decode()
    assert gm.number in mine and "已批准" in mine
    # the unit is now a member: a new application is refused
    with pytest.raises(ValidationError, match="已是"):
        gsvc.apply_group(account(), society, unit(uscc, unit_name=org.name))


@pytest.mark.django_db
def test_bad_input_gets_chinese_messages_and_nothing_is_saved(setup):
    client, url = setup["client"], reverse("members:group-apply", args=[setup["society"].pk])
    bad_check = code()[:17] + ("0" if code()[17] != "0" else "1")
    cases = [
        (form_data(bad_check), "统一社会信用代码校验位不正确"),
        (form_data("12345"), "统一社会信用代码应为18位"),
        (form_data(code(), contact_phone="12345"), "联系人电话格式不正确"),
        (form_data(code(), unit_name=""), "请填写单位名称"),
        (form_data(code(), unit_kind=""), "请选择单位类型"),
        (form_data(code(), region="999999999"), "请选择列表中的地区"),
        ({**form_data(code()), "letter": SimpleUploadedFile("公函.pdf", b"not a pdf at all")}, "内容与文件类型不符"),
        ({**form_data(code()), "letter": SimpleUploadedFile("公函.exe", b"MZ")}, "只接受 PDF、PNG 或 JPG"),
        ({**form_data(code()), "letter": SimpleUploadedFile("大.pdf", PDF + b"0" * (5 * 1024 * 1024))},
         "不能超过 5 MB"),
    ]
    for data, message in cases:
        resp = client.post(url, data)
        assert resp.status_code == 400, message
        assert message in resp.content.decode(), message
    assert not GroupApplication.objects.filter(applicant=setup["user"]).exists()


@pytest.mark.django_db
def test_one_open_application_per_unit_and_society(setup):
    society, uscc = setup["society"], code()
    gsvc.apply_group(setup["user"], society, unit(uscc))
    with pytest.raises(ValidationError, match="已向"):
        gsvc.apply_group(account(), society, unit(uscc, unit_name="另一个名字"))
    resp = setup["client"].post(reverse("members:group-apply", args=[society.pk]), form_data(uscc))
    assert resp.status_code == 400 and "该单位已向" in resp.content.decode()
    assert GroupApplication.objects.filter(unit_uscc=uscc, society=society).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the rule too
        GroupApplication.objects.create(applicant=setup["user"], society=society, org_path=society.path,
                                        unit_name="x", unit_uscc=uscc, unit_kind="other", contact_name="x",
                                        contact_phone="13900000000", statement="x", submitted_at=timezone.now(),
                                        due_at=timezone.now())


@pytest.mark.django_db
def test_city_b_staff_cannot_see_or_decide_it(setup, province):
    app = gsvc.apply_group(setup["user"], setup["society"], unit(code(), unit_name="澜州保密测试单位有限公司"))
    for name in ("demo-city-b", "demo-scientist"):
        c = login(name)
        for url in (reverse("members:group-application", args=[app.pk]),
                    reverse("members:group-letter", args=[app.pk]),
                    reverse("members:group-application-edit", args=[app.pk])):
            assert c.get(url).status_code == 404, (name, url)
        assert c.post(reverse("members:group-application-act", args=[app.pk]),
                      {"action": "approve"}).status_code == 404
    b = login("demo-city-b")
    assert "澜州保密测试单位" not in b.get(reverse("members:queue") + "?kind=group").content.decode()
    export = b.get(reverse("members:queue-export") + "?kind=group")
    if export.status_code == 200:
        cells = {str(v) for row in _xlsx_cells(export) for v in row}
        assert "澜州保密测试单位有限公司" not in cells
    with pytest.raises(PermissionDenied):
        gsvc.approve_group(province["users"]["demo-city-b"], app)
    app.refresh_from_db()
    assert app.status == "submitted" and not GroupMembership.objects.filter(unit_uscc=app.unit_uscc).exists()


@pytest.mark.django_db
def test_reject_needs_a_reason_and_return_leads_to_resubmission(setup):
    society, client, staff_client = setup["society"], setup["client"], login("demo-society")
    app = gsvc.apply_group(setup["user"], society, unit(code()))
    act = reverse("members:group-application-act", args=[app.pk])
    resp = staff_client.post(act, {"action": "reject", "reason": ""}, follow=True)
    assert "请填写理由，申请单位会看到它。" in resp.content.decode()
    app.refresh_from_db()
    assert app.status == "submitted"
    # return with a reason; the applicant corrects the name and resubmits through the form
    staff_client.post(act, {"action": "return", "reason": "请上传加盖公章的入会申请函"})
    app.refresh_from_db()
    assert app.status == "returned" and app.reason == "请上传加盖公章的入会申请函"
    assert Notification.objects.filter(user=setup["user"], key__startswith=f"members-result-group-{app.pk}-r").exists()
    edit = reverse("members:group-application-edit", args=[app.pk])
    assert "请上传加盖公章的入会申请函" in client.get(edit).content.decode()
    resp = client.post(edit, {**form_data(app.unit_uscc, unit_name="澜州精密仪器股份有限公司"),
                              "letter": SimpleUploadedFile("函.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)})
    assert resp.status_code == 302, resp.content.decode()
    app.refresh_from_db()
    assert app.status == "submitted" and app.unit_name == "澜州精密仪器股份有限公司" and app.letter_name == "函.png"
    # reject with a reason: closed, the applicant told why
    staff_client.post(act, {"action": "reject", "reason": "本学会暂不接受该行业单位"})
    app.refresh_from_db()
    assert app.status == "rejected"
    note = Notification.objects.get(user=setup["user"], key=f"members-result-group-{app.pk}-x")
    assert note.body == "本学会暂不接受该行业单位"
    assert not GroupMembership.objects.filter(unit_uscc=app.unit_uscc, society=society).exists()
    # only the applicant may withdraw; a closed one cannot be
    with pytest.raises(ValidationError, match="已办结"):
        gsvc.withdraw_group(setup["user"], app)


@pytest.mark.django_db
def test_a_unit_outside_the_tree_is_linked_to_its_enterprise_and_listed_by_name(setup):
    from kexie.innovation.models import Enterprise

    ent = Enterprise.objects.filter(deleted_at__isnull=True).exclude(
        uscc__in=Organisation.objects.exclude(uscc="").values("uscc")).order_by("pk").first()
    if ent is None:
        pytest.skip("no enterprise in the seeded innovation registry")
    app = gsvc.apply_group(setup["user"], setup["society"], unit(ent.uscc, unit_name=ent.name))
    assert app.enterprise == ent and app.organisation is None
    gm = gsvc.approve_group(setup["staff"], app)
    assert gm.member is None and gm.unit_name == ent.name and gm.display_name == ent.name
    groups = login("demo-society").get(reverse("members:groups")).content.decode()
    assert ent.name in groups


@pytest.mark.django_db
def test_the_society_page_offers_group_joining_only_when_accepted(setup):
    society, client = setup["society"], setup["client"]
    link = reverse("members:group-apply", args=[society.pk])
    assert link in client.get(reverse("members:societies") + f"?q={society.name}").content.decode()
    # staff switch it off on the settings page
    staff_client = login("demo-society")
    page = staff_client.get(reverse("members:join-settings", args=[society.pk])).content.decode()
    assert "接受单位会员网上入会" in page
    resp = staff_client.post(reverse("members:join-settings", args=[society.pk]), {
        "is_open": "on", "categories": ["member"], "referees_required": 0, "decision_days": 15})
    assert resp.status_code == 302
    assert not JoinSettings.objects.get(society=society).accepts_groups
    assert link not in client.get(reverse("members:societies") + f"?q={society.name}").content.decode()
    refused = client.get(link)
    assert refused.status_code == 404 and "暂未开放单位会员网上入会" in refused.content.decode()
    with pytest.raises(ValidationError, match="暂未开放单位会员"):
        gsvc.apply_group(setup["user"], society, unit(code()))


@pytest.mark.django_db
def test_deadline_reminders_and_escalation_cover_group_applications(setup):
    app = gsvc.apply_group(setup["user"], setup["society"], unit(code()))
    GroupApplication.objects.filter(pk=app.pk).update(due_at=timezone.now() + dt.timedelta(days=2))
    counts = joining_deadlines_task.call()
    assert counts["reminded"] >= 1
    assert Notification.objects.filter(user=setup["staff"], key__startswith=f"members-application-group-due-{app.pk}-")
    GroupApplication.objects.filter(pk=app.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert joining_deadlines_task.call()["escalated"] >= 1
    assert joining_deadlines_task.call()["escalated"] == 0  # once per deadline
    actions = list(app.events.values_list("action", flat=True))
    assert actions == ["submitted", "reminded", "escalated"]


@pytest.mark.django_db
def test_the_queue_export_of_group_applications_masks_the_phone(setup):
    app = gsvc.apply_group(setup["user"], setup["society"], unit(code(), unit_name="澜州导出测试有限公司"))
    resp = login("demo-society").get(reverse("members:queue-export") + "?kind=group")
    assert resp.status_code == 200
    rows = _xlsx_cells(resp)
    row = next(r for r in rows if "澜州导出测试有限公司" in r)
    assert app.unit_uscc in row and "139******88" in row and "13905510188" not in row and "待审批" in row


@pytest.mark.django_db
def test_staff_reveal_the_contact_phone_and_every_view_is_logged(setup):
    from kexie.core.models import PiiAccess

    app = gsvc.apply_group(setup["user"], setup["society"], unit(code()))
    url = reverse("members:group-application", args=[app.pk])
    staff_client = login("demo-society")
    assert "13905510188" not in staff_client.get(url).content.decode()
    shown = staff_client.post(url, {"reveal": "contact_phone"}).content.decode()
    assert "13905510188" in shown
    log = PiiAccess.objects.get(object_id=app.pk, field="contact_phone")
    assert log.user == setup["staff"] and log.scope_path == setup["society"].path
    # the applicant's account holds no staff role: refused with the reason, nothing shown
    refused = setup["client"].post(url, {"reveal": "contact_phone"})
    assert refused.status_code == 403 and "13905510188" not in refused.content.decode()
    assert PiiAccess.objects.filter(object_id=app.pk, field="contact_phone").count() == 1


@pytest.mark.django_db
def test_the_demo_society_has_a_pending_group_application_in_its_queue(province):
    society = province["society"]
    app = GroupApplication.objects.filter(society=society, status="submitted").first()
    assert app is not None and app.applicant.username == "demo-enterprise" and app.letter_name
    page = login("demo-society").get(reverse("members:queue") + "?kind=group").content.decode()
    assert app.unit_name in page and reverse("members:group-application", args=[app.pk]) in page
    assert JoinSettings.objects.get(society=society).accepts_groups


@pytest.mark.django_db
def test_malformed_input_gets_an_answer_not_a_server_error(setup):
    app = gsvc.apply_group(setup["user"], setup["society"], unit(code()))
    society = setup["society"].pk
    clients = [setup["client"], login("demo-society"), login("demo-city-b")]
    gets = [f"/members/applications/?kind=group&status=nonsense&q={'x' * 200}", "/members/applications/?kind=%00",
            "/members/applications/export/?kind=group&sort=-nonsense", f"/members/societies/{society}/apply-group/",
            "/members/societies/99999999999999999999/apply-group/", f"/members/applications/groups/{app.pk}/letter/",
            f"/members/applications/groups/{app.pk}/edit/", f"/members/applications/groups/{2**62}/"]
    posts = [(f"/members/societies/{society}/apply-group/", {"region": "abc", "unit_kind": "x" * 50,
                                                             "unit_uscc": "Ｑ" * 40, "contact_phone": "电话"}),
             (f"/members/applications/groups/{app.pk}/act/", {"action": "explode"}),
             (f"/members/applications/groups/{app.pk}/act/", {"action": "reject", "reason": "x" * 600}),
             (f"/members/applications/groups/{app.pk}/", {"reveal": "id_number"}),
             (f"/members/applications/groups/{app.pk}/edit/", {"unit_name": ""})]
    for client in clients:
        for url in gets:
            assert client.get(url).status_code < 500, url
        for url, data in posts:
            assert client.post(url, data).status_code < 500, url
    app.refresh_from_db()
    assert app.status == "submitted"

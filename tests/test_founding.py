"""网上组建企业（园区）科协 (decision 0037): the one-page form and its Chinese errors, duplicates refused, the parent's
scope, approval creating the organisation under the parent with the applicant as its administrator, return and
resubmission, rejection with a reason, the private attachment, the entry points."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kexie.accounts.models import RoleAssignment, User
from kexie.core.validators import uscc_check_char
from kexie.innovation.models import Enterprise
from kexie.notices.models import Notification
from kexie.orgs.founding import services as svc
from kexie.orgs.models import Organisation
from kexie.orgs.models_founding import FormationAction, FormationRequest, FormationStatus
from kexie.orgs.widgets import shown
from tests.conftest import login

_seq = itertools.count(1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def new_uscc() -> str:
    """A valid credit code no organisation or enterprise of the seeded province holds."""
    while True:
        first17 = f"91990100KX{next(_seq):07d}"
        code = first17 + uscc_check_char(first17)
        if not (Organisation.objects.filter(uscc=code).exists() or Enterprise.objects.filter(uscc=code).exists()):
            return code


def applicant(name: str = "") -> User:
    return User.objects.create_user(name or f"founder-{next(_seq)}", password="x", display_name="企业联系人")


def data(parent: Organisation, **over) -> svc.FormationInput:
    values = dict(kind="enterprise_kx", parent=parent, enterprise_name=f"测试精密机械有限公司{next(_seq)}",
                  uscc=new_uscc(), proposed_name="", scientists=30, chair_name="赵工", chair_phone="13912345678",
                  secretary_name="钱工", secretary_phone="0551-65432100", meeting_on=timezone.localdate())
    values.update(over)
    return svc.FormationInput(**values)


def post_data(org: Organisation, /, **over) -> dict:
    values = {"kind": "enterprise_kx", "enterprise_name": f"测试电子科技有限公司{next(_seq)}", "uscc": new_uscc(),
              "parent": shown(org), "proposed_name": "", "scientists": "25", "chair_name": "孙工",
              "chair_phone": "13812345678", "secretary_name": "李工", "secretary_phone": "13712345678",
              "meeting_on": timezone.localdate().isoformat()}
    values.update(over)
    return values


def client_of(user: User):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


# ---- the form --------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_form_explains_every_mistake_in_chinese(province):
    user = applicant()
    c = client_of(user)
    assert c.get(reverse("orgs:founding-apply")).status_code == 200
    r = c.post(reverse("orgs:founding-apply"), {})
    assert r.status_code == 400
    html = r.content.decode()
    assert html.count("该字段是必填项") >= 8 and "请选择上级科协" in html
    bad = post_data(province["city_a"], uscc="91990100MA0000000X", chair_phone="12345",
                    meeting_on=(timezone.localdate() + dt.timedelta(days=800)).isoformat(),
                    parent="某某不存在的科协", scientists="0")
    html = c.post(reverse("orgs:founding-apply"), bad).content.decode()
    assert "统一社会信用代码" in html and ("校验位不正确" in html or "应为18位" in html)
    assert "找不到“某某不存在的科协”" in html
    assert "确保该值大于或等于1" in html  # 科技工作者人数 0
    assert not FormationRequest.objects.filter(applicant=user).exists()
    # the form is valid, the service refuses: phone and meeting date, in Chinese
    html = c.post(reverse("orgs:founding-apply"), post_data(
        province["city_a"], chair_phone="12345",
        meeting_on=(timezone.localdate() + dt.timedelta(days=800)).isoformat())).content.decode()
    assert "拟任主席的联系电话格式不正确" in html and "成立大会日期应在一年之内" in html
    assert not FormationRequest.objects.filter(applicant=user).exists()


@pytest.mark.django_db
def test_a_society_or_a_province_is_not_a_parent(province):
    c = client_of(applicant())
    for org in (province["society"], province["root"]):
        html = c.post(reverse("orgs:founding-apply"), post_data(org)).content.decode()
        assert "上级应为所在市、县（市、区）科协或园区科协" in html
    suggestions = c.get(reverse("orgs:founding-parents"), {"field": "parent", "list": "x", "parent": "科学技术协会"})
    text = suggestions.content.decode()
    assert province["city_a"].name in text and province["root"].name not in text
    assert province["society"].name not in text


@pytest.mark.django_db
def test_a_park_association_is_founded_under_a_city_or_county_not_a_park(province):
    park = Organisation.objects.filter(kind__code="park_kx", path__startswith=province["city_a"].path).first()
    with pytest.raises(ValidationError, match="园区科协应在市或县"):
        svc.submit(applicant(), data(park, kind="park_kx"))
    req = svc.submit(applicant(), data(park))  # an enterprise in the park: under the park's 科协
    assert req.parent == park and req.proposed_name.endswith("科协")


@pytest.mark.django_db
def test_submit_through_the_page_defaults_the_name_links_the_enterprise_and_tells_the_parent(province):
    ent = Enterprise.objects.exclude(formation_requests__isnull=False).order_by("pk").first()
    user = applicant()
    c = client_of(user)
    values = post_data(province["city_a"], enterprise_name=ent.name, uscc=ent.uscc.lower())
    r = c.post(reverse("orgs:founding-apply"), {**values, "attachment": SimpleUploadedFile("纪要.pdf", PDF)})
    req = FormationRequest.objects.get(applicant=user)
    assert r.status_code == 302 and r["Location"] == reverse("orgs:founding-request", args=[req.pk])
    assert req.proposed_name == f"{ent.name}科协" and req.enterprise == ent and req.uscc == ent.uscc
    assert req.status == FormationStatus.SUBMITTED and req.org_path == province["city_a"].path
    with connection.cursor() as cursor:
        cursor.execute("SELECT chair_phone FROM orgs_formationrequest WHERE id = %s", [req.pk])
        raw = cursor.fetchone()[0]
    assert "13812345678" not in raw  # encrypted at rest
    page = c.get(reverse("orgs:founding-request", args=[req.pk])).content.decode()
    assert "13812345678" not in page and "138******78" in page  # masked (decision 0015)
    assert Notification.objects.filter(user=province["users"]["demo-city-a"], url__endswith=f"/founding/{req.pk}/",
                                       title__contains=req.proposed_name).exists()
    # the attachment is private: the applicant and the parent's staff download it, another city does not
    assert c.get(reverse("orgs:founding-attachment", args=[req.pk])).status_code == 200
    assert login("demo-city-a").get(reverse("orgs:founding-attachment", args=[req.pk])).status_code == 200
    assert login("demo-city-b").get(reverse("orgs:founding-attachment", args=[req.pk])).status_code == 404


@pytest.mark.django_db
def test_an_attachment_must_be_a_real_small_pdf_or_image(province):
    c = client_of(applicant())
    for upload, message in ((SimpleUploadedFile("x.exe", b"MZ"), "只能是 PDF、JPG 或 PNG"),
                            (SimpleUploadedFile("x.pdf", b"not a pdf"), "内容与文件类型不符"),
                            (SimpleUploadedFile("x.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024)), "不能超过 10 MB")):
        r = c.post(reverse("orgs:founding-apply"), {**post_data(province["city_a"]), "attachment": upload})
        assert r.status_code == 400 and message in r.content.decode()


# ---- duplicates ------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_duplicates_are_refused(province):
    city = province["city_a"]
    first = svc.submit(applicant(), data(city))
    with pytest.raises(ValidationError, match="已有待办理的组建申请"):
        svc.submit(applicant(), data(province["city_b"], uscc=first.uscc))
    with pytest.raises(ValidationError, match="待办理组建申请，请换一个名称"):
        svc.submit(applicant(), data(city, proposed_name=first.proposed_name))
    registered = Organisation.objects.exclude(uscc="").filter(path__startswith=city.path).first()
    with pytest.raises(ValidationError, match="已登记为组织"):
        svc.submit(applicant(), data(city, uscc=registered.uscc))
    child = Organisation.objects.filter(path__startswith=city.path, depth=city.depth + 1).first()
    with pytest.raises(ValidationError, match="下已有名为"):
        svc.submit(applicant(), data(city, proposed_name=child.name))
    # through the page: the refusal is a Chinese message on the form, not a 500
    html = client_of(applicant()).post(reverse("orgs:founding-apply"), post_data(city, uscc=first.uscc)).content
    assert "已有待办理的组建申请" in html.decode()
    # a closed request no longer blocks the code
    svc.reject(province["users"]["demo-city-a"], first, "材料不全")
    assert svc.submit(applicant(), data(city, uscc=first.uscc)).status == FormationStatus.SUBMITTED


# ---- scope -----------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_another_citys_staff_neither_see_nor_decide(province):
    req = svc.submit(applicant(), data(province["city_a"]))
    b = login("demo-city-b")
    assert b.get(reverse("orgs:founding-request", args=[req.pk])).status_code == 404
    assert b.post(reverse("orgs:founding-act", args=[req.pk]), {"action": "approve"}).status_code == 404
    assert req.proposed_name not in b.get(reverse("orgs:founding-queue")).content.decode()
    with pytest.raises(PermissionDenied):
        svc.approve(province["users"]["demo-city-b"], req)
    a_queue = login("demo-city-a").get(reverse("orgs:founding-queue")).content.decode()
    assert req.proposed_name in a_queue
    # another individual cannot open someone else's request
    assert client_of(applicant()).get(reverse("orgs:founding-request", args=[req.pk])).status_code == 404
    req.refresh_from_db()
    assert req.status == FormationStatus.SUBMITTED


# ---- decisions -------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_approval_creates_the_association_under_the_parent_and_makes_the_applicant_its_administrator(province):
    city = province["city_a"]
    user = applicant()
    req = svc.submit(user, data(city, meeting_on=timezone.localdate() - dt.timedelta(days=3)))
    staff = login("demo-city-a")
    page = staff.get(reverse("orgs:founding-request", args=[req.pk])).content.decode()
    assert "批准组建" in page and "data-confirm" in page
    r = staff.post(reverse("orgs:founding-act", args=[req.pk]), {"action": "approve"})
    assert r.status_code == 302
    req.refresh_from_db()
    org = req.organisation
    assert req.status == FormationStatus.APPROVED and org is not None
    assert org.kind.code == "enterprise_kx" and org.path.startswith(city.path) and org.depth == city.depth + 1
    assert org.name == req.proposed_name and org.uscc == req.uscc and org.level == city.level
    assert org.founded_on == req.meeting_on
    assert RoleAssignment.objects.filter(user=user, organisation=org, role__code="admin").exists()
    assert list(req.events.values_list("action", flat=True)) == [FormationAction.SUBMITTED, FormationAction.APPROVED]
    assert Notification.objects.filter(user=user, title__contains="已批准").exists()
    # the applicant now opens the association's page and finds the staff pages in the menu
    mine = client_of(user)
    assert mine.get(reverse("orgs:detail", args=[org.pk])).status_code == 200
    assert f'href="{reverse("orgs:tree")}"' in mine.get(reverse("notices:inbox")).content.decode()
    assert mine.get(reverse("orgs:detail", args=[city.pk])).status_code == 404  # only their own association
    # approving twice is refused
    with pytest.raises(ValidationError, match="只有待审批"):
        svc.approve(province["users"]["demo-city-a"], req)


@pytest.mark.django_db
def test_a_park_association_is_created_with_its_kind(province):
    req = svc.submit(applicant(), data(province["city_a"], kind="park_kx", enterprise_name="澜州测试科技园"))
    org = svc.approve(province["users"]["demo-city-a"], req)
    assert org.kind.code == "park_kx" and org.name == "澜州测试科技园科协"


@pytest.mark.django_db
def test_reject_needs_a_reason_the_applicant_sees(province):
    user = applicant()
    req = svc.submit(user, data(province["city_a"]))
    staff = login("demo-city-a")
    r = staff.post(reverse("orgs:founding-act", args=[req.pk]), {"action": "reject", "reason": "  "}, follow=True)
    assert "请填写理由" in r.content.decode()
    req.refresh_from_db()
    assert req.status == FormationStatus.SUBMITTED
    staff.post(reverse("orgs:founding-act", args=[req.pk]), {"action": "reject", "reason": "企业尚未登记注册"})
    req.refresh_from_db()
    assert req.status == FormationStatus.REJECTED and req.reason == "企业尚未登记注册"
    assert Notification.objects.filter(user=user, body__contains="企业尚未登记注册").exists()
    assert "企业尚未登记注册" in client_of(user).get(reverse("orgs:founding-request", args=[req.pk])).content.decode()
    assert not Organisation.objects.filter(uscc=req.uscc).exists()


@pytest.mark.django_db
def test_returned_request_is_edited_and_resubmitted_keeping_the_phones(province):
    user = applicant()
    req = svc.submit(user, data(province["city_a"]))
    svc.return_(province["users"]["demo-city-a"], req, "请补充成立大会会议纪要")
    c = client_of(user)
    page = c.get(reverse("orgs:founding-edit", args=[req.pk])).content.decode()
    assert "请补充成立大会会议纪要" in page and "13912345678" not in page  # no full phone pre-filled
    values = post_data(province["city_a"], enterprise_name=req.enterprise_name, uscc=req.uscc,
                       proposed_name=req.proposed_name, chair_phone="", secretary_phone="", scientists="40")
    r = c.post(reverse("orgs:founding-edit", args=[req.pk]),
               {**values, "attachment": SimpleUploadedFile("纪要.pdf", PDF)})
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.status == FormationStatus.SUBMITTED and req.scientists == 40 and req.reason == ""
    assert req.chair_phone == "13912345678" and req.attachment_name == "纪要.pdf"
    assert [e.action for e in req.events.all()] == ["submitted", "returned", "resubmitted"]
    # somebody else cannot edit it, and a submitted request cannot be edited
    assert client_of(applicant()).get(reverse("orgs:founding-edit", args=[req.pk])).status_code == 404
    r = c.get(reverse("orgs:founding-edit", args=[req.pk]), follow=True)
    assert "只有退回修改的申请可以修改" in r.content.decode()


@pytest.mark.django_db
def test_the_applicant_may_withdraw_but_not_decide(province):
    user = applicant()
    req = svc.submit(user, data(province["city_a"]))
    c = client_of(user)
    c.post(reverse("orgs:founding-act", args=[req.pk]), {"action": "approve"})
    req.refresh_from_db()
    assert req.status == FormationStatus.SUBMITTED
    c.post(reverse("orgs:founding-act", args=[req.pk]), {"action": "withdraw"})
    req.refresh_from_db()
    assert req.status == FormationStatus.WITHDRAWN


# ---- the demo and the entry points -----------------------------------------------------------------------
@pytest.mark.django_db
def test_the_demo_request_waits_for_the_city(province):
    req = FormationRequest.objects.get(applicant__username="demo-company")
    assert req.status == FormationStatus.SUBMITTED and req.parent == province["city_a"]
    assert req.enterprise is not None and req.enterprise.name == "江淮精工齿轮有限公司"
    html = login("demo-city-a").get(reverse("orgs:founding-queue")).content.decode()
    assert req.proposed_name in html
    assert f'href="{reverse("orgs:founding-queue")}"' in html  # the menu leads there
    company = login("demo-company")
    assert reverse("orgs:founding-apply") in company.get(reverse("innovation:my-enterprise")).content.decode()
    assert req.proposed_name in company.get(reverse("orgs:founding-mine")).content.decode()
    assert reverse("orgs:founding-apply") in login("demo-volunteer").get(reverse("home")).content.decode()

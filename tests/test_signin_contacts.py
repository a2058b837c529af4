"""Signing in by phone or e-mail as well as by user name, one lockout counter per account whatever was typed, no
account enumeration (decision 0038); staff told when a claim or a profile change arrives; the person's history of
profile change requests; the QR code of the verification address on the membership e-card and certificate."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
import segno
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kexie.accounts import lockout
from kexie.accounts.models import User
from kexie.accounts.services import grant_role
from kexie.core.crypto import blind_index
from kexie.core.scope import prefix_q
from kexie.core.services import SYSTEM
from kexie.core.validators import id_check_char
from kexie.home import services as home_services
from kexie.home.models import ChangeStatus, ProfileChange
from kexie.members.models import ENDED, Membership, Status
from kexie.members.models_joining import MembershipCertificate
from kexie.notices.models import Notification
from kexie.orgs.models import Organisation
from kexie.people.models import Person
from kexie.signup import services as signup_services
from kexie.signup.backends import account_for
from kexie.signup.models import Contact
from tests.conftest import login

PASSWORD = "Kexie-Signin-2026!"
_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _account(username: str, *, phone: str = "", email: str = "", user_email: str = "") -> User:
    user = User.objects.create_user(username, password=PASSWORD, email=user_email)
    if phone or email:
        Contact.objects.create(user=user, phone=phone, phone_hash=blind_index(phone) if phone else "", email=email,
                               verified_at=timezone.now())
    return user


def _post_login(client: Client, username: str, password: str = PASSWORD, ip: str = "10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _signed_in_as(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


# ---- signing in ---------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_login_page_asks_for_user_name_phone_or_email(province):
    html = Client().get("/accounts/login/").content.decode()
    assert "用户名 / 手机号 / 邮箱" in html


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["13912345678", "139 1234 5678", "+86 139-1234-5678"])
def test_sign_in_by_the_verified_phone(province, typed):
    user = _account("phone-person", phone="13912345678")
    client = Client()
    resp = _post_login(client, typed)
    assert resp.status_code == 302 and _signed_in_as(client) == user.pk
    # the page after signing in is the account's own
    assert client.get("/me/").status_code == 200


@pytest.mark.django_db
def test_sign_in_by_email_in_any_case_from_the_contact_or_the_account(province):
    registered = _account("mail-person", email="wang.wu@example.org", user_email="wang.wu@example.org")
    staff = _account("mail-staff", user_email="Li.Si@Example.ORG")
    for typed, user in (("Wang.Wu@EXAMPLE.org", registered), ("li.si@example.org", staff)):
        client = Client()
        assert _post_login(client, typed).status_code == 302 and _signed_in_as(client) == user.pk


@pytest.mark.django_db
def test_the_user_name_still_signs_in_and_a_wrong_password_does_not(province):
    user = _account("plain-person", phone="13700001111")
    client = Client()
    resp = _post_login(client, "13700001111", "wrong-password")
    assert resp.status_code == 200 and "用户名或密码不正确" in resp.content.decode()
    assert _signed_in_as(client) is None
    assert _post_login(client, "plain-person").status_code == 302 and _signed_in_as(client) == user.pk


@pytest.mark.django_db
def test_an_email_two_accounts_share_signs_in_neither(province):
    first = _account("shared-1", user_email="office@example.org")
    _account("shared-2", email="office@example.org")
    assert account_for("office@example.org") is None
    client = Client()
    resp = _post_login(client, "OFFICE@example.org")
    assert resp.status_code == 200 and "用户名或密码不正确" in resp.content.decode() and _signed_in_as(client) is None
    # the user name still does; a deactivated account no longer makes the address ambiguous
    assert _post_login(Client(), "shared-1").status_code == 302
    User.objects.filter(username="shared-2").update(is_active=False)
    client = Client()
    assert _post_login(client, "office@example.org").status_code == 302 and _signed_in_as(client) == first.pk


@pytest.mark.django_db
def test_a_deactivated_account_does_not_sign_in_by_phone(province):
    user = _account("gone-person", phone="13611112222")
    User.objects.filter(pk=user.pk).update(is_active=False)
    client = Client()
    assert _post_login(client, "13611112222").status_code == 200 and _signed_in_as(client) is None


@pytest.mark.django_db
def test_failures_by_phone_lock_the_account_for_its_user_name_too(province):
    user = _account("locked-person", phone="13922223333", email="locked@example.org")
    half = settings.AXES_FAILURE_LIMIT // 2
    for i in range(settings.AXES_FAILURE_LIMIT):
        typed = "139 2222 3333" if i < half else ("locked-person" if i % 2 else "LOCKED@example.org")
        _post_login(Client(), typed, "wrong-password", ip=f"10.0.1.{i}")
    assert lockout.is_locked("locked-person")
    # one counter, under the account's user name; neither the phone nor the address is stored
    names = set(AccessAttempt.objects.values_list("username", flat=True))
    assert names == {"locked-person"}
    for typed in ("locked-person", "13922223333", "locked@example.org"):
        client = Client()
        resp = _post_login(client, typed, ip="10.9.9.9")
        assert "登录失败次数过多" in resp.content.decode() and _signed_in_as(client) is None, typed
    # unlocking the account (staff, or a password reset) opens every way in again
    lockout.clear(user.username)
    client = Client()
    assert _post_login(client, "13922223333").status_code == 302 and _signed_in_as(client) == user.pk


@pytest.mark.django_db
def test_a_success_resets_the_failures_made_by_phone(province):
    _account("reset-person", phone="13933334444")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _post_login(Client(), "139-3333-4444", "wrong-password")
    assert AccessAttempt.objects.filter(username="reset-person").exists()
    assert _post_login(Client(), "reset-person").status_code == 302
    assert not AccessAttempt.objects.exists()  # nothing left behind under the phone
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _post_login(Client(), "13933334444", "wrong-password")
    assert not lockout.is_locked("reset-person")


def _visible(resp) -> str:
    """The page without the CSRF token (which differs between any two responses)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", resp.content.decode())
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


@pytest.mark.django_db
def test_unknown_and_known_identifiers_answer_alike(province):
    _account("known-person", phone="13944445555", email="known@example.org")
    answers = {}
    for typed in ("13944445555", "13900000000", "known@example.org", "nobody@example.org", "known-person",
                  "no-such-user"):
        resp = _post_login(Client(), typed, "wrong-password")
        answers[typed] = (resp.status_code, _visible(resp).replace(typed, "•"))
    assert len(set(answers.values())) == 1, answers.keys()
    # an unknown phone is locked after as many failures as a known one (nothing to tell them apart), and its
    # attempts are kept under a keyed digest, not the number
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_login(Client(), "13900000000", "wrong-password")
    assert "登录失败次数过多" in _post_login(Client(), "13900000000").content.decode()
    stored = set(AccessAttempt.objects.values_list("username", flat=True))
    assert not any("13900000000" in s or "nobody@" in s for s in stored)


@pytest.mark.django_db
def test_a_new_user_name_may_not_be_a_phone_or_an_address(province):
    from kexie.signup.forms import AccountForm

    for username in ("13955556666", "someone@example.org"):
        form = AccountForm({"name": "张三", "username": username, "password1": PASSWORD, "password2": PASSWORD,
                            "accept": "on"})
        assert not form.is_valid() and "用户名不能是手机号或电子邮箱" in str(form.errors["username"])


# ---- staff told on arrival ----------------------------------------------------------------------------------------
def _county_of(city: Organisation) -> Organisation:
    org: Organisation = (Organisation.objects.filter(prefix_q("path", [city.path]), depth=city.depth + 1,
                                                     deleted_at__isnull=True).order_by("path").first())
    return org


def _person_in(org: Organisation, *, name: str = "赵六", phone: str = "13812340000", idn: str = "") -> Person:
    user = User.objects.create_user(f"signin-person-{next(_seq)}", password=PASSWORD)
    return Person.objects.create(name=name, org=org, org_path=org.path, user=user, birth_date=dt.date(1980, 1, 2),
                                 gender="M", employer_name="乙县人民医院", phone=phone,
                                 phone_hash=blind_index(phone) if phone else "", id_number=idn,
                                 id_hash=blind_index(idn) if idn else "")


def _county_staff(county: Organisation) -> User:
    staff = User.objects.create_user(f"county-staff-{next(_seq)}", password=PASSWORD)
    grant_role(SYSTEM, staff, county, "county_staff")
    return staff


@pytest.mark.django_db
def test_a_profile_change_reaches_the_nearest_staff_who_decide_it(province):
    county = _county_of(province["city_a"])
    person = _person_in(county)
    change = home_services.request_change(person.user, person, {"name": "赵六六", "phone": "13700009999"})
    # no one holds a role at the county: city A's staff hear of it, not the province's, not city B's
    city_a = province["users"]["demo-city-a"]
    notice = Notification.objects.get(key=f"home.change-arrived.{change.pk}")
    assert notice.user == city_a
    assert notice.title == "新的资料变更申请：赵六（姓名、手机号）"
    assert county.name in notice.body and "13700009999" not in notice.title + notice.body
    assert notice.url == reverse("profile-change", args=[change.pk])
    # the notice leads to the page that decides it
    assert login("demo-city-a").get(notice.url).status_code == 200
    # with staff at the county, they are the ones told
    home_services.withdraw_change(person.user, change)
    staff = _county_staff(county)
    again = home_services.request_change(person.user, person, {"employer_name": "乙县中医院"})
    assert list(Notification.objects.filter(key=f"home.change-arrived.{again.pk}").values_list("user", flat=True)) \
        == [staff.pk]
    inbox = Client()
    inbox.force_login(staff)
    assert "新的资料变更申请：赵六（工作单位）" in inbox.get("/notices/").content.decode()
    opened = inbox.post(reverse("notices:read", args=[Notification.objects.get(user=staff).pk]))
    assert opened.status_code == 302 and opened["Location"] == reverse("profile-change", args=[again.pk])
    assert inbox.get(opened["Location"]).status_code == 200


def _id_number(seq: str) -> str:
    first = "110101" + "19850612" + seq
    return first + id_check_char(first)


@pytest.mark.django_db
def test_a_claim_reaches_the_staff_who_decide_claims(province):
    county = _county_of(province["city_a"])
    idn = _id_number("457")
    record = Person.objects.create(name="钱七", org=county, org_path=county.path, phone="13811112222",
                                   phone_hash=blind_index("13811112222"), id_number=idn, id_hash=blind_index(idn),
                                   birth_date=dt.date(1985, 6, 12), gender="M")
    claimant = _account("claimant-person", phone="13999998888")
    outcome = signup_services.verify_identity(claimant, "钱七", idn)
    assert outcome.kind == "requested"
    claim = outcome.claim
    notices = Notification.objects.filter(key=f"signup.claim-arrived.{claim.pk}")
    assert [n.user.username for n in notices] == ["demo-city-a"]
    notice = notices.get()
    assert notice.title == "新的档案认领申请：钱七" and county.name in notice.body
    assert notice.url == reverse("signup:claim", args=[claim.pk])
    assert login("demo-city-a").get(notice.url).status_code == 200
    # the claimant gets none of the staff notice; nobody outside city A does
    assert not Notification.objects.filter(key__startswith="signup.claim-arrived.", user=claimant).exists()
    assert record.user_id is None


@pytest.mark.django_db
def test_staff_choose_the_email_of_arrival_notices_in_their_settings(province):
    html = login("demo-city-a").get("/notices/settings/").content.decode()
    assert "新的资料变更申请" in html and "新的档案认领申请" in html
    # individuals do not see staff kinds
    assert "新的资料变更申请" not in login("demo-scientist").get("/notices/settings/").content.decode()


# ---- the history of change requests ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_person_sees_past_requests_and_staff_filter_decided_ones(province):
    person = _person_in(province["city_a"], name="孙八")
    city_a = province["users"]["demo-city-a"]
    first = home_services.request_change(person.user, person, {"name": "孙八八"})
    home_services.reject_change(city_a, first, "与身份证信息不一致")
    second = home_services.request_change(person.user, person, {"employer_name": "甲市中心医院"})
    home_services.approve_change(city_a, second)
    third = home_services.request_change(person.user, person, {"name": "孙捌"})
    client = Client()
    client.force_login(person.user)
    html = client.get("/me/edit/").content.decode()
    history = html[html.index('id="change-history"'):]
    assert f'id="change-{first.pk}"' in history and f'id="change-{second.pk}"' in history
    assert "已驳回" in history and "驳回理由：与身份证信息不一致" in history and "已通过" in history
    assert "甲市中心医院" in history
    assert f'id="change-{third.pk}"' not in history  # the pending one is shown above, with its withdraw button
    assert 'id="pending-change"' in html
    # staff: pending by default, the decided ones under their status, everything under 全部
    staff = login("demo-city-a")
    pending = staff.get("/profile-changes/").content.decode()
    assert f"/profile-changes/{third.pk}/" in pending and f"/profile-changes/{first.pk}/" not in pending
    rejected = staff.get("/profile-changes/", {"status": ChangeStatus.REJECTED}).content.decode()
    assert f"/profile-changes/{first.pk}/" in rejected and "与身份证信息不一致" in rejected
    assert f"/profile-changes/{second.pk}/" not in rejected
    everything = staff.get("/profile-changes/", {"status": "all"}).content.decode()
    assert all(f"/profile-changes/{c.pk}/" in everything for c in (first, second, third))
    # nonsense falls back to the pending list, no error
    assert staff.get("/profile-changes/", {"status": "<x>"}).status_code == 200
    assert ProfileChange.objects.filter(person=person).count() == 3


# ---- the QR code of the e-card and certificate ---------------------------------------------------------------------
def _scientist_membership(province) -> Membership:
    m: Membership = (Membership.objects.filter(person__user=province["users"]["demo-scientist"], deleted_at__isnull=True)
                     .exclude(status__in=[*ENDED, Status.PENDING]).order_by("pk").first())
    assert m is not None
    return m


def _qr_path(url: str) -> str:
    svg = segno.make(url, error="m", micro=False).svg_inline(scale=1, border=2)
    return re.search(r'class="qrline"[^>]* d="([^"]+)"', svg).group(1)


def _svg_paths(html: str) -> list[str]:
    return re.findall(r'<svg[^>]*class="qr".*?class="qrline"[^>]* d="([^"]+)"', html, flags=re.S)


@pytest.mark.django_db
def test_the_e_card_shows_a_qr_code_of_the_verification_address(province):
    m = _scientist_membership(province)
    client = login("demo-scientist")
    html = client.get(reverse("members:card", args=[m.pk])).content.decode()
    cert = MembershipCertificate.objects.get(membership=m, revoked_at__isnull=True)
    url = "http://testserver" + reverse("members:verify-code", args=[cert.code])
    assert _svg_paths(html) == [_qr_path(url)]  # the modules drawn are exactly those of the verification URL
    assert "<img" not in html[html.index('id="card-qr"'):html.index("</figure>")]  # drawn inline, no request
    # the address it encodes answers, for anyone
    assert Client().get(url.removeprefix("http://testserver")).status_code == 200


@pytest.mark.django_db
def test_the_certificate_pdf_draws_the_same_qr_code(province, monkeypatch):
    from kexie.members.joining import certificates

    seen: list[str] = []
    original = certificates.render_to_string

    def spy(template, context):
        html = original(template, context)
        seen.append(html)
        return html

    monkeypatch.setattr(certificates, "render_to_string", spy)
    m = _scientist_membership(province)
    resp = login("demo-scientist").get(reverse("members:certificate", args=[m.pk]))
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF")
    cert = MembershipCertificate.objects.get(membership=m, revoked_at__isnull=True)
    url = "http://testserver" + reverse("members:verify-code", args=[cert.code])
    assert _svg_paths(seen[0]) == [_qr_path(url)]

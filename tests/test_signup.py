"""Accounts for individuals (kexie.signup, decision 0028): verification codes, registration, real-name verification
and claiming a registry record, claims decided by the organisation, consent records, account deletion."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from kexie.accounts.models import User
from kexie.core.audit import history_for
from kexie.core.crypto import blind_index
from kexie.core.validators import id_check_char
from kexie.notices.models import Notification
from kexie.orgs.models import Organisation
from kexie.people.models import Person
from kexie.signup import services, sms
from kexie.signup.models import (
    ClaimStatus,
    Consent,
    Contact,
    DeletionRequest,
    DeletionStatus,
    Purpose,
    VerificationCode,
)
from tests.conftest import login

LOCMEM = "kexie.signup.sms.LocmemBackend"
PASSWORD = "Kexie-Signup-2026!"
CODE = re.compile(r"验证码是 (\d{6})")


def id_number(birth: str = "19850612", region: str = "110101", seq: str = "123") -> str:
    first = region + birth + seq
    return first + id_check_char(first)


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.KEXIE_SMS_BACKEND = LOCMEM
    sms.outbox.clear()
    cache.clear()  # the per-address limits
    yield
    sms.outbox.clear()


def last_code() -> str:
    match = CODE.search(sms.outbox[-1].message if sms.outbox else mail.outbox[-1].body)
    assert match
    return match.group(1)


def send(channel: str, target: str, capture) -> str:
    with capture(execute=True):
        services.send_code(channel, target)
    return last_code()


def registered(capture, phone: str = "13912345678", username: str = "zhang-san") -> User:
    code = send("phone", phone, capture)
    target = services.check_code("phone", phone, code)
    return services.register("phone", target, name="张三", username=username, password=PASSWORD, ip="10.0.0.1")


def registry_person(province, *, idn: str, phone: str = "", email: str = "") -> Person:
    """A person of city A's subtree, as a society or association reported them, with no account."""
    from kexie.core.scope import prefix_q

    person = (Person.objects.filter(prefix_q("org_path", [province["city_a"].path]), user__isnull=True,
                                    deleted_at__isnull=True).order_by("pk").first())
    person.id_number, person.id_hash = idn, blind_index(idn)
    person.phone, person.phone_hash = phone, blind_index(phone) if phone else ""
    person.email, person.name = email, "李四"
    person.save()
    return person


# ---- codes --------------------------------------------------------------------------------------------------------

def test_a_code_is_sent_by_the_backend_and_only_its_digest_is_stored(province, django_capture_on_commit_callbacks):
    code = send("phone", "139 1234 5678", django_capture_on_commit_callbacks)
    assert sms.outbox[-1].phone == "13912345678" and len(code) == 6
    row = VerificationCode.objects.get()
    assert code not in row.code_digest and "13912345678" not in row.target_digest
    assert row.expires_at - row.created_at == dt.timedelta(minutes=10)
    assert services.check_code("phone", "13912345678", code) == "13912345678"
    with pytest.raises(ValidationError, match="请先获取验证码"):  # used up
        services.check_code("phone", "13912345678", code)


def test_an_email_code_goes_through_django_mail(province, django_capture_on_commit_callbacks):
    code = send("email", "Wang@Example.org", django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == ["wang@example.org"] and "注册验证码" in mail.outbox[-1].subject
    assert services.check_code("email", "wang@example.org", code) == "wang@example.org"


def test_wrong_codes_count_and_five_wrong_kill_the_code(province, django_capture_on_commit_callbacks):
    code = send("phone", "13912345678", django_capture_on_commit_callbacks)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ValidationError, match="还可尝试 4 次"):
        services.check_code("phone", "13912345678", wrong)
    assert VerificationCode.objects.get().attempts == 1  # counted, although the call raised
    for _ in range(4):
        with pytest.raises(ValidationError):
            services.check_code("phone", "13912345678", wrong)
    with pytest.raises(ValidationError, match="次数过多"):
        services.check_code("phone", "13912345678", code)  # even the right code: the code is dead


def test_an_expired_code_is_refused_and_resending_waits_a_minute(province, django_capture_on_commit_callbacks):
    code = send("phone", "13912345678", django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="秒后"):
        services.send_code("phone", "13912345678")
    VerificationCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="已过期"):
        services.check_code("phone", "13912345678", code)
    VerificationCode.objects.update(created_at=timezone.now() - dt.timedelta(seconds=61))
    new = send("phone", "13912345678", django_capture_on_commit_callbacks)
    assert services.check_code("phone", "13912345678", new)


def test_bad_targets_are_refused_in_chinese(province):
    with pytest.raises(ValidationError, match="11位手机号"):
        services.send_code("phone", "12345")
    with pytest.raises(ValidationError, match="电子邮箱"):
        services.send_code("email", "not-an-address")
    assert not sms.outbox and not VerificationCode.objects.exists()


# ---- registration -------------------------------------------------------------------------------------------------

def test_registration_creates_an_account_without_roles_and_the_consent(province, django_capture_on_commit_callbacks):
    user = registered(django_capture_on_commit_callbacks)
    assert user.check_password(PASSWORD) and user.display_name == "张三" and not user.assignments.exists()
    contact = Contact.objects.get(user=user)
    assert contact.phone == "13912345678" and contact.phone_hash == blind_index("13912345678")
    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM signup_contact WHERE id = %s", [contact.pk])
        assert "13912345678" not in cur.fetchone()[0]  # encrypted at rest
    consent = Consent.objects.get(user=user)
    assert consent.purpose == Purpose.TERMS and consent.ip == "10.0.0.1" and consent.withdrawn_at is None
    assert history_for(user).filter(action="signup.user.registered").exists()
    # The same phone again: a Chinese message, no code sent.
    sms.outbox.clear()
    with pytest.raises(ValidationError, match="该手机号已注册"):
        services.send_code("phone", "13912345678")
    assert not sms.outbox


def test_an_email_already_on_an_account_is_told_so(province):
    User.objects.filter(username="demo-scientist").update(email="sci@example.org")
    with pytest.raises(ValidationError, match="该电子邮箱已注册"):
        services.send_code("email", "SCI@example.org")


# ---- real-name verification ---------------------------------------------------------------------------------------

def test_a_registry_person_with_the_same_phone_claims_the_record_at_once(province, django_capture_on_commit_callbacks):
    idn = id_number()
    person = registry_person(province, idn=idn, phone="13912345678")
    user = registered(django_capture_on_commit_callbacks)
    before = Person.objects.count()
    outcome = services.verify_identity(user, "李四", idn)
    assert outcome.kind == "claimed" and outcome.person.pk == person.pk
    person.refresh_from_db()
    assert person.user_id == user.pk and Person.objects.count() == before
    assert history_for(person).filter(action="signup.person.claimed").exists()
    with pytest.raises(ValidationError, match="已完成实名认证"):
        services.verify_identity(user, "李四", idn)


def test_a_claim_by_email_matches_the_records_email(province, django_capture_on_commit_callbacks):
    idn = id_number(seq="456")
    person = registry_person(province, idn=idn, email="Li.Si@example.org")
    code = send("email", "li.si@example.org", django_capture_on_commit_callbacks)
    target = services.check_code("email", "li.si@example.org", code)
    user = services.register("email", target, name="李四", username="lisi", password=PASSWORD)
    assert services.verify_identity(user, "李 四", idn).kind == "claimed"
    assert Person.objects.get(pk=person.pk).user_id == user.pk


def test_a_different_name_is_refused_without_showing_the_registry_name(province, django_capture_on_commit_callbacks):
    idn = id_number()
    registry_person(province, idn=idn, phone="13912345678")
    user = registered(django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as exc:
        services.verify_identity(user, "王五", idn)
    assert "不一致" in str(exc.value) and "李四" not in str(exc.value)
    assert not Person.objects.filter(user=user).exists()


def test_without_a_second_factor_the_organisation_confirms_the_claim(province, django_capture_on_commit_callbacks):
    idn = id_number()
    person = registry_person(province, idn=idn, phone="13800000000")
    user = registered(django_capture_on_commit_callbacks)
    outcome = services.verify_identity(user, "李四", idn)
    assert outcome.kind == "requested" and Person.objects.get(pk=person.pk).user_id is None
    claim = outcome.claim
    assert claim.status == ClaimStatus.PENDING and claim.org_path == person.org_path
    with pytest.raises(ValidationError, match="等待组织确认"):
        services.verify_identity(user, "李四", idn)
    # The page of the claimant says so.
    client = Client()
    client.force_login(user)
    assert "待组织确认" in client.get("/signup/verify/").content.decode()
    # City B holds no scope over the record: refused, nothing changes; its claim list does not show it.
    with pytest.raises(PermissionDenied):
        services.approve_claim(province["users"]["demo-city-b"], claim.pk)
    assert "李四" not in login("demo-city-b").get("/signup/claims/").content.decode()
    assert login("demo-city-b").get(f"/signup/claims/{claim.pk}/").status_code == 404
    # City A lists it and confirms it.
    client_a = login("demo-city-a")
    assert f"/signup/claims/{claim.pk}/" in client_a.get("/signup/claims/").content.decode()
    resp = client_a.post(f"/signup/claims/{claim.pk}/decide/", {"op": "approve"})
    assert resp.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and claim.decided_by.username == "demo-city-a"
    assert Person.objects.get(pk=person.pk).user_id == user.pk
    assert Notification.objects.filter(user=user, key=f"signup.claim.{claim.pk}", title__contains="已确认").exists()
    with pytest.raises(ValidationError, match="已处理"):
        services.reject_claim(province["users"]["demo-city-a"], claim.pk, "重复")


def test_a_rejected_claim_tells_the_reason_and_the_person_may_try_again(province, django_capture_on_commit_callbacks):
    idn = id_number()
    registry_person(province, idn=idn, phone="13800000000")
    user = registered(django_capture_on_commit_callbacks)
    claim = services.verify_identity(user, "李四", idn).claim
    city_a = province["users"]["demo-city-a"]
    with pytest.raises(ValidationError, match="理由"):
        services.reject_claim(city_a, claim.pk, " ")
    services.reject_claim(city_a, claim.pk, "经电话核实不是本人")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED and claim.reason == "经电话核实不是本人"
    notice = Notification.objects.get(user=user, key=f"signup.claim.{claim.pk}")
    assert "经电话核实不是本人" in notice.body
    assert services.verify_identity(user, "李四", idn).kind == "requested"  # a new claim may be made


def test_a_record_linked_to_another_account_is_refused(province, django_capture_on_commit_callbacks):
    idn = id_number()
    person = registry_person(province, idn=idn, phone="13912345678")
    other = User.objects.create_user("li-si-first", password=None)
    Person.objects.filter(pk=person.pk).update(user=other)
    user = registered(django_capture_on_commit_callbacks)
    outcome = services.verify_identity(user, "李四", idn)
    assert outcome.kind == "taken"
    assert Person.objects.get(pk=person.pk).user_id == other.pk
    client = Client()
    client.force_login(user)
    body = client.post("/signup/verify/", {"name": "李四", "id_number": idn}).content.decode()
    assert "已关联其他账号" in body and person.org.name in body


def test_a_new_person_is_created_in_the_chosen_association(province, django_capture_on_commit_callbacks):
    user = registered(django_capture_on_commit_callbacks)
    idn = id_number(birth="19900228", region="320102", seq="776")
    assert services.verify_identity(user, "张三", idn).kind == "needs_org"
    society = province["society"]
    with pytest.raises(ValidationError, match="市级或县级科协"):
        services.verify_identity(user, "张三", idn, society)
    county = services.associations().filter(level="county").first()
    count_before, people_before = Organisation.objects.get(pk=county.pk).people_count, Person.objects.count()
    outcome = services.verify_identity(user, "张三", idn, county)
    assert outcome.kind == "created" and Person.objects.count() == people_before + 1
    person = outcome.person
    assert person.user_id == user.pk and person.org_id == county.pk and person.phone == "13912345678"
    assert person.birth_date == dt.date(1990, 2, 28) and person.gender == "F"  # the 17th digit is even
    assert Contact.objects.get(user=user).created_person_id == person.pk  # marked self-registered
    assert Organisation.objects.get(pk=county.pk).people_count == count_before + 1
    assert history_for(person).filter(action="signup.person.self_registered").exists()


def test_bad_id_numbers_are_refused(province, django_capture_on_commit_callbacks):
    user = registered(django_capture_on_commit_callbacks)
    good = id_number()
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    future = id_number(birth=(dt.date.today() + dt.timedelta(days=30)).strftime("%Y%m%d"))
    impossible = id_number(birth="19900231")
    for value, message in ((bad_check, "校验位"), (future, "出生日期"), (impossible, "出生日期"), ("123", "18位")):
        with pytest.raises(ValidationError, match=message):
            services.verify_identity(user, "张三", value)
    assert not Person.objects.filter(user=user).exists()


def test_the_demo_scientist_stays_linked(province):
    client = login("demo-scientist")
    resp = client.get("/signup/verify/")
    assert resp.status_code == 200 and "您已完成实名认证" in resp.content.decode()


# ---- consent ------------------------------------------------------------------------------------------------------

def test_public_profile_consent_sets_the_flag_and_withdrawing_clears_it(province, django_capture_on_commit_callbacks):
    user = registered(django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="实名认证"):
        services.grant_consent(user, Purpose.PUBLIC_PROFILE)
    idn = id_number(seq="888")
    county = services.associations().filter(level="county").first()
    person = services.verify_identity(user, "张三", idn, county).person
    services.grant_consent(user, Purpose.PUBLIC_PROFILE, ip="10.0.0.2")
    person.refresh_from_db()
    assert person.public_profile
    assert history_for(person).filter(action="signup.person.public_profile").exists()
    client = Client()
    client.force_login(user)
    body = client.get("/signup/privacy/").content.decode()
    preview = body.split('id="public-preview"')[1].split("</dl>")[0]
    assert "张三" in preview and idn not in body and idn[:6] not in preview and "139" not in preview
    assert client.post("/signup/privacy/", {"purpose": "public_profile", "op": "withdraw"}).status_code == 302
    person.refresh_from_db()
    assert not person.public_profile
    consent = Consent.objects.get(user=user, purpose=Purpose.PUBLIC_PROFILE)
    assert consent.withdrawn_at is not None
    with pytest.raises(ValidationError, match="不能单独撤回"):
        services.withdraw_consent(user, Purpose.TERMS)
    services.grant_consent(user, Purpose.NOTICES)
    labels = [label for label, _value in services.consent_rows(user)]
    assert labels == ["同意记录：服务协议与隐私政策", "同意记录：公开专家信息", "同意记录：接收活动通知"]
    assert "撤回" in services.consent_rows(user)[1][1]


# ---- deletion -----------------------------------------------------------------------------------------------------

def test_deletion_request_cancel_and_the_daily_job(province, django_capture_on_commit_callbacks):
    user = registered(django_capture_on_commit_callbacks)
    county = services.associations().filter(level="county").first()
    idn = id_number(seq="999")
    person = services.verify_identity(user, "张三", idn, county).person
    services.grant_consent(user, Purpose.PUBLIC_PROFILE)
    with pytest.raises(ValidationError, match="密码不正确"):
        services.request_deletion(user, "wrong")
    req = services.request_deletion(user, PASSWORD)
    assert req.status == DeletionStatus.PENDING and (req.due_at - timezone.now()).days in (14, 15)
    assert Notification.objects.filter(user=user, key=f"signup.deletion.{req.pk}").exists()
    services.cancel_deletion(user)
    assert DeletionRequest.objects.get(pk=req.pk).status == DeletionStatus.CANCELLED
    req = services.request_deletion(user, PASSWORD)
    assert services.carry_out_due()["accounts"] == 0  # not yet due
    result = services.carry_out_due(timezone.now() + dt.timedelta(days=16))
    assert result["accounts"] == 1
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password() and user.username == f"deleted-{user.pk}"
    contact = Contact.objects.get(user=user)
    assert contact.phone == "" and contact.phone_hash == ""
    assert not Consent.objects.filter(user=user, withdrawn_at__isnull=True).exists()
    person = Person.objects.get(pk=person.pk)
    assert person.deleted_at is not None and person.id_number == "" and person.id_hash == "" and person.phone == ""
    assert person.user_id is None and not person.public_profile and person.name == services.ERASED_NAME
    assert DeletionRequest.objects.get(pk=req.pk).status == DeletionStatus.DONE


def test_deleting_an_account_that_claimed_a_registry_record_only_unlinks_it(province,
                                                                              django_capture_on_commit_callbacks):
    idn = id_number()
    person = registry_person(province, idn=idn, phone="13912345678")
    user = registered(django_capture_on_commit_callbacks)
    services.verify_identity(user, "李四", idn)
    services.request_deletion(user, PASSWORD)
    services.carry_out_due(timezone.now() + dt.timedelta(days=16))
    person = Person.objects.get(pk=person.pk)
    assert person.user_id is None and person.deleted_at is None
    assert person.id_number == idn and person.phone == "13912345678" and person.name == "李四"


def test_the_daily_job_is_declared():
    from kexie.core.registry import daily_jobs

    assert "kexie.signup.tasks.carry_out_deletions" in {job.task for job in daily_jobs()}


# ---- pages --------------------------------------------------------------------------------------------------------

def test_the_registration_pages_walk_to_real_name_verification(province, django_capture_on_commit_callbacks):
    client = Client()
    assert "注册账号" in client.get("/accounts/login/").content.decode()
    assert client.get("/signup/account/").status_code == 302  # nothing verified yet
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/signup/", {"channel": "phone", "target": "13912345678", "op": "send"})
    assert resp.status_code == 200 and "验证码已发送至 139******78" in resp.content.decode()
    resp = client.post("/signup/", {"channel": "phone", "target": "13912345678", "op": "verify", "code": "x"})
    assert "验证码不正确" in resp.content.decode()
    resp = client.post("/signup/", {"channel": "phone", "target": "13912345678", "op": "verify",
                                    "code": last_code()})
    assert resp.status_code == 302 and resp["Location"] == "/signup/account/"
    form = {"name": "张三", "username": "zhangsan", "password1": PASSWORD, "password2": PASSWORD}
    resp = client.post("/signup/account/", form)
    assert "须同意服务协议与隐私政策" in resp.content.decode() and not User.objects.filter(username="zhangsan").exists()
    resp = client.post("/signup/account/", {**form, "password1": "abc", "password2": "abc", "accept": "on"})
    assert resp.status_code == 200 and not User.objects.filter(username="zhangsan").exists()
    resp = client.post("/signup/account/", {**form, "accept": "on"})
    assert resp.status_code == 302 and resp["Location"] == "/signup/verify/"
    assert client.get("/signup/verify/").status_code == 200  # signed in
    body = client.post("/signup/verify/", {"name": "张三", "id_number": id_number(seq="321")}).content.decode()
    assert 'id="org-choice"' in body
    county = services.associations().filter(level="county").first()
    fragment = client.get("/signup/verify/associations/", {"q": county.name[:3]}).content.decode()
    assert f'value="{county.pk}"' in fragment and "<html" not in fragment
    resp = client.post("/signup/verify/", {"name": "张三", "id_number": id_number(seq="321"), "org": county.pk})
    assert resp.status_code == 302 and resp["Location"] == "/me/"


def test_the_code_form_has_a_per_address_limit(province, settings, django_capture_on_commit_callbacks):
    settings.KEXIE_ANON_FORM_RATE = "2/10m"
    client = Client()
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            resp = client.post("/signup/", {"channel": "email", "target": f"x{n}@example.org", "op": "send"})
    assert "操作过于频繁" in resp.content.decode() and len(mail.outbox) == 2


def test_deletion_page_asks_first_and_says_what_stays(province):
    client = login("demo-scientist")
    body = client.get("/signup/delete/").content.decode()
    assert "data-confirm" in body and "只解除与账号的关联" in body
    resp = client.post("/signup/delete/", {"password": "kexie-demo", "understood": "on"})
    assert resp.status_code == 302
    assert "撤销注销申请" in client.get("/signup/delete/").content.decode()
    client.post("/signup/delete/cancel/")
    assert not DeletionRequest.objects.filter(status=DeletionStatus.PENDING).exists()


@override_settings(KEXIE_SMS_BACKEND="kexie.signup.sms.ConsoleBackend")
def test_the_console_backend_prints_the_message(capsys):
    sms.send_sms("13912345678", "验证码是 123456")
    assert "13912345678" in capsys.readouterr().out

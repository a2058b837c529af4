"""Phone journeys of individual accounts (SPEC §3.11): a new person registers by phone, verifies with a new ID number
and lands on 我的; a person a society already reported registers with the phone on their record, verifies and claims
the record instead of becoming a duplicate. Run with ``pytest -m browser``."""

from __future__ import annotations

import os
import re

import pytest

from tests.browser import PHONE, page, seed  # noqa: F401 - the page fixture

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Kexie-Signup-2026!"
CODE = re.compile(r"验证码是 (\d{6})")


@pytest.fixture
def sms_outbox(settings):
    from kexie.signup import sms

    settings.KEXIE_SMS_BACKEND = "kexie.signup.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def id_number(seq: str, birth: str = "19860315", region: str = "320102") -> str:
    from kexie.core.validators import id_check_char

    first = region + birth + seq
    return first + id_check_char(first)


def fits_the_phone(tab) -> None:
    assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "页面在手机上横向溢出"


def register_by_phone(page, outbox, phone: str, username: str, name: str) -> None:  # noqa: F811
    page.set_viewport_size(PHONE)
    page.goto("/accounts/login/")
    page.get_by_role("link", name="注册账号").click()
    page.wait_for_url("**/signup/")
    fits_the_phone(page)
    page.get_by_label("手机号", exact=True).check()
    page.get_by_label("手机号或电子邮箱").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_label("验证码").wait_for()
    code = CODE.search(outbox[-1].message).group(1)
    assert outbox[-1].phone == phone
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url("**/signup/account/")
    fits_the_phone(page)
    page.get_by_label("姓名").fill(name)
    page.get_by_label("用户名（登录时使用）").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.locator("input[name=accept]").check()
    page.get_by_role("button", name="注册").click()
    page.wait_for_url("**/signup/verify/")
    fits_the_phone(page)


def test_a_new_person_registers_verifies_and_lands_on_me(page, live_server, sms_outbox):  # noqa: F811
    from kexie.people.models import Person
    from kexie.signup.services import associations

    seed()
    county = associations().filter(level="county").order_by("pk").first()
    before = Person.objects.count()
    register_by_phone(page, sms_outbox, "13700001111", "wang-wu", "王五")
    page.get_by_label("姓名").fill("王五")
    page.get_by_label("身份证号码").fill(id_number("452"))
    page.get_by_role("button", name="提交认证").click()
    page.locator("#org-choice").wait_for()
    page.locator("#org-search").fill(county.name[:4])
    page.locator(f"#org-options input[value='{county.pk}']").check()
    fits_the_phone(page)
    page.get_by_role("button", name="建立档案并完成认证").click()
    page.wait_for_url("**/me/")
    assert "已为您建立科技工作者档案" in page.content()
    fits_the_phone(page)
    person = Person.objects.get(user__username="wang-wu")
    assert Person.objects.count() == before + 1 and person.org_id == county.pk and person.name == "王五"


def test_a_registry_person_claims_their_record_instead_of_a_duplicate(page, live_server, sms_outbox):  # noqa: F811
    from kexie.core.crypto import blind_index
    from kexie.people.models import Person

    seed()
    person = Person.objects.filter(user__isnull=True, deleted_at__isnull=True, memberships__isnull=False
                                   ).order_by("pk").first()  # a member a society reported
    idn, phone = id_number("238"), "13700002222"
    Person.objects.filter(pk=person.pk).update(id_number=idn, id_hash=blind_index(idn), phone=phone,
                                               phone_hash=blind_index(phone))
    before = Person.objects.count()
    register_by_phone(page, sms_outbox, phone, "claimant", person.name)
    page.get_by_label("姓名").fill(person.name)
    page.get_by_label("身份证号码").fill(idn)
    page.get_by_role("button", name="提交认证").click()
    page.wait_for_url("**/me/")
    assert "已关联您的科技工作者档案" in page.content()
    assert Person.objects.count() == before
    person.refresh_from_db()
    assert person.user.username == "claimant"

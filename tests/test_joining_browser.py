"""Browser journey for 网上入会 (headless Chromium through Playwright, 390x844): a new person finds a society by
discipline and applies; the society (demo-society) approves; the person sees the membership on the e-card and
downloads the certificate PDF; an anonymous visitor verifies the certificate's code.

Set up in Python: the person's account (linked to a registry person, as 实名认证 leaves it) and the society's join
settings (what its staff set on the settings page)."""

from __future__ import annotations

import pytest

from tests.browser import PASSWORD, PHONE, click_and_wait, fits, log_in, page, seed, switch_to  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]



def set_up():
    from kexie.accounts.models import User
    from kexie.core.services import SYSTEM
    from kexie.members.joining import services as svc
    from kexie.members.models import ENDED, Membership
    from kexie.members.models_joining import JoinSettings, MembershipApplication
    from kexie.people.models import Discipline, Person, PersonDiscipline

    seed()
    society = User.objects.get(username="demo-society").assignments.get().organisation
    discipline = Discipline.objects.filter(parent__isnull=True, code="150").first() or Discipline.objects.filter(
        parent__isnull=True).order_by("code").first()
    svc.save_settings(SYSTEM, society, {
        "is_open": True, "categories": ["member", "student"], "referees_required": 0, "decision_days": 15,
        "dues": {"member": 200, "student": 50}, "intro": "欢迎本领域科技工作者加入。", "number_prefix": "",
        "disciplines": [discipline]})
    # the demo opens other societies too: only this one stays open, so it is the one recommended
    JoinSettings.objects.exclude(society=society).update(is_open=False)
    busy = Membership.objects.filter(society=society, deleted_at__isnull=True).exclude(status__in=ENDED)
    person = (Person.objects.filter(user__isnull=True, deleted_at__isnull=True)
              .exclude(pk__in=busy.values("person_id"))
              .exclude(pk__in=MembershipApplication.objects.values("person_id")).order_by("pk").first())
    user = User(username="journey-joiner", display_name=person.name)
    user.set_password(PASSWORD)
    user.save()
    Person.objects.filter(pk=person.pk).update(user=user)
    PersonDiscipline.objects.get_or_create(person=person, discipline=discipline)
    return society, person, discipline


def test_find_apply_approve_card_certificate_verify(page, live_server):  # noqa: F811
    from kexie.members.models_joining import MembershipApplication

    society, person, discipline = set_up()
    page.set_viewport_size(PHONE)

    # 1. The person finds the society by discipline and applies.
    log_in(page, "journey-joiner")
    page.goto("/members/societies/")
    assert page.locator("#recommended").get_by_text(society.name).count() == 1  # recommended from the profile
    page.locator("#society-filter").get_by_label("学科").select_option(discipline.code)
    click_and_wait(page, page.locator("#society-filter").get_by_role("button", name="查找"))
    card = page.locator("#societies article", has_text=society.name)
    assert card.count() == 1 and fits(page)
    click_and_wait(page, card.get_by_role("button", name="申请入会"))
    page.get_by_label("会员类别").select_option("member")
    page.get_by_label("入会申请陈述").fill("从事分析化学研究十二年，希望加入学会参加学术交流。")
    assert fits(page)
    click_and_wait(page, page.get_by_role("button", name="提交入会申请"))
    assert "入会申请已提交" in page.content()
    app = MembershipApplication.objects.get(person=person, society=society)
    assert app.status == "submitted"

    # 2. The society's secretariat approves it from the queue.
    switch_to(page, "demo-society")
    page.goto("/members/applications/?status=submitted")
    click_and_wait(page, page.get_by_role("link", name=person.name).first)
    click_and_wait(page, page.get_by_role("button", name="批准入会"))
    assert page.locator("#app-status").inner_text().strip() == "已批准"
    app.refresh_from_db()
    number = app.membership.number

    # 3. The person sees the membership on the e-card and downloads the certificate.
    switch_to(page, "journey-joiner")
    page.goto("/members/applications/mine/")
    click_and_wait(page, page.locator("#memberships article", has_text=society.name).get_by_role(
        "link", name="会员卡与证书"))
    assert page.locator("#card-number").inner_text() == number
    assert fits(page)
    code = page.locator("#cert-code").inner_text()
    with page.expect_download() as info:
        page.locator("#certificate-link").click()
    pdf = info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000

    # 4. An anonymous visitor verifies the code.
    page.context.clear_cookies()
    page.goto("/members/verify/")
    page.get_by_label("证书验证码").fill(code)
    click_and_wait(page, page.get_by_role("button", name="验证"))
    result = page.locator("#verify-result")
    assert result.get_attribute("data-state") == "valid"
    text = result.inner_text()
    assert "证书有效" in text and number in text and society.name in text and person.name not in text
    assert fits(page)

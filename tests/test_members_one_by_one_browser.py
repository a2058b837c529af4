"""Browser journey for 添加会员 on a phone (decision 0044): demo-society opens its member list, taps 添加会员, finds a
person registered elsewhere by ID number (shown masked), adds them, records a cash payment and changes the
category; the pending-applications tab lists the demo's application."""

from __future__ import annotations

import pytest

from tests.browser import PHONE, click_and_wait, fits, log_in, page, seed  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_add_a_member_record_dues_and_change_category_on_a_phone(page, live_server):  # noqa: F811
    from django.utils import timezone

    from kexie.accounts.models import User
    from kexie.core.scope import prefix_q
    from kexie.members.models import Membership
    from kexie.members.models_joining import DuesPayment, MembershipApplication
    from kexie.people.models import Person

    seed()
    society = User.objects.get(username="demo-society").assignments.get().organisation
    person = (Person.objects.filter(deleted_at__isnull=True).exclude(id_hash="")
              .exclude(prefix_q("org_path", [society.path])).exclude(memberships__society=society)
              .exclude(pk__in=MembershipApplication.objects.values("person_id")).order_by("id").first())
    page.set_viewport_size(PHONE)
    log_in(page, "demo-society")
    page.goto("/members/")
    assert page.locator("#tab-pending-people .badge").inner_text() != "0"
    page.locator("#add-member").click()
    page.wait_for_url("**/members/add/", wait_until="domcontentloaded")
    assert page.get_by_label("学会").input_value().endswith(society.name)  # the society's own, chosen for it
    page.get_by_label("身份证号").fill(person.id_number)
    click_and_wait(page, page.get_by_role("button", name="在人员库中查找"))
    match = page.locator(f"#match-{person.pk}")
    assert match.count() == 1 and person.id_number_masked in match.inner_text()
    assert person.name not in match.inner_text() or len(person.name) == 1  # outside scope: a masked name
    assert fits(page)
    click_and_wait(page, match.get_by_role("button", name="选择此人"))
    page.locator("#join-form").get_by_label("会员类别").select_option("member")
    click_and_wait(page, page.get_by_role("button", name="添加为会员"))
    m = Membership.objects.get(person=person, society=society)
    assert page.url.endswith(f"/members/{m.pk}/") and m.number in page.content()
    form = page.locator("#dues-form")
    year = timezone.localdate().year + 1
    form.get_by_label("缴费年度").fill(str(year))
    form.get_by_label("金额（元）").fill("120")
    form.get_by_label("缴费方式").select_option("transfer")
    form.get_by_label("收据号").fill("BR-0001")
    click_and_wait(page, form.get_by_role("button"))
    assert DuesPayment.objects.get(membership=m, receipt_number="BR-0001").method == "transfer"
    m.refresh_from_db()
    assert m.dues_paid_through.year == year
    form = page.locator("#category-form")
    form.get_by_label("新类别").select_option("senior")
    click_and_wait(page, form.get_by_role("button"))
    assert page.locator("table", has_text="变更会员类别").count() >= 1
    assert fits(page)
    page.goto("/members/?tab=people")
    assert page.locator("table tbody tr a[href^='/members/applications/']").count() >= 1

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kexie.members import services
from kexie.members.models import Category, EventKind, Membership, Status
from kexie.members.status import status_for
from kexie.people.models import Person

TODAY = dt.date(2026, 6, 30)


@pytest.mark.parametrize(
    ("joined", "dues", "category", "expected"),
    [
        (None, None, Category.MEMBER, Status.PENDING),
        (TODAY - dt.timedelta(days=10), dt.date(2026, 12, 31), Category.MEMBER, Status.NEW),
        (dt.date(2020, 1, 1), dt.date(2026, 12, 31), Category.MEMBER, Status.CURRENT),
        (dt.date(2020, 1, 1), dt.date(2026, 6, 1), Category.MEMBER, Status.GRACE),
        (dt.date(2020, 1, 1), dt.date(2025, 12, 31), Category.MEMBER, Status.EXPIRED),
        (dt.date(2020, 1, 1), None, Category.MEMBER, Status.EXPIRED),
        (dt.date(2020, 1, 1), None, Category.HONORARY, Status.CURRENT),
    ],
)
def test_status_follows_dates(joined, dues, category, expected):
    assert status_for(joined_on=joined, dues_paid_through=dues, category=category, current="pending",
                      today=TODAY) == expected


def test_ended_memberships_keep_their_status():
    assert status_for(joined_on=dt.date(2020, 1, 1), dues_paid_through=dt.date(2030, 1, 1),
                      category=Category.MEMBER, current=Status.EXPELLED, today=TODAY) == Status.EXPELLED


@pytest.fixture
def society_admin(province):
    return province["users"]["demo-society"], province["society"]


def _non_member(society):
    return Person.objects.exclude(memberships__society=society).first()


@pytest.mark.django_db
def test_join_approve_pay_change_category_withdraw_keeps_history(society_admin):
    user, society = society_admin
    person = _non_member(society)
    m = services.apply(user, person, society, Category.MEMBER)
    assert m.status == Status.PENDING
    m = services.approve(user, m, number="T-0001", joined_on=dt.date.today(),
                         dues_paid_through=dt.date.today() + dt.timedelta(days=300))
    assert m.status == Status.NEW
    m = services.change_category(user, m, Category.SENIOR, dt.date.today())
    m = services.pay_dues(user, m, dt.date.today() + dt.timedelta(days=700))
    m = services.end(user, m, Status.WITHDRAWN, dt.date.today(), "本人申请")
    kinds = list(m.events.values_list("kind", flat=True))
    assert kinds == [EventKind.APPLIED, EventKind.APPROVED, EventKind.CATEGORY, EventKind.DUES, EventKind.WITHDRAWN]
    assert list(m.events.values_list("category", flat=True))[:3] == ["member", "member", "senior"]
    from kexie.core.audit import history_for

    assert history_for(m).count() == 5
    # After withdrawing, the person may join again: a new membership, the old one kept.
    again = services.apply(user, person, society, Category.MEMBER)
    assert Membership.objects.filter(person=person, society=society).count() == 2
    assert again.pk != m.pk


@pytest.mark.django_db
def test_cannot_hold_two_live_memberships_in_one_society(society_admin):
    user, society = society_admin
    person = _non_member(society)
    services.apply(user, person, society, Category.MEMBER)
    with pytest.raises(ValidationError, match="已是该学会会员"):
        services.apply(user, person, society, Category.MEMBER)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(person=person, society=society, org_path=society.path, status=Status.CURRENT)


@pytest.mark.django_db
def test_wrong_transitions_are_refused_in_chinese(society_admin):
    user, society = society_admin
    m = services.apply(user, _non_member(society), society, Category.MEMBER)
    with pytest.raises(ValidationError, match="只有在册会员可以登记缴费"):
        services.pay_dues(user, m, dt.date(2030, 1, 1))
    with pytest.raises(ValidationError, match="退会或除名"):
        services.end(user, m, "deleted", dt.date.today())


@pytest.mark.django_db
def test_city_staff_cannot_approve_society_members(province, society_admin):
    from django.core.exceptions import PermissionDenied

    user, society = society_admin
    m = services.apply(user, _non_member(society), society, Category.MEMBER)
    with pytest.raises(PermissionDenied):
        services.approve(province["users"]["demo-city-a"], m, number="X-1", joined_on=dt.date.today(),
                         dues_paid_through=None)


@pytest.mark.django_db
def test_daily_refresh_moves_statuses_with_time(society_admin):
    user, society = society_admin
    m = services.apply(user, _non_member(society), society, Category.MEMBER)
    m = services.approve(user, m, number="T-0002", joined_on=dt.date.today() - dt.timedelta(days=400),
                         dues_paid_through=dt.date.today() + dt.timedelta(days=10))
    assert m.status == Status.CURRENT
    services.refresh_statuses(dt.date.today() + dt.timedelta(days=30))
    m.refresh_from_db()
    assert m.status == Status.GRACE
    counts = services.refresh_statuses(dt.date.today() + dt.timedelta(days=200))
    m.refresh_from_db()
    assert m.status == Status.EXPIRED and counts["expired"] >= 1
    # The set-based refresh and the per-row rule agree on every membership.
    day = dt.date.today() + dt.timedelta(days=200)
    for row in Membership.objects.all()[:300]:
        assert row.status == status_for(joined_on=row.joined_on, dues_paid_through=row.dues_paid_through,
                                        category=row.category, current=row.status, today=day)


@pytest.mark.django_db
def test_membership_task_runs():
    from kexie.members.tasks import refresh_membership_statuses

    result = refresh_membership_statuses.call()
    assert set(result) == {"pending", "new", "current", "grace", "expired"}

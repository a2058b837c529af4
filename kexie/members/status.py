"""Membership status from dates. One rule, used by services, the daily task and the seed."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q

from kexie.members.models import ENDED, Category, Status


def status_for(*, joined_on: dt.date | None, dues_paid_through: dt.date | None, category: str, current: str,
               today: dt.date | None = None) -> str:
    if current in ENDED:
        return current
    if joined_on is None:
        return Status.PENDING
    today = today or dt.date.today()
    new_days = settings.KEXIE_MEMBERSHIP_NEW_DAYS
    grace_days = settings.KEXIE_MEMBERSHIP_GRACE_DAYS
    paid = category == Category.HONORARY or (dues_paid_through is not None and dues_paid_through >= today)
    in_grace = dues_paid_through is not None and dues_paid_through + dt.timedelta(days=grace_days) >= today
    if paid:
        if (today - joined_on).days < new_days:
            return Status.NEW
        return Status.CURRENT
    if in_grace:
        return Status.GRACE
    return Status.EXPIRED


def status_filters(today: dt.date) -> dict[str, Q]:
    """The same rule as set-based filters, for the daily refresh over millions of rows."""
    new_from = today - dt.timedelta(days=settings.KEXIE_MEMBERSHIP_NEW_DAYS)
    grace_from = today - dt.timedelta(days=settings.KEXIE_MEMBERSHIP_GRACE_DAYS)
    live = ~Q(status__in=list(ENDED)) & Q(deleted_at__isnull=True)
    joined = live & Q(joined_on__isnull=False)
    paid = Q(category=Category.HONORARY) | Q(dues_paid_through__gte=today)
    return {
        Status.PENDING: live & Q(joined_on__isnull=True),
        Status.NEW: joined & paid & Q(joined_on__gt=new_from),
        Status.CURRENT: joined & paid & Q(joined_on__lte=new_from),
        Status.GRACE: joined & ~paid & Q(dues_paid_through__gte=grace_from),
        Status.EXPIRED: joined & ~paid & (Q(dues_paid_through__lt=grace_from) | Q(dues_paid_through__isnull=True)),
    }

"""Which accounts are locked after repeated failed logins (django-axes, per username), and unlocking them.

django-axes counts failures per username (``AXES_LOCKOUT_PARAMETERS``) in ``AccessAttempt`` rows, one per
username, address and browser; an account is locked while the failures within the cool-off period reach
``AXES_FAILURE_LIMIT``. The username counted is the account's whatever was typed: ``AXES_USERNAME_CALLABLE``
(``kexie.signup.backends.lockout_username``) resolves a phone number or e-mail address to the account it signs in,
so the failures by phone and by user name of one account add up to one lock (decision 0038)."""

from __future__ import annotations

import datetime as dt

from axes.helpers import get_cool_off  # type: ignore[import-untyped]  # django-axes ships no type information
from axes.models import AccessAttempt  # type: ignore[import-untyped]
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone


def _threshold() -> dt.datetime:
    cool_off: dt.timedelta | None = get_cool_off()
    if cool_off is None:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return timezone.now() - cool_off


def locked_usernames() -> dict[str, dt.datetime]:
    """Locked usernames with the time of their last failed attempt."""
    rows = (AccessAttempt.objects.filter(attempt_time__gte=_threshold()).values("username")
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT))
    return {r["username"]: r["last"] for r in rows if r["username"]}


def is_locked(username: str) -> bool:
    return username in locked_usernames_for([username])


def locked_usernames_for(usernames: list[str]) -> set[str]:
    rows = (AccessAttempt.objects.filter(attempt_time__gte=_threshold(), username__in=usernames)
            .values("username").annotate(failures=Sum("failures_since_start"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT))
    return {r["username"] for r in rows}


def clear(username: str) -> int:
    """Forget the failed attempts of ``username`` (every address): the account can log in again."""
    deleted, _ = AccessAttempt.objects.filter(username=username).delete()
    return int(deleted)

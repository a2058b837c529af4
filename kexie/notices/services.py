"""Sending notices: ``notify()`` is what every module calls (reminders, review results, term expiry). Each key
belongs to a kind an app declares (``KexieAppConfig.notices``, ``kexie.core.registry.NoticeKind``); the user's
choice for that kind (``NoticePreference``, /notices/settings/) or the kind's default decides the e-mail."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage
from django.db import transaction
from django.utils import timezone

from kexie.core.registry import NoticeKind, app_configs, notice_kind, notice_kinds
from kexie.notices.models import NoticePreference, Notification

log = logging.getLogger(__name__)


def notify(users: Iterable[Any], *, title: str, body: str = "", url: str = "", key: str = "",
           email: bool = True) -> int:
    """Notify each user once per ``key`` (an empty key: always). Returns how many notices were created.
    E-mails go out after the transaction commits, through the configured backend, one message per user
    with an address whose choice for the key's kind (or the kind's default) is e-mail — ``email=False``
    sends none; a failing mail server is logged and never undoes the notice."""
    users = [u for u in {u.pk: u for u in users if u is not None and u.is_active}.values()]
    if not users:
        return 0
    if key:
        have = set(Notification.objects.filter(key=key, user__in=users).values_list("user_id", flat=True))
        users = [u for u in users if u.pk not in have]
    created = Notification.objects.bulk_create(
        [Notification(user=u, title=title[:200], body=body[:4000], url=url[:300], key=key[:120]) for u in users]
    )
    if email:
        addressed = [(n, u) for n, u in zip(created, users, strict=True) if u.email]
        wanted = email_wanted([u for _, u in addressed], key) if addressed else set()
        recipients = [(n.pk, u.email) for n, u in addressed if u.pk in wanted]
        if recipients:
            transaction.on_commit(lambda: _send(recipients, title, body, url))
    return len(created)


def email_wanted(users: Iterable[Any], key: str) -> set[int]:
    """The ids of ``users`` who receive notices with this key by e-mail: their choice for the key's kind, else
    the kind's default (one query for all of them); every user for a key of no declared kind."""
    users = list(users)
    kind = notice_kind(key)
    if kind is None:
        return {u.pk for u in users}
    chosen = dict(NoticePreference.objects.filter(key_prefix=kind.key_prefix, user__in=[u.pk for u in users])
                  .values_list("user_id", "email"))
    return {u.pk for u in users if chosen.get(u.pk, kind.email_default)}


def _send(recipients: list[tuple[int, str]], title: str, body: str, url: str) -> None:
    link = f"\n\n{settings.KEXIE_SITE_URL.rstrip('/')}{url}" if url else ""
    messages = [EmailMessage(subject=title, body=body + link, to=[address]) for _, address in recipients]
    try:
        sent = get_connection().send_messages(messages) or 0
    except OSError:
        log.exception("could not send %s notice e-mails", len(messages))
        return
    if sent:
        Notification.objects.filter(pk__in=[pk for pk, _ in recipients]).update(emailed=True)


def mark_read(user: Any, pks: Iterable[int] | None = None) -> int:
    """Mark the user's own notices read (all unread ones when ``pks`` is None)."""
    qs = Notification.objects.for_user(user).unread()
    if pks is not None:
        qs = qs.filter(pk__in=list(pks))
    return qs.update(read_at=timezone.now())


# ---- each user's settings (/notices/settings/) ------------------------------------------------------------
def has_role(user: Any) -> bool:
    """Staff kinds concern users who hold a role somewhere (or superusers): they are who staff notices go to."""
    return bool(getattr(user, "is_superuser", False) or user.assignments.exists())


def kinds_for(user: Any) -> list[tuple[Any, NoticeKind]]:
    """The notice kinds that concern ``user``, as (module name, kind) in ``INSTALLED_APPS`` order: "people"
    kinds for everyone, "staff" kinds only for users with a role."""
    notice_kinds()  # a prefix declared twice is an error here too
    staff = has_role(user)
    return [(config.verbose_name, kind) for config in app_configs() for kind in config.notices
            if kind.audience == "people" or staff]


def email_choices(user: Any, kinds: Iterable[NoticeKind]) -> dict[str, bool]:
    """Key prefix -> whether the user gets that kind by e-mail (their choice, else the kind's default)."""
    kinds = list(kinds)
    chosen = dict(NoticePreference.objects.filter(user=user, key_prefix__in=[k.key_prefix for k in kinds])
                  .values_list("key_prefix", "email"))
    return {k.key_prefix: chosen.get(k.key_prefix, k.email_default) for k in kinds}


@transaction.atomic
def save_preferences(user: Any, choices: Mapping[str, bool]) -> int:
    """Save the user's own e-mail choices (key prefix -> e-mail on) for declared kinds; a choice equal to the
    kind's default keeps no row. Returns how many kinds now differ from their default. Unknown prefixes are
    refused (the form offers only declared kinds)."""
    kinds = notice_kinds()
    unknown = sorted(set(choices) - set(kinds))
    if unknown:
        raise ValueError(f"unknown notice kinds: {unknown}")
    NoticePreference.objects.filter(user=user, key_prefix__in=list(choices)).delete()
    rows = [NoticePreference(user=user, key_prefix=prefix, email=on) for prefix, on in choices.items()
            if on != kinds[prefix].email_default]
    NoticePreference.objects.bulk_create(rows)
    return len(rows)

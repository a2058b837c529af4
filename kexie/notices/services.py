"""Sending notices: ``notify()`` is what every module calls (reminders, review results, term expiry)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage
from django.db import transaction
from django.utils import timezone

from kexie.notices.models import Notification

log = logging.getLogger(__name__)


def notify(users: Iterable[Any], *, title: str, body: str = "", url: str = "", key: str = "",
           email: bool = True) -> int:
    """Notify each user once per ``key`` (an empty key: always). Returns how many notices were created.
    E-mails go out after the transaction commits, through the configured backend, one message per user
    with an address; a failing mail server is logged and never undoes the notice."""
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
        recipients = [(n.pk, u.email) for n, u in zip(created, users, strict=True) if u.email]
        if recipients:
            transaction.on_commit(lambda: _send(recipients, title, body, url))
    return len(created)


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

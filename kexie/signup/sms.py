"""SMS backends for verification codes, chosen by dotted path in ``settings.KEXIE_SMS_BACKEND`` (like Django's mail
backends). A backend has ``send(phone, message) -> None``; a production backend wraps the operator's gateway API.
``ConsoleBackend`` (the default) writes the message to the log and standard output; ``LocmemBackend`` keeps it in
``outbox`` for tests."""

from __future__ import annotations

import logging
import sys
from typing import NamedTuple, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class SmsMessage(NamedTuple):
    phone: str
    message: str


class SmsBackend(Protocol):
    def send(self, phone: str, message: str) -> None: ...


class ConsoleBackend:
    """The demo's gateway: the message goes to the log and to standard output."""

    def send(self, phone: str, message: str) -> None:
        log.info("SMS to %s: %s", phone, message)
        sys.stdout.write(f"[SMS] {phone}: {message}\n")
        sys.stdout.flush()


outbox: list[SmsMessage] = []


class LocmemBackend:
    """Keeps every message in the module's ``outbox`` list (tests read and clear it)."""

    def send(self, phone: str, message: str) -> None:
        outbox.append(SmsMessage(phone, message))


def get_backend() -> SmsBackend:
    path: str = getattr(settings, "KEXIE_SMS_BACKEND", "kexie.signup.sms.ConsoleBackend")
    backend: SmsBackend = import_string(path)()
    return backend


def send_sms(phone: str, message: str) -> None:
    get_backend().send(phone, message)

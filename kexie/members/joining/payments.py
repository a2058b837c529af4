"""Dues payment backends (decision 0030). ``KEXIE_PAYMENT_BACKEND`` names the class (dotted path); only the manual
one ships: the member pays the society's secretariat, which records the payment with its receipt number.

An online backend implements ``PaymentBackend``:

- ``start(membership, period, amount) -> PaymentStart``: what the member is shown (a payment page address or
  instructions);
- ``confirm(request) -> PaymentResult | None``: called by the provider's notification; checks the provider's
  signature, and returns the membership, period, amount and the provider's transaction number, which the caller
  records with ``services.record_payment(SYSTEM, membership, period=…, amount=…, receipt_number=…,
  method=PaymentMethod.ONLINE)`` (the receipt number is unique per society, so a repeated notification is refused
  rather than counted twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

DEFAULT_BACKEND = "kexie.members.joining.payments.ManualBackend"


@dataclass(frozen=True)
class PaymentStart:
    url: str  # where the member pays ("" when there is nothing to open)
    instructions: str


@dataclass(frozen=True)
class PaymentResult:
    membership_id: int
    period: int
    amount: Decimal
    receipt_number: str


class PaymentBackend(Protocol):
    code: str
    online: bool

    def start(self, membership: Any, period: int, amount: Decimal) -> PaymentStart: ...

    def confirm(self, request: Any) -> PaymentResult | None: ...


class ManualBackend:
    """线下缴费: the secretariat records the payment by hand (``services.record_payment``)."""

    code = "manual"
    online = False

    def start(self, membership: Any, period: int, amount: Decimal) -> PaymentStart:
        return PaymentStart("", _("请向%(s)s秘书处缴纳 %(y)s 年度会费 %(a)s 元，凭收据号登记。") % {
            "s": membership.society.name, "y": period, "a": amount})

    def confirm(self, request: Any) -> PaymentResult | None:
        return None  # nothing arrives from outside


def backend() -> PaymentBackend:
    cls = import_string(getattr(settings, "KEXIE_PAYMENT_BACKEND", "") or DEFAULT_BACKEND)
    instance: PaymentBackend = cls()
    return instance

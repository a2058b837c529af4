"""Encryption at rest for personal information (PIPL): AES-GCM for the value, keyed BLAKE2b as a
blind index for exact look-ups and de-duplication, and masks for display.

The key comes from ``settings.PII_KEY`` (any string; it is stretched with SHA-256) or, when that is
empty, from ``SECRET_KEY``. Rotating the key needs a re-encryption run.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

_PREFIX = "v1:"


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[AESGCM, bytes]:
    root = hashlib.sha256(("kexie-pii:" + secret).encode()).digest()
    enc = hmac.new(root, b"encrypt", hashlib.sha256).digest()
    idx = hmac.new(root, b"index", hashlib.sha256).digest()
    return AESGCM(enc), idx


_current: list[tuple[AESGCM, bytes]] = []  # [(aes, index_key)] cached; cleared when settings change in tests


def _active_keys() -> tuple[AESGCM, bytes]:
    if not _current:
        secret: str = settings.PII_KEY or settings.SECRET_KEY
        _current.append(_keys(secret))
    return _current[0]


@receiver(setting_changed)
def _reset_keys(setting: str, **kwargs: Any) -> None:
    if setting in {"PII_KEY", "SECRET_KEY"}:
        _current.clear()


def encrypt(value: str) -> str:
    aes, _ = _active_keys()
    nonce = os.urandom(12)
    return _PREFIX + base64.b64encode(nonce + aes.encrypt(nonce, value.encode(), None)).decode()


def encrypt_many(values: list[str]) -> list[str]:
    """``encrypt`` over a batch (bulk loads): one call for the nonces, locals bound once; '' stays ''."""
    aes, _ = _active_keys()
    seal, b64, prefix = aes.encrypt, binascii.b2a_base64, _PREFIX
    nonces = os.urandom(12 * len(values))
    out = []
    for i, value in enumerate(values):
        if value:
            nonce = nonces[12 * i : 12 * i + 12]
            out.append(prefix + b64(nonce + seal(nonce, value.encode(), None), newline=False).decode())
        else:
            out.append("")
    return out


def blind_index_many(values: list[str]) -> list[str]:
    """``blind_index`` over a batch; '' stays ''."""
    _, idx = _active_keys()
    blake = hashlib.blake2b
    return [blake(v.encode(), key=idx, digest_size=16).hexdigest() if v else "" for v in values]


def decrypt(token: str) -> str:
    if not token.startswith(_PREFIX):
        raise ValueError("not an encrypted value")
    raw = base64.b64decode(token[len(_PREFIX) :])
    aes, _ = _active_keys()
    return aes.decrypt(raw[:12], raw[12:], None).decode()


def blind_index(value: str) -> str:
    """Keyed BLAKE2b (a MAC by construction), 128 bits as 32 hex characters."""
    _, idx = _active_keys()
    return hashlib.blake2b(value.encode(), key=idx, digest_size=16).hexdigest()


if TYPE_CHECKING:  # the stubs' field is generic (set type, get type); Django's is not subscriptable
    _TextField = models.TextField[str, str]
else:
    _TextField = models.TextField


class EncryptedTextField(_TextField):
    """Stores ``encrypt(value)``; Python side always sees plain text (or '')."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        if not value:
            return ""
        return decrypt(value)

    def get_prep_value(self, value: Any) -> str:
        value = super().get_prep_value(value)
        if not value:
            return ""
        if isinstance(value, str) and value.startswith(_PREFIX):
            return value
        return encrypt(value)


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return value[:2] + "*" * (len(value) - 2)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]

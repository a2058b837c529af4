"""Encryption at rest for personal information (PIPL): AES-GCM for the value, keyed BLAKE2b as a
blind index for exact look-ups and de-duplication, and masks for display.

The key comes from ``settings.PII_KEY`` (any string; it is stretched with SHA-256) or, when that is
empty, from ``SECRET_KEY``. Rotating the key needs a re-encryption run.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

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


_current: list = []  # [secret, (aes, index_key)] cached; cleared when settings change in tests


def _active_keys() -> tuple[AESGCM, bytes]:
    if not _current:
        secret = settings.PII_KEY or settings.SECRET_KEY
        _current.extend([secret, _keys(secret)])
    return _current[1]


@receiver(setting_changed)
def _reset_keys(setting: str, **kwargs) -> None:
    if setting in {"PII_KEY", "SECRET_KEY"}:
        _current.clear()


def encrypt(value: str) -> str:
    aes, _ = _active_keys()
    nonce = os.urandom(12)
    return _PREFIX + base64.b64encode(nonce + aes.encrypt(nonce, value.encode(), None)).decode()


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


class EncryptedTextField(models.TextField):
    """Stores ``encrypt(value)``; Python side always sees plain text (or '')."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        return decrypt(value)

    def get_prep_value(self, value):
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

"""Encryption at rest for personal information (PIPL): AES-GCM for the value, HMAC-SHA256 as a
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
from django.db import models

_PREFIX = "v1:"


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[AESGCM, bytes]:
    root = hashlib.sha256(("kexie-pii:" + secret).encode()).digest()
    enc = hmac.new(root, b"encrypt", hashlib.sha256).digest()
    idx = hmac.new(root, b"index", hashlib.sha256).digest()
    return AESGCM(enc), idx


def _secret() -> str:
    return settings.PII_KEY or settings.SECRET_KEY


def encrypt(value: str) -> str:
    aes, _ = _keys(_secret())
    nonce = os.urandom(12)
    return _PREFIX + base64.b64encode(nonce + aes.encrypt(nonce, value.encode(), None)).decode()


def decrypt(token: str) -> str:
    if not token.startswith(_PREFIX):
        raise ValueError("not an encrypted value")
    raw = base64.b64decode(token[len(_PREFIX) :])
    aes, _ = _keys(_secret())
    return aes.decrypt(raw[:12], raw[12:], None).decode()


def blind_index(value: str) -> str:
    _, idx = _keys(_secret())
    return hmac.new(idx, value.encode(), hashlib.sha256).hexdigest()[:32]


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

"""Encryption at rest for personal information (PIPL): AES-GCM for the value, keyed BLAKE2b as a
blind index for exact look-ups and de-duplication, and masks for display.

The key is ``settings.PII_KEY`` (``KEXIE_PII_KEY``: any string, stretched with SHA-256); it is never
derived from ``SECRET_KEY``. Every value names the key that sealed it: ``v2:<key id>:<base64(nonce ‖
ciphertext)>``, the key id (8 hex characters of the key's fingerprint) authenticated as associated data.
Values of the first format, ``v1:<base64>``, name no key and are opened by trying the keys in turn.
``settings.PII_OLD_KEYS`` (``KEXIE_PII_OLD_KEYS``) open values sealed by earlier keys; new values and blind
indexes always use the current key. ``kexie pii rotate`` (``kexie.core.rotation``) re-encrypts every
``EncryptedTextField`` and recomputes the blind indexes under the current key (docs/operations.md).

A server or worker outside ``kexie demo`` starts only with keys of its own: ``require_server_keys()``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple, TypeGuard

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils.translation import gettext as _

from kexie.core.text import join_list

LEGACY_PREFIX = "v1:"  # v1:<base64(nonce ‖ ciphertext)>: no key id
PREFIX = "v2:"  # v2:<key id>:<base64(nonce ‖ ciphertext)>
KID_LENGTH = 8
_BODY = len(PREFIX) + KID_LENGTH + 1  # where the base64 starts in a v2 value


class PiiKey(NamedTuple):
    kid: str  # 8 hex characters, carried by every value the key seals
    fingerprint: str  # 32 hex characters: names the key in backups and reports, reveals nothing of it
    aes: AESGCM
    index_key: bytes  # the blind index key
    prefix: str  # "v2:<kid>:"
    aad: bytes


@lru_cache(maxsize=16)
def derive_key(secret: str) -> PiiKey:
    """The encryption and index keys of a key string (the same derivation as values of the v1 format,
    so a key string that sealed v1 values opens them here too)."""
    root = hashlib.sha256(("kexie-pii:" + secret).encode()).digest()
    enc = hmac.new(root, b"encrypt", hashlib.sha256).digest()
    idx = hmac.new(root, b"index", hashlib.sha256).digest()
    fingerprint = hmac.new(root, b"fingerprint", hashlib.sha256).hexdigest()[:32]
    kid = fingerprint[:KID_LENGTH]
    return PiiKey(kid, fingerprint, AESGCM(enc), idx, f"{PREFIX}{kid}:", kid.encode())


class KeyRing(NamedTuple):
    current: PiiKey
    old: tuple[PiiKey, ...]
    by_kid: dict[str, PiiKey]


class UnknownKeyError(ValueError):
    """A value sealed by a key that is neither ``KEXIE_PII_KEY`` nor in ``KEXIE_PII_OLD_KEYS``."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        super().__init__(_("个人信息密文所用的密钥（编号 %(kid)s）既不是 KEXIE_PII_KEY，也不在 KEXIE_PII_OLD_KEYS "
                           "中，无法解密。") % {"kid": kid})


_ring: list[KeyRing] = []  # cached; cleared when the key settings change (tests)


def key_ring() -> KeyRing:
    if not _ring:
        secret: str = settings.PII_KEY
        if not secret:
            raise ImproperlyConfigured(_("未设置个人信息加密密钥 KEXIE_PII_KEY。"))
        current = derive_key(secret)
        old_secrets: list[str] = [s for s in dict.fromkeys(getattr(settings, "PII_OLD_KEYS", ())) if s and s != secret]
        old = tuple(derive_key(s) for s in old_secrets)
        by_kid: dict[str, PiiKey] = {}
        for key in (current, *old):
            if key.kid in by_kid:  # two key strings with one id: 1 in 4 billion, but never guess between them
                raise ImproperlyConfigured(_("两个个人信息密钥的编号相同（%(kid)s），请更换其中一个。") % {"kid": key.kid})
            by_kid[key.kid] = key
        _ring.append(KeyRing(current, old, by_kid))
    return _ring[0]


def _active_keys() -> tuple[AESGCM, bytes]:
    key = key_ring().current
    return key.aes, key.index_key


@receiver(setting_changed)
def _reset_keys(setting: str, **kwargs: Any) -> None:
    if setting in {"PII_KEY", "PII_OLD_KEYS", "SECRET_KEY"}:
        _ring.clear()


def key_fingerprint() -> str:
    """The current key's fingerprint (never the key): backups' manifests and ``kexie pii status``."""
    return key_ring().current.fingerprint


def is_encrypted(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value.startswith((PREFIX, LEGACY_PREFIX))


def key_id(token: str) -> str:
    """The key id a value names; ``"v1"`` for a value of the first format, ``""`` for ''."""
    if token.startswith(PREFIX):
        return token[len(PREFIX) : len(PREFIX) + KID_LENGTH]
    return "v1" if token.startswith(LEGACY_PREFIX) else ""


def encrypt(value: str) -> str:
    key = key_ring().current
    nonce = os.urandom(12)
    return key.prefix + base64.b64encode(nonce + key.aes.encrypt(nonce, value.encode(), key.aad)).decode()


def encrypt_many(values: list[str]) -> list[str]:
    """``encrypt`` over a batch (bulk loads): one call for the nonces, locals bound once; '' stays ''."""
    key = key_ring().current
    seal, b64, prefix, aad = key.aes.encrypt, binascii.b2a_base64, key.prefix, key.aad
    nonces = os.urandom(12 * len(values))
    out = []
    for i, value in enumerate(values):
        if value:
            nonce = nonces[12 * i : 12 * i + 12]
            out.append(prefix + b64(nonce + seal(nonce, value.encode(), aad), newline=False).decode())
        else:
            out.append("")
    return out


def blind_index_many(values: list[str], key: PiiKey | None = None) -> list[str]:
    """``blind_index`` over a batch; '' stays ''."""
    idx = (key or key_ring().current).index_key
    blake = hashlib.blake2b
    return [blake(v.encode(), key=idx, digest_size=16).hexdigest() if v else "" for v in values]


def decrypt(token: str) -> str:
    if token.startswith(PREFIX):
        kid = token[len(PREFIX) : len(PREFIX) + KID_LENGTH]
        key = key_ring().by_kid.get(kid)
        if key is None:
            raise UnknownKeyError(kid)
        raw = base64.b64decode(token[_BODY:])
        return key.aes.decrypt(raw[:12], raw[12:], key.aad).decode()
    if not token.startswith(LEGACY_PREFIX):
        raise ValueError("not an encrypted value")
    raw = base64.b64decode(token[len(LEGACY_PREFIX) :])
    ring = key_ring()
    for key in (ring.current, *ring.old):
        try:
            return key.aes.decrypt(raw[:12], raw[12:], None).decode()
        except InvalidTag:
            continue
    raise UnknownKeyError("v1")


def blind_index(value: str) -> str:
    """Keyed BLAKE2b (a MAC by construction), 128 bits as 32 hex characters."""
    _, idx = _active_keys()
    return hashlib.blake2b(value.encode(), key=idx, digest_size=16).hexdigest()


def server_key_problems() -> list[str]:
    """Why a server or worker must not start with these settings: the key variables unset, or set to the
    published demo keys."""
    problems = []
    demo = {getattr(settings, "KEXIE_DEMO_SECRET_KEY", None), getattr(settings, "KEXIE_DEMO_PII_KEY", None)} - {None}
    if not settings.SECRET_KEY or settings.SECRET_KEY in demo:
        problems.append("KEXIE_SECRET_KEY")
    if not settings.PII_KEY or settings.PII_KEY in demo:
        problems.append("KEXIE_PII_KEY")
    return problems


def require_server_keys() -> None:
    """Refuse to serve (``kexie serve``, ``kexie.wsgi``, ``kexie db_worker``) with the published demo keys:
    whoever has the source could forge sessions and read every ID and phone number."""
    problems = server_key_problems()
    if problems:
        raise ImproperlyConfigured(
            _("拒绝启动：未设置 %(names)s（或仍是公开的演示密钥）。演示密钥随源代码公开，用它签名会话、加密身份证号和"
              "手机号等于不加密。请为站点生成两个不同的随机密钥并设置环境变量，例如：\n"
              "  export KEXIE_SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')\"\n"
              "  export KEXIE_PII_KEY=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')\"\n"
              "两个密钥与数据库备份分开保管；丢失 KEXIE_PII_KEY 将无法解密已有的个人信息（见 docs/operations.md）。"
              "只想试用请运行 kexie demo。") % {"names": join_list(problems)}
        )


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
        if is_encrypted(value):
            return value
        return encrypt(value)


def mask_id_number(value: str) -> str:
    """Only the first two characters (the province of registration) stay visible: the region, birth date and
    sequence code that follow, and the check digit, are hidden. The birth date and gender shown beside a mask
    then still leave every county of the province and 500 sequence codes open (decision 0015)."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 2)


def mask_phone(value: str) -> str:
    """The first three and the last two digits stay visible; at least six digits are hidden (decision 0015).
    A mobile number's middle block names its home area, which a reader may know: hiding the middle four
    alone would leave a few hundred completions, hiding six leaves tens of thousands."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]

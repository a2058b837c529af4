"""Signing in by user name, phone number or e-mail address (decision 0038).

``account_for(identifier)`` resolves what was typed in the sign-in form's one box to at most one active account:

1. the user name, exactly as ``ModelBackend`` reads it (a user name wins: it is what staff were given);
2. a mainland mobile number (spaces, hyphens, +86 / 0086 allowed) through the verified contact's blind index
   (``Contact.phone_hash``: one indexed look-up, nothing is decrypted);
3. an e-mail address, case-insensitive, in the verified contact or ``User.email`` of active accounts, only when
   exactly one account has it (an address two accounts share signs in neither: the user name or phone does).

``ContactBackend`` checks the password of that account. ``lockout_username`` is django-axes'
``AXES_USERNAME_CALLABLE``: failures count against the resolved account's user name, so the user name and the phone
of one account share one counter (and one lock); what resolves to no account counts under a keyed digest of what
was typed, so the unknown are locked like the known (no account enumeration) and no typed phone or address is
stored in clear in ``AccessAttempt``."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q

from kexie.core.crypto import blind_index

BACKEND = "kexie.signup.backends.ContactBackend"
_MOBILE = re.compile(r"1[3-9]\d{9}")
_CACHE = "_kexie_sign_in_accounts"  # per request: identifier -> account (axes asks several times per attempt)


def as_phone(identifier: str) -> str:
    """The mainland mobile number ``identifier`` spells, or ''."""
    v = re.sub(r"[\s()（）\-]", "", identifier or "")
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("0086"):
        v = v[4:]
    return v if _MOBILE.fullmatch(v) else ""


def as_email(identifier: str) -> str:
    """The lower-cased e-mail address ``identifier`` spells, or ''."""
    v = (identifier or "").strip().lower()
    if "@" not in v:
        return ""
    try:
        validate_email(v)
    except ValidationError:
        return ""
    return v


def account_for(identifier: str) -> Any | None:
    """The one account ``identifier`` names (user name, phone or e-mail), or None (unknown or ambiguous)."""
    User = get_user_model()
    identifier = (identifier or "").strip()
    if not identifier or len(identifier) > 254:
        return None
    user = User._default_manager.filter(**{User.USERNAME_FIELD: identifier}).first()
    if user is not None:
        return user
    phone = as_phone(identifier)
    if phone:
        from kexie.signup.models import Contact

        contact = Contact.objects.filter(phone_hash=blind_index(phone)).select_related("user").first()
        return contact.user if contact is not None and contact.user.is_active else None
    email = as_email(identifier)
    if email:
        found = list(User._default_manager.filter(Q(email__iexact=email) | Q(contact__email__iexact=email),
                                                  is_active=True).distinct()[:2])
        return found[0] if len(found) == 1 else None
    return None


def lockout_key(identifier: str) -> str:
    """The name failed attempts count under: the account's user name, else a digest of the typed phone or address
    (the user name typed for no account stays as typed, as django-axes keeps it)."""
    user = account_for(identifier)
    if user is not None:
        return str(user.get_username())
    identifier = (identifier or "").strip()
    phone = as_phone(identifier)
    if phone:
        return f"phone:{blind_index(phone)[:16]}"
    email = as_email(identifier)
    if email:
        return f"email:{blind_index(email)[:16]}"
    return identifier


def lockout_username(request: Any, credentials: dict[str, Any] | None = None) -> str:
    """``AXES_USERNAME_CALLABLE``: the account failed logins count against (see the module docstring)."""
    if credentials is not None:
        identifier = credentials.get("username")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        identifier = data.get("username")
    identifier = str(identifier or "")
    cache: dict[str, str] | None = getattr(request, _CACHE, None) if request is not None else None
    if cache is not None and identifier in cache:
        return cache[identifier]
    key = lockout_key(identifier)
    if request is not None:
        try:
            setattr(request, _CACHE, {**(cache or {}), identifier: key})
        except AttributeError:  # not a request object we may annotate
            pass
    return key


class ContactBackend(ModelBackend):
    """``ModelBackend`` whose user name may also be the account's verified phone or its e-mail address."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any | None:
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = account_for(username)
        if user is None:
            User().set_password(password)  # the time of a password check, as ModelBackend (no enumeration by time)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

"""Accounts: the caller's own password and API tokens; password reset is public; locked accounts are unlocked by
staff who manage the account's organisations (a city-B account: 404 for city A; tests/test_accounts.py)."""

from __future__ import annotations

TABLE = {
    "password_change": ("own", None),
    "password_change_done": ("own", None),
    "password_reset": ("public", None),
    "password_reset_done": ("public", None),
    "password_reset_confirm": ("public", None),  # needs the signed link from the e-mail
    "password_reset_complete": ("public", None),
    "account-tokens": ("own", None),
    "account-token-revoke": ("change", "api_token"),  # another user's token: 404, not revoked
    "account-locked": ("list", None),  # only accounts the caller may unlock: test_staff_unlock_accounts_in…
    "account-unlock": ("change", "account"),
}


def records(province):
    from kexie.accounts.services import create_token

    user_b = province["users"]["demo-city-b"]
    token, _key = create_token(None, user_b, "B市同步")
    return {"account": user_b, "api_token": token}

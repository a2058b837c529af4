"""Accounts: the caller's own password and API tokens; password reset is public; locked accounts are unlocked by
staff who manage the account's organisations (a city-B account: 404 for city A; tests/test_accounts.py); the
users-and-roles pages show and change only accounts and grants in the caller's ``manage`` subtree
(tests/test_users_page.py)."""

from __future__ import annotations

from kexie.core.services import SYSTEM

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
    "account-users": ("list", None),  # only accounts with roles in the caller's subtree: test_users_page.py
    "account-users-export": ("export", "accounts"),  # the same rows: test_city_a_never_sees_city_b_accounts
    "account-user-create": ("list", None),  # pickers limited to the subtree: test_users_page.py
    "account-user": ("detail", "account"),
    "account-user-grant": ("change", "account"),
    "account-user-active": ("change", "account"),
    "account-grant-revoke": ("change", "role_assignment"),
}


def records(province):
    from kexie.accounts.services import create_token

    user_b = province["users"]["demo-city-b"]
    token, _key = create_token(SYSTEM, user_b, "B市同步")
    return {"account": user_b, "api_token": token, "role_assignment": user_b.assignments.get()}

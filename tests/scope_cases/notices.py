"""Notices are personal: the inbox shows the caller's own, the settings page the caller's own e-mail choices
(tests/test_notices.py)."""

TABLE = {
    "notices:inbox": ("own", None),
    "notices:read": ("own", None),
    "notices:read-all": ("own", None),
    "notices:settings": ("own", None),  # the caller's own e-mail switches; nobody else's are reachable
}


def records(province):
    return {}

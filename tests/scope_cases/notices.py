"""Notices are personal: the inbox shows the caller's own (tests/test_notices.py)."""

TABLE = {
    "notices:inbox": ("own", None),
    "notices:read": ("own", None),
    "notices:read-all": ("own", None),
}


def records(province):
    return {}

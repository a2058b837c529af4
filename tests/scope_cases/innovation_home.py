"""企业之家: the caller's own enterprise only (tests/test_innovation_home.py shows another enterprise's needs and
matches never appear there)."""

from __future__ import annotations

TABLE = {
    "innovation:my-enterprise": ("own", None),  # the caller's own enterprise, needs, matches and services
}


def records(province):
    return {}

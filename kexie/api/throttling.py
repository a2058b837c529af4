"""API throttles per user and per address (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], from the environment).

DRF's own classes read the rates once, when the class is defined; these read them at each request so that a
changed setting (``override_settings`` in tests included) takes effect. Requests that fail authentication or
permission are refused before any throttle: the anonymous throttle guards what anonymous callers may open (the
schema)."""

from __future__ import annotations

from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


def _rate(scope: str | None) -> str | None:
    rates: dict[str, Any] = dict(api_settings.DEFAULT_THROTTLE_RATES or {})
    rate = rates.get(scope or "")
    return str(rate) if rate else None


class UserThrottle(UserRateThrottle):
    def get_rate(self) -> str | None:
        return _rate(self.scope)


class AnonThrottle(AnonRateThrottle):
    def get_rate(self) -> str | None:
        return _rate(self.scope)

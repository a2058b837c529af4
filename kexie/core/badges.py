"""One colour map for statuses, read by ``{% status_badge value label %}`` (templatetags/kexie.py): a status
value of any module gets the same tone everywhere. Values are the TextChoices values (strings), so core imports
no domain app; a value not listed is neutral."""

from __future__ import annotations

OK, INFO, WARN, BAD, NEUTRAL = "ok", "info", "warn", "bad", "neutral"

TONES: dict[str, str] = {
    # finished well / in force
    "active": OK, "current": OK, "new": OK, "accepted": OK, "approved": OK, "done": OK, "merged": OK,
    "auto_merged": OK, "pass": OK, "published": OK, "resolved": OK, "funded": OK, "completed": OK, "matched": OK,
    "excellent": OK, "good": OK, "rectified": OK, "verified": OK, "solved": OK, "awarded": OK, "handled": OK,
    # waiting for someone
    "submitted": INFO, "pending": INFO, "queued": INFO, "running": INFO, "checked": INFO, "preparing": INFO,
    "open": INFO, "in_review": INFO, "reviewing": INFO, "nominated": INFO, "matching": INFO, "selecting": INFO,
    "requested": INFO, "brokered": INFO, "waiting": INFO,
    # needs attention
    "returned": WARN, "grace": WARN, "expired": WARN, "warn": WARN, "suspended": WARN, "overdue": WARN,
    "interview": WARN, "warning": WARN,
    # refused / ended badly
    "rejected": BAD, "failed": BAD, "fail": BAD, "revoked": BAD, "expelled": BAD, "dissolved": BAD,
    "deleted": BAD, "terminated": BAD, "declined": BAD,
    # closed, neither good nor bad
    "draft": NEUTRAL, "not_started": NEUTRAL, "closed": NEUTRAL, "withdrawn": NEUTRAL, "distinct": NEUTRAL,
    "rolled_back": NEUTRAL, "na": NEUTRAL, "cancelled": NEUTRAL,
}


def tone(value: object) -> str:
    return TONES.get(str(value or ""), NEUTRAL)

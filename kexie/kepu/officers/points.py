"""Points of 科普中国信息员 (``PointRule``: points per action, a daily cap per officer in points, inactive rules give
nothing), written to the ledger ``PointEntry``. ``award`` is the one writer; ``record_share`` is what an officer's
"分享" button calls; ``award_share_reads`` is what the view counters' flush calls with the reads each officer's
links brought in a day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.kepu.models import InfoOfficer, Item, PointAction, PointEntry, PointRule


def _given_today(officer: InfoOfficer, action: str, day: dt.date) -> int:
    total: int | None = (PointEntry.objects.filter(officer=officer, action=action, day=day)
                         .aggregate(s=Sum("points"))["s"])
    return total or 0


@transaction.atomic
def award(officer: InfoOfficer | int, action: str, item: Item | None = None, day: dt.date | None = None, *,
          times: int = 1) -> int:
    """Give ``officer`` the points of ``action`` (``times`` occurrences at once) on ``day`` (today by default),
    within the rule's daily cap; returns the points written (0: no active rule, an inactive officer, or the cap
    already reached — then no ledger row is written). The officer's row is locked so that two awards of one day
    never pass the cap together."""
    if action not in PointAction.values or times < 1:
        return 0
    pk = officer if isinstance(officer, int) else officer.pk
    locked = InfoOfficer.objects.select_for_update().filter(pk=pk, active=True).first()
    rule = PointRule.objects.filter(action=action, active=True).first()
    if locked is None or rule is None or rule.points == 0:
        return 0
    day = day or timezone.localdate()
    points = rule.points * times
    if rule.daily_cap:
        points = min(points, rule.daily_cap - _given_today(locked, action, day))
    if points <= 0:
        return 0
    PointEntry.objects.create(officer=locked, action=action, points=points, item=item, day=day)
    return points


def award_share_reads(counts: Mapping[int, int], day: dt.date) -> int:
    """Reads through officers' share links on ``day`` (officer id → reads), as the view counters' flush finds
    them: SHARE_READ points for each, capped per day. Returns the points written in all."""
    total = 0
    for officer_id, n in sorted(counts.items()):
        if n and n > 0:
            total += award(int(officer_id), PointAction.SHARE_READ, day=day, times=int(n))
    return total


@transaction.atomic
def record_share(actor: Any, item: Item) -> int:
    """The signed-in officer shared a published item: SHARE points, once per item and day (sharing one item
    again the same day gives nothing more). Refused for someone who is not an active officer."""
    user_id = getattr(actor, "pk", None)
    officer = InfoOfficer.objects.select_for_update().filter(user_id=user_id).first() if user_id else None
    if officer is None or not officer.active:
        raise PermissionDenied(_("您还不是科普信息员，或信息员资格已停用。"))
    if not Item.objects.for_public().filter(pk=item.pk).exists():
        raise ValidationError(_("这篇作品未发布或已撤稿，不能分享。"))
    day = timezone.localdate()
    if PointEntry.objects.filter(officer=officer, action=PointAction.SHARE, item=item, day=day).exists():
        return 0
    return award(officer, PointAction.SHARE, item=item, day=day)

"""What the matcher learns from the platform's own records: the useful / not useful marks on earlier results
(``MatchFeedback``) and each expert's current load (open service teams and accepted introductions)."""

from __future__ import annotations

import threading

from django.db.models import Count, Max

from kexie.innovation.matching.feedback import Feedback
from kexie.innovation.models import DispatchStatus, Introduction, IntroStatus, MatchFeedback

MAX_ROWS = 5000  # the most recent marks; older ones have been absorbed by then or no longer matter
_lock = threading.Lock()
_cached: tuple[tuple[int, object], Feedback] | None = None


def feedback() -> Feedback | None:
    """The recent marks as the ranking's ``feedback`` (cached until a mark is added or changed)."""
    global _cached
    stamp = MatchFeedback.objects.aggregate(n=Count("id"), at=Max("at"))
    key = (int(stamp["n"] or 0), stamp["at"])
    if not key[0]:
        return None
    with _lock:
        if _cached is not None and _cached[0] == key:
            return _cached[1]
    rows = [{"need_text": f"{title}\n{description}", "person_id": pid, "useful": useful}
            for title, description, pid, useful in MatchFeedback.objects.order_by("-at")
            .values_list("need__title", "need__description", "person_id", "useful")[:MAX_ROWS]]
    fb = Feedback(rows)
    with _lock:
        _cached = (key, fb)
    return fb


def current_load() -> dict[int, int]:
    """Open engagements per expert: service teams of accepted (not yet done) dispatches and accepted
    introductions."""
    from kexie.innovation.models import Dispatch

    load: dict[int, int] = {}
    for pid, n in (Dispatch.objects.filter(status=DispatchStatus.ACCEPTED).values("team__id")
                   .annotate(n=Count("id")).values_list("team__id", "n")):
        if pid:
            load[pid] = load.get(pid, 0) + n
    for pid, n in (Introduction.objects.filter(status=IntroStatus.ACCEPTED).values("expert_id")
                   .annotate(n=Count("id")).values_list("expert_id", "n")):
        load[pid] = load.get(pid, 0) + n
    return load



"""Where the needs come from, for ranking needs (expert → needs, achievement → needs).

The Need model belongs to another part of ``kexie.innovation``; ``needs_source()`` reads it when it
exists and raises ``NeedsUnavailable`` ("技术需求模块尚未启用。") when it does not. Its owner can install
a better reader with ``set_needs_source``."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kexie.innovation.matching.errors import NeedsUnavailable

NeedRow = tuple[int, str, list[str], str | None, str]  # id, text, disciplines, region code, title
_source: Callable[[], Iterable[NeedRow]] | None = None


def set_needs_source(fn: Callable[[], Iterable[NeedRow]] | None) -> None:
    global _source
    _source = fn


def _from_model() -> Iterable[NeedRow]:
    try:
        from kexie.innovation.models import Need
    except ImportError as exc:
        raise NeedsUnavailable() from exc
    from kexie.innovation.data.industries import DIVISION_DISCIPLINES
    from kexie.innovation.models import OPEN_NEED_STATUSES

    open_needs = Need.objects.filter(deleted_at__isnull=True, status__in=OPEN_NEED_STATUSES)
    for need in open_needs.select_related("region").iterator():
        title = str(getattr(need, "title", "") or "")
        body = str(getattr(need, "text", "") or getattr(need, "description", "") or "")
        region = getattr(need, "region_code", None) or getattr(getattr(need, "region", None), "code", None)
        discs = DIVISION_DISCIPLINES.get(str(getattr(need, "industry", "") or ""), [])
        yield int(need.pk), f"{title}\n{body}", [str(d) for d in discs], region, title


def needs_source() -> list[NeedRow]:
    """Every open need as ``(id, text, disciplines, region code, title)``."""
    return list((_source or _from_model)())

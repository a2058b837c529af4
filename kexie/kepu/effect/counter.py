"""View counting without a row per request (decision 0054). ``record_view`` appends a compact record to a buffer:
a Redis list (``KEXIE_REDIS_URL``; one RPUSH) or, without Redis, a thread-safe in-process batch written when it
holds ``KEXIE_KEPU_VIEW_BATCH`` records or its oldest is 5 seconds old. ``flush()`` drains the buffer and writes
it in one transaction (``kexie.kepu.effect.rollup``): ViewEvent rows in bulk, ItemDay upserted, Item.views and
Item.readers incremented. ``kexie kepu flush`` / ``tick`` (cron, every minute) and the daily job call it.

A record is a view (it counts one read) or an engagement (the reading beacon: seconds read, the end reached, a
share — counted in ItemDay without adding a view)."""

from __future__ import annotations

import atexit
import json
import logging
import threading
import time
from typing import Any, NamedTuple

from django.conf import settings

log = logging.getLogger(__name__)

REDIS_KEY = "kx:kepu:views"
MAX_AGE = 5.0  # seconds an in-process batch may wait
DRAIN = 5000  # records per transaction when flushing


class ViewRecord(NamedTuple):
    item_id: int
    at: float  # epoch seconds
    channel: str
    region_code: str
    reader: str
    seconds: int
    completed: bool
    shared: bool
    officer_id: int | None
    view: bool  # False: an engagement (beacon) of an earlier view

    def dumps(self) -> str:
        return json.dumps([self.item_id, round(self.at, 3), self.channel, self.region_code, self.reader,
                           self.seconds, int(self.completed), int(self.shared), self.officer_id or 0,
                           int(self.view)], separators=(",", ":"))

    @classmethod
    def loads(cls, raw: bytes | str) -> ViewRecord | None:
        try:
            i, at, ch, rg, rd, sec, comp, sh, off, view = json.loads(raw)
            return cls(int(i), float(at), str(ch)[:8], str(rg)[:12], str(rd)[:32], max(0, int(sec)), bool(comp),
                       bool(sh), int(off) or None, bool(view))
        except (ValueError, TypeError):
            return None


class _Batch:
    """The in-process buffer (without Redis, or when Redis cannot be reached)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.records: list[ViewRecord] = []
        self.started = 0.0

    def add(self, record: ViewRecord) -> bool:
        """Append; True when the batch is due to be written."""
        with self.lock:
            if not self.records:
                self.started = time.monotonic()
            self.records.append(record)
            return (len(self.records) >= settings.KEXIE_KEPU_VIEW_BATCH
                    or time.monotonic() - self.started >= MAX_AGE)

    def take(self) -> list[ViewRecord]:
        with self.lock:
            out, self.records = self.records, []
            return out

    def put_back(self, records: list[ViewRecord]) -> None:
        with self.lock:
            self.records[:0] = records
            self.started = self.started or time.monotonic()

    def __len__(self) -> int:
        return len(self.records)


_batch = _Batch()
_clients: dict[str, Any] = {}


def redis_client() -> Any:
    """The Redis connection of ``KEXIE_REDIS_URL`` (None without one)."""
    url = getattr(settings, "KEXIE_REDIS_URL", "")
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        import redis

        client = _clients[url] = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
    return client


def record_view(item_id: int, *, channel: str = "web", region_code: str = "", reader: str = "", seconds: int = 0,
                completed: bool = False, shared: bool = False, officer_id: int | None = None) -> None:
    """Count one read of an item (buffered; never a synchronous row). Never raises for the page's sake."""
    _record(ViewRecord(int(item_id), time.time(), channel, region_code, reader, max(0, int(seconds)),
                       bool(completed), bool(shared), officer_id, True))


def record_engagement(item_id: int, *, channel: str = "web", region_code: str = "", reader: str = "",
                      seconds: int = 0, completed: bool = False, shared: bool = False) -> None:
    """What the reading beacon reports of an earlier view: time read, the end reached, a share (no view)."""
    _record(ViewRecord(int(item_id), time.time(), channel, region_code, reader, max(0, int(seconds)),
                       bool(completed), bool(shared), None, False))


def _record(record: ViewRecord) -> None:
    client = redis_client()
    if client is not None:
        try:
            client.rpush(REDIS_KEY, record.dumps())
            return
        except Exception:  # Redis away: keep the view in this process rather than lose it
            log.warning("kepu views: Redis unreachable, buffering in process", exc_info=True)
    if _batch.add(record):
        try:
            flush_local()
        except Exception:
            log.exception("kepu views: writing the batch failed; kept for the next flush")


def flush_local() -> int:
    from kexie.kepu.effect.rollup import write_batch

    records = _batch.take()
    if not records:
        return 0
    try:
        write_batch(records)
    except Exception:
        _batch.put_back(records)
        raise
    return len(records)


def _drain_redis(client: Any) -> int:
    from kexie.kepu.effect.rollup import write_batch

    written = 0
    while True:
        pipe = client.pipeline(transaction=True)
        pipe.lrange(REDIS_KEY, 0, DRAIN - 1)
        pipe.ltrim(REDIS_KEY, DRAIN, -1)
        raw, _ok = pipe.execute()
        if not raw:
            return written
        records = [r for r in map(ViewRecord.loads, raw) if r is not None]
        try:
            write_batch(records, redis=client)
        except Exception:
            client.lpush(REDIS_KEY, *reversed(raw))  # back at the head, in order, for the next flush
            raise
        written += len(records)
        if len(raw) < DRAIN:
            return written


def flush() -> int:
    """Write every buffered record (this process's batch, then the Redis list); the number written."""
    written = flush_local()
    client = redis_client()
    if client is not None:
        written += _drain_redis(client)
    return written


def pending() -> int:
    """Records waiting in this process's batch and in Redis."""
    client = redis_client()
    waiting = len(_batch)
    if client is not None:
        try:
            waiting += int(client.llen(REDIS_KEY))
        except Exception:
            log.warning("kepu views: Redis unreachable", exc_info=True)
    return waiting


@atexit.register
def _flush_at_exit() -> None:
    if len(_batch):
        try:
            flush_local()
        except Exception:
            log.exception("kepu views: the last batch could not be written")

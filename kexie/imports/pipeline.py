"""Where an import's writes run. ``InlineWriter`` runs them at once, inside the caller's
transaction. ``ThreadWriter`` (PostgreSQL, large files) runs them in one worker thread, inside one
transaction on that thread's own connection, while the calling thread reads, validates and matches
the next chunk — so the database's work (COPY, index maintenance) overlaps the Python work instead of
following it. Matching reads only what was there before the import (rows in one file never match each
other: they are in-file duplicates), so the reading thread needs no view of the uncommitted writes.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

QUEUE_CHUNKS = 4


class InlineWriter:
    threaded = False

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        fn(*args)

    def start(self) -> None:
        pass

    def finish(self, commit: bool) -> None:
        pass


class _Discard(Exception):
    pass


class ThreadWriter:
    threaded = True

    def __init__(self) -> None:
        # a write (function and arguments), or None: the end of the writes
        self.queue: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = queue.Queue(maxsize=QUEUE_CHUNKS)
        self.error: BaseException | None = None
        self.commit = False
        self.thread = threading.Thread(target=self._run, name="kexie-import-writer", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        try:
            with transaction.atomic():
                while (item := self.queue.get()) is not None:
                    if self.error is None:
                        fn, args = item
                        fn(*args)
                if not self.commit:
                    raise _Discard
        except _Discard:
            pass
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            self.error = exc
            while self.queue.get() is not None:  # let the producer finish; it will see the error
                pass
        finally:
            connection.close()

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((fn, args))

    def finish(self, commit: bool) -> None:
        """Commit (or roll back) and wait; re-raises an error from the writer thread."""
        self.commit = commit and self.error is None
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


# What an importer hands its writes to.
Writer = InlineWriter | ThreadWriter

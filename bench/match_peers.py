"""Peers of kexie's matcher for bench/match_relevance.py and bench/match_scale.py, all over the same
pre-segmented profiles (space-separated kexie tokens) and the same query tokens (OR of the need's terms):

- ``sqlite``: SQLite FTS5 table, ``ORDER BY bm25(t) LIMIT k``;
- ``pg``: PostgreSQL ``to_tsvector('simple', text)`` stored column with a GIN index, ``ts_rank`` over
  ``to_tsquery('simple', 'a | b | …')``;
- ``bm25s``: the bm25s library (sparse-matrix BM25) on token id lists.

Each peer is a class with ``build(docs)`` and ``query(tokens, k) -> list[row index]``."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Sequence

import numpy as np


class SqlitePeer:
    name = "sqlite"

    def __init__(self) -> None:
        self.path = tempfile.mktemp(suffix=".sqlite3", prefix="match_fts_", dir=os.environ.get("TMPDIR", "/tmp"))
        self.db = sqlite3.connect(self.path)

    def build(self, docs: Sequence[str], batch: int = 100_000) -> None:
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='unicode61')")
        for i in range(0, len(docs), batch):
            self.db.executemany("INSERT INTO t(rowid, body) VALUES (?, ?)",
                                ((j, docs[j]) for j in range(i, min(i + batch, len(docs)))))
        self.db.commit()
        self.db.execute("INSERT INTO t(t) VALUES('optimize')")
        self.db.commit()

    def query(self, tokens: Sequence[str], k: int) -> list[int]:
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)
        if not match:
            return []
        rows = self.db.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?", (match, k))
        return [r[0] for r in rows]

    def close(self) -> None:
        self.db.close()
        os.unlink(self.path)


class PgPeer:
    name = "pg"

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        self.conn.execute("SET jit = off")
        self.conn.execute("DROP TABLE IF EXISTS match_peer")

    def build(self, docs: Sequence[str]) -> None:
        c = self.conn
        c.execute("CREATE UNLOGGED TABLE match_peer (id int PRIMARY KEY, body text, tsv tsvector)")
        with c.cursor().copy("COPY match_peer (id, body) FROM STDIN") as cp:
            for i, d in enumerate(docs):
                cp.write_row((i, d))
        c.execute("SET maintenance_work_mem = '1GB'")
        c.execute("UPDATE match_peer SET tsv = to_tsvector('simple', body)")
        c.execute("CREATE INDEX match_peer_gin ON match_peer USING gin (tsv)")
        c.execute("VACUUM ANALYZE match_peer")

    def query(self, tokens: Sequence[str], k: int) -> list[int]:
        # to_tsvector('simple') splits on non-word characters, so the query goes through the same parser.
        if not tokens:
            return []
        rows = self.conn.execute(
            "SELECT id FROM match_peer, plainto_tsquery('simple', %s) pq, "
            "LATERAL (SELECT replace(pq::text, ' & ', ' | ')::tsquery AS q) x "
            "WHERE tsv @@ x.q ORDER BY ts_rank(tsv, x.q) DESC LIMIT %s", (" ".join(tokens), k))
        return [r[0] for r in rows]

    def close(self) -> None:
        self.conn.execute("DROP TABLE IF EXISTS match_peer")
        self.conn.close()


class Bm25sPeer:
    name = "bm25s"

    def build(self, docs: Sequence[str]) -> None:
        import bm25s

        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in d.split()] for d in docs]
        self.vocab = vocab
        self.model = bm25s.BM25()
        self.model.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)

    def query(self, tokens: Sequence[str], k: int) -> list[int]:
        q = [self.vocab[t] for t in tokens if t in self.vocab]
        if not q:
            return []
        return top_k(self.model.get_scores(q), k)

    def close(self) -> None:
        self.model = None


def top_k(scores: np.ndarray, k: int) -> list[int]:
    """Rows of the ``k`` best positive scores of a dense score array, best first (equal scores by row). Exact and
    at its fastest for bm25s's 1,000,000 mostly-zero scores: one pass keeps the rows at or above half the best score
    (lowered while fewer than ``k`` remain), and only those are ordered. A plain ``np.argpartition`` over the whole
    array, as first written here, cost far more than bm25s's scoring itself (p50 46.9 against 2.2 ms at 1,000,000,
    measured together on a loaded machine), so the comparison timed mostly this selection."""
    best = float(scores.max()) if len(scores) else 0.0
    if best <= 0:
        return []
    for cut in (best / 2, best / 16, 0.0):
        rows = np.flatnonzero(scores >= cut) if cut > 0 else np.flatnonzero(scores > 0)
        if len(rows) >= k:
            break
    if len(rows) > k:
        vals = scores[rows]
        kth = np.partition(vals, len(rows) - k)[len(rows) - k]
        rows = np.concatenate([rows[vals > kth], rows[vals == kth][: k - int((vals > kth).sum())]])
    return [int(i) for i in rows[np.lexsort((rows, -scores[rows]))]]


def make(name: str, pg_url: str | None = None):
    if name == "sqlite":
        return SqlitePeer()
    if name == "pg":
        return PgPeer(pg_url or os.environ.get("KEXIE_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/kexie_match"))
    if name == "bm25s":
        return Bm25sPeer()
    raise ValueError(name)

"""The matching index: BM25 weights of every (term, document) pair in a compressed sparse column
layout (one posting list per term, documents ascending), plus the per-document columns the ranking
needs (id, organisation path, public flag, region, disciplines) and term → primary-discipline
statistics learned from the documents themselves. Plain NumPy arrays: saved as one ``.npz``, loaded
without pickling.

Documents are kept in organisation-path order, so the documents under a path prefix are one
contiguous range (``ranges_for``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]  # SciPy ships no stubs; as in calls.assign

K1 = 1.2
B = 0.75
# A term in more than this share of the profiles is generic (no credit in the "why", little weight in the score);
# only measured on indexes of at least GENERIC_MIN_DOCS profiles, where a share means something.
GENERIC_DF_SHARE = 0.03
GENERIC_MIN_DOCS = 1000
# Smoothing of term → discipline statistics towards the overall share of each discipline.
DISC_SMOOTHING = 5.0


@dataclass
class ExpertIndex:
    ids: np.ndarray  # int64[N], document ids (person ids) in organisation-path order
    org_paths: np.ndarray  # str[O], sorted distinct organisation paths
    org_start: np.ndarray  # int64[O+1], first document of each organisation path
    public: np.ndarray  # bool[N]
    region: np.ndarray  # int64[N], GB/T 2260 code or 0
    disc_indptr: np.ndarray  # int64[N+1]
    disc_codes: np.ndarray  # int16[…], first-level codes, primary first
    vocab: np.ndarray  # str[V]
    term_indptr: np.ndarray  # int64[V+1]
    term_docs: np.ndarray  # int32[nnz], ascending within a term
    term_w: np.ndarray  # float32[nnz], BM25 weight of the term in the document
    idf: np.ndarray  # float32[V]
    disc_list: np.ndarray  # int16[D], the disciplines of term_disc's columns
    term_disc: np.ndarray  # float32[V, D], P(primary discipline | document has term), smoothed
    term_focus: np.ndarray  # float32[V], 1 - normalised entropy of that distribution
    # str[P], sorted distinct expertise keywords as the experts wrote them ("齿轮传动"): the terms a "why" names
    phrases: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="U1"))
    built_at: float = 0.0
    _term_pos: dict[str, int] = field(default_factory=dict, repr=False)
    _id_order: np.ndarray | None = field(default=None, repr=False)

    @property
    def size(self) -> int:
        return int(self.ids.shape[0])

    def term_pos(self) -> dict[str, int]:
        if not self._term_pos and self.vocab.shape[0]:
            self._term_pos = {t: i for i, t in enumerate(self.vocab.tolist())}
        return self._term_pos

    @property
    def generic(self) -> np.ndarray:
        """bool[V]: generic terms (text.GENERIC_WORDS, or in more than GENERIC_DF_SHARE of the profiles)."""
        cached = getattr(self, "_generic", None)
        if cached is None:
            from kexie.innovation.matching.text import GENERIC_WORDS

            cached = np.isin(self.vocab, np.array(sorted(GENERIC_WORDS), dtype=str)) if len(self.vocab) else (
                np.zeros(0, dtype=bool))
            if self.size >= GENERIC_MIN_DOCS:
                cached |= np.diff(self.term_indptr) > GENERIC_DF_SHARE * self.size
            self._generic = cached
        return cached

    def phrase_set(self) -> frozenset[str]:
        cached = getattr(self, "_phrase_set", None)
        if cached is None:
            cached = frozenset(self.phrases.tolist())
            self._phrase_set = cached
        return cached

    @property
    def primary(self) -> np.ndarray:
        """int16[N]: primary first-level discipline of each document (0: none)."""
        cached = getattr(self, "_primary", None)
        if cached is None:
            has = np.diff(self.disc_indptr) > 0
            cached = np.zeros(self.size, dtype=np.int16)
            cached[has] = self.disc_codes[self.disc_indptr[:-1][has]]
            self._primary = cached
        return cached

    @property
    def secondary(self) -> np.ndarray:
        """int16[N]: first secondary discipline of each document (0: none)."""
        cached = getattr(self, "_secondary", None)
        if cached is None:
            has = np.diff(self.disc_indptr) > 1
            cached = np.zeros(self.size, dtype=np.int16)
            cached[has] = self.disc_codes[self.disc_indptr[:-1][has] + 1]
            self._secondary = cached
        return cached

    def disciplines_of(self, pos: int) -> list[int]:
        return [int(c) for c in self.disc_codes[self.disc_indptr[pos]:self.disc_indptr[pos + 1]]]

    def positions_of(self, ids: np.ndarray) -> np.ndarray:
        """Document positions of the given ids (-1 where the id is not indexed)."""
        if self._id_order is None:
            self._id_order = np.argsort(self.ids, kind="stable")
        order = self._id_order
        sorted_ids = self.ids[order]
        ids = np.asarray(ids, dtype=np.int64)
        at = np.minimum(np.searchsorted(sorted_ids, ids), max(len(sorted_ids) - 1, 0))
        found = (sorted_ids[at] == ids) if len(sorted_ids) else np.zeros(len(ids), dtype=bool)
        return np.where(found, order[at] if len(order) else -1, -1)

    def ranges_for(self, prefixes: list[str]) -> list[tuple[int, int]]:
        """Document ranges [start, end) of the organisations whose path starts with a prefix."""
        out = []
        for p in sorted(set(prefixes)):
            if not p:
                return [(0, self.size)]
            lo = int(np.searchsorted(self.org_paths, p, side="left"))
            hi = int(np.searchsorted(self.org_paths, p[:-1] + chr(ord(p[-1]) + 1), side="left"))
            if hi > lo:
                out.append((int(self.org_start[lo]), int(self.org_start[hi])))
        return out

    # ---- building -------------------------------------------------------------------------------------

    @classmethod
    def from_postings(
        cls, *, rows: np.ndarray, cols: np.ndarray, tf: np.ndarray, vocab: list[str], ids: np.ndarray,
        org_paths: list[str], public: np.ndarray, region: np.ndarray, disc_indptr: np.ndarray,
        disc_codes: np.ndarray, built_at: float = 0.0, phrases: list[str] | None = None,
    ) -> ExpertIndex:
        """Index from (document row, term column, weighted term frequency) triples; repeated pairs add
        up. Documents must be given in the order of ``org_paths`` (one path per document, sorted)."""
        n, v = int(ids.shape[0]), len(vocab)
        csr = sp.csr_matrix((tf.astype(np.float32), (rows.astype(np.int32), cols.astype(np.int32))), shape=(n, v))
        csr.sum_duplicates()
        dl = np.asarray(csr.sum(axis=1)).ravel().astype(np.float32)
        avgdl = float(dl.mean()) if n else 1.0
        csc = csr.tocsc()
        del csr
        csc.sort_indices()
        df = np.diff(csc.indptr).astype(np.float64)
        idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        docs = csc.indices.astype(np.int32)
        f = csc.data.astype(np.float32)
        norm = (K1 * (1 - B + B * dl / max(avgdl, 1e-9))).astype(np.float32)
        term_of = np.repeat(np.arange(v, dtype=np.int32), np.diff(csc.indptr))
        w = idf[term_of] * f * (K1 + 1) / (f + norm[docs])
        paths = np.asarray(org_paths, dtype=str) if n else np.zeros(0, dtype="U1")
        uniq, first = np.unique(paths, return_index=True)
        if n and np.any(paths[1:] < paths[:-1]):
            raise ValueError("documents must be sorted by organisation path")
        org_start = np.append(first, n).astype(np.int64)
        index = cls(
            ids=ids.astype(np.int64), org_paths=uniq, org_start=org_start, public=public.astype(bool),
            region=region.astype(np.int64), disc_indptr=disc_indptr.astype(np.int64),
            disc_codes=disc_codes.astype(np.int16), vocab=np.asarray(vocab, dtype=str),
            term_indptr=csc.indptr.astype(np.int64), term_docs=docs, term_w=w.astype(np.float32), idf=idf,
            disc_list=np.zeros(0, dtype=np.int16), term_disc=np.zeros((v, 0), dtype=np.float32),
            term_focus=np.zeros(v, dtype=np.float32), built_at=built_at,
            phrases=np.asarray(sorted(set(phrases or [])), dtype=str) if phrases else np.zeros(0, dtype="U1"),
        )
        index._discipline_statistics(term_of)
        return index

    def _discipline_statistics(self, term_of: np.ndarray) -> None:
        """P(primary discipline | term) over the documents, smoothed towards the overall shares, and how
        concentrated each term is (1: one discipline only, 0: spread like the whole registry)."""
        primary = self.primary
        disc_list = np.unique(primary[primary > 0]).astype(np.int16)
        d = len(disc_list)
        v = len(self.vocab)
        if d == 0:
            self.disc_list, self.term_disc = disc_list, np.zeros((v, 0), dtype=np.float32)
            return
        col = np.full(1000, -1, dtype=np.int64)
        col[disc_list] = np.arange(d)
        doc_col = col[primary]
        post_col = doc_col[self.term_docs]
        ok = post_col >= 0
        counts = np.bincount(term_of[ok].astype(np.int64) * d + post_col[ok], minlength=v * d).reshape(v, d)
        prior = np.bincount(doc_col[doc_col >= 0], minlength=d).astype(np.float64)
        prior /= max(prior.sum(), 1.0)
        dist = (counts + DISC_SMOOTHING * prior) / (counts.sum(axis=1, keepdims=True) + DISC_SMOOTHING)
        ent = -(dist * np.log(np.maximum(dist, 1e-12))).sum(axis=1)
        self.disc_list = disc_list
        self.term_disc = dist.astype(np.float32)
        self.term_focus = np.clip(1 - ent / max(np.log(d), 1e-9), 0, 1).astype(np.float32)

    # ---- persistence ----------------------------------------------------------------------------------

    ARRAYS = ("ids", "org_paths", "org_start", "public", "region", "disc_indptr", "disc_codes", "vocab",
              "term_indptr", "term_docs", "term_w", "idf", "disc_list", "term_disc", "term_focus")

    def save(self, path: Path) -> None:
        """Write atomically (temporary file, then rename), so readers never see half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp.npz")  # concurrent builders never share a file
        np.savez(tmp, built_at=np.float64(self.built_at), phrases=self.phrases,
                 **{k: getattr(self, k) for k in self.ARRAYS})
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> ExpertIndex:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in cls.ARRAYS}
            built_at = float(data["built_at"])
            phrases = data["phrases"] if "phrases" in data.files else np.zeros(0, dtype="U1")  # older files
        return cls(**arrays, phrases=phrases, built_at=built_at)

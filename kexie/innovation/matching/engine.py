"""Ranking over an ``ExpertIndex``: accumulate BM25 postings of the query's terms into a dense score
array, keep the touched documents inside the allowed organisation ranges, add the discipline and
region features, adjust by load and feedback, and return the best positions with their evidence."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from kexie.innovation.matching import model
from kexie.innovation.matching.errors import EmptyQuery
from kexie.innovation.matching.index import ExpertIndex
from kexie.innovation.matching.text import text_tokens

# Terms found in more than this share of documents are skipped in scoring: their IDF is low and their
# posting lists are the longest, so they cost most of a query's time for little effect on the order.
MAX_DF_SHARE = 0.1
TERMS_IN_WHY = 5


class FeedbackSource(Protocol):
    def adjustments(self, index: ExpertIndex, query: Query) -> Mapping[int, float]: ...


@dataclass
class Query:
    """A segmented query: vocabulary positions of its known terms with their weights."""

    text: str
    terms: list[str]
    pos: np.ndarray  # int64, positions in index.vocab
    weight: np.ndarray  # float64, 1 + log(query term frequency)

    @classmethod
    def parse(cls, index: ExpertIndex, text: str) -> Query:
        counts = Counter(text_tokens(text))
        if not counts:
            raise EmptyQuery()
        vocab = index.term_pos()
        known = [(t, vocab[t], 1.0 + np.log(c)) for t, c in counts.items() if t in vocab]
        return cls(text, [t for t, _, _ in known], np.array([p for _, p, _ in known], dtype=np.int64),
                   np.array([w for _, _, w in known], dtype=np.float64))

    def vector(self, index: ExpertIndex) -> dict[int, float]:
        """Unit-length TF-IDF vector of the query, for similarity between queries."""
        w = self.weight * index.idf[self.pos] if len(self.pos) else self.weight
        norm = float(np.sqrt((w**2).sum())) or 1.0
        return {int(p): float(x) / norm for p, x in zip(self.pos, w, strict=True)}


@dataclass
class Hit:
    pos: int
    score: float
    features: dict[str, float]
    terms: list[str] = field(default_factory=list)


@dataclass
class Ranking:
    hits: list[Hit]
    inferred: list[int]  # the need's likely first-level disciplines, most likely first
    query: Query


def _accumulate(index: ExpertIndex, query: Query) -> np.ndarray:
    acc = np.zeros(index.size, dtype=np.float32)
    limit = max(MAX_DF_SHARE * index.size, 50)
    ip = index.term_indptr
    for p, qw in zip(query.pos.tolist(), query.weight.tolist(), strict=True):
        a, b = ip[p], ip[p + 1]
        if b - a > limit:
            continue
        acc[index.term_docs[a:b]] += np.float32(qw) * index.term_w[a:b]
    return acc


def _restrict(index: ExpertIndex, cand: np.ndarray, allowed_paths: list[str] | None, public_only: bool) -> np.ndarray:
    if allowed_paths is not None:
        parts = []
        for start, end in index.ranges_for(allowed_paths):
            lo, hi = np.searchsorted(cand, [start, end])
            parts.append(cand[lo:hi])
        cand = np.concatenate(parts) if parts else cand[:0]
    if public_only:
        cand = cand[index.public[cand]]
    return cand


def _add_by_id(index: ExpertIndex, cand: np.ndarray, score: np.ndarray, values: Mapping[int, float],
               scale: float) -> np.ndarray:
    """Add ``scale * values[id]`` to the candidates' scores; returns the added amounts per candidate."""
    added = np.zeros(len(cand), dtype=np.float32)
    if not values or not len(cand):
        return added
    ids = np.fromiter(values.keys(), dtype=np.int64, count=len(values))
    vals = np.fromiter(values.values(), dtype=np.float32, count=len(values))
    pos = index.positions_of(ids)
    at = np.searchsorted(cand, pos)
    ok = (pos >= 0) & (at < len(cand))
    ok[ok] &= cand[at[ok]] == pos[ok]
    added[at[ok]] = vals[ok]
    score += scale * added
    return added


def rank(index: ExpertIndex, text: str, *, top: int = 10, industry: str | None = None, region: str | None = None,
         load: Mapping[int, int] | None = None, allowed_paths: list[str] | None = None, public_only: bool = False,
         weights: model.Weights | None = None, feedback: FeedbackSource | None = None,
         disciplines: list[int] | None = None, shortlist: int | None = None) -> Ranking:
    """The ``top`` best documents (``shortlist`` of them when given, for callers that re-check and
    drop some). ``disciplines`` replaces the inferred disciplines (e.g. an expert's own, ranking needs)."""
    w = weights or model.Weights()
    query = Query.parse(index, text)
    if disciplines:
        dist = np.array([1.0 if int(c) in disciplines else 0.0 for c in index.disc_list.tolist()])
        table = np.zeros(1000, dtype=np.float32)
        table[[c for c in disciplines if 0 < c < 1000]] = 1.0
    else:
        dist = model.infer_disciplines(index, query.pos, query.weight, industry)
        table = model.discipline_lookup(index, dist)
    inferred = list(disciplines) if disciplines else model.top_disciplines(index, dist)
    if not len(query.pos) or not index.size:
        return Ranking([], inferred, query)
    acc = _accumulate(index, query)
    cand = _restrict(index, np.flatnonzero(acc), allowed_paths, public_only)
    if not len(cand):
        return Ranking([], inferred, query)
    text_f = acc[cand]
    text_f /= text_f.max()
    disc_f = _discipline_feature(index, cand, table)
    region_f = (model.region_feature(index.region[cand], region) if region
                else np.zeros(len(cand), dtype=np.float32))
    score = w.text * text_f + w.discipline * disc_f + w.region * region_f
    load_f = _add_by_id(index, cand, score, {k: float(np.log1p(max(v, 0))) for k, v in (load or {}).items()},
                        -w.load)
    fb_f = _add_by_id(index, cand, score, feedback.adjustments(index, query) if feedback else {}, w.feedback)
    k = min(shortlist or top, len(cand))
    best = np.argpartition(-score, k - 1)[:k] if k < len(cand) else np.arange(len(cand))
    best = best[np.lexsort((index.ids[cand[best]], -score[best]))]
    hits = [
        Hit(int(cand[i]), float(score[i]), {"text": float(text_f[i]), "discipline": float(disc_f[i]),
                                            "region": float(region_f[i]), "load": float(load_f[i]),
                                            "feedback": float(fb_f[i])})
        for i in best
    ]
    _explain_terms(index, query, hits)
    return Ranking(hits, inferred, query)


def _discipline_feature(index: ExpertIndex, cand: np.ndarray, table: np.ndarray) -> np.ndarray:
    """The primary discipline's likelihood; a secondary discipline counts half."""
    return np.maximum(table[index.primary[cand]], np.float32(0.5) * table[index.secondary[cand]])


def features(index: ExpertIndex, text: str, person_ids: list[int], *, industry: str | None = None,
             region: str | None = None) -> np.ndarray:
    """float32[len(person_ids), 3]: the text, discipline and region features of given people for a query
    (zeros for people not indexed); what feedback fitting learns weights from."""
    query = Query.parse(index, text)
    dist = model.infer_disciplines(index, query.pos, query.weight, industry)
    table = model.discipline_lookup(index, dist)
    acc = _accumulate(index, query)
    top = float(acc.max()) if index.size else 0.0
    pos = index.positions_of(np.asarray(person_ids, dtype=np.int64))
    ok = pos >= 0
    out = np.zeros((len(person_ids), 3), dtype=np.float32)
    p = pos[ok]
    out[ok, 0] = acc[p] / top if top > 0 else 0.0
    out[ok, 1] = _discipline_feature(index, p, table)
    out[ok, 2] = model.region_feature(index.region[p], region)
    return out


def _explain_terms(index: ExpertIndex, query: Query, hits: list[Hit]) -> None:
    """The query terms each hit's profile contains, strongest first, without sub-words of longer ones."""
    ip = index.term_indptr
    for hit in hits:
        found: list[tuple[float, str]] = []
        for term, p, qw in zip(query.terms, query.pos.tolist(), query.weight.tolist(), strict=True):
            docs = index.term_docs[ip[p]:ip[p + 1]]
            at = int(np.searchsorted(docs, hit.pos))
            if at < len(docs) and docs[at] == hit.pos:
                found.append((qw * float(index.term_w[ip[p] + at]), term))
        found.sort(key=lambda x: -x[0])
        names = [t for _, t in found]
        kept = [t for t in names if not any(t != o and t in o for o in names)]
        hit.terms = kept[:TERMS_IN_WHY]

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
# Generic terms (index.generic) count this much of a specific term's query weight.
GENERIC_WEIGHT = 0.25
# Early cut-off: candidates are first the documents with at least this share of the best text score; only when a
# document below it could still reach the shortlist (its bound: that text score plus the best possible
# discipline, region and feedback) is the threshold lowered to the exact bound.
FIRST_CUT = 0.5


class FeedbackSource(Protocol):
    def adjustments(self, index: ExpertIndex, query: Query) -> Mapping[int, float]: ...


@dataclass
class Query:
    """A segmented query: vocabulary positions of its known terms with their weights."""

    text: str
    terms: list[str]
    pos: np.ndarray  # int64, positions in index.vocab
    weight: np.ndarray  # float64, 1 + log(query term frequency), times GENERIC_WEIGHT for generic terms
    generic: np.ndarray  # bool, generic terms (no credit in the "why")

    @classmethod
    def parse(cls, index: ExpertIndex, text: str) -> Query:
        counts = Counter(text_tokens(text))
        if not counts:
            raise EmptyQuery()
        vocab = index.term_pos()
        known = [(t, vocab[t], 1.0 + np.log(c)) for t, c in counts.items() if t in vocab]
        pos = np.array([p for _, p, _ in known], dtype=np.int64)
        weight = np.array([w for _, _, w in known], dtype=np.float64)
        generic = index.generic[pos] if len(pos) else np.zeros(0, dtype=bool)
        weight[generic] *= GENERIC_WEIGHT
        return cls(text, [t for t, _, _ in known], pos, weight, generic)

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
    """BM25 of the query's terms added into a dense array (one ``np.add.at`` per term, no gathered copy; terms in
    more than MAX_DF_SHARE of the documents are skipped). Specific terms first, then generic ones: float32 sums
    depend on the order, and this one gives every path the same scores, equal ones tied exactly."""
    acc = np.zeros(index.size, dtype=np.float32)
    limit = max(MAX_DF_SHARE * index.size, 50)
    ip, docs, tw = index.term_indptr, index.term_docs, index.term_w
    order = np.argsort(query.generic, kind="stable")
    for p, qw in zip(query.pos[order].tolist(), query.weight[order].tolist(), strict=True):
        a, b = int(ip[p]), int(ip[p + 1])
        if b - a > limit:
            continue
        # the postings' int32 positions widened first: np.add.at with platform-size indexes takes its fast path,
        # with int32 ones it runs 1.5-2x slower (the copy costs less than the difference)
        np.add.at(acc, docs[a:b].astype(np.intp), tw[a:b] if qw == 1.0 else np.float32(qw) * tw[a:b])
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
    fb = feedback.adjustments(index, query) if feedback else {}
    load_by_id = {k: float(np.log1p(max(v, 0))) for k, v in (load or {}).items()}
    k = shortlist or top
    acc = _accumulate(index, query)
    if allowed_paths is None and not public_only and w.text > 0:
        scored = _rank_cut(index, acc, k, table, region, w, load_by_id, fb)
    else:
        cand = _restrict(index, np.flatnonzero(acc), allowed_paths, public_only)
        bm25 = acc[cand]
        scored = _score(index, cand, bm25, float(bm25.max()) if len(cand) else 0.0, table, region, w, load_by_id,
                        fb)
    cand, score, feats = scored
    if not len(cand):
        return Ranking([], inferred, query)
    best = _top(index.ids[cand], score, min(k, len(cand)))
    hits = [Hit(int(cand[i]), float(score[i]), {name: float(f[i]) for name, f in feats.items()}) for i in best]
    _explain_terms(index, query, hits)
    return Ranking(hits, inferred, query)


def _top(ids: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the ``k`` best scores, best first, equal scores by id — at the k-th place too (a plain
    argpartition takes any of the documents tied there, so the answer would depend on the candidate set)."""
    if k < len(score):
        kth = np.partition(score, len(score) - k)[len(score) - k]
        above = np.flatnonzero(score > kth)
        tied = np.flatnonzero(score == kth)
        tied = tied[np.argsort(ids[tied], kind="stable")[: k - len(above)]]
        chosen = np.concatenate([above, tied])
    else:
        chosen = np.arange(len(score))
    return chosen[np.lexsort((ids[chosen], -score[chosen]))]


Scored = tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]


def _rank_cut(index: ExpertIndex, acc: np.ndarray, k: int, table: np.ndarray, region: str | None, w: model.Weights,
              load: Mapping[int, float], fb: Mapping[int, float]) -> Scored:
    """Early cut-off, exact: score first the documents near the best text score. A document left out has a
    text score below the cut, so its score is less than w.text × cut / best + the best discipline, region and
    feedback terms; when that bound could still reach the k-th score, the cut is lowered to the bound."""
    best = float(acc.max()) if index.size else 0.0
    if best <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), {}
    cut = FIRST_CUT * best
    cand = np.flatnonzero(acc >= cut)
    scored = _score(index, cand, acc[cand], best, table, region, w, load, fb)
    extra = w.discipline * float(table.max()) + (w.region if region else 0.0) + w.feedback * max([0.0, *fb.values()])
    lower = 0.0
    if len(cand) >= k:
        kth = float(np.partition(scored[1], len(cand) - k)[len(cand) - k])
        lower = (kth - extra) / w.text * best
        if lower > cut:  # strictly: a document at the cut could tie with the k-th
            return scored
    cand = np.flatnonzero(acc >= lower) if lower > 0 else np.flatnonzero(acc)
    return _score(index, cand, acc[cand], best, table, region, w, load, fb)


def _score(index: ExpertIndex, cand: np.ndarray, text: np.ndarray, best_text: float, table: np.ndarray,
           region: str | None, w: model.Weights, load: Mapping[int, float], fb: Mapping[int, float]) -> Scored:
    """Scores of the candidates (ascending positions, their BM25 in ``text``) and their features."""
    text_f = text / np.float32(best_text) if best_text > 0 else np.zeros(len(cand), dtype=np.float32)
    disc_f = _discipline_feature(index, cand, table)
    region_f = (model.region_feature(index.region[cand], region) if region
                else np.zeros(len(cand), dtype=np.float32))
    score = w.text * text_f + w.discipline * disc_f + w.region * region_f
    load_f = _add_by_id(index, cand, score, load, -w.load)
    fb_f = _add_by_id(index, cand, score, fb, w.feedback)
    return cand, score, {"text": text_f, "discipline": disc_f, "region": region_f, "load": load_f, "feedback": fb_f}


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
    """The specific query terms each hit's profile contains, strongest first, without sub-words of longer ones;
    generic terms earn no credit. One binary search per term over all hits, then one comparison and one weight
    look-up for every (term, hit) pair at once."""
    if not hits:
        return
    ip, docs, tw = index.term_indptr, index.term_docs, index.term_w
    where = np.array([h.pos for h in hits], dtype=np.int64)
    found: list[list[tuple[float, str]]] = [[] for _ in hits]
    keep = [(term, int(ip[p]), int(ip[p + 1]), qw) for term, p, qw, generic in zip(
        query.terms, query.pos.tolist(), query.weight.tolist(), query.generic.tolist(), strict=True)
        # units and abbreviations ("db", "5g") name no subject
        if not generic and not (term.isascii() and len(term) < 3) and ip[p + 1] > ip[p]]
    if keep:
        at = np.stack([a + np.searchsorted(docs[a:b], where) for _, a, b, _ in keep])
        at = np.minimum(at, np.array([b - 1 for _, _, b, _ in keep])[:, None])
        ti, hi = np.nonzero(docs[at] == where)
        for t, i, wt in zip(ti.tolist(), hi.tolist(), tw[at[ti, hi]].tolist(), strict=True):
            found[i].append((keep[t][3] * wt, keep[t][0]))
    for hit, terms in zip(hits, found, strict=True):
        terms.sort(key=lambda x: -x[0])
        names = [t for _, t in terms]
        kept = [t for t in names if not any(t != o and t in o for o in names)]
        hit.terms = kept[:TERMS_IN_WHY]

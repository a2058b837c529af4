"""The ranking model: a weighted sum of a few features, and the need's inferred disciplines.

Features of an expert for a query, each roughly in [0, 1]:

- ``text``: BM25 over the profile fields, divided by the best candidate's BM25 for the query;
- ``discipline``: how likely the expert's primary discipline is for the query (inferred, see
  ``infer_disciplines``), divided by the most likely one's;
- ``region``: 1 in the need's county, 0.5 in its city, else 0;
- ``load``: log(1 + open engagements), subtracted;
- ``feedback``: similarity-weighted feedback on the expert for similar queries (``feedback.py``).

The weights default to values chosen on the relevance bench as a whole and can be fitted to feedback."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from kexie.innovation.data.industries import DIVISION_DISCIPLINES
from kexie.innovation.matching.index import ExpertIndex

# Weight of the industry division's disciplines against those inferred from the text.
INDUSTRY_SHARE = 0.3
# A discipline is named as inferred when its likelihood is at least this share of the best one's.
INFERRED_CUTOFF = 0.4
INFERRED_MAX = 3


@dataclass
class Weights:
    text: float = 1.0
    discipline: float = 1.2
    region: float = 0.15
    load: float = 0.1
    feedback: float = 0.5

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load_or_default(cls, path: Path) -> Weights:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return cls()
        return cls(**{k: float(v) for k, v in data.items() if k in cls.__dataclass_fields__})


def industry_distribution(industry: str | None) -> dict[int, float]:
    """The division's disciplines, most relevant first, with decreasing shares summing to one."""
    codes = DIVISION_DISCIPLINES.get((industry or "").strip()[:2], [])
    raw = [1.0 / (1 + i) for i in range(len(codes))]
    total = sum(raw) or 1.0
    return {int(c): r / total for c, r in zip(codes, raw, strict=True)}


def infer_disciplines(index: ExpertIndex, term_pos: np.ndarray, term_weight: np.ndarray,
                      industry: str | None = None) -> np.ndarray:
    """Likelihood of each discipline of ``index.disc_list`` for a query: the mean of P(discipline | term)
    over the query's terms, each weighted by its query weight, IDF and how concentrated the term is on
    few disciplines; mixed with the industry division's disciplines when one is given."""
    d = len(index.disc_list)
    out = np.zeros(d, dtype=np.float64)
    if d and len(term_pos):
        w = term_weight * index.idf[term_pos] * index.term_focus[term_pos] ** 2
        if w.sum() > 0:
            out = (w[:, None] * index.term_disc[term_pos]).sum(axis=0) / w.sum()
    ind = industry_distribution(industry)
    if ind and d:
        col = {int(c): i for i, c in enumerate(index.disc_list.tolist())}
        extra = np.zeros(d)
        for code, share in ind.items():
            if code in col:
                extra[col[code]] = share
        out = (1 - INDUSTRY_SHARE) * out + INDUSTRY_SHARE * extra if out.sum() > 0 else extra
    return out


def top_disciplines(index: ExpertIndex, dist: np.ndarray) -> list[int]:
    """The disciplines worth naming: within ``INFERRED_CUTOFF`` of the best, at most ``INFERRED_MAX``."""
    if not len(dist) or dist.max() <= 0:
        return []
    order = np.argsort(-dist, kind="stable")[:INFERRED_MAX]
    best = dist[order[0]]
    return [int(index.disc_list[i]) for i in order if dist[i] >= INFERRED_CUTOFF * best]


def discipline_lookup(index: ExpertIndex, dist: np.ndarray) -> np.ndarray:
    """float32[1000]: the discipline feature by first-level code (likelihood / best likelihood)."""
    table = np.zeros(1000, dtype=np.float32)
    if len(dist) and dist.max() > 0:
        table[index.disc_list] = dist / dist.max()
    return table


def region_feature(regions: np.ndarray, code: str | None) -> np.ndarray:
    """1 for the same county (or the same city when the need names a city), 0.5 for the same city."""
    out = np.zeros(len(regions), dtype=np.float32)
    if not code or not code.strip().isdigit():
        return out
    c = int(code.strip()[:6].ljust(6, "0"))
    if c % 10000 == 0:  # a province: no preference within it
        return out
    same_city = (regions // 100) == (c // 100)
    if c % 100 == 0:
        out[same_city] = 1.0
    else:
        out[same_city] = 0.5
        out[regions == c] = 1.0
    return out

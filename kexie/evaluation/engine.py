"""Pure scoring of an evaluation over arrays (no database): raw figures in, points, totals, ranks and
grades out. The services gather the raw figures and write the results; this module decides nothing
else. Decision 0011 explains the rules; the short version:

* Each leaf turns its raw figure into a *fraction* in [0, 1] by one of four methods:
  ``bands`` (threshold bands, the highest threshold reached gives its share), ``linear`` (between a
  lower and an upper bound, clipped; bounds may be reversed for "lower is better"), ``best_peer``
  (value ÷ the best value in the category) and ``percentile`` (percentile rank by mid-rank within the
  category: lowest 0, highest 1, ties share their mean position).
* Leaf points = weight × fraction, rounded half-up to 0.01 (integer cents, computed exactly); the total
  is the exact sum of the rounded leaf points, so the explanation always adds up.
* Missing data (NaN) counts as zero points and is flagged; it never leaves the peer set's organisation
  out of the result, but it is not a peer value for ``best_peer`` / ``percentile``.
* Ranks are "competition" ranks (1, 2, 2, 4); equal totals always share a rank and a grade.
* Grades by score bands (total ≥ threshold) or by shares (top x % of the category …): a tie group
  belongs to the grade its first position falls in, so ties are never split.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

BANDS, LINEAR, BEST_PEER, PERCENTILE = "bands", "linear", "best_peer", "percentile"
METHODS = (BANDS, LINEAR, BEST_PEER, PERCENTILE)
GRADES = ("excellent", "good", "pass", "fail")  # 优秀 良好 合格 不合格, best first
SCORE, SHARE = "score", "share"
EPS = 1e-9


@dataclass(frozen=True)
class Leaf:
    code: str
    weight: float  # the leaf's full points (e.g. 5.00)
    method: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def weight_cents(self) -> int:
        return int(round(self.weight * 100))


@dataclass(frozen=True)
class Grading:
    """``mode`` "score": ``bands`` {grade: minimum total}; "share": ``shares`` {grade: share of the
    group}, cumulated best first, ``within`` "category" or "all", optional ``fail_below`` (a total under
    it is 不合格 whatever the share)."""

    mode: str
    bands: Mapping[str, float] = field(default_factory=dict)
    shares: Mapping[str, float] = field(default_factory=dict)
    within: str = "category"
    fail_below: float | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Grading:
        fail_below = config.get("fail_below")
        return cls(mode=str(config.get("mode", SCORE)), bands=dict(config.get("bands") or {}),
                   shares=dict(config.get("shares") or {}), within=str(config.get("within", "category")),
                   fail_below=float(fail_below) if fail_below is not None else None)


@dataclass
class Result:
    fractions: np.ndarray  # (n, m) float, 0 where missing
    cents: np.ndarray  # (n, m) int64 leaf points in hundredths
    missing: np.ndarray  # (n, m) bool
    refs: np.ndarray  # (n, m) float: the peer reference used (best value, peers counted), NaN if none
    total_cents: np.ndarray  # (n,) int64 = cents.sum(axis=1), exactly
    rank: np.ndarray  # (n,) int, competition rank over everyone
    category_rank: np.ndarray  # (n,) int, competition rank within the category
    category_size: np.ndarray  # (n,) int
    grade: list[str]  # (n,) codes from GRADES


# -- methods ---------------------------------------------------------------------------------------------------

def fraction_bands(raw: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
    """``bands``: [[threshold, share], …]; a value ≥ a threshold earns that band's share (the highest
    threshold reached wins); below the lowest threshold earns 0."""
    bands = sorted((float(t), float(s)) for t, s in params["bands"])
    thresholds = np.array([t for t, _s in bands])
    shares = np.array([s for _t, s in bands])
    idx = np.searchsorted(thresholds, raw + EPS * np.maximum(1.0, np.abs(raw)), side="right") - 1
    out = np.where(idx >= 0, shares[np.clip(idx, 0, None)], 0.0)
    return np.where(np.isnan(raw), 0.0, out)


def fraction_linear(raw: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
    """``low``, ``high``: 0 at ``low``, 1 at ``high``, straight line between, clipped outside. With
    ``low`` > ``high`` smaller is better."""
    low, high = float(params["low"]), float(params["high"])
    out = np.clip((raw - low) / (high - low), 0.0, 1.0)
    return np.where(np.isnan(raw), 0.0, out)


def _peer_groups(categories: np.ndarray) -> list[np.ndarray]:
    return [np.flatnonzero(categories == c) for c in np.unique(categories)]


def fraction_best_peer(raw: np.ndarray, groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Value ÷ the best value among the category's organisations with data (clipped to [0, 1]);
    0 for everyone when the best is not positive."""
    out = np.zeros(raw.shape)
    ref = np.full(raw.shape, np.nan)
    for idx in groups:
        values = raw[idx]
        present = values[~np.isnan(values)]
        if present.size == 0:
            continue
        best = float(present.max())
        ref[idx] = best
        if best > 0:
            out[idx] = np.clip(np.nan_to_num(values / best, nan=0.0), 0.0, 1.0)
    return out, ref


def fraction_percentile(raw: np.ndarray, groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Percentile rank by mid-rank among the category's organisations with data: the lowest value gets
    0, the highest 1, and equal values share the mean of the positions they occupy — so an organisation
    that reports 0 where most report 0 gets a low share, not a high one (the "weak" rank would give it
    nearly full marks). A lone organisation gets 1; missing values are no peers."""
    out = np.zeros(raw.shape)
    ref = np.full(raw.shape, np.nan)
    for idx in groups:
        values = raw[idx]
        has = ~np.isnan(values)
        present = np.sort(values[has])
        n = present.size
        if n == 0:
            continue
        sub = np.zeros(values.shape)
        if n == 1:
            sub[has] = 1.0
        else:
            below = np.searchsorted(present, values[has], side="left")
            upto = np.searchsorted(present, values[has], side="right")
            sub[has] = (below + upto - 1) / (2 * (n - 1))
        out[idx] = sub
        ref[idx] = n
    return out, ref


# -- ranks and grades ------------------------------------------------------------------------------------------

def competition_rank(totals: np.ndarray) -> np.ndarray:
    """1, 2, 2, 4: equal totals share the rank of their first position (higher total first)."""
    if totals.size == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(-totals, kind="stable")
    ranked = -totals[order]  # ascending
    first = np.searchsorted(ranked, ranked, side="left") + 1
    out = np.empty(totals.size, dtype=np.int64)
    out[order] = first
    return out


def ranks_within(totals: np.ndarray, categories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rank = np.zeros(totals.size, dtype=np.int64)
    size = np.zeros(totals.size, dtype=np.int64)
    for idx in _peer_groups(categories):
        rank[idx] = competition_rank(totals[idx])
        size[idx] = idx.size
    return rank, size


def quota(n: int, share: float) -> int:
    """How many of ``n`` positions a cumulative share covers (rounded down: "top 20 %" never holds more
    than 20 % of the positions, except that a tie at the boundary stays whole)."""
    return int(math.floor(n * share + EPS))


def grade_by_score(total_cents: np.ndarray, bands: Mapping[str, float]) -> list[str]:
    out = np.full(total_cents.size, GRADES[-1], dtype=object)
    for code in reversed(GRADES[:-1]):  # worst first so that better grades overwrite
        if code in bands:
            limit = int(round(float(bands[code]) * 100))
            out[total_cents >= limit] = code
    return list(out)


def grade_by_share(total_cents: np.ndarray, groups: list[np.ndarray], shares: Mapping[str, float],
                   fail_below: float | None = None) -> list[str]:
    out = np.full(total_cents.size, GRADES[-1], dtype=object)
    for idx in groups:
        rank = competition_rank(total_cents[idx])
        grades = np.full(idx.size, GRADES[-1], dtype=object)
        cumulative = 0.0
        assigned = np.zeros(idx.size, dtype=bool)
        for code in GRADES[:-1]:
            cumulative += float(shares.get(code, 0.0))
            hit = (rank <= quota(idx.size, cumulative)) & ~assigned
            grades[hit] = code
            assigned |= hit
        out[idx] = grades
    if fail_below is not None:
        out[total_cents < int(round(fail_below * 100))] = GRADES[-1]
    return list(out)


# -- the whole evaluation --------------------------------------------------------------------------------------

def points_cents(weight_cents: int, fraction: np.ndarray) -> np.ndarray:
    """weight × fraction in hundredths, rounded half-up; the epsilon absorbs binary noise (2.675 is
    stored as 2.67499…), so a fraction given as a decimal rounds the way a person would."""
    return np.floor(weight_cents * fraction + 0.5 + EPS).astype(np.int64)


def evaluate(raw: np.ndarray, categories: Sequence[Any] | np.ndarray, leaves: Sequence[Leaf],
             grading: Grading) -> Result:
    """Score ``raw`` (n organisations × m leaves, NaN = missing) with ``leaves`` (same order), peers and
    ranks by ``categories`` (n labels)."""
    raw = np.asarray(raw, dtype=float).reshape(len(categories), len(leaves))
    cats = np.asarray(categories)
    n, m = raw.shape
    groups = _peer_groups(cats) if n else []
    missing = np.isnan(raw)
    fractions = np.zeros((n, m))
    refs = np.full((n, m), np.nan)
    cents = np.zeros((n, m), dtype=np.int64)
    for j, leaf in enumerate(leaves):
        column = raw[:, j]
        if leaf.method == BANDS:
            frac = fraction_bands(column, leaf.params)
        elif leaf.method == LINEAR:
            frac = fraction_linear(column, leaf.params)
        elif leaf.method == BEST_PEER:
            frac, refs[:, j] = fraction_best_peer(column, groups)
        elif leaf.method == PERCENTILE:
            frac, refs[:, j] = fraction_percentile(column, groups)
        else:
            raise ValueError(f"unknown method {leaf.method!r}")
        frac = np.where(missing[:, j], 0.0, frac)
        fractions[:, j] = frac
        cents[:, j] = points_cents(leaf.weight_cents, frac)
    total = cents.sum(axis=1) if m else np.zeros(n, dtype=np.int64)
    rank = competition_rank(total)
    category_rank, category_size = ranks_within(total, cats) if n else (np.zeros(0, np.int64),) * 2
    if grading.mode == SHARE:
        grade_groups = groups if grading.within == "category" else [np.arange(n)]
        grade = grade_by_share(total, grade_groups, grading.shares, grading.fail_below) if n else []
    else:
        grade = grade_by_score(total, grading.bands)
    return Result(fractions=fractions, cents=cents, missing=missing, refs=refs, total_cents=total, rank=rank,
                  category_rank=category_rank, category_size=category_size, grade=grade)

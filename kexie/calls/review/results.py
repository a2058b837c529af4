"""Scores of a call (decision 0013, "Reviewing and results"). Pure NumPy: review rows in, per-application figures out.

    r = compute(app_idx, reviewer_idx, totals, n_apps=…, n_reviewers=…, places=10)

- **raw**: each application's mean weighted total (the raw scores stay the record; this is only their mean);
- **z**: every review standardised within its reviewer, ``(x − mean_r) / sd_r`` (sample sd; 0 for a reviewer with
  fewer than two reviews or no spread), and each application's mean z;
- **corrected**: the additive model ``y_ij = μ_i + b_j + ε`` (application level μ_i, reviewer severity b_j) fitted by
  ridge least squares with the penalty ``λ·Σ b_j²`` on reviewer effects only — a reviewer with n reviews has their
  effect shrunk by about n / (n + λ), and the penalty also fixes the otherwise free constant between μ and b. The
  corrected score is μ_i = mean over the application's reviews of ``y_ij − b_j``;
- **interval**: ``μ_i ± t · σ / √n_i`` with σ² the residual variance (RSS / (N − A − (R − 1))) and t the Student
  quantile (97.5 %) for those degrees of freedom — the uncertainty of the application's own reviews; the
  uncertainty of b_j is not propagated (it is small when reviewers have many reviews, and the grey zone is the
  safeguard);
- **rank**: competition ranks (1, 2, 2, 4) on the corrected score rounded to ``decimals``; equal rounded scores tie;
- **grey zone**: with ``places`` k, the funding/award line is the midpoint of the k-th and (k+1)-th corrected scores;
  every application whose interval contains the line (and every application tied across it) is flagged for the
  panel. Nothing here decides: ``proposed`` is only rank ≤ k outside the grey zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArr = NDArray[np.float64]
IntArr = NDArray[np.int64]
BoolArr = NDArray[np.bool_]

RIDGE = 2.0
# Student t, two-sided 95 %, by degrees of freedom (1…30); beyond 30 the normal 1.96 is within 2 %.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
         2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t975(df: int) -> float:
    if df < 1:
        return float("nan")
    if df <= len(_T975):
        return _T975[df - 1]
    return 1.96 + 2.4 / df  # ≈ the quantile for large df (2.042 at 30 → 1.96)


@dataclass
class Results:
    n_reviews: IntArr  # per application
    raw: FloatArr  # mean weighted total (nan without reviews)
    z: FloatArr  # mean per-reviewer z-score
    corrected: FloatArr  # reviewer-bias-corrected score
    low: FloatArr
    high: FloatArr
    rank: IntArr  # competition rank on corrected (0: no reviews)
    grey: BoolArr  # interval overlaps the line, or tied across it
    proposed: BoolArr  # rank ≤ places and not grey (a proposal for the panel, never a decision)
    line: float | None
    review_z: FloatArr  # per review
    reviewer_effect: FloatArr  # b_j per reviewer
    sigma: float
    df: int

    def row(self, i: int) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return None if math.isnan(x) else round(float(x), 2)

        return {"n": int(self.n_reviews[i]), "raw": num(self.raw[i]), "z": num(self.z[i]),
                "corrected": num(self.corrected[i]), "low": num(self.low[i]), "high": num(self.high[i]),
                "rank": int(self.rank[i]) or None, "grey": bool(self.grey[i]), "proposed": bool(self.proposed[i])}


def zscores(reviewer: IntArr, y: FloatArr, n_reviewers: int) -> FloatArr:
    """Each review standardised within its reviewer (sample sd); 0 where the reviewer has < 2 reviews or no spread."""
    cnt = np.bincount(reviewer, minlength=n_reviewers).astype(np.float64)
    s1 = np.bincount(reviewer, weights=y, minlength=n_reviewers)
    s2 = np.bincount(reviewer, weights=y * y, minlength=n_reviewers)
    mean = np.divide(s1, cnt, out=np.zeros(n_reviewers), where=cnt > 0)
    var = np.divide(s2 - cnt * mean * mean, cnt - 1, out=np.zeros(n_reviewers), where=cnt > 1)
    sd = np.sqrt(np.clip(var, 0.0, None))
    ok = sd[reviewer] > 1e-9
    return np.where(ok, (y - mean[reviewer]) / np.where(ok, sd[reviewer], 1.0), 0.0)


def competition_ranks(values: FloatArr, valid: BoolArr, decimals: int = 2) -> IntArr:
    """1 + the number of valid values strictly greater (after rounding): 1, 2, 2, 4. Invalid → 0."""
    v = np.round(values, decimals)
    vv = np.sort(v[valid])[::-1]
    ranks = np.zeros(len(values), dtype=np.int64)
    if len(vv):
        # count of strictly greater = position of the first element ≤ v in the descending array
        greater = np.searchsorted(-vv, -v[valid], side="left")
        ranks[valid] = greater + 1
    return ranks


def fit_effects(app: IntArr, reviewer: IntArr, y: FloatArr, n_apps: int, n_reviewers: int,
                ridge: float = RIDGE) -> tuple[FloatArr, FloatArr]:
    """Ridge least squares for ``y = μ[app] + b[reviewer]``, penalty ``ridge·‖b‖²``: returns (μ, b)."""
    n = len(y)
    cols = n_apps + n_reviewers
    x = np.zeros((n + n_reviewers, cols))
    rows = np.arange(n)
    x[rows, app] = 1.0
    x[rows, n_apps + reviewer] = 1.0
    x[n + np.arange(n_reviewers), n_apps + np.arange(n_reviewers)] = math.sqrt(ridge)
    rhs = np.concatenate([y, np.zeros(n_reviewers)])
    coef, *_ = np.linalg.lstsq(x, rhs, rcond=None)
    return coef[:n_apps], coef[n_apps:]


def compute(app: Any, reviewer: Any, totals: Any, *, n_apps: int, n_reviewers: int, places: int | None = None,
            ridge: float = RIDGE, decimals: int = 2) -> Results:
    a = np.asarray(app, dtype=np.int64)
    r = np.asarray(reviewer, dtype=np.int64)
    y = np.asarray(totals, dtype=np.float64)
    cnt = np.bincount(a, minlength=n_apps)
    has = cnt > 0
    raw = np.full(n_apps, np.nan)
    raw[has] = np.bincount(a, weights=y, minlength=n_apps)[has] / cnt[has]
    rz = zscores(r, y, n_reviewers) if len(y) else np.zeros(0)
    z = np.full(n_apps, np.nan)
    z[has] = np.bincount(a, weights=rz, minlength=n_apps)[has] / cnt[has]
    corrected = np.full(n_apps, np.nan)
    low = np.full(n_apps, np.nan)
    high = np.full(n_apps, np.nan)
    effect = np.zeros(n_reviewers)
    sigma, df = float("nan"), 0
    if len(y):
        _mu, effect = fit_effects(a, r, y, n_apps, n_reviewers, ridge)
        adj = y - effect[r]
        corrected[has] = np.bincount(a, weights=adj, minlength=n_apps)[has] / cnt[has]
        resid = adj - corrected[a]
        used_reviewers = int((np.bincount(r, minlength=n_reviewers) > 0).sum())
        df = len(y) - int(has.sum()) - max(used_reviewers - 1, 0)
        if df >= 1:
            sigma = math.sqrt(float(resid @ resid) / df)
            half = t975(df) * sigma / np.sqrt(cnt[has])
            low[has] = corrected[has] - half
            high[has] = corrected[has] + half
    rank = competition_ranks(np.nan_to_num(corrected, nan=-np.inf), has, decimals)
    grey = np.zeros(n_apps, dtype=bool)
    line: float | None = None
    n_valid = int(has.sum())
    if places is not None and 0 < places < n_valid:
        order = np.sort(np.round(corrected[has], decimals))[::-1]
        line = float((order[places - 1] + order[places]) / 2)
        with np.errstate(invalid="ignore"):
            grey = has & (low <= line) & (high >= line)
        # ties across the line: the same rounded score on both sides of it
        kth, nxt = order[places - 1], order[places]
        if kth == nxt:
            grey |= has & (np.round(corrected, decimals) == kth)
        if df < 1:  # no interval: nothing near the line can be told apart
            grey |= has & (np.abs(corrected - line) < 1e-9)
    proposed = has & (rank >= 1) & (rank <= (places if places is not None else n_valid)) & ~grey
    return Results(n_reviews=cnt.astype(np.int64), raw=raw, z=z, corrected=corrected, low=low, high=high, rank=rank,
                   grey=grey, proposed=proposed, line=line, review_z=rz, reviewer_effect=effect, sigma=sigma, df=df)

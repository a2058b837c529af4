"""The assignment problem: an ``Instance`` (affinities, loads, conflicts, pins, diversity), a ``Result`` and
``check()`` of any set of pairs against the constraints; the tuning constants of the modes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

IntArr = NDArray[np.int64]
FloatArr = NDArray[np.float64]

COST_SCALE = 1_000_000  # integer cost units for the largest affinity
PROB_UNITS = 100  # random mode: pair caps and probabilities are multiples of 1 / PROB_UNITS
FAIR_LOSS = 0.02  # fair mode may lose at most this share of the optimum
FAIR_IPM_FROM = 60_000  # LP columns from which fair mode uses HiGHS' interior point method
FAIR_LP_MARGIN = 0.005  # the fair LP asks for 98.5% so that the rounding has room
RANDOM_KEEP = 0.95  # random mode keeps at least this share of the optimum in expectation
RANDOM_POOL = 10  # random mode draws from each application's 10·K best qualified reviewers
MODES = ("optimal", "fair", "random")


def _(message: str) -> str:
    """gettext when Django is configured (the pages), the Chinese msgid as is otherwise (bench, workers)."""
    from django.conf import settings

    if not settings.configured:
        return message
    from django.utils.translation import gettext

    return gettext(message)


class AssignmentError(ValueError):
    """The instance cannot be solved; ``str()`` is a Chinese message naming what is missing."""

    def __init__(self, message: str, apps: Iterable[Any] = (), reviewers: Iterable[Any] = ()) -> None:
        super().__init__(message)
        self.apps = [int(a) for a in apps]
        self.reviewers = [int(r) for r in reviewers]


def _as_pairs(value: Any, n_apps: int, n_reviewers: int) -> IntArr:
    """None, an (apps × reviewers) boolean mask or a sequence of (application, reviewer) pairs → (m, 2) int64."""
    if value is None:
        return np.zeros((0, 2), dtype=np.int64)
    arr = np.asarray(value)
    if arr.dtype == bool and arr.ndim == 2 and arr.shape == (n_apps, n_reviewers):
        return np.argwhere(arr).astype(np.int64)
    arr = arr.astype(np.int64).reshape(-1, 2)
    if len(arr) and (arr[:, 0].min() < 0 or arr[:, 0].max() >= n_apps or arr[:, 1].min() < 0
                     or arr[:, 1].max() >= n_reviewers):
        raise ValueError("pair index out of range")
    return arr


def _per(value: Any, n: int, name: str) -> IntArr:
    arr = np.asarray(value, dtype=np.int64)
    if arr.ndim == 0:
        arr = np.full(n, int(arr), dtype=np.int64)
    if arr.shape != (n,):
        raise ValueError(f"{name} must be a scalar or have length {n}")
    return arr


@dataclass
class Instance:
    """Candidate (qualified) pairs with their affinity, and the constraints.

    ``app``/``rev``/``score``: one row per qualified pair (others cannot be assigned unless pinned).
    ``conflicts``/``forbidden``/``pinned``: (m, 2) arrays of (application, reviewer).
    ``org``: organisation id per reviewer; with ``diversity_cap`` k, at most k reviewers of one organisation
    review one application.
    """

    n_apps: int
    n_reviewers: int
    app: IntArr
    rev: IntArr
    score: FloatArr
    per_app: IntArr
    max_load: IntArr
    min_load: IntArr
    conflicts: IntArr
    forbidden: IntArr
    pinned: IntArr
    org: IntArr | None = None
    diversity_cap: int | None = None
    app_labels: Sequence[str] | None = None

    @classmethod
    def from_pairs(cls, n_apps: int, n_reviewers: int, app: Any, rev: Any, score: Any, *, per_app: Any,
                   max_load: Any, min_load: Any = 0, conflicts: Any = None, forbidden: Any = None,
                   pinned: Any = None, org: Any = None, diversity_cap: int | None = None,
                   app_labels: Sequence[str] | None = None) -> Instance:
        app_a = np.asarray(app, dtype=np.int64)
        rev_a = np.asarray(rev, dtype=np.int64)
        score_a = np.asarray(score, dtype=np.float64)
        if not (app_a.shape == rev_a.shape == score_a.shape):
            raise ValueError("app, rev and score must have the same length")
        if len(score_a) and score_a.min() < 0:
            raise ValueError("affinity must be ≥ 0")
        return cls(
            n_apps=int(n_apps), n_reviewers=int(n_reviewers), app=app_a, rev=rev_a, score=score_a,
            per_app=_per(per_app, n_apps, "per_app"), max_load=_per(max_load, n_reviewers, "max_load"),
            min_load=_per(min_load, n_reviewers, "min_load"),
            conflicts=_as_pairs(conflicts, n_apps, n_reviewers),
            forbidden=_as_pairs(forbidden, n_apps, n_reviewers),
            pinned=_as_pairs(pinned, n_apps, n_reviewers),
            org=None if org is None else np.asarray(org, dtype=np.int64),
            diversity_cap=diversity_cap, app_labels=app_labels,
        )

    @classmethod
    def from_matrix(cls, affinity: Any, *, per_app: Any, max_load: Any, min_load: Any = 0,
                    conflicts: Any = None, forbidden: Any = None, pinned: Any = None, org: Any = None,
                    diversity_cap: int | None = None, min_affinity: float = 0.0,
                    app_labels: Sequence[str] | None = None) -> Instance:
        """A dense (apps × reviewers) affinity matrix; pairs with affinity > ``min_affinity`` are qualified."""
        aff = np.asarray(affinity, dtype=np.float64)
        n_apps, n_reviewers = aff.shape
        a, r = np.nonzero(aff > min_affinity)
        pins = _as_pairs(pinned, n_apps, n_reviewers)
        if len(pins):  # a pinned pair keeps its affinity in the objective even below the threshold
            a = np.concatenate([a, pins[:, 0]])
            r = np.concatenate([r, pins[:, 1]])
        return cls.from_pairs(n_apps, n_reviewers, a, r, aff[a, r], per_app=per_app, max_load=max_load,
                              min_load=min_load, conflicts=conflicts, forbidden=forbidden, pinned=pins,
                              org=org, diversity_cap=diversity_cap, app_labels=app_labels)

    def label(self, a: int) -> str:
        return str(self.app_labels[a]) if self.app_labels is not None else f"#{a}"

    def scores_of(self, app: IntArr, rev: IntArr) -> FloatArr:
        """Affinity of the given pairs (0 for pairs that are not candidates)."""
        keys = self.app * self.n_reviewers + self.rev
        order = np.argsort(keys, kind="stable")
        sk = keys[order]
        q = np.asarray(app, dtype=np.int64) * self.n_reviewers + np.asarray(rev, dtype=np.int64)
        pos = np.clip(np.searchsorted(sk, q), 0, max(len(sk) - 1, 0))
        if not len(sk):
            return np.zeros(len(q))
        found = sk[pos] == q
        return np.where(found, self.score[order][pos], 0.0).astype(np.float64)


@dataclass
class Result:
    mode: str
    pairs: IntArr  # (n, 2): application, reviewer
    objective: float  # total affinity of the pairs
    optimum: float  # objective of the optimal assignment (= the LP optimum up to cost rounding)
    optimum_bound: float  # proven upper bound on the LP optimum
    min_app_fit: float
    violations: dict[str, int]
    seconds: float
    seed: int | None = None
    cap: float | None = None  # random mode: the per-pair probability cap q
    expected_objective: float | None = None  # random mode: the LP value = E[objective]
    prob_pairs: IntArr | None = None  # random mode: every pair with a positive probability …
    probabilities: FloatArr | None = None  # … and that probability (pins: 1)
    # fair mode: worst application's fit as a share of its own best possible fit (its K best reviewers)
    min_share: float | None = None
    lp_min_share: float | None = None  # … in the LP
    optimal_min_share: float | None = None  # … in the optimal assignment
    optimal_min_app_fit: float | None = None
    fair_fallback: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def conflicts_violated(self) -> int:
        return self.violations["conflicts"]

    @property
    def load_violations(self) -> int:
        return self.violations["loads"]

    def to_dict(self, with_pairs: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mode": self.mode, "objective": round(self.objective, 6),
            "optimum": round(self.optimum, 6), "optimum_bound": round(self.optimum_bound, 6),
            "share_of_optimum": round(self.objective / self.optimum_bound, 6) if self.optimum_bound else 1.0,
            "conflicts_violated": self.conflicts_violated, "load_violations": self.load_violations,
            "violations": self.violations, "seconds": round(self.seconds, 4), "seed": self.seed,
            "min_app_fit": round(self.min_app_fit, 6), "pairs_assigned": len(self.pairs),
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }
        if self.cap is not None:
            out["cap"] = self.cap
            out["expected_objective"] = round(self.expected_objective or 0.0, 6)
            out["max_probability"] = float(self.probabilities.max()) if self.probabilities is not None and len(
                self.probabilities) else 0.0
        if self.min_share is not None:
            out["min_share"] = round(self.min_share, 6)
            out["lp_min_share"] = round(self.lp_min_share or 0.0, 6)
            out["optimal_min_share"] = round(self.optimal_min_share or 0.0, 6)
            out["optimal_min_app_fit"] = round(self.optimal_min_app_fit or 0.0, 6)
            out["fair_fallback"] = self.fair_fallback
        if with_pairs:
            out["pairs"] = self.pairs.tolist()
            if self.prob_pairs is not None and self.probabilities is not None:
                out["probabilities"] = [[int(a), int(r), float(p)] for (a, r), p in
                                        zip(self.prob_pairs, self.probabilities, strict=True)]
        return out


def check(inst: Instance, pairs: Any) -> dict[str, int]:
    """Count every kind of violation of ``pairs`` against ``inst`` (independent of the solver)."""
    p = _as_pairs(pairs, inst.n_apps, inst.n_reviewers)
    A, R = inst.n_apps, inst.n_reviewers
    keys = p[:, 0] * R + p[:, 1]
    uniq = np.unique(keys)
    load = np.bincount(p[:, 1], minlength=R)
    count = np.bincount(p[:, 0], minlength=A)
    out = {
        "conflicts": int(np.isin(uniq, inst.conflicts[:, 0] * R + inst.conflicts[:, 1]).sum()),
        "forbidden": int(np.isin(uniq, inst.forbidden[:, 0] * R + inst.forbidden[:, 1]).sum()),
        "pins_missing": int((~np.isin(inst.pinned[:, 0] * R + inst.pinned[:, 1], uniq)).sum()),
        "loads": int(((load > inst.max_load) | (load < inst.min_load)).sum()),
        "coverage": int((count != inst.per_app).sum()),
        "duplicates": int(len(keys) - len(uniq)),
        "diversity": 0,
    }
    if inst.diversity_cap is not None and inst.org is not None and len(p):
        _, per_group = np.unique(p[:, 0] * (int(inst.org.max()) + 1) + inst.org[p[:, 1]], return_counts=True)
        out["diversity"] = int((per_group > inst.diversity_cap).sum())
    return out

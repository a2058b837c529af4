"""Reviewer–application assignment (SPEC §3.4, decision 0012). Pure computation: NumPy arrays in, pairs out.

    inst = Instance.from_matrix(affinity, per_app=3, max_load=8, conflicts=mask, org=org_ids, diversity_cap=1)
    result = solve(inst, mode="optimal" | "fair" | "random", seed=7)

The problem is a flow network (OR-Tools ``SimpleMinCostFlow``, integer-scaled costs):

    S ──[min..max load]──▶ reviewer ──[1, −fit]──▶ (application, organisation) ──[k]──▶ application ──▶ (demand K)

Reviewer lower loads are node supplies, S supplies the rest; the (application, organisation) node exists only when a
diversity cap k is set. Conflicts and forbidden pairs are missing edges; pinned pairs are assigned beforehand (they
reduce K, the reviewer's loads and the organisation's k). The constraint matrix of a network flow is totally
unimodular, so the integral min-cost flow *is* the optimum of the linear relaxation: ``optimal`` mode returns the LP
optimum (up to the cost scaling: ``optimum_bound`` adds the largest possible rounding error, so it is a proven upper
bound; ``lp_optimum()`` checks it against SciPy's HiGHS in the tests).

``fair``: an LP (SciPy HiGHS) maximises the worst application's fit t subject to total ≥ 98.5% of the optimum on
the top candidates of each application plus the optimal edges (then, with a small weight, the total), then a dependent rounding that keeps every node
balance and capacity exactly, choosing on each cycle the direction that keeps the worst affected application
higher while the total stays ≥ 98%. If the rounded result does not beat the optimal one's minimum, the optimal
assignment is returned (``fair_fallback``).

``random`` (Jecmen et al. 2020, "Mitigating manipulation in peer review via randomized reviewer assignments"):
the same network with each reviewer–application edge capped at q (capacities scaled by 1/100, so q is a multiple
of 0.01 and the capped LP is still an integral flow); q is the smallest cap whose LP value keeps ≥ 95% of the
optimum (or the caller's). The fractional flow is then rounded by dependent rounding on cycles (pipage), which keeps
each marginal probability exactly (E[x_e] = LP x_e ≤ q), each application's count and each reviewer's load.
The seed and every pair's probability are in the result for the audit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kexie.core.text import join_clauses, join_list

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


# ---------------------------------------------------------------------------------------------------------------
# The network


@dataclass
class _Net:
    n_nodes: int
    tails: IntArr
    heads: IntArr
    caps: IntArr  # unit capacities (one review)
    costs: IntArr
    supply: IntArr
    n_pair: int  # arcs [0, n_pair) are reviewer → application (or → application×organisation) arcs
    pair_app: IntArr
    pair_rev: IntArr
    pair_score: FloatArr
    pin_app: IntArr
    pin_rev: IntArr
    pin_score: FloatArr
    need: IntArr  # reviews still needed per application after pins
    app_inflow_arcs: IntArr  # arcs whose head is an application node
    scale: float

    @property
    def pin_total(self) -> float:
        return float(self.pin_score.sum())


def _names(inst: Instance, apps: Sequence[int], limit: int = 20) -> str:
    shown = join_list(inst.label(int(a)) for a in apps[:limit])
    if len(apps) > limit:
        shown += _("等 %(count)d 项") % {"count": len(apps)}
    return shown


def _network(inst: Instance) -> _Net:
    A, R = inst.n_apps, inst.n_reviewers
    key = inst.app * R + inst.rev
    key, first = np.unique(key, return_index=True)
    app, rev, score = inst.app[first], inst.rev[first], inst.score[first]
    pin = np.unique(inst.pinned[:, 0] * R + inst.pinned[:, 1])
    blocked = np.union1d(inst.conflicts[:, 0] * R + inst.conflicts[:, 1], inst.forbidden[:, 0] * R + inst.forbidden[:, 1])
    bad_pins = pin[np.isin(pin, blocked)]
    if len(bad_pins):
        raise AssignmentError(
            _("固定的评审专家与回避或禁止的组合冲突：%(apps)s") % {"apps": _names(inst, list(bad_pins // R))},
            apps=list(bad_pins // R))
    keep = ~np.isin(key, np.union1d(blocked, pin))
    app, rev, score = app[keep], rev[keep], score[keep]
    pin_app, pin_rev = pin // R, pin % R
    pin_score = inst.scores_of(pin_app, pin_rev)

    need = inst.per_app - np.bincount(pin_app, minlength=A)
    if (need < 0).any():
        bad = np.nonzero(need < 0)[0]
        raise AssignmentError(_("固定的评审专家多于所需人数：%(apps)s") % {"apps": _names(inst, list(bad))}, apps=bad)
    pin_load = np.bincount(pin_rev, minlength=R)
    max_left = inst.max_load - pin_load
    if (max_left < 0).any():
        bad = np.nonzero(max_left < 0)[0]
        raise AssignmentError(_("固定的评审任务超过专家的评审上限：专家 %(reviewers)s")
                              % {"reviewers": join_list(f"#{r}" for r in bad[:20])}, reviewers=bad)
    min_left = np.maximum(inst.min_load - pin_load, 0)
    if (min_left > max_left).any():
        bad = np.nonzero(min_left > max_left)[0]
        raise AssignmentError(_("专家的评审下限高于上限：专家 %(reviewers)s")
                              % {"reviewers": join_list(f"#{r}" for r in bad[:20])}, reviewers=bad)
    demand = int(need.sum())
    if int(max_left.sum()) < demand:
        raise AssignmentError(_("专家评审上限之和（%(cap)d）少于需要的评审总数（%(need)d），请提高上限或增加专家")
                              % {"cap": int(max_left.sum()), "need": demand}, apps=np.nonzero(need > 0)[0])
    if int(min_left.sum()) > demand:
        raise AssignmentError(_("专家评审下限之和（%(low)d）超过需要的评审总数（%(need)d），请降低下限")
                              % {"low": int(min_left.sum()), "need": demand})

    S = A + R
    n_nodes = S + 1
    pair_tail = A + rev
    if inst.diversity_cap is not None:
        if inst.org is None or inst.org.shape != (R,):
            raise ValueError("diversity_cap needs org (one organisation id per reviewer)")
        n_org = int(inst.org.max()) + 1 if R else 1
        pin_group = np.bincount(pin_app * n_org + inst.org[pin_rev], minlength=A * n_org)
        if (pin_group > inst.diversity_cap).any():
            bad = np.unique(np.nonzero(pin_group > inst.diversity_cap)[0] // n_org)
            raise AssignmentError(_("固定的评审专家中同一单位的人数超过上限：%(apps)s") % {"apps": _names(inst, list(bad))},
                                  apps=bad)
        group = app * n_org + inst.org[rev]
        groups, inv = np.unique(group, return_inverse=True)
        pair_head = n_nodes + inv
        div_tail = n_nodes + np.arange(len(groups))
        div_head = groups // n_org
        div_cap = inst.diversity_cap - pin_group[groups]
        n_nodes += len(groups)
    else:
        pair_head = app.copy()
        div_tail = div_head = div_cap = np.zeros(0, dtype=np.int64)
    smax = float(score.max()) if len(score) else 1.0
    scale = COST_SCALE / smax if smax > 0 else 1.0
    pair_cost = -np.rint(score * scale).astype(np.int64)
    n_pair = len(app)
    tails = np.concatenate([pair_tail, np.full(R, S), div_tail]).astype(np.int64)
    heads = np.concatenate([pair_head, A + np.arange(R), div_head]).astype(np.int64)
    caps = np.concatenate([np.ones(n_pair, dtype=np.int64), max_left - min_left, div_cap]).astype(np.int64)
    costs = np.concatenate([pair_cost, np.zeros(R + len(div_tail), dtype=np.int64)])
    supply = np.zeros(n_nodes, dtype=np.int64)
    supply[:A] = -need
    supply[A:A + R] = min_left
    supply[S] = demand - int(min_left.sum())
    inflow = np.arange(n_pair) if inst.diversity_cap is None else n_pair + R + np.arange(len(div_tail))
    return _Net(n_nodes, tails, heads, caps, costs, supply, n_pair, app, rev, score, pin_app, pin_rev, pin_score,
                need, inflow.astype(np.int64), scale)


class _Flow:
    """One OR-Tools network, re-solved with other capacities (random mode's cap search)."""

    def __init__(self, net: _Net, units: int = 1) -> None:
        from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]

        self.net, self.units = net, units
        self.mcf = min_cost_flow.SimpleMinCostFlow()
        self.arcs = self.mcf.add_arcs_with_capacity_and_unit_cost(net.tails, net.heads, net.caps * units, net.costs)
        self.mcf.set_nodes_supplies(np.arange(net.n_nodes), net.supply * units)

    def set_pair_cap(self, cap: int) -> None:
        n = self.net.n_pair
        self.mcf.set_arc_capacities(self.arcs[:n], np.full(n, cap, dtype=np.int64))

    def solve(self) -> IntArr | None:
        status = self.mcf.solve()
        if status == self.mcf.OPTIMAL:
            return np.asarray(self.mcf.flows(self.arcs), dtype=np.int64)
        if status in (self.mcf.INFEASIBLE, self.mcf.UNBALANCED):
            return None
        raise RuntimeError(f"min-cost flow failed: {status}")

    def value(self, flows: IntArr) -> float:
        """Objective (true affinity) of a flow in units of 1/units."""
        n = self.net.n_pair
        return float(flows[:n] @ self.net.pair_score) / self.units + self.net.pin_total

    def infeasible(self, inst: Instance) -> AssignmentError:
        """Name the applications that cannot be covered (max flow at min cost shows who is short)."""
        net = self.net
        self.mcf.solve_max_flow_with_min_cost()
        flows = np.asarray(self.mcf.flows(self.arcs), dtype=np.int64)
        inflow = np.bincount(net.heads[net.app_inflow_arcs], weights=flows[net.app_inflow_arcs],
                             minlength=inst.n_apps)
        short = np.nonzero(inflow < net.need * self.units)[0]
        if len(short):
            avail = np.bincount(net.heads[net.app_inflow_arcs], weights=net.caps[net.app_inflow_arcs],
                                minlength=inst.n_apps).astype(np.int64)
            lacking = short[avail[short] < net.need[short]]
            if len(lacking):
                details = [_("%(app)s（需 %(need)d 位，合格且无回避的专家 %(avail)d 位）")
                           % {"app": inst.label(int(a)), "need": int(inst.per_app[a]),
                              "avail": int(avail[a]) + int((net.pin_app == a).sum())} for a in lacking[:20]]
                more = _("等 %(count)d 项") % {"count": len(lacking)} if len(lacking) > 20 else ""
                return AssignmentError(
                    _("无法完成分配：以下申报合格、无回避且未被禁止的专家不足：%(apps)s")
                    % {"apps": join_clauses(details) + more}, apps=lacking)
            return AssignmentError(
                _("无法完成分配：专家的评审上限（或同单位人数上限）不够，以下申报无法配齐：%(apps)s；请提高上限或增加专家")
                % {"apps": _names(inst, list(short))}, apps=short)
        low = net.supply[inst.n_apps:inst.n_apps + inst.n_reviewers] > 0
        return AssignmentError(_("无法完成分配：部分专家的评审下限无法满足（合格的申报不足）：专家 %(reviewers)s")
                               % {"reviewers": join_list(f"#{r}" for r in np.nonzero(low)[0][:20])},
                               reviewers=np.nonzero(low)[0])


# ---------------------------------------------------------------------------------------------------------------
# Dependent rounding of a fractional flow


Chooser = Callable[[list[int], list[int], float, float], int]


def round_flow(tails: IntArr, heads: IntArr, x: FloatArr, choose: Chooser, tol: float = 1e-9) -> FloatArr:
    """Round a flow whose node balances are integers to an integral one, arc by arc within [floor x, ceil x].

    Fractional arcs form a graph in which no node has exactly one fractional arc (its balance is an integer), so a
    walk along fractional arcs always closes a cycle; flow is pushed around it by +up or −down (the largest steps
    that keep every arc within its floor/ceiling), at least one arc becomes integral, and the walk resumes from
    where the cycle began. ``choose(arcs, signs, up, down)`` returns +1 or −1: random with P(+1) = down/(up+down)
    keeps every arc's expectation (Gandhi et al. 2006 dependent rounding, generalised to flows).
    """
    xl = [float(v) for v in x]
    tl = tails.tolist()
    hl = heads.tolist()
    adj: dict[int, set[int]] = {}
    for e, v in enumerate(xl):
        if abs(v - round(v)) > tol:
            adj.setdefault(tl[e], set()).add(e)
            adj.setdefault(hl[e], set()).add(e)
        else:
            xl[e] = float(round(v))

    def settle(e: int) -> None:
        r = round(xl[e])
        if abs(xl[e] - r) <= tol:
            xl[e] = float(r)
            adj[tl[e]].discard(e)
            adj[hl[e]].discard(e)

    starts = list(adj)
    nodes: list[int] = []
    arcs: list[int] = []
    pos: dict[int, int] = {}
    while True:
        if not nodes:
            while starts and not adj[starts[-1]]:
                starts.pop()
            if not starts:
                break
            nodes, arcs, pos = [starts[-1]], [], {starts[-1]: 0}
        u = nodes[-1]
        last = arcs[-1] if arcs else -1
        e = -1
        for cand in adj[u]:
            if cand != last:
                e = cand
                break
        if e < 0:  # only possible through numerical noise in an LP solution: snap and restart the walk
            if last >= 0:
                xl[last] = float(round(xl[last]))
                adj[tl[last]].discard(last)
                adj[hl[last]].discard(last)
            nodes, arcs, pos = [], [], {}
            continue
        v = hl[e] if tl[e] == u else tl[e]
        if v not in pos:
            pos[v] = len(nodes)
            nodes.append(v)
            arcs.append(e)
            continue
        i = pos[v]
        cyc = arcs[i:] + [e]
        signs = [1 if tl[a] == n else -1 for a, n in zip(cyc, nodes[i:], strict=True)]
        up = down = math.inf
        for a, s in zip(cyc, signs, strict=True):
            lo = math.floor(xl[a])
            hi_gap, lo_gap = lo + 1 - xl[a], xl[a] - lo
            if s > 0:
                up, down = min(up, hi_gap), min(down, lo_gap)
            else:
                up, down = min(up, lo_gap), min(down, hi_gap)
        step = up if choose(cyc, signs, up, down) > 0 else -down
        for a, s in zip(cyc, signs, strict=True):
            xl[a] += s * step
            settle(a)
        for n in nodes[i + 1:]:
            del pos[n]
        del nodes[i + 1:]
        del arcs[i:]
    return np.asarray(xl, dtype=np.float64)


# ---------------------------------------------------------------------------------------------------------------
# Solving


def _ranks(net: _Net, n_apps: int) -> IntArr:
    """Each pair arc's rank among its application's candidates by affinity (0 = best)."""
    order = np.lexsort((-net.pair_score, net.pair_app))
    rank = np.empty(net.n_pair, dtype=np.int64)
    starts = np.searchsorted(net.pair_app[order], np.arange(n_apps))
    rank[order] = np.arange(net.n_pair) - starts[net.pair_app[order]]
    return rank


def _restrict(net: _Net, sel: IntArr) -> tuple[_Net, IntArr]:
    """The network with only the pair arcs ``sel``; also the kept arcs' old indices."""
    arcs = np.concatenate([sel, np.arange(net.n_pair, len(net.tails))]).astype(np.int64)
    if len(net.app_inflow_arcs) and net.app_inflow_arcs[0] >= net.n_pair:  # diversity: inflow = group arcs
        inflow = net.app_inflow_arcs - net.n_pair + len(sel)
    else:
        inflow = np.arange(len(sel), dtype=np.int64)
    sub = replace(net, tails=net.tails[arcs], heads=net.heads[arcs], caps=net.caps[arcs], costs=net.costs[arcs],
                  n_pair=len(sel), pair_app=net.pair_app[sel], pair_rev=net.pair_rev[sel],
                  pair_score=net.pair_score[sel], app_inflow_arcs=inflow)
    return sub, arcs


def _pairs_from(net: _Net, x: Any) -> IntArr:
    chosen = np.nonzero(np.asarray(x)[:net.n_pair] > 0.5)[0]
    return np.concatenate([np.stack([net.pair_app[chosen], net.pair_rev[chosen]], axis=1),
                           np.stack([net.pin_app, net.pin_rev], axis=1)]).astype(np.int64)


def _app_fits(inst: Instance, pairs: IntArr) -> FloatArr:
    fits = np.bincount(pairs[:, 0], weights=inst.scores_of(pairs[:, 0], pairs[:, 1]), minlength=inst.n_apps)
    return fits.astype(np.float64)


def solve(inst: Instance, mode: str = "optimal", seed: int | None = None, cap: float | None = None) -> Result:
    """Assign reviewers. ``cap``: random mode's per-pair probability cap (default: the smallest keeping 95%)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    net = _network(inst)
    timings["network"] = time.perf_counter() - t0
    flow = _Flow(net)
    flows = flow.solve()
    if flows is None:
        raise flow.infeasible(inst)
    timings["min_cost_flow"] = time.perf_counter() - t0 - timings["network"]
    opt_pairs = _pairs_from(net, flows)
    optimum = flow.value(flows)
    # every pair's cost was rounded by at most 0.5 unit, so no assignment can beat the rounded optimum by more
    bound = -float(flow.mcf.optimal_cost()) / net.scale + net.pin_total + int(net.need.sum()) * 0.5 / net.scale
    bound = max(bound, optimum)
    opt_fits = _app_fits(inst, opt_pairs)
    kwargs: dict[str, Any] = {}
    if mode == "optimal":
        pairs = opt_pairs
    elif mode == "random":
        pairs, kwargs = _random(inst, net, flow, flows, seed, cap, timings)
    else:
        pairs, kwargs = _fair(inst, net, flows, optimum, opt_fits, timings)
    fits = _app_fits(inst, pairs)
    objective = float(fits.sum())
    return Result(mode=mode, pairs=pairs, objective=objective, optimum=optimum, optimum_bound=bound,
                  min_app_fit=float(fits.min()) if len(fits) else 0.0, violations=check(inst, pairs),
                  seconds=time.perf_counter() - t0, seed=seed, timings=timings, **kwargs)


def _random(inst: Instance, net: _Net, flow: _Flow, opt_flows: IntArr, seed: int | None, cap: float | None,
            timings: dict[str, float]) -> tuple[IntArr, dict[str, Any]]:
    t = time.perf_counter()
    U = PROB_UNITS
    target = RANDOM_KEEP * float(-flow.mcf.optimal_cost())  # in integer cost units, pins excluded on both sides
    # the pool: each application's RANDOM_POOL·K best candidates plus the optimal edges. A smaller pool can only
    # raise the cap needed; the 95% and the cap are checked on what is actually sampled.
    k_max = int(net.need.max(initial=1))
    sel = np.nonzero((_ranks(net, inst.n_apps) < RANDOM_POOL * max(k_max, 1)) | (opt_flows[:net.n_pair] > 0))[0]
    full = net
    net, kept = _restrict(full, sel)
    opt_flows = opt_flows[kept]
    scaled = _Flow(net, U)
    if cap is not None:
        p = min(U, max(1, math.ceil(cap * U - 1e-9)))
        scaled.set_pair_cap(p)
        best = scaled.solve()
        if best is None:
            raise AssignmentError(_("每对组合的概率上限 %(cap).2f 太低，无法为每项申报配齐评审专家") % {"cap": p / U})
    else:
        lo, hi, best = 1, U, opt_flows * U  # cap 1: the optimum itself
        while lo < hi:
            mid = (lo + hi) // 2
            scaled.set_pair_cap(mid)
            f = scaled.solve()
            if f is not None and -float(scaled.mcf.optimal_cost()) / U >= target:
                hi, best = mid, f
            else:
                lo = mid + 1
        p = hi
    timings["cap_search"] = time.perf_counter() - t
    t = time.perf_counter()
    x = best.astype(np.float64) / U
    expected = float(x[:net.n_pair] @ net.pair_score) + net.pin_total
    rng = np.random.default_rng(seed)

    def choose(cyc: list[int], signs: list[int], up: float, down: float) -> int:
        return 1 if rng.random() * (up + down) < down else -1

    rounded = round_flow(net.tails, net.heads, x, choose)
    timings["rounding"] = time.perf_counter() - t
    del full
    pos = np.nonzero(x[:net.n_pair] > 0)[0]
    prob_pairs = np.concatenate([np.stack([net.pair_app[pos], net.pair_rev[pos]], axis=1),
                                 np.stack([net.pin_app, net.pin_rev], axis=1)]).astype(np.int64)
    probs = np.concatenate([x[:net.n_pair][pos], np.ones(len(net.pin_app))])
    return _pairs_from(net, rounded), {"cap": p / U, "expected_objective": expected, "prob_pairs": prob_pairs,
                                       "probabilities": probs}


def _fair(inst: Instance, net: _Net, opt_flows: IntArr, optimum: float, opt_fits: FloatArr,
          timings: dict[str, float]) -> tuple[IntArr, dict[str, Any]]:
    from scipy.optimize import linprog  # type: ignore[import-untyped]
    from scipy.sparse import coo_matrix, csr_matrix, hstack, vstack  # type: ignore[import-untyped]

    t = time.perf_counter()
    A = inst.n_apps
    # the LP on each application's best candidates plus the optimal edges (so 98.5% of the optimum stays feasible)
    top = max(4 * int(inst.per_app.max(initial=1)), int(inst.per_app.max(initial=1)) + 12)
    rank = _ranks(net, A)
    sel_pair = np.nonzero((rank < top) | (opt_flows[:net.n_pair] > 0))[0]
    pin_fit = np.bincount(net.pin_app, weights=net.pin_score, minlength=A)
    # what each application could get on its own: its K best qualified reviewers, loads ignored
    best = np.bincount(net.pair_app, weights=np.where(rank < net.need[net.pair_app], net.pair_score, 0.0),
                       minlength=A) + pin_fit
    best = np.where(best > 0, best, 1.0)
    opt_share = opt_fits / best
    arcs = np.concatenate([sel_pair, np.arange(net.n_pair, len(net.tails))])
    n_sel, m = len(sel_pair), len(arcs)
    tails, heads, caps = net.tails[arcs], net.heads[arcs], net.caps[arcs]
    score = net.pair_score[sel_pair]
    papp = net.pair_app[sel_pair]
    cols = np.arange(m)
    inc = coo_matrix((np.concatenate([np.ones(m), -np.ones(m)]), (np.concatenate([tails, heads]),
                                                                     np.concatenate([cols, cols]))),
                     shape=(net.n_nodes, m)).tocsr()
    a_eq = hstack([inc, csr_matrix((net.n_nodes, 1))]).tocsr()
    per_app = coo_matrix((-score, (papp, np.arange(n_sel))), shape=(A, m))
    total = coo_matrix((-score, (np.zeros(n_sel, dtype=np.int64), np.arange(n_sel))), shape=(1, m))
    # t · best_a ≤ fit_a (the worst share), fit_a ≥ the optimal assignment's worst fit, total ≥ 98.5%
    a_ub = vstack([hstack([per_app, best[:, None]]), hstack([per_app, csr_matrix((A, 1))]),
                   hstack([total, csr_matrix((1, 1))])]).tocsr()
    target = (1 - FAIR_LOSS + FAIR_LP_MARGIN) * optimum - net.pin_total
    abs_floor = min(float(opt_fits.min()), float(best.min())) if A else 0.0
    b_ub = np.concatenate([pin_fit, pin_fit - abs_floor, [-target]])
    # lexicographic: the worst application first, then the total (weight 1 / (100 · applications) per unit)
    c = np.zeros(m + 1)
    c[-1] = -1.0
    c[:n_sel] = -score / (100.0 * max(A, 1))
    bounds = np.stack([np.zeros(m + 1), np.concatenate([caps.astype(np.float64), [np.inf]])], axis=1)
    # dual simplex is quicker on small LPs; on 10,000 applications it took > 4 min where the interior point
    # method (with crossover) takes ~1.5 min
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=net.supply.astype(np.float64), bounds=bounds,
                  method="highs-ds" if m < FAIR_IPM_FROM else "highs-ipm")
    timings["fair_lp"] = time.perf_counter() - t
    extra: dict[str, Any] = {"optimal_min_app_fit": float(opt_fits.min()) if A else 0.0,
                             "optimal_min_share": float(opt_share.min()) if A else 1.0}
    fallback = _pairs_from(net, opt_flows)
    if res.status != 0:
        return fallback, {**extra, "lp_min_share": extra["optimal_min_share"], "fair_fallback": True}
    t = time.perf_counter()
    x = np.clip(res.x[:m], 0.0, caps)
    lp_min = float(res.x[-1])
    # the rounding follows each application's share of its own best (fit / best)
    fit = ((np.bincount(papp, weights=score * x[:n_sel], minlength=A) + pin_fit) / best).tolist()
    inv_best = (1.0 / best).tolist()
    state = {"total": float(score @ x[:n_sel]) + net.pin_total}
    floor = (1 - FAIR_LOSS) * optimum + 1e-9
    sc = score.tolist()
    pa = papp.tolist()

    def choose(cyc: list[int], signs: list[int], up: float, down: float) -> int:
        delta: dict[int, float] = {}
        for a, s in zip(cyc, signs, strict=True):
            if a < n_sel:
                delta[pa[a]] = delta.get(pa[a], 0.0) + s * sc[a] * inv_best[pa[a]]
        dtot = sum(s * sc[a] for a, s in zip(cyc, signs, strict=True) if a < n_sel)
        if not delta:
            return 1
        min_up = min(fit[k] + up * d for k, d in delta.items())
        min_down = min(fit[k] - down * d for k, d in delta.items())
        if abs(min_up - min_down) > 1e-12:
            pick = 1 if min_up > min_down else -1
        else:
            pick = 1 if dtot >= 0 else -1
        if state["total"] + (up if pick > 0 else -down) * dtot < floor:
            pick = -pick
        step = up if pick > 0 else -down
        for k, d in delta.items():
            fit[k] += step * d
        state["total"] += step * dtot
        return pick

    rounded = round_flow(tails, heads, x, choose, tol=1e-7)
    timings["rounding"] = time.perf_counter() - t
    full = np.zeros(net.n_pair)
    full[sel_pair] = rounded[:n_sel]
    pairs = _pairs_from(net, full)
    fits = _app_fits(inst, pairs)
    ok = not any(check(inst, pairs).values())
    share = fits / best
    extra["lp_min_share"] = lp_min
    if (not ok or fits.sum() < (1 - FAIR_LOSS) * optimum - 1e-9 or fits.min() < opt_fits.min() - 1e-9
            or share.min() < opt_share.min() - 1e-9):
        return fallback, {**extra, "min_share": float(opt_share.min()), "fair_fallback": True}
    return pairs, {**extra, "min_share": float(share.min())}


def lp_optimum(inst: Instance) -> float:
    """The linear relaxation solved directly by HiGHS (SciPy) over pair variables: a check for small instances."""
    from scipy.optimize import linprog  # type: ignore[import-untyped]
    from scipy.sparse import coo_matrix, vstack  # type: ignore[import-untyped]

    net = _network(inst)
    n, A, R = net.n_pair, inst.n_apps, inst.n_reviewers
    cols = np.arange(n)
    rows = [coo_matrix((np.ones(n), (net.pair_app, cols)), shape=(A, n))]  # = need (equality)
    load = coo_matrix((np.ones(n), (net.pair_rev, cols)), shape=(R, n))
    ub = [load, -load]
    b_ub = [net.caps[n:n + R] + net.supply[A:A + R], -net.supply[A:A + R]]
    if inst.diversity_cap is not None and inst.org is not None:
        n_org = int(inst.org.max()) + 1
        g, inv = np.unique(net.pair_app * n_org + inst.org[net.pair_rev], return_inverse=True)
        ub.append(coo_matrix((np.ones(n), (inv, cols)), shape=(len(g), n)))
        pin_group = np.bincount(net.pin_app * n_org + inst.org[net.pin_rev], minlength=A * n_org)
        b_ub.append(inst.diversity_cap - pin_group[g])
    res = linprog(-net.pair_score, A_ub=vstack(ub), b_ub=np.concatenate(b_ub), A_eq=vstack(rows), b_eq=net.need,
                  bounds=(0, 1), method="highs")
    if res.status != 0:
        raise AssignmentError(_("线性规划无可行解"))
    return float(-res.fun) + net.pin_total

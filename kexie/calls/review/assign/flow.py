"""The flow model: the network of an instance, OR-Tools' min-cost flow over it, dependent rounding of a
fractional flow, and the pair-arc helpers the modes share."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from kexie.calls.review.assign.problem import (
    COST_SCALE,
    AssignmentError,
    FloatArr,
    Instance,
    IntArr,
    _,
)
from kexie.core.text import join_clauses, join_list

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

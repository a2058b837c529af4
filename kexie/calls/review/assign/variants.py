"""The fairness and random-draw variants: ``fair`` (max–min LP then rounding) and ``random`` (capped LP, pipage
rounding keeping every pair's probability)."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from kexie.calls.review.assign.flow import _app_fits, _Flow, _Net, _pairs_from, _ranks, _restrict, round_flow
from kexie.calls.review.assign.problem import (
    FAIR_IPM_FROM,
    FAIR_LOSS,
    FAIR_LP_MARGIN,
    PROB_UNITS,
    RANDOM_KEEP,
    RANDOM_POOL,
    AssignmentError,
    FloatArr,
    Instance,
    IntArr,
    _,
    check,
)


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

"""``solve()``: the optimal flow, then the chosen mode; ``lp_optimum()``: the LP checked directly by HiGHS."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from kexie.calls.review.assign.flow import _app_fits, _Flow, _network, _pairs_from
from kexie.calls.review.assign.problem import MODES, AssignmentError, Instance, Result, _, check
from kexie.calls.review.assign.variants import _fair, _random


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

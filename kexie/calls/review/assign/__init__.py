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

Modules: ``problem`` (Instance, Result, check, the constants), ``flow`` (the network, min-cost flow, dependent
rounding), ``variants`` (fair and random), ``solve`` (the entry point, ``lp_optimum``), ``synthetic`` (seeded
benchmark instances for ``kexie bench assign``, bench/assign.py and the tests).
"""

from kexie.calls.review.assign.flow import round_flow
from kexie.calls.review.assign.problem import MODES, AssignmentError, Instance, Result, check
from kexie.calls.review.assign.solve import lp_optimum, solve

__all__ = ["MODES", "AssignmentError", "Instance", "Result", "check", "lp_optimum", "round_flow", "solve"]

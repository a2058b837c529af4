"""The reviewer–application assignment engine (kexie.calls.review.assign, decision 0012): constraints, optimality against
an LP, fair and random modes, infeasibility messages, the CLI. Small instances, no database."""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kexie.calls.review.assign import AssignmentError, Instance, check, lp_optimum, round_flow, solve
from kexie.calls.review.assign.synthetic import make_instance


def random_instance(seed: int, n_apps: int = 24, n_revs: int = 16, k: int = 3, diversity: bool = True,
                    min_load: int = 1) -> Instance:
    rng = np.random.default_rng(seed)
    aff = np.round(rng.random((n_apps, n_revs)) * (rng.random((n_apps, n_revs)) < 0.7), 3)
    conflicts = rng.random((n_apps, n_revs)) < 0.06
    org = rng.integers(0, 5, n_revs)
    free = np.argwhere((aff > 0) & ~conflicts)
    pins = free[rng.choice(len(free), 3, replace=False)]
    pins = pins[np.unique(pins[:, 0], return_index=True)[1]]  # at most one pin per application
    rest = free[~np.isin(free[:, 0] * n_revs + free[:, 1], pins[:, 0] * n_revs + pins[:, 1])]
    forbidden = rest[rng.choice(len(rest), 4, replace=False)]
    return Instance.from_matrix(aff, per_app=k, max_load=7, min_load=min_load, conflicts=conflicts, org=org,
                                diversity_cap=2 if diversity else None, pinned=pins, forbidden=forbidden)


def assert_valid(inst: Instance, pairs: np.ndarray) -> None:
    v = check(inst, pairs)
    assert v == {"conflicts": 0, "forbidden": 0, "pins_missing": 0, "loads": 0, "coverage": 0, "duplicates": 0,
                 "diversity": 0}, v
    # the same facts, counted directly
    counts = np.bincount(pairs[:, 0], minlength=inst.n_apps)
    assert (counts == inst.per_app).all()
    load = np.bincount(pairs[:, 1], minlength=inst.n_reviewers)
    assert (load <= inst.max_load).all() and (load >= inst.min_load).all()
    chosen = set(map(tuple, pairs.tolist()))
    assert not chosen & set(map(tuple, inst.conflicts.tolist()))
    assert not chosen & set(map(tuple, inst.forbidden.tolist()))
    assert set(map(tuple, inst.pinned.tolist())) <= chosen
    if inst.diversity_cap is not None:
        assert inst.org is not None
        for a in range(inst.n_apps):
            orgs = inst.org[pairs[pairs[:, 0] == a, 1]]
            assert np.bincount(orgs).max() <= inst.diversity_cap


@pytest.mark.parametrize("seed", range(6))
def test_optimal_respects_constraints_and_equals_lp(seed):
    inst = random_instance(seed, diversity=seed % 2 == 0)
    result = solve(inst, "optimal")
    assert_valid(inst, result.pairs)
    lp = lp_optimum(inst)
    # min-cost flow is totally unimodular: the integral optimum is the LP optimum (costs scaled to 1e-6)
    assert result.objective == pytest.approx(lp, abs=1e-4)
    assert result.objective <= lp + 1e-9 <= result.optimum_bound + 1e-6
    assert result.conflicts_violated == 0 and result.load_violations == 0


@pytest.mark.parametrize("seed", range(4))
def test_fair_loses_at_most_two_percent_and_raises_the_worst(seed):
    inst = random_instance(seed, n_apps=30, n_revs=18, diversity=False, min_load=0)
    opt = solve(inst, "optimal")
    fair = solve(inst, "fair")
    assert_valid(inst, fair.pairs)
    assert fair.objective >= 0.98 * opt.objective - 1e-9
    assert fair.min_app_fit >= opt.min_app_fit - 1e-9
    assert fair.min_share is not None and fair.optimal_min_share is not None
    assert fair.min_share >= fair.optimal_min_share - 1e-9


def test_fair_raises_the_worst_share_on_a_synthetic_instance():
    inst = make_instance(300, 150, seed=1)
    fair = solve(inst, "fair")
    assert_valid(inst, fair.pairs)
    assert fair.objective >= 0.98 * fair.optimum
    assert fair.min_share is not None and fair.optimal_min_share is not None
    assert fair.min_share > fair.optimal_min_share
    assert not fair.fair_fallback


@pytest.mark.parametrize("seed", range(3))
def test_random_caps_marginals_keeps_95_percent_and_is_reproducible(seed):
    inst = random_instance(seed, n_apps=30, n_revs=20, diversity=seed != 1)
    opt = solve(inst, "optimal")
    r1 = solve(inst, "random", seed=11)
    assert_valid(inst, r1.pairs)
    assert r1.cap is not None and r1.probabilities is not None and r1.prob_pairs is not None
    assert r1.expected_objective is not None
    pinned = set(map(tuple, inst.pinned.tolist()))
    not_pinned = np.array([tuple(p) not in pinned for p in r1.prob_pairs.tolist()])
    assert (r1.probabilities[not_pinned] <= r1.cap + 1e-12).all()
    # the expected objective is the LP value Σ p·affinity, and it keeps ≥ 95% of the optimum
    assert r1.expected_objective == pytest.approx(
        float(r1.probabilities @ inst.scores_of(r1.prob_pairs[:, 0], r1.prob_pairs[:, 1])))
    assert r1.expected_objective >= 0.95 * opt.objective - 1e-6
    # marginals per application sum to K, and the chosen pairs are among the positive-probability ones
    assert np.allclose(np.bincount(r1.prob_pairs[:, 0], weights=r1.probabilities, minlength=inst.n_apps),
                       inst.per_app)
    assert set(map(tuple, r1.pairs.tolist())) <= set(map(tuple, r1.prob_pairs.tolist()))
    r2 = solve(inst, "random", seed=11)
    assert np.array_equal(np.sort(r1.pairs, axis=0), np.sort(r2.pairs, axis=0))
    assert r1.seed == 11


def test_random_with_a_given_cap():
    inst = random_instance(5, n_apps=20, n_revs=24, diversity=False)
    r = solve(inst, "random", seed=1, cap=0.5)
    assert r.cap == 0.5
    assert_valid(inst, r.pairs)


def test_random_rounding_keeps_the_marginals_in_expectation():
    inst = random_instance(2, n_apps=12, n_revs=10, diversity=False, min_load=0)
    first = solve(inst, "random", seed=0)
    assert first.prob_pairs is not None and first.probabilities is not None
    freq: dict[tuple[int, int], int] = {}
    n = 400
    for s in range(n):
        for p in map(tuple, solve(inst, "random", seed=s).pairs.tolist()):
            freq[p] = freq.get(p, 0) + 1
    for (a, r), p in zip(first.prob_pairs.tolist(), first.probabilities.tolist(), strict=True):
        assert freq.get((a, r), 0) / n == pytest.approx(p, abs=0.1)


def test_round_flow_keeps_balances():
    # a 2×2 bipartite flow with halves: rounding gives a perfect matching either way
    tails = np.array([0, 0, 1, 1])
    heads = np.array([2, 3, 2, 3])
    x = np.array([0.5, 0.5, 0.5, 0.5])
    out = round_flow(tails, heads, x, lambda *a: 1)
    assert set(out.tolist()) <= {0.0, 1.0}
    assert np.bincount(tails, weights=out).tolist() == [1.0, 1.0]
    assert np.bincount(heads, weights=out, minlength=4)[2:].tolist() == [1.0, 1.0]


def test_infeasible_names_the_applications():
    aff = np.zeros((4, 6))
    aff[:, :] = 0.5
    aff[2, :] = 0.0
    aff[2, 0] = 0.9  # application 2 has one qualified reviewer, needs 2
    inst = Instance.from_matrix(aff, per_app=2, max_load=3, app_labels=["甲", "乙", "丙", "丁"])
    with pytest.raises(AssignmentError) as exc:
        solve(inst)
    assert "丙" in str(exc.value) and "甲" not in str(exc.value)
    assert "无法完成分配" in str(exc.value)
    assert exc.value.apps == [2]


def test_infeasible_total_load_and_bad_pins():
    aff = np.full((5, 2), 0.5)
    with pytest.raises(AssignmentError, match="评审上限之和"):
        solve(Instance.from_matrix(aff, per_app=2, max_load=3))
    with pytest.raises(AssignmentError, match="回避或禁止"):
        solve(Instance.from_matrix(aff, per_app=1, max_load=5, pinned=[(0, 0)], conflicts=[(0, 0)]))
    # loads suffice in total but the diversity cap leaves application 0 short
    inst = Instance.from_matrix(np.full((2, 4), 0.5), per_app=2, max_load=2, org=[0, 0, 0, 1],
                                diversity_cap=1, conflicts=[(0, 3)])
    with pytest.raises(AssignmentError) as exc:
        solve(inst)
    assert exc.value.apps == [0]


def test_cli_json():
    out = StringIO()
    call_command("bench", "assign", "--apps", "120", "--reviewers", "60", "--per-app", "3", "--max-load", "8",
                 "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    for key in ("objective", "optimum_bound", "conflicts_violated", "load_violations", "seconds"):
        assert key in data
    assert data["conflicts_violated"] == 0 and data["load_violations"] == 0
    assert data["objective"] <= data["optimum_bound"]
    assert data["objective"] >= 0.999 * data["optimum_bound"]
    out = StringIO()
    call_command("bench", "assign", "--apps", "120", "--reviewers", "60", "--mode", "random", "--seed", "4",
                 "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["seed"] == 4 and data["cap"] <= 1 and data["expected_objective"] >= 0.95 * data["optimum"]


def test_cli_infeasible_is_a_command_error():
    with pytest.raises(CommandError, match="评审上限之和"):
        call_command("bench", "assign", "--apps", "300", "--reviewers", "50", "--max-load", "3", stdout=StringIO())

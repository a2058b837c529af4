"""Seeded synthetic assignment instances (bench, tests, ``kexie bench assign``).

Disciplines are two-level (fields × sub-disciplines, in the manner of GB/T 13745), field sizes are skewed (a few big
fields, many small ones). A reviewer has one or two disciplines (the second usually in the same field) and six
keywords, mostly from their fields' vocabularies; an application has one discipline and five keywords. Affinity:

    0.5 · (same sub-discipline: 1, same field: 0.4) + 0.5 · (shared keywords / 5), capped at 1

(applications with fewer than 3·K qualified reviewers get generalists at 0.05), so most pairs across fields are 0
(not qualified) and a reviewer qualifies for roughly a tenth to a fifth of the
applications. Reviewers belong to organisations (skewed sizes: universities, institutes) for the diversity cap.
Conflicts are ``conflict_rate`` of all pairs, drawn at random.
"""

from __future__ import annotations

import numpy as np

from kexie.calls.review.assign.problem import Instance

N_FIELDS = 12
SUBS_PER_FIELD = 8
KW_PER_FIELD = 40
KW_GENERAL = 40
GENERALIST = 0.05


def _skewed(rng: np.random.Generator, n: int, k: int, a: float = 1.1) -> np.ndarray:
    w = 1.0 / np.arange(1, k + 1) ** a
    return rng.choice(k, size=n, p=w / w.sum())


def _keywords(rng: np.random.Generator, fields: np.ndarray, per: int, own: float) -> np.ndarray:
    """(n, per) keyword ids: from the row's field vocabulary with probability ``own``, else general/other."""
    n = len(fields)
    own_kw = fields[:, None] * KW_PER_FIELD + _skewed(rng, n * per, KW_PER_FIELD, 0.8).reshape(n, per)
    other = rng.integers(0, N_FIELDS * KW_PER_FIELD + KW_GENERAL, size=(n, per))
    return np.where(rng.random((n, per)) < own, own_kw, other)


def make_instance(n_apps: int, n_reviewers: int, per_app: int = 3, max_load: int = 8, min_load: int = 0,
                  conflict_rate: float = 0.02, diversity_cap: int | None = None, n_orgs: int | None = None,
                  seed: int = 0, chunk: int = 1000) -> Instance:
    rng = np.random.default_rng(seed)
    vocab = N_FIELDS * KW_PER_FIELD + KW_GENERAL
    n_subs = N_FIELDS * SUBS_PER_FIELD
    # reviewers
    r_field = _skewed(rng, n_reviewers, N_FIELDS, 0.7)
    r_sub1 = r_field * SUBS_PER_FIELD + rng.integers(0, SUBS_PER_FIELD, n_reviewers)
    second = rng.random(n_reviewers) < 0.5
    r_field2 = np.where(rng.random(n_reviewers) < 0.6, r_field, _skewed(rng, n_reviewers, N_FIELDS, 0.7))
    r_sub2 = np.where(second, r_field2 * SUBS_PER_FIELD + rng.integers(0, SUBS_PER_FIELD, n_reviewers), r_sub1)
    r_field2 = np.where(second, r_field2, r_field)
    r_kw = _keywords(rng, r_field, 6, 0.8)
    rev_sub = np.zeros((n_reviewers, n_subs), dtype=np.float32)
    rev_sub[np.arange(n_reviewers), r_sub1] = 1
    rev_sub[np.arange(n_reviewers), r_sub2] = 1
    rev_field = np.zeros((n_reviewers, N_FIELDS), dtype=np.float32)
    rev_field[np.arange(n_reviewers), r_field] = 1
    rev_field[np.arange(n_reviewers), r_field2] = 1
    rev_kw = np.zeros((n_reviewers, vocab), dtype=np.float32)
    np.put_along_axis(rev_kw, r_kw, 1.0, axis=1)
    n_orgs = n_orgs or max(10, n_reviewers // 15)
    org = _skewed(rng, n_reviewers, n_orgs, 1.0).astype(np.int64)
    # applications
    a_field = _skewed(rng, n_apps, N_FIELDS, 0.7)
    a_sub = a_field * SUBS_PER_FIELD + rng.integers(0, SUBS_PER_FIELD, n_apps)
    a_kw = _keywords(rng, a_field, 5, 0.85)
    apps, revs, scores, conflicts = [], [], [], []
    for lo in range(0, n_apps, chunk):
        hi = min(n_apps, lo + chunk)
        n = hi - lo
        kw = np.zeros((n, vocab), dtype=np.float32)
        np.put_along_axis(kw, a_kw[lo:hi], 1.0, axis=1)
        shared = np.minimum(kw @ rev_kw.T, 5.0) / 5.0
        disc = np.where(rev_sub[:, a_sub[lo:hi]].T > 0, 1.0, np.where(rev_field[:, a_field[lo:hi]].T > 0, 0.4, 0.0))
        aff = np.minimum(0.5 * disc + 0.5 * shared, 1.0)
        # applications in rare fields: generalists qualify at a low affinity, so the pool has ≥ 3·K reviewers
        short = np.nonzero((aff > 0).sum(axis=1) < 3 * per_app)[0]
        if len(short):
            extra = rng.random((len(short), n_reviewers)) < min(1.0, 4 * per_app / max(n_reviewers, 1))
            aff[short] = np.where((aff[short] == 0) & extra, GENERALIST, aff[short])
        a, r = np.nonzero(aff > 0)
        apps.append(a + lo)
        revs.append(r)
        scores.append(aff[a, r].astype(np.float64))
        ca, cr = np.nonzero(rng.random((n, n_reviewers)) < conflict_rate)
        conflicts.append(np.stack([ca + lo, cr], axis=1))
    return Instance.from_pairs(
        n_apps, n_reviewers, np.concatenate(apps), np.concatenate(revs), np.concatenate(scores),
        per_app=per_app, max_load=max_load, min_load=min_load, conflicts=np.concatenate(conflicts),
        org=org, diversity_cap=diversity_cap,
    )

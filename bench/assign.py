"""Reviewer assignment: kexie's engine (``kexie.calls.review.assign``) against OpenReview's matcher
(openreview-matcher: ``MinMaxSolver`` and its plain min-cost-flow ``SimpleSolver``) on the same synthetic instances,
side by side in one run.

    .venv/bin/python bench/assign.py                                  # 2,000 × 1,000 and 10,000 × 3,000
    .venv/bin/python bench/assign.py --sizes 2000x1000 --out var/bench/assign.json
    .venv/bin/python bench/assign.py --no-peer                        # kexie only

Instances come from ``kexie.calls.review.assign.synthetic.make_instance`` (seeded; disciplines and keywords give a sparse
affinity, 2% random conflicts, 3 reviews per application, load ≤ 8). Every run is its own subprocess (this file
with ``--worker``), which builds the instance, times only the solver and reports its peak resident memory
(``ru_maxrss``, the instance included). The share of optimum is the objective over kexie's proven upper bound on
the LP optimum (the min-cost-flow optimum plus the largest cost-rounding error).

The peer is never committed: it is read from the mirror the ``fetch`` tool made (``--peer-git``, default
/work/.mirror/openreview+openreview-matcher/repo) or cloned from GitHub, and extracted with ``git archive`` into
var/bench/peer/. Only ``matcher/solvers/{core,simple_solver,minmax_solver}.py`` are imported (as a package of
their own, without ``matcher/solvers/__init__.py``, which would pull in Gurobi and a C extension); they need
NumPy and OR-Tools, which the kexie venv has. The peer gets what its own encoder would give it: a dense
papers × reviewers cost matrix ``-100 · affinity``, a constraint matrix with −1 on conflicts, demands 3,
maximums 8, minimums 0, zero-affinity pairs not allowed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, log, table  # noqa: E402

PEER_GIT = Path(os.environ.get("KEXIE_PEER_GIT", "/work/.mirror/openreview+openreview-matcher/repo"))
PEER_URL = "https://github.com/openreview/openreview-matcher.git"
PEER_DIR = ROOT / "var" / "bench" / "peer"


# ----------------------------------------------------------------------------------------------------------------
# worker side


def _instance(job: dict):
    from kexie.calls.review.assign.synthetic import make_instance

    return make_instance(job["apps"], job["reviewers"], per_app=job["per_app"], max_load=job["max_load"],
                         diversity_cap=job.get("diversity"), seed=job["seed"])


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_kexie(job: dict) -> dict:
    from kexie.calls.review.assign import solve

    inst = _instance(job)
    t0 = time.perf_counter()
    result = solve(inst, mode=job["mode"], seed=job["seed"])
    seconds = time.perf_counter() - t0
    out = result.to_dict()
    out["seconds"] = seconds
    out["peak_mb"] = _peak_mb()
    out["other_violations"] = sum(v for k, v in result.violations.items() if k not in ("conflicts", "loads"))
    return out


def worker_peer(job: dict) -> dict:
    import importlib
    import logging
    import types
    from types import SimpleNamespace

    import numpy as np

    from kexie.calls.review.assign import check

    solvers = Path(job["peer"]) / "matcher" / "solvers"
    pkg = types.ModuleType("peer_solvers")
    pkg.__path__ = [str(solvers)]  # type: ignore[attr-defined]
    sys.modules["peer_solvers"] = pkg
    inst = _instance(job)
    A, R = inst.n_apps, inst.n_reviewers
    score = np.zeros((A, R))
    score[inst.app, inst.rev] = inst.score
    cost = score * -100  # matcher.encoder._score_to_cost
    constraint = np.zeros((A, R), dtype=np.int64)
    constraint[inst.conflicts[:, 0], inst.conflicts[:, 1]] = -1
    demands = [int(k) for k in inst.per_app]
    logger = logging.getLogger("peer")
    t0 = time.perf_counter()
    if job["solver"] == "minmax":
        mod = importlib.import_module("peer_solvers.minmax_solver")
        solver = mod.MinMaxSolver(np.zeros(R, dtype=np.int64), inst.max_load.copy(), demands,
                                  SimpleNamespace(cost_matrix=cost, constraint_matrix=constraint), logger=logger)
    else:
        mod = importlib.import_module("peer_solvers.simple_solver")
        solver = mod.SimpleSolver([int(x) for x in inst.max_load], demands, cost, constraint, logger=logger)
    flow = solver.solve()
    seconds = time.perf_counter() - t0
    a, r = np.nonzero(flow > 0.5)
    pairs = np.stack([a, r], axis=1)
    v = check(inst, pairs)
    objective = float(score[a, r].sum())
    return {"objective": objective, "seconds": seconds, "peak_mb": _peak_mb(), "solved": bool(solver.solved),
            "conflicts_violated": v["conflicts"], "load_violations": v["loads"],
            "other_violations": sum(x for k, x in v.items() if k not in ("conflicts", "loads")),
            "violations": v, "pairs_assigned": len(pairs)}


# ----------------------------------------------------------------------------------------------------------------
# driver side


def get_peer() -> tuple[Path | None, str]:
    """Extract the peer into var/bench/peer/; (path, commit) or (None, why not)."""
    git = shutil.which("git")
    if git is None:
        return None, "git is not installed"
    src = PEER_GIT
    if not (src / "HEAD").exists():
        clone = ROOT / "var" / "bench" / "peer-git"
        if not (clone / "HEAD").exists():
            log(f"peer mirror {src} missing; cloning {PEER_URL}")
            done = subprocess.run([git, "clone", "--bare", "--depth", "1", PEER_URL, str(clone)],
                                  capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                return None, (f"openreview-matcher unavailable: no mirror at {src} and `git clone {PEER_URL}` "
                              f"failed: {done.stderr.strip()[-300:]}")
        src = clone
    dest = PEER_DIR / "openreview-matcher"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    archive = subprocess.run([git, f"--git-dir={src}", "archive", "HEAD"], capture_output=True, timeout=300)
    if archive.returncode != 0:
        return None, f"git archive failed on {src}: {archive.stderr.decode(errors='replace')[-300:]}"
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    commit = subprocess.run([git, f"--git-dir={src}", "log", "-1", "--format=%H %cs"], capture_output=True,
                            text=True).stdout.strip()
    for name in ("core.py", "simple_solver.py", "minmax_solver.py"):
        if not (dest / "matcher" / "solvers" / name).exists():
            return None, f"openreview-matcher at {commit} has no matcher/solvers/{name}"
    return dest, commit


def run_job(job: dict, timeout: float) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(job)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"stopped after {timeout:.0f} s", "seconds": time.perf_counter() - t0}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1][:300]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--sizes", default="2000x1000,10000x3000:12",
                    help="comma-separated APPSxREVIEWERS[:MAX_LOAD] (default load: --max-load)")
    ap.add_argument("--per-app", type=int, default=3)
    ap.add_argument("--max-load", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--peer-solvers", default="minmax,simple", help="minmax and/or simple")
    ap.add_argument("--peer-timeout", type=float, default=1800, help="seconds per peer run")
    ap.add_argument("--out", help="write all figures as JSON here")
    args = ap.parse_args()
    if args.worker:
        job = json.loads(args.worker)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
        out = worker_kexie(job) if job["who"] == "kexie" else worker_peer(job)
        print(json.dumps(out))
        return

    peer, peer_note = (None, "not run (--no-peer)") if args.no_peer else get_peer()
    log(f"peer: {peer or ''} {peer_note}")
    all_rows, figures = [], []
    for size in args.sizes.split(","):
        dims, _, load = size.lower().partition(":")
        n_apps, n_revs = (int(x) for x in dims.split("x"))
        max_load = int(load) if load else args.max_load
        label = f"{n_apps:,} × {n_revs:,}, load ≤ {max_load}"
        if max_load != args.max_load:  # show why the load differs: kexie's own message on the literal instance
            literal = {"apps": n_apps, "reviewers": n_revs, "per_app": args.per_app, "max_load": args.max_load,
                       "seed": args.seed, "who": "kexie", "mode": "optimal"}
            res = run_job(literal, 600)
            all_rows.append([f"{n_apps:,} × {n_revs:,}, load ≤ {args.max_load}", "kexie optimal", "", "", "", "",
                             "", "", "", res.get("error", "feasible")])
        base = {"apps": n_apps, "reviewers": n_revs, "per_app": args.per_app, "max_load": max_load,
                "seed": args.seed}
        runs: list[tuple[str, dict]] = [
            ("kexie optimal", {**base, "who": "kexie", "mode": "optimal"}),
            ("kexie fair", {**base, "who": "kexie", "mode": "fair"}),
            ("kexie random draw", {**base, "who": "kexie", "mode": "random"}),
            ("kexie optimal, ≤1 per organisation", {**base, "who": "kexie", "mode": "optimal", "diversity": 1}),
        ]
        if peer is not None:
            names = {"minmax": "openreview-matcher MinMaxSolver", "simple": "openreview-matcher SimpleSolver"}
            for s in args.peer_solvers.split(","):
                runs.append((names[s], {**base, "who": "peer", "solver": s, "peer": str(peer)}))
        results: dict[str, dict] = {}
        for name, job in runs:
            log(f"{size}: {name} …")
            res = run_job(job, args.peer_timeout if job["who"] == "peer" else 1800)
            results[name] = res
            log(f"  {json.dumps({k: v for k, v in res.items() if k not in ('violations', 'timings')})}")
        bound = results["kexie optimal"].get("optimum_bound")
        opt_s = results["kexie optimal"].get("seconds")
        for name, res in results.items():
            if "error" in res:
                all_rows.append([label, name, "", "", "", "", "", "", "", res["error"]])
                continue
            note = ""
            if "cap" in res:
                note = (f"cap q = {res['cap']:.2f}, E[objective] = {res['expected_objective'] / bound:.2%} "
                        f"of optimum")
            elif "min_share" in res:
                note = (f"worst application {res['optimal_min_share']:.1%} → {res['min_share']:.1%} of its own "
                        f"best (LP {res['lp_min_share']:.1%}); loss {1 - res['objective'] / res['optimum']:.2%}")
            elif name.endswith("organisation"):
                note = (f"share of its own LP optimum; {res['objective'] / results['kexie optimal']['objective']:.2%} "
                        f"of the unconstrained")
            ratio = f"{res['seconds'] / opt_s:.0f}×" if res.get("seconds") and opt_s and name.startswith(
                "openreview") else ""
            all_rows.append([label, name, f"{res['objective']:.2f}",
                             f"{res['objective'] / res.get('optimum_bound', bound):.4%}" if bound else "",
                             res["conflicts_violated"], res["load_violations"], res["other_violations"],
                             f"{res['seconds']:.2f}", f"{res['peak_mb']:.0f}", ratio + (" " + note if note else "")])
        figures.append({"size": size, "max_load": max_load, "results": results})
    headers = ["instance", "solver", "objective", "share of LP optimum", "conflicts violated", "load violations",
               "other violations", "seconds", "peak MB", "peer / kexie optimal time; notes"]
    print(f"peer: openreview-matcher {peer_note}")
    print(table(headers, all_rows))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({"peer": peer_note, "figures": figures}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

"""Identity resolution on society rosters with known truth: kexie's engine (``kexie.identity.engine``)
against Splink (DuckDB backend) on the same records, side by side in one run.

    .venv/bin/python bench/identity.py --records 1000000
    .venv/bin/python bench/identity.py --records 100000 --out var/bench/identity-100k.json

Records come from ``kexie.demo.rosters.make_rosters`` (duplicates across rosters with typos,
traditional/variant characters, homophones, mixed date formats, missing ID numbers, changed
phones and employers); every record carries its true person id. Both engines read the columns
that ``engine.prepare`` normalises (simplified name, pinyin, parsed date, normalised employer):
that step is timed once and counted in both totals. Splink is configured for the same fields:
name (exact with term-frequency adjustment, same pinyin, Levenshtein ≤ 1), date of birth
(``DateOfBirthComparison``), ID number, gender, employer (Jaro-Winkler 0.9/0.8), phone, e-mail,
discipline; the same seven blocking rules; λ from the ID-number rule, u by random sampling,
m by EM on two blocking rules. Both cluster connected components at the same match probability.
Precision and recall are pairwise over the clusters. Needs the ``bench`` extra
(``pip install -e '.[bench]'``). Progress to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench.common import Stopwatch, log, table  # noqa: E402

THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.99, 0.999)


def ours(cols, auto: float) -> dict:
    from kexie.identity import engine

    with Stopwatch() as sw:
        result = engine.resolve(cols, auto_threshold=auto)
    return {"result": result, "seconds": sw.seconds, "timings": result.timings,
            "pairs": int((result.probability >= min(THRESHOLDS)).sum())}


def splink_input(p):
    """The normalised columns as a pyarrow table for Splink."""
    import pyarrow as pa

    def text(codes, texts):
        arr = np.asarray(texts + [None], dtype=object)
        return pa.array(arr[np.where(codes >= 0, codes, len(texts))].tolist(), type=pa.string())

    def code(c):
        return pa.array(np.where(c >= 0, c, 0), mask=c < 0, type=pa.int64())

    births = np.where(p.birth >= 0, p.year * 10000 + p.month * 100 + p.day, -1)
    birth_s = [None if b < 0 else f"{b // 10000:04d}-{b // 100 % 100:02d}-{b % 100:02d}" for b in births.tolist()]
    return pa.table({
        "unique_id": pa.array(np.arange(p.n)),
        "name": text(p.name, p.name_text),
        "name_py": code(p.pinyin),
        "surname": code(p.surname),
        "birth": pa.array(birth_s, type=pa.string()),
        "birth_year": code(p.year),
        "gender": code(p.gender),
        "id_number": code(p.id),
        "phone": code(p.phone),
        "email": code(p.email),
        "employer": text(p.employer, p.employer_text),
        "discipline": code(p.discipline),
    })


def splink_run(p, auto: float, threads: int) -> dict:
    import duckdb
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    timings = {}
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads TO {threads}")
    arrow = splink_input(p)
    con.register("roster_arrow", arrow)
    con.execute("CREATE TABLE roster AS SELECT * FROM roster_arrow")
    db_api = DuckDBAPI(connection=con)
    sdf = db_api.register("roster", dataset_display_name="roster")
    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name").configure(tf_adjustment_column="name"),
            cll.ExactMatchLevel("name_py").configure(tf_adjustment_column="name_py"),
            cll.LevenshteinLevel("name", 1),
            cll.ElseLevel(),
        ],
    )
    blocking = [
        block_on("id_number"), block_on("phone"), block_on("email"), block_on("name_py", "birth_year"),
        block_on("name", "employer"), block_on("birth", "employer"), block_on("surname", "birth"),
    ]
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.ExactMatch("id_number"),
            name,
            cl.DateOfBirthComparison("birth", input_is_string=True),
            cl.ExactMatch("gender"),
            cl.JaroWinklerAtThresholds("employer", [0.9, 0.8]),
            cl.ExactMatch("phone"),
            cl.ExactMatch("email"),
            cl.ExactMatch("discipline"),
        ],
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    logging.getLogger("splink").setLevel(logging.ERROR)
    linker = Linker(sdf, settings, log_level="ERROR")
    timings["load"] = time.perf_counter() - t0
    t = time.perf_counter()
    share_with_id = float((p.id >= 0).mean())
    linker.training.estimate_probability_two_random_records_match([block_on("id_number")],
                                                                  recall=max(share_with_id ** 2, 0.05))
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name_py", "birth_year"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
    timings["train"] = time.perf_counter() - t
    t = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=min(THRESHOLDS))
    timings["predict"] = time.perf_counter() - t
    t = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, auto)
    ids_labels = con.execute(
        f"SELECT unique_id, cluster_id FROM {clusters.physical_name} ORDER BY unique_id").fetchnumpy()
    timings["cluster"] = time.perf_counter() - t
    seconds = time.perf_counter() - t0
    labels = _labels(ids_labels["unique_id"], ids_labels["cluster_id"], p.n)
    pairs = con.execute(
        f"SELECT unique_id_l, unique_id_r, match_probability FROM {predictions.physical_name}").fetchnumpy()
    return {"labels": labels, "seconds": seconds, "timings": timings,
            "pairs_a": np.asarray(pairs["unique_id_l"]), "pairs_b": np.asarray(pairs["unique_id_r"]),
            "probability": np.asarray(pairs["match_probability"]), "pairs": len(pairs["unique_id_l"])}


def _labels(ids, cluster_ids, n: int) -> np.ndarray:
    ids = np.asarray(ids, dtype=np.int64)
    _, codes = np.unique(np.asarray(cluster_ids).astype(str), return_inverse=True)
    labels = np.arange(n, dtype=np.int64) + 10 ** 9
    labels[ids] = codes
    return labels


def sweep(n: int, a, b, prob, truth, guard=None) -> dict[float, dict]:
    """Pairwise scores of the clusters at each threshold (not timed: shows where each engine peaks);
    ``guard`` is kexie's extra condition for merging without review (names at most one character apart)."""
    from kexie.demo.rosters import pair_scores
    from kexie.identity.engine import clusters

    ok = np.ones(len(a), dtype=bool) if guard is None else guard
    return {t: pair_scores(truth, clusters(n, a[(prob >= t) & ok], b[(prob >= t) & ok])) for t in THRESHOLDS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threshold", type=float, default=0.99, help="auto-merge match probability (both engines)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2, help="DuckDB threads for Splink")
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--out", help="write the results as JSON to this file")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    from kexie.demo.rosters import engine_columns, make_rosters, pair_scores

    log(f"generating {args.records:,} roster records (seed {args.seed}) …")
    with Stopwatch() as sw:
        rosters = make_rosters(args.records, args.seed)
    truth = np.asarray(rosters["person"])
    cols = engine_columns(rosters)
    log(f"  {sw.seconds:.1f} s; {len(set(rosters['person'])):,} people, "
        f"{sum(1 for v in rosters['id_number'] if v) / args.records:.0%} of records with an ID number")

    log("kexie engine …")
    mine = ours(cols, args.threshold)
    res = mine["result"]
    mine_scores = pair_scores(truth, res.labels)
    log(f"  {mine['seconds']:.1f} s {json.dumps({k: round(v, 2) for k, v in mine['timings'].items()})}")
    rows = [["kexie", f"{mine_scores['precision']:.4f}", f"{mine_scores['recall']:.4f}",
             f"{mine_scores['f1']:.4f}", round(mine["seconds"], 1), mine["pairs"]]]
    out = {"records": args.records, "seed": args.seed, "threshold": args.threshold,
           "people": int(len(np.unique(truth))), "true_pairs": mine_scores["true_pairs"],
           "kexie": {**{k: v for k, v in mine.items() if k != "result"}, "scores": mine_scores,
                     "weights": res.weights.table(), "prior": res.weights.prior, "blocking": res.blocking,
                     "sweep": sweep(res.prepared.n, res.a, res.b, res.probability, truth,
                                    (res.levels["name"] >= 1) | (res.levels["id"] == 1))}}

    if not args.no_splink:
        try:
            import splink  # noqa: F401
        except ImportError:
            raise SystemExit("Splink is not installed: .venv/bin/pip install -e '.[bench]' (or use --no-splink)") from None
        log("Splink (DuckDB) …")
        prepare_s = mine["timings"]["prepare"]
        sp = splink_run(res.prepared, args.threshold, args.threads)
        sp_seconds = sp["seconds"] + prepare_s
        sp_scores = pair_scores(truth, sp["labels"])
        log(f"  {sp_seconds:.1f} s (normalisation {prepare_s:.1f} s + Splink "
            f"{json.dumps({k: round(v, 1) for k, v in sp['timings'].items()})})")
        rows.append(["Splink 5 + DuckDB", f"{sp_scores['precision']:.4f}", f"{sp_scores['recall']:.4f}",
                     f"{sp_scores['f1']:.4f}", round(sp_seconds, 1), sp["pairs"]])
        out["splink"] = {"seconds": sp_seconds, "timings": {"prepare": prepare_s, **sp["timings"]},
                         "scores": sp_scores, "pairs": sp["pairs"],
                         "sweep": sweep(res.prepared.n, sp["pairs_a"], sp["pairs_b"], sp["probability"], truth)}
        out["time_ratio_splink_over_kexie"] = round(sp_seconds / mine["seconds"], 2)

    print(f"\nIdentity resolution, {args.records:,} roster records, {out['people']:,} people, "
          f"{out['true_pairs']:,} true pairs; clusters at match probability ≥ {args.threshold}\n")
    print(table(["engine", "precision", "recall", "F1", "seconds", f"pairs ≥ {min(THRESHOLDS)}"], rows))
    if "splink" in out:
        print(f"\nSplink time / kexie time: ×{out['time_ratio_splink_over_kexie']}")
    print("\nF1 by clustering threshold (same pairs, untimed):")
    sweep_rows = []
    for t in THRESHOLDS:
        row = [str(t), f"{out['kexie']['sweep'][t]['f1']:.4f}"]
        if "splink" in out:
            row.append(f"{out['splink']['sweep'][t]['f1']:.4f}")
        sweep_rows.append(row)
    print(table(["threshold", "kexie F1", *(["Splink F1"] if "splink" in out else [])], sweep_rows))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(out, indent=2, default=_json, ensure_ascii=False))
    return 0


def _json(v):
    if isinstance(v, np.integer | np.floating):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    raise TypeError(type(v))


if __name__ == "__main__":
    sys.exit(main())

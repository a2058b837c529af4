"""Relevance of expert matching on the demo province: precision@10 by primary discipline over the 177
labelled needs of bench/data/needs_labelled.py, for kexie's matcher and its peers on the same profiles.

The demo province is ``kexie demo``'s default scale ("small": 20,000 people, seed 1), seeded into a fresh
SQLite file with the project's own ``kexie manage migrate`` + ``kexie seed`` when the file does not exist.
A result is relevant when the expert's PRIMARY discipline is in the need's ``disciplines``.

Run: .venv/bin/python bench/match_relevance.py [--db /tmp/kexie_match_demo.sqlite3] [--peers sqlite,bm25s,pg]
Takes about a minute (20 s seeding the first time, a few seconds for the index, the rest for the peers)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.data.needs_labelled import NEEDS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
K = 10


def ensure_demo(db: str, scale: str, seed: int) -> None:
    if Path(db).exists():
        return
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    kexie = str(ROOT / ".venv" / "bin" / "kexie")
    subprocess.run([kexie, "manage", "migrate", "-v0"], check=True, env=env)
    subprocess.run([kexie, "seed", "--scale", scale, "--seed", str(seed)], check=True, env=env)


def peer_docs(index) -> list[str]:
    """The profiles as plain token strings (same fields and tokens as the index, no field weights),
    in the index's document order."""
    from kexie.innovation.matching.disciplines import first_level
    from kexie.innovation.matching.store import _person_disciplines
    from kexie.innovation.matching.text import text_tokens, tokens
    from kexie.people.models import Person

    names, discs = first_level(), _person_disciplines()
    docs = []
    for pid, expertise, bio, employer, honours in (
        Person.objects.filter(deleted_at__isnull=True).order_by("org_path", "id")
        .values_list("id", "expertise", "bio", "employer_name", "honours").iterator(chunk_size=20_000)
    ):
        toks: list[str] = []
        for v in [*(expertise or []), *(honours or []), employer or "", *(names.get(c, "") for c in discs.get(pid, []))]:
            toks.extend(tokens(v))
        toks.extend(text_tokens(bio or ""))
        docs.append(" ".join(toks))
    assert len(docs) == index.size
    return docs


def precision(primaries: list[int], wanted: list[str]) -> float:
    ok = {int(c) for c in wanted}
    return sum(p in ok for p in primaries[:K]) / K


def reciprocal_rank(primaries: list[int], wanted: list[str]) -> float:
    """1 / rank of the first relevant result within the top K (0 when none is)."""
    ok = {int(c) for c in wanted}
    return next((1.0 / (i + 1) for i, p in enumerate(primaries[:K]) if p in ok), 0.0)


def feedback_effect(index, engine, primary) -> dict[str, float]:
    """Feedback rows simulated from the labels (what a reviewer would click), fitted on half the needs and
    measured on the other half with ``kexie.innovation.matching.evaluate``."""
    from kexie.innovation.matching import evaluate

    rows: list[list[tuple[str, int, bool]]] = [[], []]
    for i, need in enumerate(NEEDS):
        text = f"{need['title']}\n{need['text']}"
        ok = {int(c) for c in need["disciplines"]}
        for h in engine.rank(index, text, top=20, industry=need["industry"]).hits:
            rows[i % 2].append((text, int(index.ids[h.pos]), int(primary[h.pos]) in ok))
    return evaluate(index, rows[0], rows[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="/tmp/kexie_match_demo.sqlite3")
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peers", default="sqlite,bm25s")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench" / "match_relevance.json"))
    args = parser.parse_args()
    ensure_demo(args.db, args.scale, args.seed)
    os.environ["DATABASE_URL"] = f"sqlite:///{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    import django

    django.setup()
    from django.test import override_settings

    from bench import match_peers
    from kexie.innovation.matching import build_index, engine
    from kexie.innovation.matching.model import Weights
    from kexie.innovation.matching.text import text_tokens

    with override_settings(KEXIE_MATCH_DIR=Path(args.db).parent / "kexie_match_bench"):
        t0 = time.perf_counter()
        index = build_index()
        build_s = time.perf_counter() - t0
    primary = index.primary
    print(f"demo province ({args.scale}, seed {args.seed}): {index.size:,} people, {len(index.vocab):,} terms, "
          f"index built in {build_s:.2f} s")

    engines: dict[str, list[list[int]]] = {"kexie": [], "kexie (text only)": []}
    times: dict[str, list[float]] = defaultdict(list)
    text_only = Weights(discipline=0.0, region=0.0, load=0.0, feedback=0.0)
    for need in NEEDS:
        text = f"{need['title']}\n{need['text']}"
        t = time.perf_counter()
        r = engine.rank(index, text, top=K, industry=need["industry"])
        times["kexie"].append(time.perf_counter() - t)
        engines["kexie"].append([int(primary[h.pos]) for h in r.hits])
        r = engine.rank(index, text, top=K, weights=text_only)
        engines["kexie (text only)"].append([int(primary[h.pos]) for h in r.hits])
    queries = [text_tokens(f"{n['title']}\n{n['text']}") for n in NEEDS]
    docs = peer_docs(index) if args.peers else []
    for name in [p for p in args.peers.split(",") if p]:
        peer = match_peers.make(name)
        peer.build(docs)
        engines[name] = []
        for q in queries:
            t = time.perf_counter()
            rows = peer.query(list(dict.fromkeys(q)), K)
            times[name].append(time.perf_counter() - t)
            engines[name].append([int(primary[i]) for i in rows])
        peer.close()

    table = {name: [precision(res, n["disciplines"]) for res, n in zip(results, NEEDS, strict=True)]
             for name, results in engines.items()}
    mrr = {name: [reciprocal_rank(res, n["disciplines"]) for res, n in zip(results, NEEDS, strict=True)]
           for name, results in engines.items()}
    names = list(table)
    print(f"\nmean precision@{K} and MRR (first relevant within {K}) by primary discipline, {len(NEEDS)} needs")
    print(" " * 6 + " ".join(f"{n:>18s}" for n in names))
    print("P@10  " + " ".join(f"{sum(v) / len(v):18.3f}" for v in table.values()))
    print("MRR   " + " ".join(f"{sum(v) / len(v):18.3f}" for v in mrr.values()))
    p50 = {k: 1000 * sorted(v)[len(v) // 2] for k, v in times.items()}
    print("p50 ms" + " ".join(f"{p50[n]:18.2f}" if n in p50 else " " * 18 for n in names))
    for name in names[1:]:
        ratio = (sum(table[name]) / max(sum(table["kexie"]), 1e-9))
        print(f"  {name}: {ratio:.2f}x kexie's precision")
    print("\nby kind:")
    for kind in sorted({n["kind"] for n in NEEDS}):
        idx = [i for i, n in enumerate(NEEDS) if n["kind"] == kind]
        print(f"  {kind:6s} n={len(idx):3d} " + " ".join(f"{n}={sum(table[n][i] for i in idx) / len(idx):.3f}"
                                                       for n in names))
    print("\nby central discipline (disciplines[0]):")
    for disc in sorted({n["disciplines"][0] for n in NEEDS}):
        idx = [i for i, n in enumerate(NEEDS) if n["disciplines"][0] == disc]
        print(f"  {disc} n={len(idx):2d} " + " ".join(f"{n}={sum(table[n][i] for i in idx) / len(idx):.2f}"
                                                     for n in names))
    print("\nworst 10 needs for kexie:")
    for i in sorted(range(len(NEEDS)), key=lambda i: table["kexie"][i])[:10]:
        n = NEEDS[i]
        print(f"  {n['id']} p@10={table['kexie'][i]:.1f} want {','.join(n['disciplines'])} got "
              f"{','.join(map(str, engines['kexie'][i]))}  {n['title']}")
    feedback = feedback_effect(index, engine, primary)
    print("\nfeedback (simulated from the labels: top 20 of each need marked useful / not useful by primary "
          "discipline; even needs train, odd needs test): held-out R-precision "
          f"before {feedback['before']:.3f}, after {feedback['after']:.3f} "
          f"(fitted weights text {feedback['weight_text']:.2f}, discipline {feedback['weight_discipline']:.2f}, "
          f"region {feedback['weight_region']:.2f})")
    summary = {name: sum(v) / len(v) for name, v in table.items()}
    out = {"date": time.strftime("%Y-%m-%d %H:%M"), "command": " ".join(sys.argv), "people": index.size,
           "precision_at_10": summary,
           "mrr": {name: sum(v) / len(v) for name, v in mrr.items()}, "feedback": feedback, "query_ms_p50": p50,
           "per_need": {n["id"]: {k: table[k][i] for k in names} for i, n in enumerate(NEEDS)}}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=1))
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    main()

"""Expert matching at scale: synthetic profiles (bench/match_synth.py) at 1,000,000 and 7,000,000, and side by
side in one run for kexie's matcher and its peers (bench/match_peers.py: SQLite FTS5 bm25(), PostgreSQL
tsvector + GIN + ts_rank, bm25s): index build time, peak memory (ru_maxrss of a worker process per engine
and size), query p50/p95 over the labelled needs (single thread) and precision@10 by primary discipline.
Ratios are peer / kexie. Results go to var/bench/match_scale-<date>.json.

Run: .venv/bin/python bench/match_scale.py [--sizes 1000000,7000000] [--peers sqlite,pg,bm25s] [--queries 177]
     [--paired bm25s]  (also kexie and bm25s in one process with alternating queries: the fair p95 comparison on a
     machine whose load changes between the separate workers; wall and CPU time of each query)
Wall clock on the 2-core reference machine: 1,000,000 with every peer about 12 minutes (kexie ~1 min, bm25s
~2 min, SQLite ~3 min, PostgreSQL ~6 min); kexie alone at 7,000,000 about 4 minutes; the peers at 7,000,000
take 7-10x their 1,000,000 time. PostgreSQL: KEXIE_BENCH_PG_URL (default
postgres://postgres@127.0.0.1:5432/kexie_match)."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))] * 1000


def worker(engine: str, n: int, queries: int, pg_queries: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    import django

    django.setup()
    from bench.data.needs_labelled import NEEDS
    from bench.match_synth import make
    from kexie.innovation.matching import engine as eng
    from kexie.innovation.matching.index import ExpertIndex
    from kexie.innovation.matching.text import text_tokens

    needs = NEEDS[:queries if engine != "pg" else min(queries, pg_queries)]
    t = time.perf_counter()
    s = make(n)
    gen_s = time.perf_counter() - t
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    primary = s.primary
    ranked: list[list[int]] = []
    times: list[float] = []
    if engine == "kexie":
        t = time.perf_counter()
        index = ExpertIndex.from_postings(rows=s.rows, cols=s.cols, tf=s.tf, vocab=s.vocab, ids=s.ids,
                                          org_paths=s.org_paths, public=s.public, region=s.region,
                                          disc_indptr=s.disc_indptr, disc_codes=s.disc_codes)
        build_s = time.perf_counter() - t
        del s
        texts = [f"{x['title']}\n{x['text']}" for x in needs]
        for text, x in zip(texts[:3], needs[:3], strict=True):  # warm-up
            eng.rank(index, text, top=10, industry=x["industry"])
        for text, x in zip(texts, needs, strict=True):
            t = time.perf_counter()
            r = eng.rank(index, text, top=10, industry=x["industry"])
            times.append(time.perf_counter() - t)
            ranked.append([int(primary[h.pos]) for h in r.hits])
        nnz = int(index.term_docs.shape[0])
    else:
        from bench import match_peers

        docs = s.docs()
        nnz = int(s.rows.shape[0])
        del s
        peer = match_peers.make(engine)
        t = time.perf_counter()
        peer.build(docs)
        build_s = time.perf_counter() - t
        del docs
        qs = [list(dict.fromkeys(text_tokens(f"{x['title']}\n{x['text']}"))) for x in needs]
        for q in qs[:3]:
            peer.query(q, 10)
        for q in qs:
            t = time.perf_counter()
            rows = peer.query(q, 10)
            times.append(time.perf_counter() - t)
            ranked.append([int(primary[i]) for i in rows])
        peer.close()
    prec = [sum(p in {int(c) for c in x["disciplines"]} for p in r[:10]) / 10 for r, x in zip(ranked, needs, strict=True)]
    rr = [next((1 / (i + 1) for i, p in enumerate(r[:10]) if p in {int(c) for c in x["disciplines"]}), 0.0)
          for r, x in zip(ranked, needs, strict=True)]
    return {"engine": engine, "n": n, "postings": nnz, "generate_s": round(gen_s, 1), "build_s": round(build_s, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "rss_after_generation_mb": round(base_rss / 1024), "p50_ms": round(pct(times, 50), 2),
            "p95_ms": round(pct(times, 95), 2), "precision_at_10": round(sum(prec) / len(prec), 3),
            "mrr": round(sum(rr) / len(rr), 3), "cpu_s": round(time.process_time(), 1),
            "load_avg": [round(x, 2) for x in os.getloadavg()],
            "queries": len(times), "per_query_precision": prec}


def paired(n: int, queries: int, peer_name: str) -> list[dict]:
    """kexie and a peer in ONE process over the same synthetic profiles, queries timed alternately (kexie first on
    even needs, the peer first on odd ones), so that both see the same machine load at the same moments: the
    fair p95 comparison on a shared machine. Returns one result per engine (``"paired": true``)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    import django

    django.setup()
    from bench import match_peers
    from bench.data.needs_labelled import NEEDS
    from bench.match_synth import make
    from kexie.innovation.matching import engine as eng
    from kexie.innovation.matching.index import ExpertIndex
    from kexie.innovation.matching.text import text_tokens

    needs = NEEDS[:queries]
    s = make(n)
    primary = s.primary
    t = time.perf_counter()
    index = ExpertIndex.from_postings(rows=s.rows, cols=s.cols, tf=s.tf, vocab=s.vocab, ids=s.ids,
                                      org_paths=s.org_paths, public=s.public, region=s.region,
                                      disc_indptr=s.disc_indptr, disc_codes=s.disc_codes)
    builds = {"kexie": time.perf_counter() - t}
    docs = s.docs()
    del s
    peer = match_peers.make(peer_name)
    t = time.perf_counter()
    peer.build(docs)
    builds[peer_name] = time.perf_counter() - t
    del docs
    texts = [f"{x['title']}\n{x['text']}" for x in needs]
    qs = [list(dict.fromkeys(text_tokens(q))) for q in texts]
    for text, q, x in zip(texts[:3], qs[:3], needs[:3], strict=True):  # warm-up
        eng.rank(index, text, top=10, industry=x["industry"])
        peer.query(q, 10)
    times: dict[str, list[float]] = {"kexie": [], peer_name: []}
    # CPU time of the query's thread too: on a loaded machine wall time mostly measures waiting for a core
    cpu_times: dict[str, list[float]] = {"kexie": [], peer_name: []}
    ranked: dict[str, list[list[int]]] = {"kexie": [], peer_name: []}
    cpu0 = time.process_time()
    for i, (text, q, x) in enumerate(zip(texts, qs, needs, strict=True)):
        order = ["kexie", peer_name] if i % 2 == 0 else [peer_name, "kexie"]
        for name in order:
            t, c = time.perf_counter(), time.thread_time()
            if name == "kexie":
                rows = [h.pos for h in eng.rank(index, text, top=10, industry=x["industry"]).hits]
            else:
                rows = peer.query(q, 10)
            times[name].append(time.perf_counter() - t)
            cpu_times[name].append(time.thread_time() - c)
            ranked[name].append([int(primary[r]) for r in rows])
    cpu = time.process_time() - cpu0
    out = []
    for name in ("kexie", peer_name):
        wanted = [{int(c) for c in x["disciplines"]} for x in needs]
        prec = [sum(p in w for p in r[:10]) / 10 for r, w in zip(ranked[name], wanted, strict=True)]
        rr = [next((1 / (i + 1) for i, p in enumerate(r[:10]) if p in w), 0.0)
              for r, w in zip(ranked[name], wanted, strict=True)]
        out.append({"engine": name, "n": n, "paired": True, "postings": int(index.term_docs.shape[0]),
                    "build_s": round(builds[name], 2),
                    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                    "p50_ms": round(pct(times[name], 50), 2), "p95_ms": round(pct(times[name], 95), 2),
                    "cpu_p50_ms": round(pct(cpu_times[name], 50), 2), "cpu_p95_ms": round(pct(cpu_times[name], 95), 2),
                    "precision_at_10": round(sum(prec) / len(prec), 3), "mrr": round(sum(rr) / len(rr), 3),
                    "cpu_s_queries_both": round(cpu, 2), "load_avg": [round(v, 2) for v in os.getloadavg()],
                    "queries": len(times[name]), "per_query_precision": prec})
    peer.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000,7000000")
    parser.add_argument("--peers", default="sqlite,pg,bm25s")
    parser.add_argument("--queries", type=int, default=177)
    parser.add_argument("--pg-queries", type=int, default=20,
                        help="PostgreSQL ranks every match with ts_rank (seconds per need at 1,000,000): fewer needs")
    parser.add_argument("--paired", default="",
                        help="also run kexie and this peer (e.g. bm25s) in one process, queries alternating")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "paired":
        print(json.dumps(paired(args.n, args.queries, args.paired)))
        return
    if args.worker:
        print(json.dumps(worker(args.worker, args.n, args.queries, args.pg_queries)))
        return
    started = time.strftime("%Y-%m-%d %H:%M")
    results = []
    for n in [int(x) for x in args.sizes.split(",") if x]:
        for engine in ["kexie", *[p for p in args.peers.split(",") if p]]:
            t = time.perf_counter()
            proc = subprocess.run([sys.executable, __file__, "--worker", engine, "--n", str(n), "--queries",
                                   str(args.queries), "--pg-queries", str(args.pg_queries)], capture_output=True, text=True)
            if proc.returncode:
                print(f"{engine} at {n:,} failed:\n{proc.stderr[-2000:]}", flush=True)
                continue
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            res["wall_s"] = round(time.perf_counter() - t, 1)
            results.append(res)
            print(json.dumps({k: v for k, v in res.items() if k != "per_query_precision"}), flush=True)
        if args.paired:
            proc = subprocess.run([sys.executable, __file__, "--worker", "paired", "--n", str(n), "--queries",
                                   str(args.queries), "--paired", args.paired], capture_output=True, text=True)
            if proc.returncode:
                print(f"paired run at {n:,} failed:\n{proc.stderr[-2000:]}", flush=True)
                continue
            pair = json.loads(proc.stdout.strip().splitlines()[-1])
            print("paired (one process, alternating queries):", flush=True)
            for res in pair:
                print(json.dumps({k: v for k, v in res.items() if k != "per_query_precision"}), flush=True)
            results.extend(pair)
    print(f"\n{'n':>9} {'engine':7} {'build s':>8} {'peak MB':>8} {'p50 ms':>8} {'p95 ms':>8} {'P@10':>6} {'MRR':>6} "
          f"{'p95 ratio':>9} {'build ratio':>11}")
    for r in results:
        base = next((b for b in results if b["n"] == r["n"] and b["engine"] == "kexie"
                     and b.get("paired", False) == r.get("paired", False)), r)
        print(f"{r['n']:>9,} {r['engine'] + ('*' if r.get('paired') else ''):7} {r['build_s']:8.1f} {r['peak_rss_mb']:8,} {r['p50_ms']:8.1f} "
              f"{r['p95_ms']:8.1f} {r['precision_at_10']:6.3f} {r['mrr']:6.3f} {r['p95_ms'] / max(base['p95_ms'], 1e-9):9.1f}x "
              f"{r['build_s'] / max(base['build_s'], 1e-9):10.1f}x", end="")
        if r["queries"] < base["queries"]:
            same = base["per_query_precision"][: r["queries"]]
            print(f"  (first {r['queries']} needs only; kexie on them: P@10 {sum(same) / len(same):.3f})", end="")
        print()
    if args.paired:
        print("* paired: kexie and the peer in one process, queries alternating (same load at the same moments)")
        for r in results:
            if r.get("paired"):
                print(f"  {r['engine']}: CPU per query p50 {r['cpu_p50_ms']:.2f} ms, p95 {r['cpu_p95_ms']:.2f} ms")
    out = ROOT / "var" / "bench" / f"match_scale-{time.strftime('%Y%m%d-%H%M')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"started": started, "command": " ".join(sys.argv), "results": results}, indent=1))
    print(f"written {out}")


if __name__ == "__main__":
    main()

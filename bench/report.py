"""The side-by-side tables printed at the end of ``bench/run.py`` (and pasted into docs)."""

from __future__ import annotations

from bench.common import table

SEED_GOAL = 50_000  # people/s on PostgreSQL
P95_GOAL_MS = 200.0


def render(results: dict) -> str:
    b = results["backends"]
    names = list(b)
    m = results["machine"]
    out = [f"\n# kexie bench — {results['people']:,} people — {results['started']}",
           f"machine: {m['cores']} cores, {m['memory']}, {m['cpu']}; Python {m['python']}",
           f"command: {results['command']}", f"code: {results.get('code', '')}"]
    for n in names:
        la = b[n].get("loadavg", {})
        out.append(f"{n}: {b[n].get('db_version', '')}; 1-min load average at start / after seeding / end: "
                   + " / ".join(f"{v[0]:.1f}" for v in la.values()))
    out.append("")

    out.append("## Seeding throughput (people/s)")
    rows = []
    for n in names:
        s = b[n]["seeding"]
        rows.append([n, s["bulk_people"], s["bulk_seconds"], s["bulk_people_per_s"], s["people_phase_people_per_s"],
                     s["orm_people"], s["orm_people_per_s"], f"×{s['bulk_over_orm']}",
                     s["generate_only_people_per_s"], s["load_only_people_per_s"]])
    out.append(table(["backend", "bulk people", "bulk s", "bulk people/s", "build_people only", "ORM sample",
                      "ORM people/s", "bulk/ORM", "generate-only", "load-only"], rows))
    out.append("(bulk: seed() wall time after the organisation phase; ORM: generation + one save() per row; "
               "generate-only: the generator's Python work, no database; load-only: copy_rows of the ORM "
               "sample's pre-built rows. The last three are measured on the ORM sample.)")
    for n in names:
        ph = b[n]["seeding"].get("phases_seconds")
        if ph:
            out.append(f"{n} seed() phases (s): " + ", ".join(f"{k} {v:.1f}" for k, v in ph.items()))
    out.append("")

    out.append("## Pages (ms, django.test.Client, full request)")
    keys = list(b[names[0]]["pages"]) if names else []
    headers = ["user", "page"] + [f"{n} {k}" for n in names for k in ("p50", "p95")] + ["SQL ms (slowest)"]
    rows = []
    for key in keys:
        user, page = key.split(" ", 1)
        row = [user, page]
        for n in names:
            p = b[n]["pages"][key]
            row += [p["p50_ms"], f"{p['p95_ms']:,.1f}" + (f" (n={p['n']})" if p.get("reduced_runs") else "")]
        row.append(" / ".join(f"{b[n]['pages'][key]['slowest_query']['ms']:.0f}" for n in names))
        rows.append(row)
    out.append(table(headers, rows))
    out.append("")

    out.append("## Indexed search vs naive LIKE scan (count + first page of 50, unscoped ORM)")
    rows = []
    for n in names:
        for label, r in b[n]["search_vs_naive"].items():
            rows.append([n, f"{label}: {r['term']}", r["indexed_count"], r["indexed"]["p50_ms"],
                         r["indexed"]["p95_ms"], r["naive_count"], r["naive"]["p50_ms"], r["naive"]["p95_ms"],
                         f"×{r['naive_over_indexed_p95']}"])
    out.append(table(["backend", "term", "indexed hits", "indexed p50", "indexed p95", "LIKE hits", "LIKE p50",
                      "LIKE p95", "LIKE/indexed (p95)"], rows))
    out.append("")
    out.extend(goals(results))
    return "\n".join(out)


def goals(results: dict) -> list[str]:
    b = results["backends"]
    lines = ["## Goals"]
    if "postgresql" in b:
        rate = b["postgresql"]["seeding"]["bulk_people_per_s"]
        verdict = "MET" if rate >= SEED_GOAL else "MISSED"
        lines.append(f"- seeding ≥ {SEED_GOAL:,} people/s on PostgreSQL: {verdict} ({rate:,} people/s)")
    for n, r in b.items():
        misses = [(k, p["p95_ms"]) for k, p in r["pages"].items()
                  if k.split(" ", 1)[1] != "orgs_tree" and p["p95_ms"] >= P95_GOAL_MS]
        worst = max(((k, p["p95_ms"]) for k, p in r["pages"].items() if k.split(" ", 1)[1] != "orgs_tree"),
                    key=lambda kv: kv[1], default=("—", 0))
        verdict = "MET" if not misses else "MISSED"
        detail = ", ".join(f"{k} {v:.0f} ms" for k, v in misses) if misses else f"worst {worst[0]} {worst[1]:.0f} ms"
        lines.append(f"- {n}: list/search p95 < {P95_GOAL_MS:.0f} ms at {r['people']:,} people: {verdict} ({detail})")
        tree = [(k, p["p95_ms"]) for k, p in r["pages"].items() if k.endswith("orgs_tree")]
        if tree:
            lines.append("  (org tree, not part of the goal: "
                         + ", ".join(f"{k.split()[0]} p95 {v:.0f} ms" for k, v in tree) + ")")
    return lines

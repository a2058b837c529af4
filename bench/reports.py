"""Reporting and evaluation at province scale: a campaign of ~2,000 filers × 200 number fields, all
accepted. Timed on SQLite and PostgreSQL in one run (each backend in its own subprocess on a fresh
database):

- the aggregate page (``/reports/campaigns/<pk>/aggregate/``, full request through ``django.test.Client``)
  for the province user at the province node and at a city node, with 6 figures chosen (the page's default)
  and with 20: p95 of ``--runs`` requests. Goal: p95 < 300 ms. With all 200 figures (what the aggregate
  export computes) the aggregation service is timed without rendering a page of 100,000 cells.
- the same aggregation as a pandas group-by on an export of the same data (the long table of figures:
  organisation path, key, value, loaded into a DataFrame beforehand): sum, mean, count and share per
  child organisation and figure — the peer, timed over the same number of runs; the ratio is printed.
- a full evaluation run (``kexie.evaluation.services.run_evaluation``) of a 40-leaf two-level indicator
  system over every filer (scores, grades, ranks and leaf points written). Goal: < 5 s.

    .venv/bin/python bench/reports.py                          # both backends
    .venv/bin/python bench/reports.py --backends postgresql --runs 10 --out var/bench/reports.json

The province is ``kexie seed --scale province --people 5000`` (2,539 organisations); the filers are the
city, county and township associations and the society branches (2,017 organisations). Figures are
drawn from a seeded generator, so every run sees the same data. PostgreSQL database ``kexie_reportsbench``
(dropped and created; ``--pg-url``). Needs the ``bench`` extra (pandas).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, Stopwatch, log, ratio, repeat, summarize, table  # noqa: E402

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/kexie_reportsbench"
FILER_KINDS = ("kx", "society_branch")
SECTIONS = 10
YEAR = 2025


def recreate(backend: str, pg_url: str) -> dict[str, str]:
    """A fresh database for one backend; returns the environment for the worker."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="kexie.settings")
    var = ROOT / "var" / "bench" / "reports" / backend
    var.mkdir(parents=True, exist_ok=True)
    env["KEXIE_VAR_DIR"] = str(var)
    if backend == "sqlite":
        (var / "kexie.sqlite3").unlink(missing_ok=True)
        env.pop("DATABASE_URL", None)
    else:
        from bench.imports import recreate_pg

        recreate_pg(pg_url)
        env["DATABASE_URL"] = pg_url
    return env


def build_form(fields: int) -> dict:
    """A form of ``fields`` number fields in ``SECTIONS`` sections."""
    per = -(-fields // SECTIONS)
    sections = []
    for s in range(SECTIONS):
        keys = range(s * per + 1, min(fields, (s + 1) * per) + 1)
        sections.append({"key": f"s{s + 1:02d}", "title": f"第{s + 1}部分", "fields": [
            {"key": f"f{k:03d}", "label": f"指标{k:03d}", "type": "number", "unit": "个", "min": 0,
             "max": 10**9, "decimals": 0, "required": False} for k in keys]})
    return {"sections": sections, "rules": []}


def system_definition(fields: int, leaves: int = 40) -> dict:
    """A two-level system of ``leaves`` leaves (4 groups) over the bench form's fields, every method."""
    methods = [("linear", {"low": 0, "high": 800}), ("bands", {"bands": [[100, 0.4], [300, 0.7], [600, 1]]}),
               ("best_peer", {}), ("percentile", {})]
    groups = []
    per = leaves // 4
    for g in range(4):
        group_leaves = []
        for i in range(per):
            n = g * per + i
            method, params = methods[n % len(methods)]
            key = f"f{(n * 5) % fields + 1:03d}"
            group_leaves.append({"code": f"l{n + 1:02d}", "name": f"指标{key}", "weight": 25 / per,
                                 "source_type": "report", "source": key, "method": method, "params": params})
        groups.append({"code": f"g{g + 1}", "name": f"一级指标{g + 1}", "weight": 25, "leaves": group_leaves})
    return {"code": "bench_eval", "name": "基准评价", "description": "", "target": {"kinds": list(FILER_KINDS),
            "levels": []}, "category_rule": "city", "report_form": "bench-form",
            "grading": {"mode": "share", "within": "category", "shares": {"excellent": 0.2, "good": 0.3, "pass": 0.4}},
            "groups": groups}


def worker(args: argparse.Namespace) -> dict:
    import django

    django.setup()
    import numpy as np
    import pandas as pd
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import setup_test_environment

    from kexie.accounts.models import User
    from kexie.demo import generator
    from kexie.evaluation import services as evaluation
    from kexie.orgs.models import Organisation
    from kexie.reports import figures
    from kexie.reports import services as reports
    from kexie.reports.models import Submission, SubmissionStatus, SubmissionValue

    setup_test_environment()
    out: dict = {"backend": connection.vendor}
    with Stopwatch() as sw:
        call_command("migrate", verbosity=0)
        generator.seed("province", 1, people=args.people, log=lambda *a, **k: None)
    log(f"[{connection.vendor}] migrated and seeded the province in {sw.seconds:.1f} s")
    province = User.objects.get(username="demo-province")
    root = Organisation.objects.alive().get(depth=1)

    with Stopwatch() as sw:
        form = reports.create_form(province, owner=root, code="bench-form", name="基准报表")
        version = form.versions.get()
        reports.save_schema(province, version, build_form(args.fields))
        reports.publish(province, version)
        campaign = reports.create_campaign(province, version=version, name="基准填报", year=YEAR, root=root,
                                           opens_on=dt.date(YEAR + 1, 1, 1), deadline=dt.date(YEAR + 1, 3, 31),
                                           kinds=FILER_KINDS)
        rng = np.random.default_rng(1)
        keys = [f"f{k:03d}" for k in range(1, args.fields + 1)]
        subs = list(Submission.objects.filter(campaign=campaign).order_by("pk"))
        strength = rng.lognormal(0, 0.6, len(subs))
        values = np.rint(rng.gamma(2.0, 100.0, (len(subs), len(keys))) * strength[:, None]).astype(int)
        now = dt.datetime.now(dt.UTC)
        with transaction.atomic():
            for sub, row in zip(subs, values, strict=True):
                sub.data = dict(zip(keys, row.tolist(), strict=True))
                sub.status, sub.revision, sub.submitted_at, sub.reviewed_at = SubmissionStatus.ACCEPTED, 1, now, now
            Submission.objects.bulk_update(subs, ["data", "status", "revision", "submitted_at", "reviewed_at"],
                                           batch_size=500)
            SubmissionValue.objects.bulk_create(
                [SubmissionValue(campaign=campaign, submission=sub, org_path=sub.org_path, key=k, value=v)
                 for sub in subs for k, v in figures.all_figures(sub.data).items()], batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    n_values = SubmissionValue.objects.filter(campaign=campaign).count()
    log(f"  campaign: {len(subs):,} filers × {len(keys)} figures = {n_values:,} values in {sw.seconds:.1f} s")
    out.update(filers=len(subs), fields=len(keys), values=n_values)

    # -- the aggregate page and the aggregation ------------------------------------------------------
    from kexie.reports import aggregate as agg

    client = Client()
    client.force_login(province)
    city = Organisation.objects.alive().filter(kind__code="kx", level="city").order_by("path").first()
    out["pages"] = {}
    for node in (root, city):
        frame = pd.DataFrame.from_records(  # the peer's input: the exported figures, loaded beforehand
            SubmissionValue.objects.filter(campaign=campaign, org_path__startswith=node.path)
            .values_list("org_path", "key", "value"), columns=["org_path", "key", "value"])
        width = len(node.path) + Organisation.steplen
        for figures_shown in args.page_figures:
            chosen = keys[:figures_shown]
            query = "&".join(f"keys={k}" for k in chosen)
            url = f"/reports/campaigns/{campaign.pk}/aggregate/?node={node.pk}&{query}"
            if figures_shown <= 20:
                def work(url=url):
                    resp = client.get(url)
                    assert resp.status_code == 200, (url, resp.status_code)
                    return resp.context["agg"]
                what = f"page, {figures_shown} figures"
            else:  # as wide as the export: the aggregation without rendering a 100,000-cell page
                def work(node=node, chosen=chosen):
                    return agg.aggregate(province, campaign, node, chosen)
                what = f"aggregation (service), {figures_shown} figures"
            result = work()
            assert result.total.filers and len(result.keys) == len(chosen), "the page aggregated nothing"
            sub_frame = frame[frame["key"].isin(chosen)]

            def pandas_aggregate(frame=sub_frame, width=width):
                grouped = frame.assign(child=frame["org_path"].str[:width]).groupby(["child", "key"])["value"]
                table = grouped.agg(["sum", "mean", "count"])
                table["share"] = table["sum"] / table.groupby(level="key")["sum"].transform("sum")
                return table

            check = pandas_aggregate()
            row = result.rows[-1]
            assert abs(check.loc[(row.path, chosen[0]), "sum"] - row.stats[chosen[0]].sum) < 1e-6, "pandas disagrees"
            name = f"{'province' if node == root else 'city'} node: {what}"
            stats = summarize(repeat(work, args.runs, warmups=2))
            stats.update(rows=len(result.rows), pandas=summarize(repeat(pandas_aggregate, args.runs, warmups=2)))
            out["pages"][name] = stats
            log(f"  {name}: p95 {stats['p95_ms']} ms (pandas {stats['pandas']['p95_ms']} ms), {len(result.rows)} rows")

    # -- a full evaluation -------------------------------------------------------------------------
    system = evaluation.create_system(province, system_definition(args.fields), owner=root)
    runs = []
    for _ in range(args.eval_runs):
        t0 = time.perf_counter()
        run = evaluation.run_evaluation(province, system, YEAR)
        runs.append(time.perf_counter() - t0)
    scores = run.scores.count()
    assert scores >= len(subs), (scores, len(subs))
    out["evaluation"] = {"organisations": scores, "leaves": system.indicators.filter(parent__isnull=False).count(),
                         "seconds": [round(s, 2) for s in runs], "best_s": round(min(runs), 2)}
    log(f"  evaluation of {scores:,} organisations: {', '.join(f'{s:.2f}' for s in runs)} s")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--fields", type=int, default=200)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page")
    parser.add_argument("--page-figures", default="6,20,200",
                        help="figures chosen: up to 20 timed as the page, more as the aggregation service")
    parser.add_argument("--eval-runs", type=int, default=3)
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--out", help="write the results as JSON to this file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.page_figures = [int(n) for n in str(args.page_figures).split(",")]
    if args.worker:
        print(json.dumps(worker(args)))
        return 0

    results = []
    for backend in args.backends.split(","):
        env = recreate(backend, args.pg_url)
        cmd = [sys.executable, __file__, "--worker", "--fields", str(args.fields), "--people", str(args.people),
               "--runs", str(args.runs), "--eval-runs", str(args.eval_runs),
               "--page-figures", ",".join(map(str, args.page_figures))]
        done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    rows = []
    for r in results:
        for name, page in r["pages"].items():
            rows.append([r["backend"], f"{name} ({page['rows']} rows)",
                         page["p95_ms"], page["pandas"]["p95_ms"], ratio(page["p95_ms"], page["pandas"]["p95_ms"])])
        ev = r["evaluation"]
        rows.append([r["backend"], f"evaluation run, {ev['organisations']:,} organisations × {ev['leaves']} leaves",
                     round(ev["best_s"] * 1000, 1), "", ""])
    print(f"{results[0]['filers']:,} filers × {results[0]['fields']} fields; {results[0]['values']:,} figures")
    print(table(["backend", "what", "kexie p95 ms", "pandas group-by p95 ms", "kexie / pandas"], rows))
    goals = all(p["p95_ms"] < 300 for r in results for n, p in r["pages"].items() if "page" in n) and all(
        r["evaluation"]["best_s"] < 5 for r in results)
    print(f"goal (aggregate p95 < 300 ms, evaluation < 5 s): {'met' if goals else 'not met'}")
    if args.out:
        Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Spreadsheet import throughput: the same people workbook through kexie's import
(``kexie.imports.services.create_batch`` + ``run_batch``, what ``kexie import people FILE --org CODE``
runs) and through django-import-export's standard resource path (``ModelResource.import_data``
with a tablib Dataset loaded from the same .xlsx), side by side on a fresh PostgreSQL database.

    .venv/bin/python bench/imports.py --rows 200000
    .venv/bin/python bench/imports.py --rows 20000 --peer-rows 5000

The database named by ``--pg-url`` (its name must start with ``kexie_``) is dropped and created,
migrated and seeded with the tiny province (``kexie.demo.generator.seed("tiny", 1)``) so that
organisations exist. The workbook (xlsxwriter; headers from ``kexie.imports.kinds.people.PEOPLE``) has
valid rows: Chinese names, gender, birth date, GB 11643 ID numbers with correct check digits
matching birth date and gender, 11-digit mobiles, employer, title and the organisation by code.
kexie imports all rows into the province's root organisation, is checked by counting people and
then rolled back (``rollback_batch``); the peer then imports the first ``--peer-rows`` rows of
the same file (a sample, written as its own workbook, because it saves one model per row). Both
engines are timed from the file on disk to the committed rows. Both counts are checked: a run that
imports nothing fails. Needs the ``bench`` extra (``pip install -e '.[bench]'``). Progress to
stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, Stopwatch, log, ratio, table  # noqa: E402

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/kexie_importbench"
# The columns both engines read, by spec key (the headers come from the spec).
KEYS = ("name", "gender", "birth_date", "id_number", "phone", "org", "employer_name", "title")
EMPLOYERS = ("省人民医院", "省农业科学院", "理工大学", "师范大学", "省水利水电勘测设计研究院", "市第一中学",
             "电力公司", "省疾病预防控制中心", "化工研究院", "市中心医院", "林业科学研究所", "医科大学")
TITLES = ("教授", "副教授", "研究员", "副研究员", "高级工程师", "工程师", "主任医师", "副主任医师", "讲师",
          "助理研究员", "高级农艺师", "中学高级教师")
MOBILE_PREFIXES = ("130", "131", "135", "136", "138", "139", "150", "152", "158", "159", "177", "186", "188", "199")


def recreate_pg(url: str) -> None:
    """Drop and create the benchmark database (its name must start with ``kexie_``)."""
    import psycopg
    from psycopg import sql

    conninfo = url.replace("postgres://", "postgresql://", 1)
    name = psycopg.conninfo.conninfo_to_dict(conninfo).get("dbname", "")
    if not name.startswith("kexie_"):
        raise SystemExit(f"refusing to drop database {name!r}: the name must start with kexie_")
    admin = psycopg.conninfo.make_conninfo(conninfo, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def write_workbook(path: Path, rows: int, org_codes: list[str], seed: int = 1) -> list[str]:
    """``rows`` valid people rows, all new (no ID number or phone of a person already in the
    database); returns the header row (canonical spec headers)."""
    import xlsxwriter

    from kexie.core.crypto import blind_index
    from kexie.core.validators import id_check_char
    from kexie.demo.data import names as NM
    from kexie.demo.data import province as PV
    from kexie.imports.kinds.people import PEOPLE
    from kexie.people.models import Person

    by_key = {c.key: c for c in PEOPLE.columns}
    headers = [by_key[k].header for k in KEYS]
    rng = random.Random(seed)
    surnames, weights = zip(*NM.SURNAMES, strict=True)
    regions = [c for c, _ in PV.CITIES]
    first, last = dt.date(1950, 1, 1).toordinal(), dt.date(2002, 12, 31).toordinal()
    seen: set[str] = set()
    taken = set(Person.objects.values_list("id_hash", flat=True)) | set(
        Person.objects.values_list("phone_hash", flat=True))
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("科技工作者")
    ws.write_row(0, 0, headers)
    r = 0
    sur = rng.choices(surnames, weights, k=rows)
    while r < rows:
        male = rng.random() < 0.6
        birth = dt.date.fromordinal(rng.randint(first, last))
        seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
        first17 = f"{rng.choice(regions)}{birth:%Y%m%d}{seq:03d}"
        id_number = first17 + id_check_char(first17)
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"
        if id_number in seen or blind_index(id_number) in taken or blind_index(phone) in taken:
            continue
        seen.add(id_number)
        given = rng.choice(NM.GIVEN_MALE if male else NM.GIVEN_FEMALE)
        ws.write_row(r + 1, 0, (
            sur[r] + given, "男" if male else "女", birth.isoformat(), id_number, phone, rng.choice(org_codes),
            rng.choice(EMPLOYERS), rng.choice(TITLES),
        ))
        r += 1
    wb.close()
    return headers


def run_kexie(path: Path, target) -> dict:
    from kexie.imports import services
    from kexie.imports.models import BatchStatus, Kind, Mode
    from kexie.people.models import Person

    before = Person.objects.count()
    with Stopwatch() as sw:
        with open(path, "rb") as f:
            batch = services.create_batch(services.SYSTEM, kind=Kind.PEOPLE, mode=Mode.SKIP, target=target, file=f,
                                          file_name=path.name, dry_run=False)
        batch = services.run_batch(batch.pk, actor=services.SYSTEM)
    after = Person.objects.count()
    if batch.status != BatchStatus.DONE:
        raise SystemExit(f"kexie import failed: {batch.message} {json.dumps(batch.errors[:5], ensure_ascii=False)}")
    log(f"  {batch.message} ({sw.seconds:.1f} s; people {before:,} → {after:,})")
    with Stopwatch() as rb:
        services.rollback_batch(services.SYSTEM, batch)
    log(f"  rolled back in {rb.seconds:.1f} s; people {Person.objects.count():,}")
    return {"rows": batch.total_rows, "created": after - before, "reported_created": batch.created,
            "seconds": sw.seconds, "rollback_seconds": rb.seconds, "report": batch.report}


def peer_resource(headers: list[str]):
    """A plain ``ModelResource`` for Person: the same columns, the organisation by code."""
    from import_export import fields, resources, widgets

    from kexie.orgs.models import Organisation
    from kexie.people.models import Gender, Person

    h = dict(zip(KEYS, headers, strict=True))
    labels = {str(label): value for value, label in Gender.choices}

    class GenderWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return labels.get(value, value or "")

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name=h["name"])
        gender = fields.Field(attribute="gender", column_name=h["gender"], widget=GenderWidget())
        birth_date = fields.Field(attribute="birth_date", column_name=h["birth_date"], widget=widgets.DateWidget())
        id_number = fields.Field(attribute="id_number", column_name=h["id_number"])
        phone = fields.Field(attribute="phone", column_name=h["phone"])
        org = fields.Field(attribute="org", column_name=h["org"],
                           widget=widgets.ForeignKeyWidget(Organisation, field="code"))
        employer_name = fields.Field(attribute="employer_name", column_name=h["employer_name"])
        title = fields.Field(attribute="title", column_name=h["title"])

        class Meta:
            model = Person
            fields = KEYS
            import_id_fields = ()

    return PersonResource()


def run_peer(path: Path, headers: list[str], rows: int) -> dict:
    import tablib

    from kexie.people.models import Person

    with open(path, "rb") as f:
        full = tablib.Dataset().load(f, format="xlsx")
    if rows < len(full):  # the sample as its own workbook: the first ``rows`` rows of the same file
        path = path.with_name(f"{path.stem}-first-{rows}.xlsx")
        path.write_bytes(tablib.Dataset(*full[:rows], headers=full.headers).export("xlsx"))
    del full
    resource = peer_resource(headers)
    before = Person.objects.count()
    with Stopwatch() as sw:
        with open(path, "rb") as f, Stopwatch() as load:
            dataset = tablib.Dataset().load(f, format="xlsx")
        result = resource.import_data(dataset, dry_run=False, use_transactions=True)
    after = Person.objects.count()
    if result.has_errors() or result.has_validation_errors():
        errs = [str(e.error) for e in result.base_errors[:3]] + [
            str(r.error_dict) for r in result.invalid_rows[:3]] + [
            str(e.error) for _, errors in result.row_errors()[:3] for e in errors[:1]]
        raise SystemExit(f"django-import-export import failed: {errs}")
    log(f"  {dict(result.totals)} ({sw.seconds:.1f} s, of which loading the xlsx {load.seconds:.1f} s; "
        f"people {before:,} → {after:,})")
    # Remove what it created (it has no batch rollback).
    Person.objects.filter(pk__in=Person.objects.order_by("-pk").values("pk")[: after - before]).delete()
    return {"rows": len(dataset), "created": after - before, "seconds": sw.seconds,
            "xlsx_load_seconds": load.seconds, "totals": dict(result.totals)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--peer-rows", type=int, default=20_000,
                        help="rows of the same file for django-import-export (a sample: one save() per row)")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-file", help="also write the generated workbook here")
    parser.add_argument("--out", help="write the results as JSON to this file")
    args = parser.parse_args(argv)

    var_dir = ROOT / "var" / "bench" / "imports"
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = args.pg_url
    os.environ["KEXIE_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    log(f"recreating {args.pg_url} …")
    recreate_pg(args.pg_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kexie.demo import generator
    from kexie.orgs.models import Organisation
    from kexie.people.models import Person

    with Stopwatch() as sw:
        call_command("migrate", verbosity=0)
        generator.seed("tiny", 1, log=lambda *a, **k: None)
    root = Organisation.objects.alive().get(depth=1)
    codes = list(Organisation.objects.alive().filter(path__startswith=root.path).values_list("code", flat=True))
    log(f"migrated and seeded (tiny) in {sw.seconds:.1f} s: {len(codes)} organisations under {root.code}, "
        f"{Person.objects.count():,} people")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep_file) if args.keep_file else Path(tmp) / f"people-{args.rows}.xlsx"
        log(f"writing {args.rows:,} rows to {path.name} …")
        with Stopwatch() as sw:
            headers = write_workbook(path, args.rows, codes, args.seed)
        log(f"  {sw.seconds:.1f} s, {path.stat().st_size / 1e6:.1f} MB")

        log(f"kexie import people {path.name} --org {root.code} …")
        ours = run_kexie(path, root)
        peer_rows = min(args.peer_rows, args.rows)
        log(f"django-import-export on the first {peer_rows:,} rows …")
        peer = run_peer(path, headers, peer_rows)

    for label, res in (("kexie", ours), ("django-import-export", peer)):
        if res["created"] != res["rows"]:
            raise SystemExit(f"{label}: {res['rows']:,} rows but {res['created']:,} people created")
    ours_rate, peer_rate = ours["rows"] / ours["seconds"], peer["rows"] / peer["seconds"]
    rows = [
        ["kexie (services.run_batch)", ours["rows"], round(ours["seconds"], 1), round(ours_rate), ""],
        ["django-import-export 4 (import_data)" + (" — sample" if peer["rows"] < ours["rows"] else ""),
         peer["rows"], round(peer["seconds"], 1), round(peer_rate), f"×{ratio(ours_rate, peer_rate)}"],
    ]
    print(f"PostgreSQL {connection.pg_version // 10000}; load average {os.getloadavg()[0]:.2f}")
    print(table(["engine", "rows", "seconds", "rows/s", "kexie / peer (rows/s)"], rows))
    if peer["rows"] < ours["rows"]:
        print(f"django-import-export ran on the first {peer['rows']:,} rows of the same file (--peer-rows).")
    goal = ours_rate >= 20_000 and ours_rate / peer_rate >= 20
    print(f"goal (≥ 20,000 rows/s and ≥ 20× the peer): {'met' if goal else 'not met'}")
    if args.out:
        Path(args.out).write_text(json.dumps({"rows": args.rows, "kexie": ours, "peer": peer,
                                              "ratio": ratio(ours_rate, peer_rate)},
                                             ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Seeding throughput: the bulk path (``kexie.demo.generator.seed`` → ``bulk.copy_rows``)
against per-row ORM ``save()`` of the same generated values. Runs inside a worker process.

1. In one transaction that is rolled back at the end (so the database is empty again):
   organisations (``build_orgs``), then for the ORM sample of people:
   a. *generate only*: ``build_people`` with ``bulk.copy_rows`` swapped for a collector —
      the pure-Python cost of the values (rng, AES-GCM, blind index, jieba);
   b. *ORM*: the collected rows saved one ``Model.save()`` at a time (Person, then its
      PersonDiscipline and Membership rows); ORM people/s counts generation + saves;
   c. *load only*: the same pre-built rows through ``bulk.copy_rows`` (with the SQLite FTS
      triggers paused as ``seed()`` does, when the code has ``sqlite_fts_paused``).
2. *bulk*: ``seed(scale=SCALE, seed=1, people=N)`` exactly as ``kexie seed`` runs it, with
   ``build_orgs`` / ``build_people`` wrapped to time the phases. Bulk people/s is N over the
   ``seed()`` wall time minus the organisation phase (so it includes the FTS rebuild, head counts,
   bodies and accounts that ``seed()`` does after the people); the ``build_people`` phase alone is
   reported too. This data stays for the page benchmarks.
"""

from __future__ import annotations

import contextlib
import functools
import json
import time
from unittest import mock

from django.db import connection, transaction

from bench.common import Stopwatch, log, ratio

# The province's organisations and its share of society members (SPEC §4: 525,000 of 7,000,000),
# with the number of people set by the run.
SCALE = "province"


def seed_and_measure(people: int, orm_sample: int) -> dict:
    sample = min(orm_sample, people)
    peer = _orm_peer(sample)
    bulk = _bulk(people)
    orm_rate = sample / (peer["orm_generate_seconds"] + peer["orm_save_seconds"])
    bulk_rate = bulk["bulk_people"] / bulk["bulk_seconds"]
    return {
        **bulk,
        "bulk_people_per_s": round(bulk_rate),
        "people_phase_people_per_s": round(bulk["bulk_people"] / bulk["people_phase_seconds"]),
        **peer,
        "orm_people_per_s": round(orm_rate),
        "orm_save_only_people_per_s": round(sample / peer["orm_save_seconds"]),
        "generate_only_people_per_s": round(sample / peer["orm_generate_seconds"]),
        "load_only_people_per_s": round(sample / peer["load_only_seconds"]),
        "bulk_over_orm": ratio(bulk_rate, orm_rate),
    }


def _bulk(people: int) -> dict:
    from kexie.demo import generator

    phases: dict[str, float] = {}
    with contextlib.ExitStack() as stack, Stopwatch() as sw:
        for target, name in _phase_targets(generator):
            stack.enter_context(mock.patch.object(target, name, _timed(phases, name, getattr(target, name))))
        counts = generator.seed(scale=SCALE, seed=1, people=people, log=log)
    seconds = sw.seconds - phases["build_orgs"]
    log(f"  bulk seed(): {counts['people']:,} people in {seconds:.1f} s after the organisations; phases "
        + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
    return {
        "bulk_people": counts["people"],
        "bulk_memberships": counts.get("memberships"),
        "seed_total_seconds": round(sw.seconds, 2),
        "orgs_seconds": round(phases["build_orgs"], 2),
        "people_phase_seconds": round(phases["build_people"], 2),
        "bulk_seconds": round(seconds, 2),
        "phases_seconds": {k: round(v, 2) for k, v in phases.items()},
    }


def _phase_targets(generator) -> list[tuple[object, str]]:
    """What ``seed()`` calls, wherever the current code has it: every ``build_*`` method, the head
    count refresh, the SQLite FTS pause/rebuild, the post-load VACUUM/ANALYZE and the demo accounts."""
    from kexie.core import bulk
    from kexie.demo import accounts

    cls = generator.ProvinceGenerator
    targets: list[tuple[object, str]] = [(cls, n) for n in vars(cls) if n.startswith("build_")]
    targets += [(generator, n) for n in ("refresh_people_counts", "sqlite_fts_paused") if hasattr(generator, n)]
    targets += [(bulk, n) for n in ("analyze",) if hasattr(bulk, n)]  # VACUUM (ANALYZE) after the load
    targets.append((accounts, "create_accounts"))
    return targets


def _timed(phases: dict[str, float], name: str, fn):
    if name == "sqlite_fts_paused":  # a context manager: time what runs after the body (the rebuild)
        @contextlib.contextmanager
        def paused(*args, **kwargs):
            with fn(*args, **kwargs) as value:
                yield value
                phases["fts_rebuild_start"] = time.perf_counter()
            phases["fts_rebuild"] = time.perf_counter() - phases.pop("fts_rebuild_start", time.perf_counter())
        return paused

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - t0
    return wrapper


def _orm_peer(sample: int) -> dict:
    from kexie.core import bulk, search
    from kexie.demo.generator import ProvinceGenerator

    collected: dict[str, list[tuple]] = {}
    columns_of: dict[str, list[str]] = {}

    def collect(table, columns, rows):
        columns_of[table] = list(columns)
        collected.setdefault(table, []).extend(tuple(r) for r in rows)
        return len(rows)

    with transaction.atomic():
        gen = ProvinceGenerator(SCALE, 1, people=sample, log=log)
        gen.build_orgs()
        with mock.patch.object(bulk, "copy_rows", collect), mock.patch.object(bulk, "reset_sequence"):
            with Stopwatch() as sw_gen:
                gen.build_people(text=False)
        log(f"  generated {sample:,} people in memory in {sw_gen.seconds:.2f} s")

        orm_seconds, orm_rows = _orm_saves(collected)
        log(f"  ORM saves of {sample:,} people ({orm_rows:,} rows) in {orm_seconds:.2f} s")

        paused = getattr(search, "sqlite_fts_paused", None)
        with Stopwatch() as sw_load, transaction.atomic():
            with paused(connection, "people_person") if paused else contextlib.nullcontext():
                for table, rows in collected.items():
                    bulk.copy_rows(table, columns_of[table], rows)
            transaction.set_rollback(True)
        log(f"  bulk.copy_rows of the same {orm_rows:,} pre-built rows in {sw_load.seconds:.2f} s")
        transaction.set_rollback(True)  # the database is empty again for seed()
    return {
        "orm_people": sample,
        "orm_rows": orm_rows,
        "orm_generate_seconds": round(sw_gen.seconds, 3),
        "orm_save_seconds": round(orm_seconds, 3),
        "load_only_seconds": round(sw_load.seconds, 3),
    }


def _orm_saves(collected: dict[str, list[tuple]]) -> tuple[float, int]:
    """One ``save()`` per row, related rows pointing at the pk the database gave the person."""
    from kexie.demo.generator import MEMBERSHIP_COLUMNS, PERSON_COLUMNS
    from kexie.members.models import Membership
    from kexie.people.models import Person, PersonDiscipline

    people = []
    for row in collected.get("people_person", []):
        data = dict(zip(PERSON_COLUMNS, row, strict=True))
        data["expertise"] = json.loads(data["expertise"])
        data["honours"] = json.loads(data["honours"])
        people.append(data)  # id_number/phone are ciphertexts: EncryptedTextField passes them through
    pds: dict[int, list[tuple]] = {}
    for person_id, discipline_id, is_primary in collected.get("people_persondiscipline", []):
        pds.setdefault(person_id, []).append((discipline_id, is_primary))
    mss: dict[int, list[dict]] = {}
    for row in collected.get("members_membership", []):
        data = dict(zip(MEMBERSHIP_COLUMNS, row, strict=True))
        mss.setdefault(data["person_id"], []).append(data)

    rows = 0
    with Stopwatch() as sw, transaction.atomic():
        for data in people:
            gen_id = data.pop("id")
            person = Person(**data)
            person.save()
            rows += 1
            for discipline_id, is_primary in pds.get(gen_id, ()):
                PersonDiscipline(person=person, discipline_id=discipline_id, is_primary=is_primary).save()
                rows += 1
            for m in mss.get(gen_id, ()):
                m = {k: v for k, v in m.items() if k not in ("id", "person_id")}
                Membership(person=person, **m).save()
                rows += 1
        transaction.set_rollback(True)
    return sw.seconds, rows

"""Demo 综合能力评价 for ``kexie seed``: the two shipped indicator systems (学会综合能力评价, 县级科协能力提升评价)
installed and run over last year's seeded annual reports, so that the evaluation pages show a run with every
organisation's score, grade and rank (``kexie.evaluation.services``, as ``kexie eval run`` does)."""

from __future__ import annotations

from typing import Any

from kexie.core.services import SYSTEM
from kexie.evaluation import services

PRESETS = ("society_annual", "county_capability")


def seed_evaluation(gen: Any, log: Any = print) -> dict[str, int]:
    year = gen.today.year - 1  # the year of the seeded annual reports
    out: dict[str, int] = {}
    for preset in PRESETS:
        system = services.install_preset(SYSTEM, preset, owner=gen.root)
        run = services.run_evaluation(SYSTEM, system, year)
        out[preset] = run.organisations
        log(f"  {system.name} {year} 年度：评价 {run.organisations} 个组织")
    return out

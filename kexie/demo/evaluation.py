"""Demo 综合能力评价 for ``kexie seed``: the two shipped indicator systems (学会综合能力评价, 县级科协能力提升评价)
installed and run over last year's seeded annual reports, so that the evaluation pages show a run with every
organisation's score, grade and rank (``kexie.evaluation.services``, as ``kexie eval run`` does)."""

from __future__ import annotations

import random
from typing import Any

from kexie.accounts.models import User
from kexie.core.services import SYSTEM
from kexie.evaluation import services
from kexie.evaluation.models import IndicatorSystem, SourceType

PRESETS = ("society_annual", "county_capability")


def seed_evaluation(gen: Any, log: Any = print) -> dict[str, int]:
    """Each system installed, its expert scores entered by the province's staff for all but a few organisations
    (so 缺失数据 means something), and run by demo-province: the pages name a person, not the console."""
    year = gen.today.year - 1  # the year of the seeded annual reports
    staff = User.objects.filter(username="demo-province").first() or SYSTEM
    rng = random.Random(f"evaluation-{gen.seed}")
    out: dict[str, int] = {}
    for preset in PRESETS:
        system = services.install_preset(SYSTEM, preset, owner=gen.root)
        out[f"{preset}_expert"] = _expert_scores(staff, system, year, rng)
        run = services.run_evaluation(staff, system, year)
        out[preset] = run.organisations
        log(f"  {system.name} {year} 年度：评价 {run.organisations} 个组织")
    return out


def _expert_scores(actor: Any, system: IndicatorSystem, year: int, rng: random.Random) -> int:
    """Scores between 60 and 95 % of each expert leaf's range for nine in ten organisations."""
    entered = 0
    for indicator in system.indicators.filter(source_type=SourceType.EXPERT):
        top = float(services._expert_limit(indicator))
        for org in services.targets(system).orgs:
            if rng.random() < 0.9:
                services.enter_expert_score(actor, indicator, year, org, round(top * rng.uniform(0.6, 0.95), 1),
                                            note="专家组年度评议")
                entered += 1
    return entered

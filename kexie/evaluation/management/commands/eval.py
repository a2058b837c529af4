"""``kexie eval presets`` lists the preset indicator systems (id, then name, one a line);
``kexie eval run PRESET --year Y [--format json]`` installs the preset if needed and evaluates every
organisation it covers on the current database. JSON: a list with, per organisation, ``code``,
``name``, ``category``, ``total``, ``grade``, ``rank`` (within the category), ``leaves``
[{``indicator``, ``raw``, ``points``}] whose points add up exactly to ``total``."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from kexie.core.services import SYSTEM
from kexie.core.text import join_clauses, join_list
from kexie.evaluation import services
from kexie.evaluation.models import EvaluationRun, Grade, LeafScore, Score


class Command(BaseCommand):
    help = "综合能力评价：presets 列出预置指标体系；run 按预置体系对某年度进行评价。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("presets", help="列出预置指标体系（代码 名称）")
        run = sub.add_parser("run", help="按预置指标体系评价某一年度（需要时先安装该体系）")
        run.add_argument("preset")
        run.add_argument("--year", type=int, required=True)
        run.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, action, **options):
        if action == "presets":
            for preset_id, name in services.presets():
                self.stdout.write(f"{preset_id}\t{name}")
        elif action == "run":
            self.run(options["preset"], options["year"], options["format"])

    def run(self, preset: str, year: int, fmt: str) -> None:
        if preset not in {p for p, _name in services.presets()}:
            raise CommandError(_("预置指标体系“%(id)s”不存在。") % {"id": preset})
        try:
            system = services.install_preset(SYSTEM, preset)
            run = services.run_evaluation(SYSTEM, system, year)
        except ValidationError as exc:
            raise CommandError(join_clauses(exc.messages)) from None
        if fmt == "json":
            self.stdout.write(dumps(report(run)))
            return
        counts = join_list(f"{Grade(g).label} {run.grade_counts.get(g, 0)}" for g in Grade.values)
        self.stdout.write(_("%(system)s %(year)s 年度：评价 %(n)s 个组织（%(grades)s），缺失数据 %(missing)s 项，"
                            "用时 %(seconds)s 秒。") % {"system": system.name, "year": year, "n": run.organisations,
                                                     "grades": counts, "missing": run.missing_leaves,
                                                     "seconds": run.seconds})


MARK = "\u0001dec:"
DECIMAL_RE = re.compile(r'"\\u0001dec:(-?\d+\.\d\d)"')


def Number(value: Decimal) -> str:  # noqa: N802 - reads as a constructor in ``report``
    """A Decimal marked for ``dumps``, which writes it as a JSON number with its two decimals (the json
    module would write a float's shortest repr and drop trailing zeros: 12.5 for 12.50)."""
    return f"{MARK}{value:.2f}"


def dumps(data: object) -> str:
    return DECIMAL_RE.sub(r"\1", json.dumps(data, ensure_ascii=False, indent=1))


def report(run: EvaluationRun) -> list[dict]:
    scores = list(Score.objects.filter(run=run).select_related("organisation")
                  .order_by("category", "category_rank", "org_path"))
    leaves: dict[int, list[dict]] = {}
    for score_id, code, name, raw, points, missing in (
            LeafScore.objects.filter(score__run=run).order_by("score_id", "indicator__order", "indicator_id")
            .values_list("score_id", "indicator__code", "indicator__name", "raw", "points", "missing")):
        leaves.setdefault(score_id, []).append({"indicator": code, "name": name, "raw": raw,
                                                "points": Number(points), "missing": missing})
    with translation.override(None):  # grades and categories in Chinese, whatever the locale
        return [{"code": s.organisation.code, "name": s.organisation.name, "category": s.category,
                 "total": Number(s.total), "grade": str(Grade(s.grade).label), "rank": s.category_rank,
                 "overall_rank": s.rank, "missing": s.missing_count,
                 "previous_total": Number(s.prev_total) if s.prev_total is not None else None,
                 "leaves": leaves.get(s.pk, [])} for s in scores]

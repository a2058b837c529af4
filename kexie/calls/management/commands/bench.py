"""``kexie bench assign --apps N --reviewers M --per-app K --max-load L [--min-load l] [--diversity k]
[--mode optimal|fair|random] [--cap q] [--seed S] [--conflict-rate r] [--format json]``: solve a seeded synthetic
reviewer-assignment instance (``kexie.calls.review.assign.synthetic``) and report the objective, the LP optimum (a proven
upper bound), violations and seconds. No database is touched."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kexie.calls.review.assign import AssignmentError, solve
from kexie.calls.review.assign.synthetic import make_instance


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise CommandError(_("应为正整数：%(value)s") % {"value": value}) from None
    if n <= 0:
        raise CommandError(_("应为正整数：%(value)s") % {"value": value})
    return n


class Command(BaseCommand):
    help = "性能测试命令。assign：在合成的申报 × 专家实例上运行评审分配并报告目标值、最优上界、违规数与耗时。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="target", required=True)
        p = sub.add_parser("assign", help="评审专家分配（合成实例）")
        p.add_argument("--apps", type=_positive, required=True, help="申报数")
        p.add_argument("--reviewers", type=_positive, required=True, help="专家数")
        p.add_argument("--per-app", type=_positive, default=3, help="每项申报的评审人数")
        p.add_argument("--max-load", type=_positive, default=8, help="每位专家的评审上限")
        p.add_argument("--min-load", type=int, default=0, help="每位专家的评审下限")
        p.add_argument("--diversity", type=_positive, default=None, help="同一单位评审同一申报的人数上限")
        p.add_argument("--conflict-rate", type=float, default=0.02, help="随机回避比例（默认 0.02）")
        p.add_argument("--mode", choices=["optimal", "fair", "random"], default="optimal")
        p.add_argument("--cap", type=float, default=None, help="随机抽取：每对组合的概率上限（默认自动选择）")
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **opts):
        t0 = time.perf_counter()
        inst = make_instance(opts["apps"], opts["reviewers"], per_app=opts["per_app"], max_load=opts["max_load"],
                             min_load=opts["min_load"], conflict_rate=opts["conflict_rate"],
                             diversity_cap=opts["diversity"], seed=opts["seed"])
        generated = time.perf_counter() - t0
        try:
            result = solve(inst, mode=opts["mode"], seed=opts["seed"], cap=opts["cap"])
        except AssignmentError as exc:
            raise CommandError(str(exc)) from None
        out = result.to_dict()
        out.update({"apps": opts["apps"], "reviewers": opts["reviewers"], "per_app": opts["per_app"],
                    "max_load": opts["max_load"], "candidate_pairs": len(inst.score),
                    "conflict_pairs": len(inst.conflicts), "generate_seconds": round(generated, 4)})
        if opts["format"] == "json":
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        share = out["share_of_optimum"] * 100
        self.stdout.write(_("模式 %(mode)s：目标值 %(obj).4f，最优上界 %(bound).4f（%(share).4f%%），"
                            "回避冲突 %(conf)d，负荷违规 %(load)d，用时 %(sec).3f 秒")
                          % {"mode": out["mode"], "obj": out["objective"], "bound": out["optimum_bound"],
                             "share": share, "conf": out["conflicts_violated"], "load": out["load_violations"],
                             "sec": out["seconds"]})

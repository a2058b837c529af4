"""``kexie kepu hot [--days N] [--region CODE] [--format json]``: the rising terms (search and read counts rolled
up first, today included) with their counts and baselines; JSON: a list of {term, count, baseline, ratio, p,
debunked, regions, resurfacing}. ``kexie kepu flush``: write the buffered views. ``kexie kepu tick``: flush, then
the review sweep (reminders, escalation, scheduled publication) and the emergency after-review sweep — for cron
every minute."""

from __future__ import annotations

import json
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _


def _sweep(module: str, name: str) -> dict[str, Any] | None:
    """A sweep of another area, when that area provides it."""
    if find_spec(module) is None:
        return None
    fn = getattr(import_module(module), name, None)
    if fn is None:
        return None
    result = fn()
    return result if isinstance(result, dict) else {}


class Command(BaseCommand):
    help = "数字科普：hot 列出上升的热点词语；flush 写入缓冲的阅读记录；tick 写入阅读记录并执行审核提醒、督办、定时发布和应急事后审核检查（建议 cron 每分钟运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        hot = sub.add_parser("hot", help="列出近期明显上升的检索、阅读词语（先汇总今天的检索）")
        hot.add_argument("--days", type=int, default=7, choices=range(1, 29), metavar="N",
                         help="时间窗口天数（1–28，默认 7）")
        hot.add_argument("--region", default="", help="只看一个地区（区划代码）")
        hot.add_argument("--format", choices=["text", "json"], default="text")
        sub.add_parser("flush", help="把缓冲中的阅读记录写入数据库")
        sub.add_parser("tick", help="写入阅读记录，并执行审核和应急事后审核的定时检查")

    def handle(self, action: str, **options: Any) -> None:
        getattr(self, action)(**options)

    def hot(self, days: int, region: str, format: str, **options: Any) -> None:
        from kexie.kepu.effect.counter import flush
        from kexie.kepu.hot.rising import rising
        from kexie.kepu.hot.rollup import roll_up

        flush()
        roll_up()
        terms = rising(days=days, region=region.strip() or None)
        if format == "json":
            self.stdout.write(json.dumps([t.as_dict() for t in terms], ensure_ascii=False))
            return
        if not terms:
            self.stdout.write(_("近 %(d)s 天没有明显上升的词语。") % {"d": days})
            return
        for t in terms:
            flags = [_("流言再起") if t.resurfacing else _("已有辟谣")] if t.debunked else []
            if t.regions:
                flags.append(_("地区：%(r)s") % {"r": "、".join(t.regions)})
            self.stdout.write(_("%(term)s：%(k)s 次，预期 %(e).1f 次，%(x).1f 倍，p=%(p).1e %(f)s") % {
                "term": t.term, "k": t.count, "e": t.baseline, "x": t.ratio, "p": t.p,
                "f": " ".join(flags)})

    def flush(self, **options: Any) -> None:
        from kexie.kepu.effect.counter import flush

        self.stdout.write(_("写入阅读记录 %(n)s 条。") % {"n": flush()})

    def tick(self, **options: Any) -> None:
        from kexie.kepu.effect.counter import flush

        lines = [_("写入阅读记录 %(n)s 条。") % {"n": flush()}]
        for module, name, label in (("kexie.kepu.review.services", "sweep", _("审核检查")),
                                    ("kexie.kepu.emergency.services", "after_review_sweep", _("应急事后审核检查"))):
            result = _sweep(module, name)
            if result is not None:
                detail = "，".join(f"{k} {v}" for k, v in result.items()) or _("无")
                lines.append(f"{label}：{detail}")
        for line in lines:
            self.stdout.write(line)

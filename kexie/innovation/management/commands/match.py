"""``kexie match need "TEXT" [--top N] [--industry CODE] [--region CODE] [--format json]``: experts for a need;
``kexie match expert PERSON_ID``: needs for an expert; ``kexie match achievement "TEXT"``: needs for an
achievement; ``kexie match build``: (re)build the index of the current database."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kexie.innovation.matching import (
    MatchError,
    MatchResult,
    build_index,
    match_need,
    needs_source,
    rank_texts,
)
from kexie.innovation.matching.disciplines import label, to_first_level


class Command(BaseCommand):
    help = "专家匹配。need：为技术需求匹配专家；expert：为专家推荐需求；achievement：为成果推荐需求；build：重建索引。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        need = sub.add_parser("need", help="为技术需求匹配专家")
        need.add_argument("text", help="需求描述")
        need.add_argument("--industry", help="国民经济行业大类代码（GB/T 4754，如 34）")
        need.add_argument("--region", help="需求所在地区代码（GB/T 2260）")
        expert = sub.add_parser("expert", help="为专家推荐技术需求")
        expert.add_argument("person_id", type=int)
        achievement = sub.add_parser("achievement", help="为科技成果推荐技术需求")
        achievement.add_argument("text", help="成果描述")
        for p in (need, expert, achievement):
            p.add_argument("--top", type=int, default=10)
            p.add_argument("--format", choices=["text", "json"], default="text")
        sub.add_parser("build", help="重建当前数据库的专家匹配索引")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "build":
            started = time.perf_counter()
            index = build_index()
            self.stdout.write(_("已建立专家匹配索引：%(n)s 人，%(terms)s 个词，用时 %(s).1f 秒。") % {
                "n": index.size, "terms": len(index.vocab), "s": time.perf_counter() - started})
            return
        top = max(1, min(int(options["top"]), 200))
        try:
            if action == "need":
                results = match_need(options["text"], top=top, industry=options.get("industry"),
                                     region=options.get("region"))
            elif action == "expert":
                results = self._needs_for_expert(options["person_id"], top)
            else:
                results = rank_texts(options["text"], needs_source(), top)
        except MatchError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self._print(results, options["format"], action == "need")

    def _needs_for_expert(self, person_id: int, top: int) -> list[MatchResult]:
        from kexie.people.models import Person, PersonDiscipline

        person = Person.objects.filter(pk=person_id, deleted_at__isnull=True).select_related("org__region").first()
        if person is None:
            raise CommandError(_("没有编号为 %(id)s 的科技工作者。") % {"id": person_id})
        codes = list(PersonDiscipline.objects.filter(person=person).order_by("-is_primary")
                     .values_list("discipline__code", flat=True))
        text = "\n".join([*map(str, person.expertise or []), person.bio or "", *map(str, person.honours or [])])
        region = person.org.region.code if person.org.region else None
        return rank_texts(text, needs_source(), top, disciplines=codes, region=region)

    def _print(self, results: list[MatchResult], fmt: str, experts: bool) -> None:
        if fmt == "json":
            self.stdout.write(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=1))
            return
        if not results:
            self.stdout.write(_("没有找到匹配的专家。") if experts else _("没有找到匹配的技术需求。"))
            return
        for rank, r in enumerate(results, 1):
            discs = "、".join(label(to_first_level(c)) for c in r.disciplines)
            self.stdout.write(f"{rank:>3}. [{r.person_id}] {r.name}  {discs}  {r.score:.3f}")
            if r.why.get("text"):
                self.stdout.write(f"     {r.why['text']}")

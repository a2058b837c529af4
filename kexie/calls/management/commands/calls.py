"""``kexie calls assign CALL_ID [--mode optimal|fair|random] [--seed N] [--format json]``: run the reviewer
assignment of a call in its review stage (as the system; existing assignments are kept, only missing ones are
added). JSON: ``call`` {id, code, name}, ``pairs_assigned`` (new), ``pairs_kept``, ``objective``,
``optimum_bound``, ``conflicts_violated``, ``load_violations``, ``seconds``, ``mode``."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kexie.calls.models import Call
from kexie.calls.review import services as review
from kexie.calls.review.assign import MODES
from kexie.core.services import SYSTEM
from kexie.core.text import join_clauses


class Command(BaseCommand):
    help = "申报评审：assign 为某批次分配评审专家。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("assign", help="为批次分配评审专家（保留已有分配，只补足缺额）")
        run.add_argument("call_id", type=int)
        run.add_argument("--mode", choices=MODES, default="optimal")
        run.add_argument("--seed", type=int, default=None)
        run.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, action, **options):
        if action == "assign":
            self.assign(options["call_id"], options["mode"], options["seed"], options["format"])

    def assign(self, call_id: int, mode: str, seed: int | None, fmt: str) -> None:
        call = Call.objects.alive().filter(pk=call_id).first()
        if call is None:
            raise CommandError(_("批次 %(id)s 不存在。") % {"id": call_id})
        try:
            out = review.run_assignment(SYSTEM, call, mode=mode, seed=seed)
        except ValidationError as exc:
            raise CommandError(join_clauses(exc.messages)) from exc
        data = out.to_dict()
        if fmt == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(_("%(c)s：新分配 %(n)s 个，保留 %(k)s 个；匹配度合计 %(o)s（上界 %(b)s），违反回避 %(v)s，"
                            "超出负荷 %(l)s，用时 %(s)s 秒。") % {
            "c": call.name, "n": data["pairs_assigned"], "k": data["pairs_kept"], "o": data["objective"],
            "b": data["optimum_bound"], "v": data["conflicts_violated"], "l": data["load_violations"],
            "s": data["seconds"]})

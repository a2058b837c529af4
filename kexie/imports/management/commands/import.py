"""``kexie import {kind} FILE (kind: what the apps declare — orgs, people, memberships, groups …) [--org CODE] [--mode skip|update|fill]
[--dry-run] [--format json] [--user USERNAME]``: the same import as the staff console, run in the
foreground. Exits non-zero on any error; ``--format json`` prints the report as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from kexie.accounts.models import User
from kexie.core.http import error_messages, join_messages
from kexie.imports import kinds, services
from kexie.imports.models import BatchStatus, Mode
from kexie.orgs.models import Organisation


class Command(BaseCommand):
    help = "从 .xlsx/.xls/.csv 文件导入组织、人员、个人会员或单位会员；有任何错误时不做更改并以非零状态退出。"

    def add_arguments(self, parser):
        parser.add_argument("kind", help="导入内容：" + "、".join(k.code for k in kinds.kinds()))
        parser.add_argument("file")
        parser.add_argument("--org", help="导入到的组织编码（默认：唯一的顶级组织）")
        parser.add_argument("--mode", choices=Mode.values, default=Mode.SKIP,
                            help="已有记录：skip 跳过，update 更新，fill 仅补充空白字段")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--user", help="以该用户的身份和数据范围导入（默认：系统，不限范围）")

    def handle(self, kind, file, org, mode, dry_run, format, user, **options):
        if kinds.find(kind) is None:
            raise CommandError(f"不支持的导入内容：{kind}。可导入：{'、'.join(k.code for k in kinds.kinds())}。")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        actor = services.SYSTEM
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"用户 {user} 不存在或已停用。")
        target = self._target(org)
        try:
            with open(path, "rb") as f:
                batch = services.create_batch(actor, kind=kind, mode=mode, target=target, file=f,
                                              file_name=path.name, dry_run=dry_run)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(join_messages(error_messages(exc))) from None
        batch = services.run_batch(batch.pk, actor=actor)
        report = {
            "batch": batch.pk, "kind": batch.kind, "mode": batch.mode, "dry_run": batch.dry_run,
            "status": batch.status, "rows": batch.total_rows, "created": batch.created, "updated": batch.updated,
            "skipped": batch.skipped, "errors": batch.errors, "error_count": batch.error_count,
            "error_file": batch.error_file.path if batch.error_file else None,
            "seconds": batch.report.get("seconds"), "rows_per_second": batch.report.get("rows_per_second"),
            "message": batch.message,
        }
        if format == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(batch.message)
            for e in batch.errors[:50]:
                where = f"第 {e['row']} 行" if e["row"] else "文件"
                col = f"“{e['column']}”" if e["column"] else ""
                self.stdout.write(f"  {where}{col}：{e['message']}")
            if batch.error_count > 50:
                self.stdout.write(f"  …… 共 {batch.error_count} 处错误，详见错误文件：{report['error_file']}")
        if batch.status == BatchStatus.FAILED:
            sys.exit(1)

    def _target(self, code: str | None) -> Organisation:
        qs = Organisation.objects.alive().select_related("kind")
        if code:
            org = qs.filter(code=code).first()
            if org is None:
                raise CommandError(f"组织编码 {code} 不存在。")
            return org
        roots = list(qs.filter(depth=1)[:2])
        if len(roots) != 1:
            raise CommandError("请用 --org 指定导入到的组织编码。")
        return roots[0]

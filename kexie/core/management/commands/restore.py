"""``kexie restore FILE [--force] [--check]``: restore an archive written by ``kexie backup`` into an empty
database and MEDIA_ROOT, then compare every table's row count with the manifest. See kexie.core.backup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kexie.core.backup import BackupError, inspect, key_problems, restore


class Command(BaseCommand):
    help = _("从 kexie backup 生成的文件恢复数据库和上传文件。目标数据库须为空，否则需加 --force。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("备份文件路径"))
        parser.add_argument("--force", action="store_true", help=_("目标数据库或媒体目录不为空时也恢复（覆盖其中的数据）"))
        parser.add_argument("--check", action="store_true",
                            help=_("只检查备份文件（清单、校验值、密钥），不修改数据库"))

    def handle(self, file: str, force: bool, check: bool, **options: Any) -> None:
        try:
            if check:
                manifest = inspect(Path(file))
                refusals, warnings = key_problems(manifest)
                summary = {k: manifest[k] for k in ("created_at", "vendor", "rows", "media", "pii")}
                self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
                for line in warnings:
                    self.stdout.write(_("注意：") + line)
                if refusals:
                    raise BackupError("\n".join(refusals))
                self.stdout.write(_("备份文件完好：%(tables)s 张表、%(rows)s 行。") % {
                    "tables": len(manifest["tables"]), "rows": manifest["rows"]})
                return
            restore(Path(file), force=force, log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc

"""``kexie backup FILE [--no-media]``: the database (SQLite online backup / pg_dump) and MEDIA_ROOT in one
archive with a manifest; personal information stays encrypted. See kexie.core.backup and docs/operations.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kexie.core.backup import BackupError, backup


class Command(BaseCommand):
    help = _("备份数据库和上传文件到一个文件（个人信息保持加密，附带清单：迁移状态、各表行数、个人信息密钥指纹）。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("备份文件路径，例如 /srv/backup/kexie-20250101.tar.gz"))
        parser.add_argument("--no-media", action="store_true", help=_("不包括上传文件（MEDIA_ROOT）"))

    def handle(self, file: str, no_media: bool, **options: Any) -> None:
        try:
            backup(Path(file), media=not no_media, log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc

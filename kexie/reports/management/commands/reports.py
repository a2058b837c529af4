"""``kexie reports presets`` lists the shipped report forms; ``kexie reports install PRESET --owner CODE``
installs one (published as version 1) for the organisation with that code."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kexie.core.text import join_clauses
from kexie.orgs.models import Organisation
from kexie.reports import presets


class Command(BaseCommand):
    help = "数据填报命令。presets：列出预置报表；install：安装预置报表。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("presets", help="列出预置报表")
        install = sub.add_parser("install", help="安装预置报表（发布为第 1 版）")
        install.add_argument("preset", help="预置报表名，如 society_annual")
        install.add_argument("--owner", required=True, help="制表单位的组织编码")

    def handle(self, action, **options):
        if action == "presets":
            for name in presets.names():
                data = presets.load(name)
                self.stdout.write(f"{name}\t{data['name']}\t{data.get('description', '')}")
            return
        owner = Organisation.objects.alive().filter(code=options["owner"]).first()
        if owner is None:
            raise CommandError(f"没有编码为 {options['owner']} 的组织。")
        try:
            version = presets.install(options["preset"], owner)
        except ValidationError as exc:
            raise CommandError(join_clauses(exc.messages)) from exc
        self.stdout.write(f"已安装《{version.form.name}》（{version.form.code}）第 {version.number} 版，制表单位：{owner.name}")

"""``kexie pii status|rotate``: which keys sealed the stored personal information, and re-encryption of all
of it with the current key (``KEXIE_PII_KEY``), reading earlier values through ``KEXIE_PII_OLD_KEYS``.
The procedure is in docs/operations.md."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kexie.core import rotation
from kexie.core.crypto import key_ring
from kexie.core.text import join_clauses


class Command(BaseCommand):
    help = _("个人信息加密密钥：status 查看各密钥加密的值数；rotate 用当前密钥（KEXIE_PII_KEY）重新加密全部个人信息并重算盲索引。")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        st = sub.add_parser("status", help=_("各字段由哪个密钥加密，还有多少值待轮换"))
        st.add_argument("--format", choices=["text", "json"], default="text")
        rot = sub.add_parser("rotate", help=_("用当前密钥重新加密并重算盲索引（分批提交，可中断后重跑）"))
        rot.add_argument("--batch-size", type=int, default=2000, help=_("每批行数（默认 2000）"))
        rot.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, action: str, **options: Any) -> None:
        try:
            if action == "status":
                self.status(options["format"])
            else:
                self.rotate(options["batch_size"], options["format"])
        except rotation.RotationError as exc:
            raise CommandError(str(exc)) from exc

    def _key_names(self) -> dict[str, str]:
        ring = key_ring()
        names = {ring.current.kid: _("当前密钥")}
        for i, key in enumerate(ring.old, 1):
            names.setdefault(key.kid, _("旧密钥 %(n)s") % {"n": i})
        names["v1"] = _("旧格式（未标密钥）")
        return names

    def status(self, fmt: str) -> None:
        st = rotation.status()
        if fmt == "json":
            self.stdout.write(json.dumps({"fingerprint": st.fingerprint, "current": st.current,
                                          "pending": st.pending, "unknown": sorted(st.unknown()),
                                          "columns": st.columns}, ensure_ascii=False))
            return
        names = self._key_names()
        self.stdout.write(_("当前密钥指纹：%(fp)s（编号 %(kid)s）") % {"fp": st.fingerprint, "kid": st.current})
        for column, counts in st.columns.items():
            parts = []
            for k, n in sorted(counts.items()):
                name = names.get(k) or _("未知密钥 %(kid)s") % {"kid": k}
                parts.append(f"{name} {n}")
            self.stdout.write(f"  {column}: " + (join_clauses(parts) if parts else _("无")))
        if st.unknown():
            self.stdout.write(_("有值由未知密钥加密：请把对应的旧密钥加入 KEXIE_PII_OLD_KEYS。"))
        self.stdout.write(_("待轮换：%(n)s 个值") % {"n": st.pending})

    def rotate(self, batch_size: int, fmt: str) -> None:
        if batch_size < 1:
            raise CommandError(_("每批行数应为正整数。"))
        progress = None if fmt == "json" else (lambda line: self.stdout.write("  " + line))
        report = rotation.rotate(batch_size, progress)
        after = rotation.status()
        if fmt == "json":
            self.stdout.write(json.dumps({"rows": report.rows, "values": dict(report.values), "hashes": report.hashes,
                                          "batches": report.batches, "pending": after.pending,
                                          "fingerprint": after.fingerprint}, ensure_ascii=False))
            return
        self.stdout.write(_("轮换完成：重写 %(rows)s 行，重新加密 %(values)s 个值，重算 %(hashes)s 个盲索引，共 %(batches)s 批。") % {
            "rows": report.rows, "values": sum(report.values.values()), "hashes": report.hashes,
            "batches": report.batches})
        for column, n in sorted(report.values.items()):
            self.stdout.write(f"  {column}: {n}")
        self.stdout.write(_("当前密钥指纹：%(fp)s；待轮换：%(n)s 个值。") % {"fp": after.fingerprint, "n": after.pending})

"""``kexie token create USERNAME [--days N] [--name TEXT]`` prints a new API token once;
``kexie token list USERNAME`` lists a user's tokens; ``kexie token revoke ID`` revokes one."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.timezone import localtime

from kexie.accounts import services
from kexie.accounts.models import ApiToken, User
from kexie.core.services import SYSTEM


class Command(BaseCommand):
    help = ("API 令牌：create USERNAME [--days N] [--name 用途] 新建并打印令牌（仅此一次）；"
            "list USERNAME 列出该用户的令牌；revoke ID 作废一个令牌。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create", "list", "revoke"])
        parser.add_argument("target", help="create/list：用户名；revoke：令牌编号")
        parser.add_argument("--days", type=int, default=None, help="有效天数（默认 KEXIE_API_TOKEN_DAYS）")
        parser.add_argument("--name", default="", help="用途说明")

    def handle(self, action: str, target: str, days: int | None = None, name: str = "", **options: Any) -> None:
        try:
            if action == "revoke":
                return self._revoke(target)
            user = User.objects.filter(username=target).first()
            if user is None or (action == "create" and not user.is_active):
                raise CommandError(f"用户 {target} 不存在或已停用。")
            if action == "list":
                return self._list(user)
            _token, key = services.create_token(SYSTEM, user, name, days)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(key)

    def _list(self, user: User) -> None:
        rows = ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
        if not rows:
            self.stdout.write(f"{user.username} 没有令牌。")
        for t in rows:
            used = f"{localtime(t.last_used_at):%Y-%m-%d %H:%M}" if t.last_used_at else "—"
            self.stdout.write(f"{t.pk}\t{t.prefix}…\t{t.get_status_display()}"
                              f"\t创建 {localtime(t.created_at):%Y-%m-%d %H:%M}"
                              f"\t到期 {localtime(t.expires_at):%Y-%m-%d %H:%M}\t最近使用 {used}\t{t.name}")

    def _revoke(self, target: str) -> None:
        token = ApiToken.objects.filter(pk=int(target)).first() if target.isdigit() else None
        if token is None:
            raise CommandError(f"令牌 {target} 不存在。")
        services.revoke_token(SYSTEM, token)
        self.stdout.write(f"已作废令牌 {token.pk}（{token.prefix}…，用户 {token.user.username}）。")

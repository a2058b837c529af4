from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from kexie.accounts.models import User


class Command(BaseCommand):
    help = "API 令牌：kexie token create USERNAME 打印（必要时新建）该用户的令牌；revoke 作废。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "revoke"])
        parser.add_argument("username")

    def handle(self, action, username, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在或已停用。")
        if action == "revoke":
            Token.objects.filter(user=user).delete()
            self.stdout.write(f"已作废 {username} 的令牌。")
            return
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)

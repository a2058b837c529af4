"""Password expiry and forced change; hashed API tokens. Tokens of DRF's authtoken app (stored in clear) are
carried over as digests, and the clear keys deleted (decision 0017)."""

import datetime as dt
import hashlib

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def hash_clear_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    now = django.utils.timezone.now()
    days = int(getattr(settings, "KEXIE_API_TOKEN_DAYS", 90))
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id, created FROM authtoken_token")
        rows = cursor.fetchall()
        for key, user_id, created in rows:
            ApiToken.objects.create(user_id=user_id, name="迁移的令牌", prefix=key[:8],
                                    digest=hashlib.sha256(key.encode()).hexdigest(), created_at=created or now,
                                    expires_at=now + dt.timedelta(days=days))
        cursor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_roles'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='must_change_password',
            field=models.BooleanField(default=False, help_text='由管理员或导入创建、重置的账号，首次登录时须由本人修改密码。', verbose_name='下次登录须修改密码'),
        ),
        migrations.AddField(
            model_name='user',
            name='password_changed_at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='密码修改时间'),
        ),
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(blank=True, max_length=60, verbose_name='用途')),
                ('prefix', models.CharField(max_length=8, verbose_name='令牌前缀')),
                ('digest', models.CharField(editable=False, max_length=64, unique=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='创建时间')),
                ('expires_at', models.DateTimeField(verbose_name='到期时间')),
                ('last_used_at', models.DateTimeField(blank=True, null=True, verbose_name='最近使用')),
                ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='作废时间')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL, verbose_name='用户')),
            ],
            options={
                'verbose_name': 'API 令牌',
                'verbose_name_plural': 'API 令牌',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.RunPython(hash_clear_tokens, migrations.RunPython.noop),
    ]

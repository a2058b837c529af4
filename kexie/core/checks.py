"""Deployment checks (``kexie check --deploy``)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def demo_keys(app_configs, **kwargs):
    errors = []
    if settings.SECRET_KEY.startswith("kexie-demo-secret-key"):
        errors.append(checks.Error("生产环境必须设置 KEXIE_SECRET_KEY（当前使用演示密钥）。", id="kexie.E001"))
    if not settings.PII_KEY:
        errors.append(checks.Warning(
            "未设置 KEXIE_PII_KEY：个人信息加密密钥由 KEXIE_SECRET_KEY 派生，更换后者将无法解密已有数据。",
            id="kexie.W001"))
    return errors

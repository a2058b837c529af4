"""Deployment checks (``kexie check --deploy``)."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _

from kexie.core.crypto import server_key_problems


@checks.register(checks.Tags.security, deploy=True)
def demo_keys(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    problems = server_key_problems()
    if "KEXIE_SECRET_KEY" in problems:
        errors.append(checks.Error(_("生产环境必须设置 KEXIE_SECRET_KEY（当前使用演示密钥）。"), id="kexie.E001"))
    if "KEXIE_PII_KEY" in problems:
        errors.append(checks.Error(_("生产环境必须设置 KEXIE_PII_KEY（当前使用演示密钥）。"), id="kexie.E002"))
    if settings.PII_KEY and settings.PII_KEY == settings.SECRET_KEY:
        errors.append(checks.Warning(
            _("KEXIE_PII_KEY 与 KEXIE_SECRET_KEY 相同：请使用两个不同的密钥，分别保管、分别更换。"), id="kexie.W001"))
    return errors

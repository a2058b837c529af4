"""站内通知: a message to one user (a deadline, a returned report, a term about to expire), shown in the
site and, when the user has an e-mail address, sent through Django's mail backend."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_user(self, user: Any) -> Self:
        """Notifications are personal: a user sees their own and nobody else's."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)

    def unread(self) -> Self:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             verbose_name=_("用户"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True, max_length=4000)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    # What the notice is about, e.g. "reports.deadline:12:3" — one notice per user and key, so a reminder job
    # that runs twice does not notify twice.
    key = models.CharField(_("通知标识"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed = models.BooleanField(_("已发邮件"), default=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], condition=~Q(key=""),
                                               name="notification_key_unique")]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class NoticePreference(models.Model):
    """A user's choice for one kind of notice (``kexie.core.registry.NoticeKind``, by its key prefix): whether it
    is also e-mailed. The site notice is always kept. A row exists only where the user departs from the kind's
    default, so a changed default reaches everyone who never chose otherwise."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preferences",
                             verbose_name=_("用户"))
    key_prefix = models.CharField(_("通知类别"), max_length=120)
    email = models.BooleanField(_("发送邮件"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("通知设置")
        constraints = [models.UniqueConstraint(fields=["user", "key_prefix"], name="notice_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key_prefix} {self.email}"

"""Export jobs (decision 0033): a large list export runs in the background and leaves a file only its owner
downloads. The job keeps the list's filters as given, so that it can be run again; the scope is the owner's
at the time the job runs. Files are private (MEDIA_ROOT/exports/, never under a public URL) and deleted at
``expires_at``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("正在导出")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    EXPIRED = "expired", _("已过期")


FINISHED = (Status.DONE, Status.FAILED, Status.EXPIRED)


class Format(models.TextChoices):
    XLSX = "xlsx", _("Excel（xlsx）")
    CSV = "csv", _("CSV（逗号分隔，适合超大数据）")


class ExportJobQuerySet(models.QuerySet["ExportJob"]):
    def mine(self, user: Any) -> ExportJobQuerySet:
        """A user's own jobs: nobody else's are reachable, superusers included."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)


class ExportJob(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("导出人"))
    kind = models.CharField(_("导出内容"), max_length=20)  # an ExportKind code (kexie.core.registry)
    parameters = models.JSONField(_("筛选条件"), default=dict, blank=True)  # the list's query string, as given
    fmt = models.CharField(_("文件格式"), max_length=4, choices=Format.choices, default=Format.XLSX)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.BigIntegerField(_("已导出行数"), default=0)
    rows_total = models.BigIntegerField(_("总行数"), default=0)
    file = models.FileField(_("文件"), upload_to="exports/%Y/%m/", max_length=255, blank=True)
    file_size = models.BigIntegerField(_("文件大小"), default=0)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    error = models.CharField(_("错误信息"), max_length=500, blank=True)
    retry_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries",
                                 verbose_name=_("重试自"))
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    beat_at = models.DateTimeField(_("最近进度"), null=True, blank=True)  # the heartbeat: written with the progress
    expires_at = models.DateTimeField(_("文件到期"), null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="exportjob_user_created"),
                   models.Index(fields=["status", "expires_at"], name="exportjob_status_expires")]

    def __str__(self) -> str:
        return f"{self.kind_label} #{self.pk}"

    @property
    def kind_label(self) -> str:
        from kexie.core.registry import export_kinds

        kind = export_kinds().get(self.kind)
        return str(kind.label) if kind else self.kind

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        if self.status == Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(self.rows_done * 100 / self.rows_total))

    @property
    def full_pii(self) -> bool:
        return self.parameters.get("pii") == "full"

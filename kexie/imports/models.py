"""Import batches (SPEC §2.4): every spreadsheet import is one batch, listed with who, when, which
file, counts and mode, and can be rolled back as a whole.

What a rollback needs is kept with the batch: the primary keys of the rows it created (as ranges,
``ImportBatch.created_ids``) and, for every row it updated, one ``ImportChange`` with the raw column
values before and after (ciphertexts stay ciphertexts: nothing here holds personal data in clear).
The uploaded file and the error workbook do hold it in clear: they are deleted ``KEXIE_IMPORT_FILE_DAYS``
after the import (``file_removed_at``); the batch keeps its counts and summary (decision 0018)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField
from kexie.core.scope import ScopedQuerySet


class Kind(models.TextChoices):
    """The codes of the built-in kinds. What can be imported is what the apps declare (``ImportKind`` in their
    apps.py, ``kexie.imports.kinds``); ``ImportBatch.kind`` stores a declared code and has no fixed choices."""

    ORGS = "orgs", _("组织")
    PEOPLE = "people", _("科技工作者")
    MEMBERSHIPS = "memberships", _("个人会员")
    GROUPS = "groups", _("单位会员")


class Mode(models.TextChoices):
    SKIP = "skip", _("跳过已有记录")
    UPDATE = "update", _("更新已有记录")
    FILL = "fill", _("仅补充空白字段")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    CHECKED = "checked", _("试导入完成")
    DONE = "done", _("已导入")
    FAILED = "failed", _("有错误，未导入")
    ROLLED_BACK = "rolled_back", _("已撤销")


FINISHED = (BatchStatus.CHECKED, BatchStatus.DONE, BatchStatus.FAILED, BatchStatus.ROLLED_BACK)


class ImportBatch(models.Model):
    """一次导入: the uploaded file, the options chosen, the outcome and the rollback record."""

    kind = models.CharField(_("导入内容"), max_length=12)  # an ImportKind code (kexie.imports.kinds)
    mode = models.CharField(_("已有记录"), max_length=8, choices=Mode.choices, default=Mode.SKIP)
    dry_run = models.BooleanField(_("试导入"), default=False)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", max_length=255)
    file_name = models.CharField(_("文件名"), max_length=200)
    file_size = models.BigIntegerField(_("文件大小"), default=0)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("导入人"))
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("导入到"))
    org_path = PathField(max_length=255, editable=False)
    status = models.CharField(_("状态"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    skipped = models.PositiveIntegerField(_("未变动"), default=0)
    error_count = models.PositiveIntegerField(_("错误"), default=0)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    errors = models.JSONField(_("错误（前若干条）"), default=list, blank=True)
    report = models.JSONField(_("导入报告"), default=dict, blank=True)
    created_ids = models.JSONField(default=list, blank=True, editable=False)  # [[first, last], …]
    error_file = models.FileField(_("错误文件"), upload_to="imports/errors/%Y/%m/", blank=True, max_length=255)
    unpacked_size = models.BigIntegerField(_("解压后大小"), default=0)
    row_estimate = models.PositiveIntegerField(_("估计行数"), default=0)
    file_removed_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True)
    retry_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries",
                                 verbose_name=_("重试自"))
    queued_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    rolled_back_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    rolled_back_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+", verbose_name=_("撤销人"))

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("导入批次")
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["org_path", "-queued_at"], name="importbatch_path_time")]

    def __str__(self) -> str:
        return f"{self.kind_label} · {self.file_name}"

    @property
    def kind_label(self) -> str:
        """The declared kind's label (the stored code for a kind no longer installed)."""
        from kexie.imports.kinds import label

        return str(label(self.kind))

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def interrupted(self) -> bool:
        """Failed because the process running it died (marked by the watchdog); can be retried."""
        return self.status == BatchStatus.FAILED and bool((self.report or {}).get("interrupted"))

    @property
    def has_file(self) -> bool:
        return bool(self.file) and self.file_removed_at is None

    @property
    def can_roll_back(self) -> bool:
        return self.status == BatchStatus.DONE and not self.dry_run and bool(self.created or self.updated)


class ImportChange(models.Model):
    """One row an import updated: raw column values before and after, for rollback and its checks."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="changes")
    table = models.CharField(max_length=60)
    object_id = models.BigIntegerField()
    row = models.PositiveIntegerField()
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        verbose_name = verbose_name_plural = _("导入更新记录")
        indexes = [models.Index(fields=["batch", "id"], name="importchange_batch")]

    def __str__(self) -> str:
        return f"{self.table}#{self.object_id}"

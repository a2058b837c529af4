"""科技成果 and 对接意向 of the marketplace (科创云集市), with their declared workflows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kexie.core.crypto import EncryptedTextField
from kexie.core.fields import PathField
from kexie.core.models import SoftDeleteModel, SoftDeleteQuerySet
from kexie.core.scope import ScopedQuerySet
from kexie.core.workflow import Transition, Workflow
from kexie.innovation.models.needs import Need


class Maturity(models.TextChoices):
    RESEARCH = "research", _("研发阶段")
    PILOT_SMALL = "pilot_small", _("小试")
    PILOT = "pilot", _("中试")
    SMALL_BATCH = "small_batch", _("小批量生产")
    INDUSTRIAL = "industrial", _("产业化")


class TransferMode(models.TextChoices):
    ASSIGNMENT = "assignment", _("转让")
    LICENCE = "licence", _("许可")
    EQUITY = "equity", _("作价入股")
    JOINT = "joint", _("合作开发")
    SERVICE = "service", _("技术服务")


class AchievementStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已下架")


class Achievement(SoftDeleteModel):
    """科技成果: a result offered for transfer, registered by an association (for its scientists or units)."""

    title = models.CharField(_("成果名称"), max_length=120)
    description = models.TextField(_("成果简介"), max_length=4000)
    holders = models.JSONField(_("成果持有人"), default=list, blank=True)  # [{"name": "…", "person_id": 1}]
    holder_org = models.CharField(_("持有单位"), max_length=120, blank=True)
    lead = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="achievements", verbose_name=_("第一完成人"))
    maturity = models.CharField(_("成熟度"), max_length=12, choices=Maturity.choices)
    patents = models.JSONField(_("专利"), default=list, blank=True)  # ["ZL202110000000.1", …]
    transfer_mode = models.CharField(_("转化方式"), max_length=12, choices=TransferMode.choices)
    industry = models.CharField(_("应用行业"), max_length=2, blank=True)
    disciplines = models.JSONField(_("学科代码"), default=list, blank=True)
    price = models.DecimalField(_("参考价格（万元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    owner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="achievements",
                              verbose_name=_("登记单位"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=AchievementStatus.choices,
                              default=AchievementStatus.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SoftDeleteQuerySet.as_manager()
    scope_path_field = "org_path"

    # 草稿 → 已发布 → 已下架 (and published again).
    WORKFLOW = Workflow("status", AchievementStatus, [
        Transition("publish", {AchievementStatus.DRAFT, AchievementStatus.WITHDRAWN}, AchievementStatus.PUBLISHED,
                   _("发布到科创云集市"), refusal=_("该成果已发布。")),
        Transition("withdraw", {AchievementStatus.PUBLISHED}, AchievementStatus.WITHDRAWN, _("下架"),
                   refusal=_("只有已发布的成果可以下架。"), confirm=_("下架后集市不再展示该成果，确定下架吗？"),
                   style="secondary"),
    ])

    AUDIT_FIELDS = ("title", "holder_org", "lead", "maturity", "transfer_mode", "industry", "price", "status")

    class Meta:
        verbose_name = verbose_name_plural = _("科技成果")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "published_at"], name="innov_achv_status")]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def public_q(cls) -> Q:
        """On the marketplace (``for_public``): published and not deleted (never drafts or withdrawn ones)."""
        return Q(deleted_at__isnull=True, status=AchievementStatus.PUBLISHED)


class EnquiryStatus(models.TextChoices):
    NEW = "new", _("待处理")
    HANDLED = "handled", _("已处理")


class Enquiry(models.Model):
    """对接意向 from the public marketplace on a published need or achievement; handled by the owner's staff."""

    need = models.ForeignKey(Need, null=True, blank=True, on_delete=models.CASCADE, related_name="enquiries",
                             verbose_name=_("技术需求"))
    achievement = models.ForeignKey(Achievement, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="enquiries", verbose_name=_("科技成果"))
    name = models.CharField(_("联系人"), max_length=40)
    organisation = models.CharField(_("单位"), max_length=120, blank=True)
    contact = EncryptedTextField(_("联系方式"))
    text = models.TextField(_("意向说明"), max_length=2000)
    status = models.CharField(_("状态"), max_length=8, choices=EnquiryStatus.choices, default=EnquiryStatus.NEW)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("处理人"))
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.TextField(_("处理说明"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    org_path = PathField(max_length=255, editable=False)  # the need's or achievement's

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    WORKFLOW = Workflow("status", EnquiryStatus, [
        Transition("handle", {EnquiryStatus.NEW}, EnquiryStatus.HANDLED, _("标记为已处理"),
                   refusal=_("该对接意向已处理。")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("对接意向")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(need__isnull=False) | Q(achievement__isnull=False),
                                              name="innov_enquiry_has_target")]

    def __str__(self) -> str:
        return f"{self.name} → {self.need or self.achievement}"

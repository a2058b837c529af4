"""网上组建企业（园区）科协 (seed 002 #30 "简化组建程序"; decision 0037): an enterprise's contact applies on one page,
the parent association's staff approve (the organisation is created under the parent and the applicant becomes
its administrator), return it for changes or reject it with a reason. Imported by ``kexie.orgs.models``."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kexie.core.crypto import EncryptedTextField, mask_phone
from kexie.core.fields import PathField
from kexie.core.models import WorkflowEvent
from kexie.core.scope import ScopedQuerySet
from kexie.core.validators import validate_uscc
from kexie.core.workflow import Transition, Workflow
from kexie.reviewing.columns import Decided

# Who may found what under which parent: an enterprise 科协 under a city or county 科协 or a 园区科协; a 园区科协
# under a city or county 科协 (a park's 科协 does not sit under another park).
PARENT_KINDS = ("kx", "park_kx")
PARENT_LEVELS = ("city", "county")


class FormationKind(models.TextChoices):
    ENTERPRISE = "enterprise_kx", _("企业科协")
    PARK = "park_kx", _("园区科协")


class FormationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审批")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("不予批准")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_FORMATION = (FormationStatus.SUBMITTED, FormationStatus.RETURNED)
F = FormationStatus


class FormationRequest(Decided):
    """组建申请: the applicant (a signed-in individual) asks the parent association to found an enterprise or park
    科协; scoped by the parent's path, the applicant's own record by ``applicant``."""

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="formation_requests",
                                  verbose_name=_("申请人"))
    parent = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="formation_requests",
                               verbose_name=_("上级科协"))
    org_path = PathField(max_length=255, editable=False, db_index=True)  # the parent's
    kind = models.CharField(_("组建类型"), max_length=16, choices=FormationKind.choices, default=FormationKind.ENTERPRISE)
    enterprise_name = models.CharField(_("企业（园区）名称"), max_length=120)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, validators=[validate_uscc])
    enterprise = models.ForeignKey("innovation.Enterprise", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="formation_requests", verbose_name=_("平台登记的企业"))
    proposed_name = models.CharField(_("拟定名称"), max_length=120)
    scientists = models.PositiveIntegerField(_("科技工作者人数"),
                                             validators=[MinValueValidator(1), MaxValueValidator(1_000_000)])
    chair_name = models.CharField(_("拟任主席"), max_length=40)
    chair_phone = EncryptedTextField(_("主席联系电话"))
    secretary_name = models.CharField(_("拟任秘书长"), max_length=40)
    secretary_phone = EncryptedTextField(_("秘书长联系电话"))
    meeting_on = models.DateField(_("成立大会日期"))
    attachment = models.FileField(_("附件"), upload_to="founding/%Y/%m/", max_length=255, blank=True)
    attachment_name = models.CharField(_("附件名称"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=FormationStatus.choices, default=F.SUBMITTED)
    organisation = models.ForeignKey("orgs.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("组建的组织"))

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    AUDIT_FIELDS = ("kind", "enterprise_name", "uscc", "proposed_name", "scientists", "chair_name",
                    "secretary_name", "meeting_on", "attachment_name", "status", "reason")

    WORKFLOW = Workflow("status", FormationStatus, [
        Transition("resubmit", {F.RETURNED}, F.SUBMITTED, _("重新提交")),
        Transition("approve", {F.SUBMITTED}, F.APPROVED, _("批准组建"),
                   confirm=_("批准后将在本组织下建立该科协，并授予申请人管理员角色。确定批准吗？"),
                   refusal=_("只有待审批的组建申请可以批准。")),
        Transition("return", {F.SUBMITTED}, F.RETURNED, _("退回修改"), style="secondary",
                   confirm=_("退回后申请人修改再提交。确定退回吗？"), refusal=_("只有待审批的组建申请可以退回。")),
        Transition("reject", {F.SUBMITTED}, F.REJECTED, _("不予批准"), style="danger",
                   confirm=_("不予批准后申请即办结，确定吗？"), refusal=_("只有待审批的组建申请可以不予批准。")),
        Transition("withdraw", {F.SUBMITTED, F.RETURNED}, F.WITHDRAWN, _("撤回申请"), style="secondary",
                   confirm=_("撤回后本申请办结，可以重新申请。确定撤回吗？"), refusal=_("申请已办结，不能撤回。")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("科协组建申请")
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=Q(status__in=["submitted", "returned"]),
                                    name="formation_one_open_per_uscc"),
        ]
        indexes = [models.Index(fields=["org_path", "status"], name="formation_path_status")]

    def __str__(self) -> str:
        return self.proposed_name

    @property
    def chair_phone_masked(self) -> str:
        return mask_phone(self.chair_phone or "")

    @property
    def secretary_phone_masked(self) -> str:
        return mask_phone(self.secretary_phone or "")


class FormationAction(models.TextChoices):
    SUBMITTED = "submitted", _("提交申请")
    RESUBMITTED = "resubmitted", _("重新提交")
    APPROVED = "approved", _("批准组建")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("不予批准")
    WITHDRAWN = "withdrawn", _("撤回申请")


class FormationEvent(WorkflowEvent):
    """组建申请办理记录."""

    request = models.ForeignKey(FormationRequest, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("事项"), max_length=12, choices=FormationAction.choices)
    comment = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("组建申请记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request} · {self.get_action_display()}"

"""Accounts for individuals (SPEC §3.11, decision 0028): verification codes, the verified contact of an account,
consent records (PIPL), claims of registry records and deletion requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kexie.core.crypto import EncryptedTextField, mask_phone
from kexie.core.fields import PathField
from kexie.core.scope import ScopedQuerySet
from kexie.core.workflow import Transition, Workflow


class Channel(models.TextChoices):
    PHONE = "phone", _("手机号")
    EMAIL = "email", _("电子邮箱")


class VerificationCode(models.Model):
    """A 6-digit code sent to a phone or an e-mail address. Only digests are stored: the target's blind index
    (``kexie.core.crypto.blind_index`` of the normalised number or address) and a keyed digest of the code."""

    channel = models.CharField(_("方式"), max_length=8, choices=Channel.choices)
    target_digest = models.CharField(max_length=32, db_index=True)
    code_digest = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("验证码")

    def __str__(self) -> str:
        return f"{self.channel}:{self.pk}"


class Contact(models.Model):
    """The verified contact of an individual's account: the phone (encrypted, with its blind index, like
    ``Person.phone``) or the e-mail address (also kept in ``User.email`` for notices), and the registry record the
    account created itself (``created_person``: a self-registered person, decision 0028)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact",
                                verbose_name=_("账号"))
    phone = EncryptedTextField(_("手机号"), blank=True)
    phone_hash = models.CharField(max_length=32, blank=True, editable=False)
    email = models.EmailField(_("电子邮箱"), blank=True)
    verified_at = models.DateTimeField(_("验证时间"))
    created_person = models.OneToOneField(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="self_registration",
        verbose_name=_("自行注册的档案"),
    )
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("个人账号联系方式")
        constraints = [
            models.UniqueConstraint(fields=["phone_hash"], condition=~Q(phone_hash=""), name="signup_contact_phone"),
        ]

    def __str__(self) -> str:
        return mask_phone(self.phone) or self.email

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class Purpose(models.TextChoices):
    TERMS = "terms", _("服务协议与隐私政策")
    PUBLIC_PROFILE = "public_profile", _("公开专家信息")
    NOTICES = "notices", _("接收活动通知")


class Consent(models.Model):
    """One consent given for one purpose (PIPL art. 14): granted, and withdrawn later or not. A new grant after a
    withdrawal is a new row, so the history stays."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents",
                             verbose_name=_("账号"))
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    version = models.CharField(_("文本版本"), max_length=20)
    granted_at = models.DateTimeField(_("同意时间"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("同意记录")
        ordering = ["granted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "purpose"], condition=Q(withdrawn_at__isnull=True),
                                    name="signup_consent_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.version}"


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("待组织确认")
    APPROVED = "approved", _("已确认")
    REJECTED = "rejected", _("未通过")
    CANCELLED = "cancelled", _("已撤销")


class ClaimRequest(models.Model):
    """An individual's claim of a registry record found by their ID number when no second factor (phone, e-mail)
    matches: the organisation holding the record confirms it. Scope: the record's organisation path."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claim_requests",
                             verbose_name=_("申请账号"))
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="claim_requests",
                               verbose_name=_("认领的档案"))
    org_path = PathField(max_length=255, db_index=True)
    name = models.CharField(_("填写的姓名"), max_length=40)
    status = models.CharField(_("状态"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.PENDING)
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("处理人"))
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    WORKFLOW = Workflow("status", ClaimStatus, [
        Transition("approve", {ClaimStatus.PENDING}, ClaimStatus.APPROVED, _("确认认领"),
                   refusal=_("该认领申请已处理，不能再确认。")),
        Transition("reject", {ClaimStatus.PENDING}, ClaimStatus.REJECTED, _("不予确认"),
                   confirm=_("确定不予确认该认领申请吗？申请人将收到您填写的理由。"),
                   refusal=_("该认领申请已处理，不能再驳回。"), style="secondary"),
        Transition("cancel", {ClaimStatus.PENDING}, ClaimStatus.CANCELLED, _("撤销认领申请"),
                   confirm=_("确定撤销认领申请吗？"), refusal=_("该认领申请已处理，不能撤销。"), style="secondary"),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("档案认领申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status="pending"), name="signup_claim_one_pending"),
        ]

    def __str__(self) -> str:
        return gettext("%(name)s 的档案认领申请") % {"name": self.name}


class DeletionStatus(models.TextChoices):
    PENDING = "pending", _("等待注销")
    CANCELLED = "cancelled", _("已撤销")
    DONE = "done", _("已注销")


class DeletionRequest(models.Model):
    """A request to delete one's account (PIPL art. 47): carried out by the daily job once ``due_at`` has passed,
    cancellable until then."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deletion_requests",
                             verbose_name=_("账号"))
    status = models.CharField(_("状态"), max_length=10, choices=DeletionStatus.choices, default=DeletionStatus.PENDING)
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    due_at = models.DateTimeField(_("注销时间"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    WORKFLOW = Workflow("status", DeletionStatus, [
        Transition("cancel", {DeletionStatus.PENDING}, DeletionStatus.CANCELLED, _("撤销注销申请"),
                   refusal=_("没有等待中的注销申请。")),
        Transition("carry_out", {DeletionStatus.PENDING}, DeletionStatus.DONE, _("注销账号"),
                   confirm=_("确定注销账号吗？"), refusal=_("该注销申请已撤销或已完成。"), style="danger"),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("注销申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status="pending"), name="signup_deletion_one_pending"),
        ]

    def __str__(self) -> str:
        return gettext("注销申请 %(pk)s") % {"pk": self.pk}

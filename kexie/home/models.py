"""Change requests of a person's verified fields (资料变更申请): the person asks, the organisation holding the
record decides (decision 0029)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kexie.core.crypto import EncryptedTextField, mask_phone
from kexie.core.scope import ScopedQuerySet, prefix_q
from kexie.core.workflow import Transition, Workflow


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")


# The verified fields a person asks to change, in the order the pages show them. Their values in ``changes`` and
# ``before`` are plain JSON: text, an ISO date, an organisation as {"id": …, "name": …}. The phone is PII and is
# kept encrypted in its own column (``phone``), never in the JSON.
VERIFIED_FIELDS: tuple[tuple[str, Any], ...] = (
    ("name", _("姓名")),
    ("gender", _("性别")),
    ("birth_date", _("出生日期")),
    ("org", _("所属组织")),
    ("employer_name", _("工作单位")),
    ("phone", _("手机号")),
)


class ProfileChange(models.Model):
    """A person's request to change verified fields. Scope: the person's *current* organisation (``person__org_path``),
    read at every look-up, so a request follows the person when their record moves."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="profile_changes",
                               verbose_name=_("科技工作者"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("申请人"))
    changes = models.JSONField(_("申请修改"), default=dict, blank=True)
    before = models.JSONField(_("原资料"), default=dict, blank=True)
    phone = EncryptedTextField(_("新手机号"), blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)
    reason = models.CharField(_("驳回理由"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("处理人"))

    objects = ScopedQuerySet.as_manager()
    scope_module = "people"  # a bare verb means people.view / people.change

    WORKFLOW = Workflow("status", ChangeStatus, [
        Transition("approve", {ChangeStatus.PENDING}, ChangeStatus.APPROVED, _("通过"),
                   refusal=_("该申请已处理，不能再审核。")),
        Transition("reject", {ChangeStatus.PENDING}, ChangeStatus.REJECTED, _("驳回"),
                   confirm=_("确定驳回这项资料变更申请吗？申请人会收到驳回理由。"),
                   refusal=_("该申请已处理，不能再审核。"), style="secondary"),
        Transition("withdraw", {ChangeStatus.PENDING}, ChangeStatus.WITHDRAWN, _("撤回"),
                   confirm=_("确定撤回这项资料变更申请吗？"), refusal=_("该申请已处理，不能撤回。"),
                   style="secondary"),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("资料变更申请")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="home_change_status")]

    def __str__(self) -> str:
        return str(_("%(name)s的资料变更") % {"name": self.person.name})

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return prefix_q("person__org_path", paths)

    def field_labels(self) -> list[str]:
        """The labels of the fields this request changes, in page order."""
        asked = set(self.changes) | ({"phone"} if self.phone else set())
        return [str(label) for name, label in VERIFIED_FIELDS if name in asked]

    def rows(self) -> list[tuple[str, str, str]]:
        """(label, old, new) per requested field, for the pages; the phone masked on both sides."""
        out = []
        for name, label in VERIFIED_FIELDS:
            if name == "phone":
                if self.phone:
                    out.append((str(label), str(self.before.get("phone_masked", "")), mask_phone(self.phone)))
                continue
            if name in self.changes:
                out.append((str(label), _shown(name, self.before.get(name)), _shown(name, self.changes[name])))
        return out


def _shown(name: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, dict):
        return str(value.get("name", ""))
    if name == "gender":
        from kexie.people.models import Gender

        return str(dict(Gender.choices).get(value, value))
    return str(value)

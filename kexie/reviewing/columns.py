"""The columns every application under review carries (decision 0048): when it was submitted, the reason of the
last decision, who decided and when; with a decision deadline, when its reminder and its escalation went out.
Abstract models: each application model inherits them and keeps its own status, workflow, links and Meta."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Decided(models.Model):
    submitted_at = models.DateTimeField(_("提交时间"))
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    decided_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("办理人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        abstract = True


class DecidedByDeadline(Decided):
    due_at = models.DateTimeField(_("审批期限"))
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

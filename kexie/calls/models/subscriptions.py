"""订阅申报通知: an individual's choice of which newly opened calls they hear about (decision 0042).

Without a row a registered scientist is told of a call that opens to their disciplines and region (the call's
discipline and region rules); a row with ``active`` off stops every such notice; a row with ``active`` on
chooses the disciplines (none: every discipline) and the region (none: anywhere) of the calls they want, and
also brings the calls open to every discipline of the province, which reach only subscribers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CallSubscription(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_subscription",
                                verbose_name=_("用户"))
    active = models.BooleanField(_("接收新申报批次通知"), default=True)
    disciplines = models.ManyToManyField("people.Discipline", blank=True, related_name="+",
                                         verbose_name=_("关注学科"))
    region = models.ForeignKey("orgs.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("关注地区"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("申报通知订阅")

    def __str__(self) -> str:
        return str(self.user)

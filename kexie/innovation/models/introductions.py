"""点厨: an enterprise names an expert (Introduction) and its declared workflow."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField
from kexie.core.scope import ScopedQuerySet, prefix_q
from kexie.core.workflow import Transition, Workflow
from kexie.innovation.models.needs import Enterprise, Need


class IntroStatus(models.TextChoices):
    REQUESTED = "requested", _("待引荐")
    BROKERED = "brokered", _("已联系专家")
    ACCEPTED = "accepted", _("专家同意")
    DECLINED = "declined", _("专家婉拒")
    CANCELLED = "cancelled", _("已取消")
    DONE = "done", _("服务完成")


class Introduction(models.Model):
    """点厨: an enterprise asks to be introduced to a named expert; the association's staff broker it; the expert
    accepts or declines. Contact details are shown to either side only after the expert accepts."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="introductions",
                                   verbose_name=_("企业"))
    need = models.ForeignKey(Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="introductions",
                             verbose_name=_("技术需求"))
    expert = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="introductions",
                               verbose_name=_("专家"))
    message = models.TextField(_("需求说明"), max_length=2000)
    status = models.CharField(_("状态"), max_length=10, choices=IntroStatus.choices, default=IntroStatus.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    brokered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("引荐人"))
    brokered_at = models.DateTimeField(_("引荐时间"), null=True, blank=True)
    staff_note = models.TextField(_("引荐说明"), blank=True, max_length=2000)
    answered_at = models.DateTimeField(_("专家答复时间"), null=True, blank=True)
    decline_reason = models.TextField(_("婉拒理由"), blank=True, max_length=2000)
    outcome = models.TextField(_("服务成效"), blank=True, max_length=4000)
    rating = models.PositiveSmallIntegerField(_("企业评价"), null=True, blank=True)
    org_path = PathField(max_length=255, editable=False)  # the enterprise's host association
    expert_path = PathField(max_length=255, editable=False)  # the expert's organisation

    objects = ScopedQuerySet.as_manager()

    # 待引荐 → 已联系专家 → 专家同意 → 服务完成; or 专家婉拒; or 已取消 before the expert answers.
    WORKFLOW = Workflow("status", IntroStatus, [
        Transition("broker", {IntroStatus.REQUESTED}, IntroStatus.BROKERED, _("已联系专家"),
                   refusal=_("只有待引荐的申请可以引荐。")),
        Transition("cancel", {IntroStatus.REQUESTED, IntroStatus.BROKERED}, IntroStatus.CANCELLED, _("取消引荐"),
                   refusal=_("专家已答复，不能再取消。"), confirm=_("取消后这条引荐即告结束，确定取消吗？"),
                   style="secondary"),
        Transition("accept", {IntroStatus.BROKERED}, IntroStatus.ACCEPTED, _("同意对接"),
                   refusal=_("这条引荐已办结，无需再答复。")),
        Transition("decline", {IntroStatus.BROKERED}, IntroStatus.DECLINED, _("婉拒"),
                   refusal=_("这条引荐已办结，无需再答复。"), confirm=_("确定婉拒这次对接吗？"), style="secondary"),
        Transition("complete", {IntroStatus.ACCEPTED}, IntroStatus.DONE, _("确认服务完成"),
                   refusal=_("专家同意对接后方可确认服务完成。")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("专家引荐")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise} → {self.expert}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return prefix_q("org_path", paths) | prefix_q("expert_path", paths)

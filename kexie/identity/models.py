"""Identity resolution records: candidate pairs with their evidence, and merges that can be undone."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kexie.core.scope import ScopedQuerySet


def _both_in_scope(first: str, second: str, paths: list[str]) -> Q:
    """Both people in scope: the one scope rule of ``Person`` (own organisation or a membership)."""
    from kexie.people.models import Person

    in_scope = Person.objects.filter(Person.scope_q(paths)).values("id")
    return Q(**{f"{first}__in": in_scope}) & Q(**{f"{second}__in": in_scope})


class CandidateStatus(models.TextChoices):
    QUEUED = "queued", _("待审核")
    MERGED = "merged", _("已合并")
    AUTO_MERGED = "auto_merged", _("已自动合并")
    DISTINCT = "distinct", _("不是同一人")


class MatchCandidate(models.Model):
    """A pair of people that may be the same scientist: score, evidence per field, decision.
    Scope: staff see a pair only when both people are in their scope."""

    person_a = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("人员甲"))
    person_b = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("人员乙"))
    score = models.FloatField(_("匹配概率"))
    weight = models.FloatField(_("匹配权重"), default=0)
    evidence = models.JSONField(_("比对依据"), default=dict)
    status = models.CharField(_("状态"), max_length=12, choices=CandidateStatus.choices,
                              default=CandidateStatus.QUEUED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("处理人"))
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("疑似重复人员")
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="match_candidate_pair_unique"),
            models.CheckConstraint(condition=Q(person_a__lt=models.F("person_b")), name="match_candidate_ordered"),
        ]
        indexes = [models.Index(fields=["status", "-score"], name="match_candidate_queue")]

    def __str__(self) -> str:
        return f"{self.person_a_id} ~ {self.person_b_id}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return _both_in_scope("person_a_id", "person_b_id", paths)


class Merge(models.Model):
    """One merge of ``merged`` into ``survivor`` with everything needed to undo it exactly: the rows
    moved to the survivor and the survivor's fields that were empty and got the merged record's value."""

    survivor = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("保留人员"))
    merged = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("并入人员"))
    candidate = models.ForeignKey(MatchCandidate, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="merges")
    automatic = models.BooleanField(_("自动合并"), default=False)
    memberships = models.JSONField(default=list)  # ids moved to the survivor
    posts = models.JSONField(default=list)
    disciplines = models.JSONField(default=list)  # PersonDiscipline ids
    kept = models.JSONField(default=dict)  # rows left on the merged record because the survivor has their twin
    filled = models.JSONField(default=dict)  # field -> the survivor's value before (always empty)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("操作人"))
    created_at = models.DateTimeField(_("合并时间"), auto_now_add=True)
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("撤销人"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("人员合并记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return _both_in_scope("survivor_id", "merged_id", paths)

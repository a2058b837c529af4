"""The census of scientists (底数, SPEC §3.1): a summary of live people counted per organisation and
dimension value, rebuilt set-based by ``services.refresh()`` (daily task, after bulk loads).

``CensusCount`` holds, for every organisation that holds people's records, the number of live people
per value of one dimension (age band, gender, title level, education, first-level discipline, or the
total), for each filter slice: every discipline (``*``) or one first-level discipline, every title
level (``*``) or one. A page sums one slice's rows over the organisations in scope, so its cost grows
with the number of organisations, not of people (decision 0009)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField
from kexie.core.scope import ScopedQuerySet

ANY = "*"  # the slice that does not filter on this column


class Dimension(models.TextChoices):
    TOTAL = "total", _("合计")
    AGE = "age", _("年龄段")
    GENDER = "gender", _("性别")
    TITLE = "title", _("职称级别")
    EDUCATION = "edu", _("学历")
    DISCIPLINE = "disc", _("一级学科")


class CensusCount(models.Model):
    # No database constraint: the refresh inserts millions of rows; a hard-deleted organisation leaves rows
    # that the next refresh drops.
    org = models.ForeignKey("orgs.Organisation", on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                            db_constraint=False)
    org_path = PathField(max_length=255)  # the organisation's path; orgs.services.move() rewrites it
    discipline = models.CharField(max_length=3)  # first-level GB/T 13745 code, "" none, "*" any
    title_level = models.CharField(max_length=12)  # TitleLevel value, "" none, "*" any
    dimension = models.CharField(max_length=6, choices=Dimension.choices)
    value = models.CharField(max_length=12)
    n = models.PositiveIntegerField()

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("底数汇总")
        indexes = [
            models.Index(fields=["discipline", "title_level", "org_path"], name="census_slice_path",
                         include=["dimension", "value", "org", "n"]),
        ]

    def __str__(self) -> str:
        return f"{self.org_path} {self.discipline}/{self.title_level} {self.dimension}={self.value}: {self.n}"


class CensusState(models.Model):
    """One row: when the summary was last rebuilt, and as of which day its age bands count."""

    refreshed_at = models.DateTimeField(_("更新时间"))
    as_of = models.DateField(_("年龄计算日期"))
    people = models.PositiveIntegerField(_("人数"), default=0)
    rows = models.PositiveIntegerField(_("汇总行数"), default=0)
    seconds = models.FloatField(_("用时（秒）"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("底数汇总状态")

    def __str__(self) -> str:
        return f"{self.refreshed_at:%Y-%m-%d %H:%M}"

"""The vocabularies 科普 content is tagged with: topics (专题) and the key audiences (重点人群, seed 002 专栏11).
Both are data — the migration ships the defaults, staff may add more — with names in both languages."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class _Term(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        abstract = True
        ordering = ["order", "code"]

    def __str__(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class Topic(_Term):
    """专题 (健康, 防灾减灾, 食品安全, 航空航天…): what readers, screens and subscribers choose by."""

    class Meta(_Term.Meta):
        verbose_name = verbose_name_plural = _("科普专题")


class Audience(_Term):
    """重点人群: 青少年, 农民, 产业工人, 老年人, 领导干部和公务员."""

    class Meta(_Term.Meta):
        verbose_name = verbose_name_plural = _("重点人群")

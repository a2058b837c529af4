"""Compliance rules as data (SPEC §3.1): which organisations and bodies a rule covers, what it measures,
how it compares and against what threshold. The computation lives in ``rules.py``."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kexie.governance.rules import SHARE_METRICS, Comparison, Metric, RuleSpec, Severity
from kexie.members.models import BodyKind
from kexie.orgs.models import KindCategory


class ComplianceRule(models.Model):
    """治理合规规则. Global configuration (like organisation kinds and roles): not tied to one
    organisation, edited by users who may change the root organisation."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    description = models.TextField(_("依据"), max_length=2000)
    org_categories = models.JSONField(_("适用组织类别"), default=list)
    body_kinds = models.JSONField(_("适用领导机构"), default=list)
    metric = models.CharField(_("指标"), max_length=20, choices=Metric.choices)
    comparison = models.CharField(_("比较"), max_length=3, choices=Comparison.choices)
    threshold = models.DecimalField(_("阈值"), max_digits=12, decimal_places=6)
    parameter = models.PositiveSmallIntegerField(_("年龄界限"), null=True, blank=True)
    severity = models.CharField(_("级别"), max_length=4, choices=Severity.choices, default=Severity.FAIL)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    AUDIT_FIELDS = ("threshold", "parameter", "active")

    class Meta:
        verbose_name = verbose_name_plural = _("治理合规规则")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the interface language (the shipped rules' names are message ids)."""
        return gettext(self.name) if self.name else self.name

    @property
    def text(self) -> str:
        return gettext(self.description) if self.description else self.description

    @property
    def is_share(self) -> bool:
        return self.metric in SHARE_METRICS

    @property
    def threshold_display(self) -> str:
        """As staff type it: a share as 0.75, a count as 1."""
        value: Decimal = Decimal(self.threshold)
        if self.is_share:
            return f"{value.normalize():f}"
        return str(int(value))

    def org_category_labels(self) -> list[str]:
        labels = dict(KindCategory.choices)
        return [str(labels.get(c, c)) for c in self.org_categories]

    def body_kind_labels(self) -> list[str]:
        labels = dict(BodyKind.choices)
        return [str(labels.get(k, k)) for k in self.body_kinds]

    def spec(self) -> RuleSpec:
        return RuleSpec(pk=self.pk, code=self.code, name=self.label, metric=self.metric, comparison=self.comparison,
                        threshold=Decimal(self.threshold), parameter=self.parameter, severity=self.severity,
                        org_categories=tuple(self.org_categories), body_kinds=tuple(self.body_kinds), text=self.text)

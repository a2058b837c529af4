"""综合能力评价 (SPEC §3.3): indicator systems as data (two levels, weights, a source and a scoring
method per leaf), evaluation runs with a score per organisation and a leaf score per indicator (the
explanation), expert scores entered in the console, and the exit rule's follow-ups.

Scope: a system and its runs are visible to the owner's subtree and to anyone with a scored
organisation in scope (a city sees the province's county evaluation through its own counties);
scores, leaf scores, expert scores and follow-ups belong to the evaluated organisation's path.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField
from kexie.core.scope import ScopedQuerySet, prefix_q


class SourceType(models.TextChoices):
    REPORT = "report", _("报表数据")
    REGISTRY = "registry", _("登记数据")
    EXPERT = "expert", _("专家评分")


class Method(models.TextChoices):
    BANDS = "bands", _("分档计分")
    LINEAR = "linear", _("区间线性计分")
    BEST_PEER = "best_peer", _("与同类最优值之比")
    PERCENTILE = "percentile", _("同类百分位")


class CategoryRule(models.TextChoices):
    SECTOR = "sector", _("按学科门类（理科/工科/农科/医科/交叉）")
    CITY = "city", _("按所在市")
    NONE = "none", _("不分类")


class GradingMode(models.TextChoices):
    SCORE = "score", _("按分数段定等次")
    SHARE = "share", _("按比例定等次")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class RunStatus(models.TextChoices):
    """A run started from the page waits for the task worker (排队中), computes and writes its scores in batches
    (进行中, with progress), then becomes the current result (完成) or records why it stopped (失败)."""

    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("完成")
    FAILED = "failed", _("失败")


class IndicatorSystem(models.Model):
    """指标体系: the indicators (two levels), which organisations it evaluates, how it groups them
    (分类评价) and how it grades them."""

    code = models.SlugField(_("体系代码"), max_length=60, unique=True)
    name = models.CharField(_("体系名称"), max_length=120)
    description = models.TextField(_("说明"), blank=True, max_length=8000)
    owner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="indicator_systems",
                              verbose_name=_("组织评价单位"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    target_kinds = models.JSONField(_("评价对象类型"), default=list, blank=True)
    target_levels = models.JSONField(_("评价对象层级"), default=list, blank=True)
    category_rule = models.CharField(_("分类方式"), max_length=10, choices=CategoryRule.choices,
                                     default=CategoryRule.NONE)
    grading = models.JSONField(_("定等规则"), default=dict)
    report_form = models.CharField(_("报表代码"), max_length=60, blank=True)
    preset = models.CharField(_("预置体系"), max_length=60, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("评价指标体系")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        scored = Score.objects.filter(prefix_q("org_path", paths), run__system=OuterRef("pk"))
        return prefix_q("org_path", paths) | Q(Exists(scored))

    @property
    def grading_mode(self) -> str:
        return str(self.grading.get("mode", GradingMode.SCORE))


class Indicator(models.Model):
    """指标: a level-1 group (no parent; weight = its full points) or a leaf (parent = its group; weight
    = its full points; the leaves of a group add up to the group's weight)."""

    system = models.ForeignKey(IndicatorSystem, on_delete=models.CASCADE, related_name="indicators",
                               verbose_name=_("指标体系"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children",
                               verbose_name=_("一级指标"))
    code = models.SlugField(_("指标代码"), max_length=60)
    name = models.CharField(_("指标名称"), max_length=120)
    weight = models.DecimalField(_("分值"), max_digits=7, decimal_places=2)
    source_type = models.CharField(_("数据来源"), max_length=10, choices=SourceType.choices, blank=True)
    source = models.CharField(_("取数表达式"), max_length=200, blank=True,
                              help_text=_("报表字段或登记指标代码，可用 a / b、a + b 组合"))
    method = models.CharField(_("计分方法"), max_length=12, choices=Method.choices, blank=True)
    params = models.JSONField(_("计分参数"), default=dict, blank=True)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    note = models.CharField(_("说明"), max_length=400, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("评价指标")
        ordering = ["system", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["system", "code"], name="indicator_code_unique")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return Q(system__in=IndicatorSystem.objects.filter(IndicatorSystem.scope_q(paths)).values("pk"))

    @property
    def is_leaf(self) -> bool:
        return self.parent_id is not None


class EvaluationRun(models.Model):
    """One evaluation of a system for a year. Runs are kept: a new run of the same system and year
    becomes the current one and the earlier stays as history (follow-ups may refer to it)."""

    system = models.ForeignKey(IndicatorSystem, on_delete=models.CASCADE, related_name="runs",
                               verbose_name=_("指标体系"))
    year = models.PositiveSmallIntegerField(_("评价年度"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    is_current = models.BooleanField(_("当前结果"), default=True)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("执行人"))
    run_at = models.DateTimeField(_("执行时间"), auto_now_add=True)
    seconds = models.FloatField(_("用时（秒）"), default=0)
    organisations = models.PositiveIntegerField(_("参评组织数"), default=0)
    missing_leaves = models.PositiveIntegerField(_("缺失数据项数"), default=0)
    orgs_with_missing = models.PositiveIntegerField(_("有缺失数据的组织数"), default=0)
    grade_counts = models.JSONField(_("各等次数量"), default=dict, blank=True)
    # background runs (decision 0047): a run is current only once it is done; ``organisations`` is the total
    status = models.CharField(_("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.DONE)
    orgs_done = models.PositiveIntegerField(_("已评价组织数"), default=0)
    error = models.TextField(_("失败原因"), blank=True, max_length=2000)
    beat_at = models.DateTimeField(_("最近进度"), null=True, blank=True)  # written with the progress
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("评价批次")
        ordering = ["-year", "-run_at", "-id"]
        indexes = [models.Index(fields=["system", "year", "is_current"], name="evalrun_current")]

    def __str__(self) -> str:
        return f"{self.system} {self.year}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        scored = Score.objects.filter(prefix_q("org_path", paths), run=OuterRef("pk"))
        return prefix_q("org_path", paths) | Q(Exists(scored))

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)

    @property
    def percent(self) -> int:
        """Organisations scored, in per cent of the total (0 while the data is read)."""
        if not self.organisations:
            return 100 if self.status == RunStatus.DONE else 0
        return min(100, self.orgs_done * 100 // self.organisations)


class Score(models.Model):
    """An organisation's result in a run: total (= the exact sum of its leaf points), grade, ranks,
    last year's result when the system was run for the year before."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="scores", verbose_name=_("评价批次"))
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="evaluation_scores",
                                     verbose_name=_("参评组织"))
    org_path = PathField(max_length=255, editable=False)
    category = models.CharField(_("类别"), max_length=120, blank=True)
    total = models.DecimalField(_("总分"), max_digits=8, decimal_places=2)
    grade = models.CharField(_("等次"), max_length=10, choices=Grade.choices)
    rank = models.PositiveIntegerField(_("总排名"))
    category_rank = models.PositiveIntegerField(_("类别内排名"))
    category_size = models.PositiveIntegerField(_("类别内参评数"))
    prev_total = models.DecimalField(_("上年总分"), max_digits=8, decimal_places=2, null=True, blank=True)
    prev_grade = models.CharField(_("上年等次"), max_length=10, choices=Grade.choices, blank=True)
    prev_category_rank = models.PositiveIntegerField(_("上年类别内排名"), null=True, blank=True)
    missing_count = models.PositiveSmallIntegerField(_("缺失数据项数"), default=0)
    missing_report = models.BooleanField(_("无已通过的年报"), default=False)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("评价得分")
        ordering = ["run", "category", "category_rank", "org_path"]
        constraints = [models.UniqueConstraint(fields=["run", "organisation"], name="score_run_org_unique")]
        indexes = [models.Index(fields=["run", "org_path"], name="score_run_path"),
                   models.Index(fields=["run", "category", "category_rank"], name="score_run_category")]

    def __str__(self) -> str:
        return f"{self.run} · {self.organisation_id}"

    @property
    def change(self):
        return None if self.prev_total is None else self.total - self.prev_total


class LeafScore(models.Model):
    """The explanation of one leaf of one score: the raw figure, the rule that turned it into points,
    the points. Missing data is a row with ``missing`` set and 0 points, never an absent row."""

    # no index of its own: the unique constraint (score, indicator) serves look-ups by score
    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="leaves", verbose_name=_("评价得分"),
                              db_index=False)
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+", verbose_name=_("指标"))
    raw = models.FloatField(_("原始数据"), null=True, blank=True)
    fraction = models.FloatField(_("得分率"), default=0)
    points = models.DecimalField(_("得分"), max_digits=7, decimal_places=2)
    missing = models.BooleanField(_("数据缺失"), default=False)
    rule = models.CharField(_("计分过程"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("指标得分")
        ordering = ["score", "indicator__order", "indicator_id"]
        constraints = [models.UniqueConstraint(fields=["score", "indicator"], name="leafscore_unique")]

    def __str__(self) -> str:
        return f"{self.indicator_id}={self.points}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return prefix_q("score__org_path", paths)


class ExpertScore(models.Model):
    """专家评分 for an ``expert`` leaf, entered in the console per system, year and organisation."""

    system = models.ForeignKey(IndicatorSystem, on_delete=models.CASCADE, related_name="expert_scores",
                               verbose_name=_("指标体系"))
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="expert_scores",
                                  verbose_name=_("指标"))
    year = models.PositiveSmallIntegerField(_("评价年度"))
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("参评组织"))
    org_path = PathField(max_length=255, editable=False)
    value = models.DecimalField(_("专家评分"), max_digits=7, decimal_places=2)
    note = models.CharField(_("评分说明"), max_length=400, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("录入人"))
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("专家评分")
        ordering = ["system", "year", "org_path", "indicator"]
        constraints = [models.UniqueConstraint(fields=["indicator", "year", "organisation"],
                                               name="expertscore_unique")]
        indexes = [models.Index(fields=["system", "year", "org_path"], name="expertscore_path")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year} {self.organisation_id}={self.value}"


class Stage(models.TextChoices):
    """The exit rule (001 §61): 不合格 → 约谈 → 警告 → 撤销团体会员资格; 整改完成 closes a case early."""

    INTERVIEW = "interview", _("约谈")
    WARNING = "warning", _("警告")
    REVOKED = "revoked", _("撤销团体会员资格")
    RECTIFIED = "rectified", _("整改完成")


class FollowUp(models.Model):
    """One decided step of the exit rule for an organisation: who decided what and when."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("组织"))
    org_path = PathField(max_length=255, editable=False)
    run = models.ForeignKey(EvaluationRun, on_delete=models.PROTECT, related_name="follow_ups",
                            verbose_name=_("依据的评价"))
    stage = models.CharField(_("处理环节"), max_length=12, choices=Stage.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("决定人"))
    decided_on = models.DateField(_("决定日期"))
    note = models.TextField(_("情况说明"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("评价后续处理")
        ordering = ["organisation", "created_at", "id"]
        indexes = [models.Index(fields=["org_path"], name="followup_path")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.get_stage_display()}"

"""Calls (申报批次), their quotas (推荐名额) and expert libraries.
申报评审 (SPEC §3.4, decision 0013): one engine for every call.

A ``Call`` is data: type, owner, applicant kind, eligibility rules (``eligibility.py``), an application form
(the form schema of ``kexie.formkit.schema``: number/text/choice/date/file/table fields), the stage
sequence with deadlines, a rubric, reviews per application, funding. ``Quota`` rows give each nominating
organisation its places (推荐名额). An ``Application`` moves through statuses that follow the stages, each
move kept in ``ApplicationEvent`` (with the data as submitted). Expert libraries (``ExpertLibrary`` →
``Expert``) hold registry people with availability and load; ``ConflictDeclaration`` is a self-declared
conflict (回避), and ``ReviewAssignment`` is an expert's assigned application (released on a conflict).

Stages (``Call.stages``)::

    [{"code": "apply", "deadline": "2026-03-31"}, {"code": "nominate", "deadline": "2026-04-15"},
     {"code": "formal", "deadline": "2026-04-30"}, {"code": "review_corr", "deadline": "2026-05-31"},
     {"code": "notice", "deadline": "2026-06-10"}, {"code": "result", "deadline": ""}]

Rubric (``Call.rubric``): ``[{"key": "innovation", "label": "创新性", "weight": 0.4, "max": 100,
"guidance": "…"}]`` with weights summing to 1.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.fields import PathField
from kexie.core.models import SoftDeleteModel, SoftDeleteQuerySet
from kexie.core.scope import ScopedQuerySet, prefix_q
from kexie.core.workflow import Transition, Workflow


class CallType(models.TextChoices):
    TOPIC = "topic", _("课题")
    TALENT = "talent", _("人才托举")
    AWARD = "award", _("奖项与院士推荐")
    POPSCI = "popsci", _("科普作品")
    BASE = "base", _("基地与示范县认定")
    FUNCTION = "function", _("承接职能项目")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("个人")
    ORG = "org", pgettext_lazy("applicant kind", "单位")


class Stage(models.TextChoices):
    """The stages in their only possible order; a call uses a subsequence starting with 申报, ending with 结果."""

    APPLY = "apply", _("申报")
    NOMINATE = "nominate", _("单位推荐")
    FORMAL = "formal", _("形式审查")
    REVIEW_CORR = "review_corr", _("通讯评审")
    REVIEW_MEETING = "review_meeting", _("会议评审")
    NOTICE = "notice", _("公示")
    RESULT = "result", _("结果")


STAGE_ORDER = [s.value for s in Stage]
REVIEW_STAGES = (Stage.REVIEW_CORR, Stage.REVIEW_MEETING)


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class Call(SoftDeleteModel):
    code = models.SlugField(_("批次代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    year = models.PositiveSmallIntegerField(_("年度"))
    type = models.CharField(_("类型"), max_length=12, choices=CallType.choices)
    description = models.TextField(_("说明"), blank=True, max_length=8000)
    owner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="calls",
                              verbose_name=_("主办单位"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    applicant_kind = models.CharField(_("申报主体"), max_length=8, choices=ApplicantKind.choices,
                                      default=ApplicantKind.PERSON)
    eligibility = models.JSONField(_("申报条件"), default=list, blank=True)
    form_schema = models.JSONField(_("申报表"), default=dict, blank=True)
    stages = models.JSONField(_("阶段与截止日期"), default=list)
    current_stage = models.CharField(_("当前阶段"), max_length=16, choices=Stage.choices, default=Stage.APPLY)
    rubric = models.JSONField(_("评分细则"), default=list, blank=True)
    reviews_per_application = models.PositiveSmallIntegerField(_("每份申报评审专家数"), default=3)
    blind = models.BooleanField(_("匿名评审"), default=False)
    funds = models.BooleanField(_("提供资助"), default=False)
    funding_per_item = models.DecimalField(_("单项资助金额（万元）"), max_digits=10, decimal_places=2, null=True,
                                           blank=True)
    funding_total = models.DecimalField(_("资助总额（万元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    places = models.PositiveIntegerField(_("计划入选数"), null=True, blank=True)
    # Funded topics (立项 → 中期检查 → 结题): approved applications become projects with these periods.
    tracks_projects = models.BooleanField(_("立项后跟踪中期检查与结题"), default=False)
    project_months = models.PositiveSmallIntegerField(_("研究周期（月）"), default=12)
    midterm_month = models.PositiveSmallIntegerField(_("中期检查（第几个月，0 为不检查）"), default=6)
    status = models.CharField(_("状态"), max_length=8, choices=CallStatus.choices, default=CallStatus.DRAFT)
    # Reviewing and results (decision 0013, "Reviewing and results").
    expert_library = models.ForeignKey("calls.ExpertLibrary", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="calls", verbose_name=_("评审专家库"))
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), default=7)
    notice_starts = models.DateField(_("公示开始"), null=True, blank=True)
    notice_ends = models.DateField(_("公示截止"), null=True, blank=True)
    appeal_lodge_days = models.PositiveSmallIntegerField(_("复审申请期限（天）"), default=15)
    appeal_decide_days = models.PositiveSmallIntegerField(_("复审决定期限（天）"), default=60)
    results_published_at = models.DateTimeField(_("结果发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SoftDeleteQuerySet.as_manager()
    scope_path_field = "org_path"

    # The stages move inside 进行中 (``advance``: the service picks the next stage, the status stays).
    WORKFLOW = Workflow("status", CallStatus, [
        Transition("open", {CallStatus.DRAFT}, CallStatus.OPEN, _("发布批次"),
                   refusal=_("只有草稿状态的批次可以发布。")),
        Transition("advance", {CallStatus.OPEN}, None, _("进入下一阶段"), refusal=_("该批次不在进行中。"),
                   confirm=_("阶段只能向前推进，不能退回；本阶段未处理的申报将按规则结束。确定进入下一阶段吗？")),
    ])

    AUDIT_FIELDS = ("code", "name", "year", "type", "owner", "applicant_kind", "current_stage",
                    "reviews_per_application", "blind", "funds", "funding_per_item", "funding_total", "places",
                    "status", "tracks_projects", "project_months", "midterm_month", "expert_library",
                    "notice_days", "appeal_lodge_days", "appeal_decide_days")

    class Meta:
        verbose_name = verbose_name_plural = _("申报批次")
        ordering = ["-year", "code"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def public_q(cls) -> Q:
        """A call is a public notice once opened (``for_public``): never a draft or a deleted one."""
        return Q(deleted_at__isnull=True) & ~Q(status=CallStatus.DRAFT)

    # ---- stages --------------------------------------------------------------------------------
    def stage_codes(self) -> list[str]:
        return [str(s.get("code")) for s in self.stages if isinstance(s, dict)]

    def deadline_of(self, code: str) -> Any:
        """The stage's deadline as a date, or None."""
        import datetime as dt

        for s in self.stages:
            if isinstance(s, dict) and s.get("code") == code and s.get("deadline"):
                return dt.date.fromisoformat(str(s["deadline"]))
        return None

    def has_stage(self, code: str) -> bool:
        return code in self.stage_codes()

    def next_stage(self) -> str | None:
        codes = self.stage_codes()
        i = codes.index(self.current_stage) if self.current_stage in codes else -1
        return codes[i + 1] if 0 <= i < len(codes) - 1 else None

    def stage_rows(self) -> list[dict[str, Any]]:
        codes = self.stage_codes()
        here = codes.index(self.current_stage) if self.current_stage in codes else -1
        labels = dict(Stage.choices)
        return [{"code": c, "label": labels.get(c, c), "deadline": self.deadline_of(c),
                 "state": "done" if i < here else ("current" if i == here else "todo")}
                for i, c in enumerate(codes)]


class Quota(models.Model):
    """推荐名额: how many applications one nominating organisation may endorse in a call."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="quotas", verbose_name=_("申报批次"))
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="call_quotas",
                                     verbose_name=_("推荐单位"))
    org_path = PathField(max_length=255, editable=False)
    places = models.PositiveIntegerField(_("推荐名额"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("推荐名额")
        ordering = ["call", "org_path"]
        constraints = [models.UniqueConstraint(fields=["call", "organisation"], name="calls_quota_unique")]

    def __str__(self) -> str:
        return f"{self.call} · {self.organisation}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return prefix_q("org_path", paths) | prefix_q("call__org_path", paths)

class LibraryPurpose(models.TextChoices):
    REVIEW = "review", _("评审专家库")
    KEPU = "kepu", _("科普专家库")
    THINKTANK = "thinktank", _("智库专家库")
    SERVICE = "service", _("服务专家库")


class ExpertLibrary(SoftDeleteModel):
    """专家库 of an organisation: 评审 (calls), 科普 (scientific review of popular science), 智库, 服务."""

    name = models.CharField(_("名称"), max_length=120)
    purpose = models.CharField(_("用途"), max_length=10, choices=LibraryPurpose.choices, default=LibraryPurpose.REVIEW)
    owner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="expert_libraries",
                              verbose_name=_("管理单位"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    description = models.TextField(_("说明"), blank=True, max_length=4000)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = SoftDeleteQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("评审专家库")
        ordering = ["org_path", "name"]

    def __str__(self) -> str:
        return self.name


class Expert(models.Model):
    """A registry person in a library; disciplines, expertise and employer are read from the registry."""

    library = models.ForeignKey(ExpertLibrary, on_delete=models.CASCADE, related_name="experts",
                                verbose_name=_("专家库"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="expert_entries",
                               verbose_name=_("专家"))
    org_path = PathField(max_length=255, editable=False)  # the library's owner
    available = models.BooleanField(_("可参加评审"), default=True)
    unavailable_until = models.DateField(_("暂停至"), null=True, blank=True)
    max_per_call = models.PositiveSmallIntegerField(_("每批次最多评审数"), default=20)
    past_reviews = models.PositiveIntegerField(_("累计评审数"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    added_at = models.DateTimeField(_("入库时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("评审专家")
        ordering = ["library", "id"]
        constraints = [models.UniqueConstraint(fields=["library", "person"], name="calls_expert_unique")]

    def __str__(self) -> str:
        return f"{self.library} · {self.person}"

"""申报评审 (SPEC §3.4, decision 0013): one engine for every call.

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

from kexie.core.crypto import EncryptedTextField
from kexie.core.fields import PathField
from kexie.core.models import SoftDeleteModel, SoftDeleteQuerySet, WorkflowEvent
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


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    NOMINATED = "nominated", _("已推荐")
    NOT_NOMINATED = "not_nominated", _("未获推荐")
    RETURNED = "returned", _("退回修改")
    FORMAL_PASSED = "formal_passed", _("形式审查通过")
    FORMAL_FAILED = "formal_failed", _("形式审查未通过")
    UNDER_REVIEW = "under_review", _("评审中")
    REVIEWED = "reviewed", _("评审完成")
    PUBLICISED = "publicised", _("公示中")
    APPROVED = "approved", _("入选")
    NOT_APPROVED = "not_approved", _("未入选")
    WITHDRAWN = "withdrawn", _("已撤回")


_AS = ApplicationStatus
_EDITABLE = {_AS.DRAFT, _AS.RETURNED}
_FORMAL_QUEUE = {_AS.SUBMITTED, _AS.NOMINATED}  # the call's queue is one of them (``services.formal_check``)
_IN_REVIEW = {_AS.UNDER_REVIEW, _AS.REVIEWED}
_RESULT = {_AS.APPROVED, _AS.NOT_APPROVED}
_NOT_YET_REVIEWED = _EDITABLE | _FORMAL_QUEUE | {_AS.FORMAL_PASSED}
_SUBMITTED_ONCE = _("申报已提交，不能再修改（退回修改后方可修改）。")

# 申报: every status change of an application, in one table (decision 0024). The applicant fills and
# submits (a return goes back to the formal check), may withdraw until review starts; the nominating
# organisation endorses within quota; the call's staff do the formal check; stage advances move the rest.
APPLICATION_FLOW = Workflow("status", ApplicationStatus, [
    Transition("edit", _EDITABLE, None, _("填写申报"), refusal=_SUBMITTED_ONCE),
    Transition("submit", _EDITABLE, None, _("提交"), refusal=_SUBMITTED_ONCE),  # 已提交 or back to the queue
    Transition("change_nominator", {_AS.DRAFT}, None, _("更换推荐单位"), refusal=_("申报已提交，不能更换推荐单位。")),
    Transition("withdraw", _NOT_YET_REVIEWED, _AS.WITHDRAWN, _("撤回申报"), style="secondary",
               confirm=_("撤回后这份申报不再参加本批次，且不能恢复。确定撤回吗？"),
               refusal=_("当前状态的申报不能撤回。")),
    Transition("nominate", {_AS.SUBMITTED}, _AS.NOMINATED, _("推荐")),
    Transition("decline", {_AS.SUBMITTED}, _AS.NOT_NOMINATED, _("不予推荐"), style="secondary",
               confirm=_("确定不予推荐这份申报吗？")),
    Transition("close_nomination", {_AS.SUBMITTED}, _AS.NOT_NOMINATED, _("推荐阶段结束，未获推荐")),
    Transition("formal_pass", _FORMAL_QUEUE, _AS.FORMAL_PASSED, _("形式审查通过")),
    Transition("formal_return", _FORMAL_QUEUE, _AS.RETURNED, _("退回修改"), style="secondary",
               confirm=_("确定将这份申报退回修改吗？")),
    Transition("formal_fail", _FORMAL_QUEUE, _AS.FORMAL_FAILED, _("形式审查不通过"), style="danger",
               confirm=_("形式审查不通过后申报不再参加本批次。确定不通过吗？")),
    Transition("start_review", {_AS.FORMAL_PASSED}, _AS.UNDER_REVIEW, _("进入专家评审")),
    Transition("review", _IN_REVIEW, None, _("评审"), refusal=_("这份申报不在评审中。")),
    Transition("publicise", _IN_REVIEW, _AS.PUBLICISED, _("进入公示")),
    Transition("object", {_AS.PUBLICISED}, None, _("提出异议"), refusal=_("不在公示期内，不能提出异议。")),
    Transition("approve", _IN_REVIEW | {_AS.PUBLICISED}, _AS.APPROVED, _("入选")),
    Transition("not_approve", _IN_REVIEW | {_AS.PUBLICISED}, _AS.NOT_APPROVED, _("未入选"), style="danger",
               confirm=_("确定不予入选吗？")),
    Transition("appeal", _RESULT, None, _("申请复审"), refusal=_("结果发布后方可申请复审。")),
    Transition("reconsider", _RESULT, None, _("复审改变结果")),  # 入选 ↔ 未入选
])


class ApplicationQuerySet(ScopedQuerySet):
    pass


class Application(models.Model):
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications", verbose_name=_("申报批次"))
    applicant_person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="call_applications", verbose_name=_("申报人"))
    applicant_org = models.ForeignKey("orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="call_applications", verbose_name=_("申报单位"))
    nominator = models.ForeignKey("orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="call_nominations", verbose_name=_("推荐单位"))
    # The applicant's organisation path (the person's own organisation, or the applying organisation).
    org_path = PathField(max_length=255, editable=False)
    title = models.CharField(_("申报名称"), max_length=200)
    data = models.JSONField(_("申报内容"), default=dict, blank=True)
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    disciplines = models.JSONField(_("学科代码"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.DRAFT)
    status_reason = models.TextField(_("意见"), blank=True, max_length=4000)
    # Up to three experts the applicant asks to avoid: [{"person_id": 1, "name": "…", "reason": "…"}].
    avoid_requests = models.JSONField(_("申请回避的专家"), default=list, blank=True)
    # [{"name": "…", "employer": "…", "person_id": null}]
    collaborators = models.JSONField(_("合作者"), default=list, blank=True)
    relatives = models.JSONField(_("亲属"), default=list, blank=True)
    revision = models.PositiveIntegerField(_("提交次数"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    nominated_at = models.DateTimeField(_("推荐时间"), null=True, blank=True)
    funding = models.DecimalField(_("资助金额（万元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    WORKFLOW = APPLICATION_FLOW

    AUDIT_FIELDS = ("title", "status", "status_reason", "nominator", "revision", "funding")

    class Meta:
        verbose_name = verbose_name_plural = _("申报")
        ordering = ["call", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "applicant_person"], condition=Q(applicant_person__isnull=False),
                                    name="calls_application_person_unique"),
            models.UniqueConstraint(fields=["call", "applicant_org"], condition=Q(applicant_org__isnull=False),
                                    name="calls_application_org_unique"),
            models.CheckConstraint(condition=Q(applicant_person__isnull=False) | Q(applicant_org__isnull=False),
                                   name="calls_application_has_applicant"),
        ]
        indexes = [models.Index(fields=["call", "status"], name="calls_app_call_status"),
                   models.Index(fields=["call", "nominator", "status"], name="calls_app_nominator"),
                   models.Index(fields=["org_path"], name="calls_app_org_path")]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        """The applicant's organisation, the nominating organisation or the call's owner in scope."""
        return (prefix_q("org_path", paths) | prefix_q("nominator__path", paths)
                | prefix_q("call__org_path", paths))

    @property
    def applicant_name(self) -> str:
        if self.applicant_person_id:
            return self.applicant_person.name if self.applicant_person else ""
        return self.applicant_org.name if self.applicant_org else ""


class EventAction(models.TextChoices):
    CREATED = "created", _("创建")
    SAVED = "saved", _("保存草稿")
    SUBMITTED = "submitted", _("提交")
    NOMINATED = "nominated", _("推荐")
    DECLINED = "declined", _("不予推荐")
    FORMAL_PASSED = "formal_passed", _("形式审查通过")
    FORMAL_FAILED = "formal_failed", _("形式审查不通过")
    RETURNED = "returned", _("退回修改")
    STAGE = "stage", _("进入下一阶段")
    WITHDRAWN = "withdrawn", _("撤回")


class ApplicationEvent(WorkflowEvent):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events",
                                    verbose_name=_("申报"))
    action = models.CharField(_("操作"), max_length=16, choices=EventAction.choices)
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, blank=True)
    comment = models.TextField(_("意见"), blank=True, max_length=4000)
    data: Any = models.JSONField(_("当时的申报内容"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("申报记录")
        ordering = ["application", "at", "id"]

    def __str__(self) -> str:
        return f"{self.application} {self.get_action_display()}"


class ExpertLibrary(SoftDeleteModel):
    """评审专家库 of an organisation."""

    name = models.CharField(_("名称"), max_length=120)
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


class ConflictDeclaration(models.Model):
    """A conflict an expert declares on an application (自行申报回避)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="conflict_declarations",
                                    verbose_name=_("申报"))
    expert = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="conflict_declarations",
                               verbose_name=_("专家"))
    reason = models.TextField(_("回避理由"), max_length=1000)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("申报人"))
    declared_at = models.DateTimeField(_("时间"), auto_now_add=True)
    org_path = PathField(max_length=255, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("回避声明")
        constraints = [models.UniqueConstraint(fields=["application", "expert"], name="calls_conflict_unique")]

    def __str__(self) -> str:
        return f"{self.expert} ↔ {self.application}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return prefix_q("org_path", paths) | prefix_q("application__call__org_path", paths)


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("已分配")
    RELEASED = "released", _("已释放（回避）")
    DONE = "done", _("已评审")


class ReviewAssignment(models.Model):
    """An application assigned to an expert for review; a declared conflict releases it for reassignment."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("申报批次"))
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments",
                                    verbose_name=_("申报"))
    expert = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="review_assignments",
                               verbose_name=_("专家"))
    stage = models.CharField(_("评审阶段"), max_length=16, choices=Stage.choices, default=Stage.REVIEW_CORR)
    status = models.CharField(_("状态"), max_length=10, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.ASSIGNED)
    affinity = models.FloatField(_("匹配度"), default=0)
    released_reason = models.CharField(_("释放原因"), max_length=1000, blank=True)
    org_path = PathField(max_length=255, editable=False)  # the call's owner
    created_at = models.DateTimeField(_("分配时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    WORKFLOW = Workflow("status", AssignmentStatus, [
        Transition("review", {AssignmentStatus.ASSIGNED, AssignmentStatus.DONE}, None, _("评审"),
                   refusal=_("您已申报回避，不能再评审这份申报。")),
        Transition("release", {AssignmentStatus.ASSIGNED}, AssignmentStatus.RELEASED, _("回避")),
        Transition("complete", {AssignmentStatus.ASSIGNED}, AssignmentStatus.DONE, _("提交评审意见")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("评审分配")
        constraints = [models.UniqueConstraint(fields=["application", "expert", "stage"],
                                               name="calls_assignment_unique")]
        indexes = [models.Index(fields=["call", "expert", "status"], name="calls_assign_expert")]

    def __str__(self) -> str:
        return f"{self.expert} → {self.application}"


def _application_scope(paths: list[str], via: str = "application") -> Q:
    """The application's scope (``Application.scope_q``) reached through the relation ``via``."""
    return (prefix_q(f"{via}__org_path", paths) | prefix_q(f"{via}__nominator__path", paths)
            | prefix_q(f"{via}__call__org_path", paths))


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


class Recommendation(models.TextChoices):
    RECOMMEND = "recommend", pgettext_lazy("recommendation", "推荐")
    CONDITIONAL = "conditional", _("可考虑")
    REJECT = "reject", _("不推荐")


class Review(models.Model):
    """One expert's review of one assigned application: raw scores per rubric criterion are the record.

    Scoped to the call's owner only (``org_path``): the reviewer's identity is never shown outside the
    organising office, so neither the applicant's nor the nominator's scope reaches a review row."""

    assignment = models.OneToOneField(ReviewAssignment, on_delete=models.CASCADE, related_name="review",
                                      verbose_name=_("评审分配"))
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("申报批次"))
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews",
                                    verbose_name=_("申报"))
    reviewer = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="call_reviews",
                                 verbose_name=_("评审专家"))
    scores = models.JSONField(_("分项评分"), default=dict, blank=True)
    total = models.FloatField(_("加权总分"), null=True, blank=True)
    comment = models.TextField(_("评审意见"), blank=True, max_length=8000)
    recommendation = models.CharField(_("推荐意见"), max_length=12, choices=Recommendation.choices, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    org_path = PathField(max_length=255, editable=False)  # the call's owner
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    WORKFLOW = Workflow("status", ReviewStatus, [
        Transition("save", {ReviewStatus.DRAFT}, None, _("保存草稿"), refusal=_("评审意见已提交，不能再修改。")),
        Transition("submit", {ReviewStatus.DRAFT}, ReviewStatus.SUBMITTED, _("提交评审意见"),
                   confirm=_("提交后评审意见不能再修改。确定提交吗？"), refusal=_("评审意见已提交，不能再修改。")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("评审意见")
        ordering = ["application", "id"]
        indexes = [models.Index(fields=["call", "status"], name="calls_review_call_status")]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.application}"


class Vote(models.TextChoices):
    YES = "yes", _("赞成")
    NO = "no", _("反对")
    ABSTAIN = "abstain", _("弃权")


class MeetingVote(models.Model):
    """A panel member's vote on an application at the meeting review (会议评审), per round."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="votes", verbose_name=_("申报批次"))
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="votes",
                                    verbose_name=_("申报"))
    member = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="call_votes",
                               verbose_name=_("评审委员"))
    vote = models.CharField(_("表决"), max_length=8, choices=Vote.choices)
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    cast_at = models.DateTimeField(_("时间"), auto_now=True)
    org_path = PathField(max_length=255, editable=False)  # the call's owner

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("会评表决")
        ordering = ["application", "round", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "member", "round"],
                                               name="calls_vote_unique")]

    def __str__(self) -> str:
        return f"{self.member} {self.vote} {self.application}"


class CaseStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("成立")
    DISMISSED = "dismissed", _("不成立")


class Objection(models.Model):
    """公示异议: an objection lodged during the public-notice period, handled as a tracked case."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="objections", verbose_name=_("申报批次"))
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="objections",
                                    verbose_name=_("申报"))
    name = models.CharField(_("异议人"), max_length=60)
    contact = EncryptedTextField(_("联系方式"), blank=True)
    text = models.TextField(_("异议内容"), max_length=4000)
    lodged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("提交账号"))
    lodged_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("处理人"))
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    handling_reason = models.TextField(_("处理意见"), blank=True, max_length=4000)
    org_path = PathField(max_length=255, editable=False)  # the application's

    objects = ScopedQuerySet.as_manager()

    WORKFLOW = Workflow("status", CaseStatus, [
        Transition("uphold", {CaseStatus.OPEN}, CaseStatus.UPHELD, _("异议成立"), refusal=_("该异议已处理。")),
        Transition("dismiss", {CaseStatus.OPEN}, CaseStatus.DISMISSED, _("异议不成立"), refusal=_("该异议已处理。")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("公示异议")
        ordering = ["call", "lodged_at", "id"]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_status_display()}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return _application_scope(paths)


class AppealStatus(models.TextChoices):
    LODGED = "lodged", _("待决定")
    UPHELD = "upheld", _("复审改变结果")
    REJECTED = "rejected", _("维持原结果")


class Appeal(models.Model):
    """复审: the applicant asks for a re-examination within the call's window; decided within its window."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("申报批次"))
    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="appeal",
                                       verbose_name=_("申报"))
    lodged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("申请人"))
    lodged_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    reasons = models.TextField(_("复审理由"), max_length=4000)
    decide_by = models.DateField(_("决定期限"))
    status = models.CharField(_("状态"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.LODGED)
    decision = models.TextField(_("复审决定"), blank=True, max_length=4000)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("决定人"))
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    org_path = PathField(max_length=255, editable=False)  # the application's

    objects = ScopedQuerySet.as_manager()

    WORKFLOW = Workflow("status", AppealStatus, [
        Transition("uphold", {AppealStatus.LODGED}, AppealStatus.UPHELD, _("复审改变结果"),
                   confirm=_("复审改变结果将改变这份申报的入选结果。确定吗？"), refusal=_("该复审已有决定。")),
        Transition("reject", {AppealStatus.LODGED}, AppealStatus.REJECTED, _("维持原结果"),
                   refusal=_("该复审已有决定。")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("复审")
        ordering = ["call", "lodged_at", "id"]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_status_display()}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return _application_scope(paths)


# ---- funded topics: 立项 → 中期检查 → 结题 -------------------------------------------------------
class ProjectStatus(models.TextChoices):
    ONGOING = "ongoing", _("在研")
    CONCLUDED = "concluded", _("已结题")
    FAILED = "failed", _("结题未通过")
    TERMINATED = "terminated", _("已终止")


# 立项课题: in research until concluded, failed at the final check or terminated.
_ONGOING = {ProjectStatus.ONGOING}
PROJECT_FLOW = Workflow("status", ProjectStatus, [
    Transition("report", _ONGOING, None, _("提交报告")),
    Transition("extend", _ONGOING, None, _("延期")),
    Transition("terminate", _ONGOING, ProjectStatus.TERMINATED, _("终止课题"), style="danger",
               confirm=_("终止后课题不能恢复。确定终止吗？")),
    Transition("conclude", _ONGOING, ProjectStatus.CONCLUDED, _("结题")),
    Transition("fail", _ONGOING, ProjectStatus.FAILED, _("结题未通过")),
])


class Project(models.Model):
    """立项课题: an approved application of a call that tracks projects, followed to its conclusion.

    Scoped like its application (the applicant's organisation, the nominating organisation, the call's owner)."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="projects", verbose_name=_("申报批次"))
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="project",
                                       verbose_name=_("申报"))
    code = models.CharField(_("立项编号"), max_length=80, unique=True)
    title = models.CharField(_("课题名称"), max_length=200)
    org_path = PathField(max_length=255, editable=False)  # the application's
    funding = models.DecimalField(_("资助金额（万元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    starts = models.DateField(_("开始日期"))
    ends = models.DateField(_("计划完成日期"))
    extensions = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    status = models.CharField(_("状态"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.ONGOING)
    status_reason = models.TextField(_("说明"), blank=True, max_length=4000)
    # The outputs of the accepted final report (论文, 专利, 咨询报告 …), kept for the results library.
    outputs = models.JSONField(_("成果"), default=dict, blank=True)
    created_at = models.DateTimeField(_("立项时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    WORKFLOW = PROJECT_FLOW

    AUDIT_FIELDS = ("code", "title", "funding", "starts", "ends", "extensions", "status", "status_reason")

    class Meta:
        verbose_name = verbose_name_plural = _("立项课题")
        ordering = ["call", "code"]
        indexes = [models.Index(fields=["org_path"], name="calls_project_org_path"),
                   models.Index(fields=["status", "ends"], name="calls_project_status")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return _application_scope(paths)


class ReportKind(models.TextChoices):
    MIDTERM = "midterm", _("中期检查")
    FINAL = "final", _("结题")


class ProjectReportStatus(models.TextChoices):
    PENDING = "pending", _("待提交")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("退回修改")
    PASSED = "passed", _("通过")
    FAILED = "failed", _("不通过")


# 中期检查 / 结题 report: filled by the leader, judged by the call's staff.
_PRS = ProjectReportStatus
_REPORT_JUDGED = _("只能审核已提交的报告。")
_REPORT_SUBMITTED = _("报告已提交，不能再修改（退回修改后方可修改）。")
PROJECT_REPORT_FLOW = Workflow("status", ProjectReportStatus, [
    Transition("fill", {_PRS.PENDING, _PRS.RETURNED}, None, _("填写报告"), refusal=_REPORT_SUBMITTED),
    Transition("submit", {_PRS.PENDING, _PRS.RETURNED}, _PRS.SUBMITTED, _("提交报告"), refusal=_REPORT_SUBMITTED),
    Transition("pass", {_PRS.SUBMITTED}, _PRS.PASSED, _("通过"), refusal=_REPORT_JUDGED),
    Transition("return", {_PRS.SUBMITTED}, _PRS.RETURNED, _("退回修改"), style="secondary",
               confirm=_("确定将报告退回修改吗？"), refusal=_REPORT_JUDGED),
    Transition("fail", {_PRS.SUBMITTED}, _PRS.FAILED, _("不通过"), style="danger",
               confirm=_("报告不通过将结束课题（中期不通过即终止）。确定不通过吗？"), refusal=_REPORT_JUDGED),
])


class ProjectReport(models.Model):
    """A midterm (中期检查) or final (结题) report of a project: filled by the project's leader, judged by the
    call's staff (通过 / 退回修改 / 不通过)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports", verbose_name=_("立项课题"))
    kind = models.CharField(_("类别"), max_length=8, choices=ReportKind.choices)
    due = models.DateField(_("提交截止"))
    data = models.JSONField(_("报告内容"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ProjectReportStatus.choices,
                              default=ProjectReportStatus.PENDING)
    revision = models.PositiveIntegerField(_("提交次数"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    verdict_comment = models.TextField(_("审核意见"), blank=True, max_length=4000)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("审核人"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    org_path = PathField(max_length=255, editable=False)  # the project's

    objects = ScopedQuerySet.as_manager()

    WORKFLOW = PROJECT_REPORT_FLOW

    class Meta:
        verbose_name = verbose_name_plural = _("课题报告")
        ordering = ["project", "due", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "kind"], name="calls_project_report_unique")]
        indexes = [models.Index(fields=["status", "due"], name="calls_projreport_due")]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_kind_display()}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return _application_scope(paths, via="project__application")


class ProjectAction(models.TextChoices):
    ESTABLISHED = "established", _("立项")
    SAVED = "saved", _("保存报告草稿")
    SUBMITTED = "submitted", _("提交报告")
    PASSED = "passed", _("报告通过")
    RETURNED = "returned", _("报告退回修改")
    FAILED = "failed", _("报告不通过")
    EXTENDED = "extended", _("延期")
    TERMINATED = "terminated", _("终止")
    CONCLUDED = "concluded", _("结题")


class ProjectEvent(WorkflowEvent):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events", verbose_name=_("立项课题"))
    report = models.ForeignKey(ProjectReport, null=True, blank=True, on_delete=models.CASCADE, related_name="events",
                               verbose_name=_("课题报告"))
    action = models.CharField(_("操作"), max_length=12, choices=ProjectAction.choices)
    comment = models.TextField(_("意见"), blank=True, max_length=4000)
    data: Any = models.JSONField(_("当时的报告内容"), null=True, blank=True)

    scope_path_field = None  # scoped through the project's application (``scope_q``), as every project record

    class Meta:
        verbose_name = verbose_name_plural = _("课题记录")
        ordering = ["project", "at", "id"]

    def __str__(self) -> str:
        return f"{self.project} {self.get_action_display()}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return _application_scope(paths, via="project__application")

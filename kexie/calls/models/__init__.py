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

One models package, one Django app (``calls``): a module per area (calls and expert libraries, applications,
review, projects), re-exported here, so ``kexie.calls.models.Call`` and the migrations are unchanged.
"""

from kexie.calls.models.applications import (
    APPLICATION_FLOW,
    Application,
    ApplicationEvent,
    ApplicationQuerySet,
    ApplicationStatus,
    ConflictDeclaration,
    EventAction,
)
from kexie.calls.models.calls import (
    REVIEW_STAGES,
    STAGE_ORDER,
    ApplicantKind,
    Call,
    CallStatus,
    CallType,
    Expert,
    ExpertLibrary,
    LibraryPurpose,
    Quota,
    Stage,
)
from kexie.calls.models.projects import (
    PROJECT_FLOW,
    PROJECT_REPORT_FLOW,
    Project,
    ProjectAction,
    ProjectEvent,
    ProjectReport,
    ProjectReportStatus,
    ProjectStatus,
    ReportKind,
)
from kexie.calls.models.review import (
    Appeal,
    AppealStatus,
    AssignmentStatus,
    CaseStatus,
    MeetingVote,
    Objection,
    Recommendation,
    Review,
    ReviewAssignment,
    ReviewStatus,
    Vote,
)
from kexie.calls.models.subscriptions import CallSubscription

__all__ = [
    "APPLICATION_FLOW",
    "Appeal",
    "AppealStatus",
    "ApplicantKind",
    "Application",
    "ApplicationEvent",
    "ApplicationQuerySet",
    "ApplicationStatus",
    "AssignmentStatus",
    "Call",
    "CallStatus",
    "CallSubscription",
    "CallType",
    "CaseStatus",
    "ConflictDeclaration",
    "EventAction",
    "Expert",
    "ExpertLibrary",
    "LibraryPurpose",
    "MeetingVote",
    "Objection",
    "PROJECT_FLOW",
    "PROJECT_REPORT_FLOW",
    "Project",
    "ProjectAction",
    "ProjectEvent",
    "ProjectReport",
    "ProjectReportStatus",
    "ProjectStatus",
    "Quota",
    "REVIEW_STAGES",
    "Recommendation",
    "ReportKind",
    "Review",
    "ReviewAssignment",
    "ReviewStatus",
    "STAGE_ORDER",
    "Stage",
    "Vote",
]

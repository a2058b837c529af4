"""数字科创 (SPEC §3.5): enterprises, technology needs, achievements, dispatches to societies (点菜), service
records and matching feedback.

An ``Enterprise`` registers with its unified social credit code (checked against GB 32100, then verified by the
serving association's staff) and is served by a ``host`` association, whose path scopes it. A ``Need`` is posted by
an enterprise's users (or entered by staff), reviewed before publication and followed through
提交 → 审核 → 发布 → 对接中 → 已对接 → 已解决 / 关闭 (``NeedEvent`` history). A ``Dispatch`` sends a published need to
a society, which answers within the agreed time with a service team or a reason to decline; overdue dispatches
escalate. When the service is done the enterprise rates it, which writes a ``ServiceRecord`` — the yearly count
of service per society and per expert. ``MatchFeedback`` keeps useful / not useful marks on matching results.

One models package, one Django app (``innovation``): the models live in a module per sub-package (needs, market,
introductions, stations, challenges) and are re-exported here, so ``kexie.innovation.models.Need`` and the
migrations are unchanged. Each workflow model declares its transitions once as ``WORKFLOW`` (kexie.core.workflow).
"""

from kexie.innovation.models.challenges import (
    PUBLIC_CHALLENGE_STATUSES,
    Challenge,
    ChallengeApplication,
    ChallengeApplicationStatus,
    ChallengeStatus,
    Milestone,
    MilestoneStatus,
)
from kexie.innovation.models.introductions import (
    Introduction,
    IntroStatus,
)
from kexie.innovation.models.market import (
    Achievement,
    AchievementStatus,
    Enquiry,
    EnquiryStatus,
    Maturity,
    TransferMode,
)
from kexie.innovation.models.needs import (
    OPEN_NEED_STATUSES,
    Confidentiality,
    Dispatch,
    DispatchRequest,
    DispatchStatus,
    Enterprise,
    MatchFeedback,
    Need,
    NeedAction,
    NeedEvent,
    NeedKind,
    NeedStatus,
    RequestStatus,
    ServiceRecord,
    ServiceSource,
    VerifyStatus,
)
from kexie.innovation.models.stations import (
    Station,
    StationExpert,
    StationKind,
    StationStatus,
    StationYear,
)

__all__ = [
    "Achievement",
    "AchievementStatus",
    "Challenge",
    "ChallengeApplication",
    "ChallengeApplicationStatus",
    "ChallengeStatus",
    "Confidentiality",
    "Dispatch",
    "DispatchRequest",
    "DispatchStatus",
    "Enquiry",
    "EnquiryStatus",
    "Enterprise",
    "IntroStatus",
    "Introduction",
    "MatchFeedback",
    "Maturity",
    "Milestone",
    "MilestoneStatus",
    "Need",
    "NeedAction",
    "NeedEvent",
    "NeedKind",
    "NeedStatus",
    "RequestStatus",
    "OPEN_NEED_STATUSES",
    "PUBLIC_CHALLENGE_STATUSES",
    "ServiceRecord",
    "ServiceSource",
    "Station",
    "StationExpert",
    "StationKind",
    "StationStatus",
    "StationYear",
    "TransferMode",
    "VerifyStatus",
]

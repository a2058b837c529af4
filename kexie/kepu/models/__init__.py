"""数字科普 models, a module per area (re-exported here: the app label and migrations see one models module)."""

from kexie.kepu.models.debunks import Debunk, DebunkStatus, Synonym, Verdict
from kexie.kepu.models.delivery import Screen, SearchLog, Subscription, TermDay, TermSource
from kexie.kepu.models.effect import Channel, ItemDay, Rating, ViewEvent
from kexie.kepu.models.emergency import Incident, IncidentKind, IncidentStatus
from kexie.kepu.models.items import (
    Adoption,
    Item,
    ItemEvent,
    ItemEventAction,
    ItemKind,
    ItemMedia,
    ItemStatus,
    ItemVersion,
    MediaKind,
)
from kexie.kepu.models.officers import InfoOfficer, PointAction, PointEntry, PointRule
from kexie.kepu.models.review import Review, ReviewTask, RoundKind, RoundStatus, Stage, TaskDecision
from kexie.kepu.models.taxonomy import Audience, Topic

__all__ = [
    "Adoption", "Audience", "Channel", "Debunk", "DebunkStatus", "Incident", "IncidentKind", "IncidentStatus",
    "InfoOfficer", "Item", "ItemDay", "ItemEvent", "ItemEventAction", "ItemKind", "ItemMedia", "ItemStatus",
    "ItemVersion", "MediaKind", "PointAction", "PointEntry", "PointRule", "Rating", "Review", "ReviewTask",
    "RoundKind", "RoundStatus", "Screen", "SearchLog", "Stage", "Subscription", "Synonym", "TaskDecision",
    "TermDay", "TermSource", "Topic", "Verdict", "ViewEvent",
]

"""Writes of 科学辟谣: drafts written and edited by ``kepu.change`` holders of the publishing organisation,
published and retracted by ``kepu.publish`` holders there. A debunk is published only with its reviewing expert:
a person of the registry (``expert``) or, for an expert outside it, a typed signature "姓名（单位）"
(``expert_name``; decision 0053). ``search_text`` holds the claim's normalised tokens (synonyms mapped to their
canonical words) beside the segmented claim and explanation, so both public search and paraphrase finding
(similar.py) read one index."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import history_for, log_action, snapshot
from kexie.core.search import index_text
from kexie.core.services import require
from kexie.kepu.debunks.flow import FLOW
from kexie.kepu.debunks.similar import normalise
from kexie.kepu.models import Debunk, DebunkStatus, Item, Topic, Verdict
from kexie.notices.services import notify
from kexie.orgs.models import Organisation
from kexie.people.models import Person

FIELDS = ("claim", "verdict", "explanation", "sources", "expert", "expert_name", "first_seen", "item")
AUDITED = ("claim", "verdict", "explanation", "sources", "expert", "expert_name", "status")
CLAIM_MAX, EXPLANATION_MAX, SOURCES_MAX, EXPERT_NAME_MAX, REASON_MAX = 200, 20_000, 4000, 120, 1000
# a typed signature: a name, then the affiliation in brackets
EXPERT_SIGNATURE = re.compile(r"^\s*[^（()）]{2,40}\s*[（(][^（()）]{2,78}[）)]\s*$")


def signature(name: str, affiliation: str) -> str:
    """How a typed expert signs: "姓名（单位）" (empty when no name is given)."""
    name, affiliation = " ".join(name.split()), " ".join(affiliation.split())
    return f"{name}（{affiliation}）" if name and affiliation else name


def split_signature(value: str) -> tuple[str, str]:
    m = re.match(r"^\s*(?P<name>[^（(]+)[（(](?P<aff>.*)[）)]\s*$", value or "")
    return (m["name"].strip(), m["aff"].strip()) if m else ((value or "").strip(), "")


def search_text_of(debunk: Debunk, topic_names: Iterable[str] = ()) -> str:
    return index_text(whole=[*normalise(debunk.claim), *topic_names],
                      segmented=[debunk.claim, debunk.explanation, debunk.expert_name])


def _text(value: Any) -> str:
    return str(value or "").replace("\x00", "").strip()


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "claim": " ".join(_text(data.get("claim")).split()),
        "verdict": _text(data.get("verdict")),
        "explanation": _text(data.get("explanation")).replace("\r\n", "\n"),
        "sources": "\n".join(line.strip() for line in _text(data.get("sources")).splitlines() if line.strip()),
        "expert": data.get("expert"),
        "expert_name": " ".join(_text(data.get("expert_name")).split()),
        "first_seen": data.get("first_seen"),
        "item": data.get("item"),
    }
    errors: dict[str, str] = {}
    if not out["claim"]:
        errors["claim"] = _("请填写流言的说法。")
    elif len(out["claim"]) > CLAIM_MAX:
        errors["claim"] = _("流言不能超过 %(n)s 个字。") % {"n": CLAIM_MAX}
    if out["verdict"] not in Verdict.values:
        errors["verdict"] = _("请选择结论。")
    if not out["explanation"]:
        errors["explanation"] = _("请填写解读。")
    elif len(out["explanation"]) > EXPLANATION_MAX:
        errors["explanation"] = _("解读不能超过 %(n)s 个字。") % {"n": EXPLANATION_MAX}
    if len(out["sources"]) > SOURCES_MAX:
        errors["sources"] = _("依据来源不能超过 %(n)s 个字。") % {"n": SOURCES_MAX}
    if len(out["expert_name"]) > EXPERT_NAME_MAX:
        errors["expert_name"] = _("专家署名不能超过 %(n)s 个字。") % {"n": EXPERT_NAME_MAX}
    if out["expert"] is not None and not isinstance(out["expert"], Person):
        errors["expert"] = _("请从列表中选择审核专家。")
    if out["item"] is not None and not isinstance(out["item"], Item):
        errors["item"] = _("相关科普作品无效。")
    first_seen = out["first_seen"]
    if first_seen is not None and (not isinstance(first_seen, dt.date) or first_seen > timezone.localdate()):
        errors["first_seen"] = _("流传时间不能晚于今天。")
    if errors:
        raise ValidationError(errors)
    if out["expert"] is not None:
        out["expert_name"] = ""  # the registry's person signs; no typed name beside
    return out


def _lock(debunk: Debunk | int) -> Debunk:
    pk = debunk if isinstance(debunk, int) else debunk.pk
    return Debunk.objects.select_for_update().get(pk=pk)


def _set_topics(debunk: Debunk, topics: Iterable[Topic] | None) -> None:
    if topics is not None:
        debunk.topics.set(list(topics))


def _reindex(debunk: Debunk) -> None:
    debunk.search_text = search_text_of(debunk, [t.name for t in debunk.topics.all()])
    Debunk.objects.filter(pk=debunk.pk).update(search_text=debunk.search_text)


@transaction.atomic
def create_debunk(actor: Any, *, org: Organisation, topics: Iterable[Topic] = (), **data: Any) -> Debunk:
    """A draft debunk of ``org`` (the actor holds ``kepu.change`` there)."""
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    require(actor, "kepu.change", org.path)
    clean = _clean(data)
    debunk = Debunk.objects.create(org=org, org_path=org.path, status=DebunkStatus.DRAFT,
                                   created_by=actor if getattr(actor, "pk", None) else None, **clean)
    _set_topics(debunk, topics)
    _reindex(debunk)
    log_action(actor, "kepu.debunk.created", debunk, scope_path=debunk.org_path,
               after=snapshot(debunk, ("org", *AUDITED)))
    return debunk


@transaction.atomic
def edit_debunk(actor: Any, debunk: Debunk | int, *, topics: Iterable[Topic] | None = None, **data: Any) -> Debunk:
    """A draft is edited with ``kepu.change``; a published debunk (corrected in place) only with
    ``kepu.publish``; a retracted one is reopened first."""
    debunk = _lock(debunk)
    published = debunk.status == DebunkStatus.PUBLISHED
    require(actor, "kepu.publish" if published else "kepu.change", debunk.org_path)
    if debunk.deleted_at is not None:
        raise ValidationError(_("这条辟谣已删除。"))
    if debunk.status == DebunkStatus.RETRACTED:
        raise ValidationError(_("这条辟谣已撤回，请先“重新修改”再编辑。"))
    clean = _clean({**{f: getattr(debunk, f) for f in FIELDS}, **data})
    if published:
        _check_expert(clean["expert"], clean["expert_name"])
    before = snapshot(debunk, AUDITED)
    for field, value in clean.items():
        setattr(debunk, field, value)
    debunk.save(update_fields=[*FIELDS, "updated_at"])
    _set_topics(debunk, topics)
    _reindex(debunk)
    log_action(actor, "kepu.debunk.edited", debunk, scope_path=debunk.org_path, before=before,
               after=snapshot(debunk, AUDITED))
    return debunk


def _check_expert(expert: Person | None, expert_name: str) -> None:
    if expert is None and not EXPERT_SIGNATURE.match(expert_name or ""):
        raise ValidationError(_("发布前请选择审核专家，或填写库外专家的姓名和工作单位。"))


def _author(actor: Any, debunk: Debunk) -> list[Any]:
    """Who hears of a publication or retraction: the debunk's writer, unless they did it themselves."""
    author = debunk.created_by
    return [author] if author is not None and author.pk != getattr(actor, "pk", None) else []


@transaction.atomic
def publish(actor: Any, debunk: Debunk | int) -> Debunk:
    """发布: on the public list at once, with its ClaimReview markup. Needs the reviewing expert."""
    debunk = _lock(debunk)
    require(actor, "kepu.publish", debunk.org_path)
    if debunk.deleted_at is not None:
        raise ValidationError(_("这条辟谣已删除。"))
    FLOW.check(debunk, "publish")
    _check_expert(debunk.expert, debunk.expert_name)
    before, _after = FLOW.apply(debunk, "publish")
    debunk.published_at = timezone.now()
    debunk.save(update_fields=["status", "published_at", "updated_at"])
    log_action(actor, "kepu.debunk.published", debunk, scope_path=debunk.org_path,
               extra={"from": before, "to": debunk.status})
    notify(_author(actor, debunk), title=_("您撰写的辟谣已发布：%(c)s") % {"c": debunk.claim},
           url=reverse("kepu:debunk-manage", args=[debunk.pk]), key=f"kepu-published-debunk-{debunk.pk}")
    return debunk


@transaction.atomic
def retract(actor: Any, debunk: Debunk | int, *, reason: str) -> Debunk:
    """撤回: the public page answers 410 with the correction note (``reason``, kept in the history)."""
    reason = " ".join(_text(reason).split())
    if not reason:
        raise ValidationError({"reason": _("请填写撤回原因和更正说明，公众页面会显示。")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("更正说明不能超过 %(n)s 个字。") % {"n": REASON_MAX}})
    debunk = _lock(debunk)
    require(actor, "kepu.publish", debunk.org_path)
    before, _after = FLOW.apply(debunk, "retract")
    debunk.save(update_fields=["status", "updated_at"])
    log_action(actor, "kepu.debunk.retracted", debunk, scope_path=debunk.org_path,
               extra={"from": before, "to": debunk.status, "reason": reason})
    n = int(timezone.now().timestamp())  # each retraction tells anew
    notify(_author(actor, debunk), title=_("您撰写的辟谣已撤回：%(c)s") % {"c": debunk.claim}, body=reason,
           url=reverse("kepu:debunk-manage", args=[debunk.pk]), key=f"kepu-retracted-debunk-{debunk.pk}-{n}")
    return debunk


@transaction.atomic
def reopen(actor: Any, debunk: Debunk | int) -> Debunk:
    """重新修改: a retracted debunk back to draft, to correct and publish again."""
    debunk = _lock(debunk)
    require(actor, "kepu.change", debunk.org_path)
    before, _after = FLOW.apply(debunk, "reopen")
    debunk.save(update_fields=["status", "updated_at"])
    log_action(actor, "kepu.debunk.reopened", debunk, scope_path=debunk.org_path,
               extra={"from": before, "to": debunk.status})
    return debunk


def correction_of(debunk: Debunk) -> str:
    """The correction note of the latest retraction (shown on the 410 page)."""
    entry = history_for(debunk).filter(action="kepu.debunk.retracted").order_by("-created_at", "-id").first()
    return str((entry.data or {}).get("reason", "")) if entry else ""


def count_view(pk: int) -> None:
    """One more read of a public debunk: a single UPDATE (no row per read, no lock held)."""
    Debunk.objects.filter(pk=pk).update(views=F("views") + 1)

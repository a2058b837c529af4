"""Notices when a call opens (decision 0042): the staff of every nominating organisation holding a quota, and the
registered scientists the call is for — by its discipline and region rules, or by their own subscription
(订阅申报通知, ``CallSubscription``).

Who is told is one SQL query over people with an account (the call's cheap rules — region, discipline, age, title,
membership — as filters, never a loop over the registry); the notices go out in chunks, one key per call and user,
so announcing again (a quota added later, the job run twice) sends nothing twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from kexie.calls import eligibility
from kexie.calls.models import ApplicantKind, Call, CallStatus, CallSubscription, Quota, Stage
from kexie.core.audit import log_action
from kexie.notices.services import notify
from kexie.orgs.models import Organisation
from kexie.people.models import Discipline, Person

CHUNK = 1000


def _rules(call: Call, kind: str) -> list[dict[str, Any]]:
    return [r for r in call.eligibility or [] if isinstance(r, dict) and r.get("rule") == kind]


def discipline_codes(call: Call) -> list[str]:
    """The codes of the call's discipline rules (empty: open to every discipline)."""
    return sorted({str(c) for r in _rules(call, "discipline") for c in r.get("codes") or [] if c})


def reach(call: Call) -> list[str]:
    """The organisation paths the call is for: its region rules' subtrees, else its owner's subtree."""
    ids = [o for r in _rules(call, "region") for o in r.get("orgs") or []]
    if ids:
        return sorted(set(Organisation.objects.filter(pk__in=ids).values_list("path", flat=True)))
    return [call.org_path]


def province_wide(call: Call) -> bool:
    """Open to every discipline of a whole top-level organisation: only subscribers hear of it."""
    return not discipline_codes(call) and any(len(p) <= Organisation.steplen for p in reach(call))


def _prefixes(path: str) -> list[str]:
    step = Organisation.steplen
    return [path[:i] for i in range(step, len(path) + 1, step)]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def eligible_q(call: Call) -> Q:
    """The call's rules a registry person can be checked against in SQL (``eligibility.evaluate`` is the
    authority on the call page; the 往届 rule is left to it)."""
    from kexie.members.models import Membership

    q = Q(pk__in=[])
    for p in reach(call):
        q |= Q(org_path__startswith=p)
    for rule in _rules(call, "discipline"):
        q &= Q(pk__in=eligibility_persons(rule.get("codes") or []))
    for rule in _rules(call, "title"):
        q &= Q(title_level__in=list(rule.get("levels") or []))
    for rule in _rules(call, "age"):
        try:
            on = dt.date.fromisoformat(str(rule.get("on")))
        except ValueError:
            continue
        q &= Q(birth_date__isnull=False)
        if rule.get("max") is not None:
            q &= Q(birth_date__gt=_years_before(on, int(rule["max"]) + 1))
        if rule.get("min") is not None:
            q &= Q(birth_date__lte=_years_before(on, int(rule["min"])))
    for rule in _rules(call, "membership"):
        good = Membership.objects.filter(person=OuterRef("pk"), deleted_at__isnull=True,
                                         status__in=eligibility.GOOD_STANDING)
        if rule.get("society"):
            good = good.filter(society_id=rule["society"])
        q &= Q(Exists(good))
    return q


def eligibility_persons(codes: Iterable[str]) -> QuerySet[Any]:
    from kexie.people.models import PersonDiscipline

    codes = [str(c) for c in codes if c]
    return PersonDiscipline.objects.filter(eligibility.discipline_q(codes, "discipline__code")).values("person_id")


def matching_subscriptions(call: Call) -> QuerySet[CallSubscription]:
    """Active subscriptions whose disciplines and region meet the call's."""
    through = CallSubscription.disciplines.through
    chosen = through.objects.filter(callsubscription_id=OuterRef("pk"))
    subs = CallSubscription.objects.filter(active=True)
    codes = discipline_codes(call)
    if codes:
        # a chosen discipline at, above or below one of the call's codes
        overlap = Q(pk__in=[])
        for code in codes:
            overlap |= Q(discipline__code__startswith=code) | Q(discipline__code__in=[code[:3], code[:5], code])
        subs = subs.filter(~Q(Exists(chosen)) | Q(Exists(chosen.filter(overlap))))
    paths = reach(call)
    near = Q(region__isnull=True)
    for p in paths:
        near |= Q(region__path__startswith=p) | Q(region__path__in=_prefixes(p))
    return subs.filter(near)


def people_to_tell(call: Call) -> QuerySet[Person]:
    """The registry people with an active account the opening is announced to (ordered, for chunks)."""
    if call.applicant_kind != ApplicantKind.PERSON:
        return Person.objects.none()
    people = Person.objects.filter(deleted_at__isnull=True, user__isnull=False, user__is_active=True)
    people = people.filter(eligible_q(call))
    wanted = matching_subscriptions(call).values("user_id")
    if province_wide(call):
        people = people.filter(user_id__in=wanted)
    else:
        people = people.filter(Q(user_id__in=wanted) | ~Q(user_id__in=CallSubscription.objects.values("user_id")))
    return people.order_by("pk")


def _chunks(qs: QuerySet[Any]) -> Iterator[list[int]]:
    last = 0
    while True:
        ids = list(qs.filter(pk__gt=last).values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return
        yield ids
        last = ids[-1]


def _deadline(call: Call, stage: str) -> str:
    day = call.deadline_of(stage)
    return day.isoformat() if day else _("未设")


def announce_call(call: Call) -> int:
    """Tell the quota holders' staff and the scientists the call is for that it is open (a call in its 申报 or
    推荐 stage only). Once per call and user; returns how many notices were created."""
    from kexie.accounts.models import User
    from kexie.accounts.services import users_at

    if call.status != CallStatus.OPEN or call.deleted_at is not None or call.current_stage not in (
            Stage.APPLY, Stage.NOMINATE):
        return 0
    title = _("新的申报批次：%(c)s") % {"c": call.name}
    url = reverse("calls:detail", args=[call.pk])
    sent = 0
    quota_orgs = list(Quota.objects.filter(call=call, places__gt=0).values_list("organisation_id", flat=True))
    if quota_orgs:
        staff = [u for users in users_at(quota_orgs, "calls.change").values() for u in users]
        body = _("贵单位获得推荐名额。申报截止：%(a)s；推荐截止：%(n)s。") % {
            "a": _deadline(call, Stage.APPLY), "n": _deadline(call, Stage.NOMINATE)}
        sent += notify(staff, title=title, body=body, url=url, key=f"calls-open-{call.pk}")
    if call.current_stage == Stage.APPLY:
        body = _("您符合条件的领域有新的申报批次，申报截止：%(a)s。请在批次页面核对申报资格。") % {
            "a": _deadline(call, Stage.APPLY)}
        for ids in _chunks(people_to_tell(call)):
            users = User.objects.filter(person__pk__in=ids)
            sent += notify(users, title=title, body=body, url=url, key=f"calls-open-{call.pk}")
    return sent


# ---- the subscription page (/calls/subscribe/) ------------------------------------------------------------
def subscription_of(user: Any) -> CallSubscription | None:
    return CallSubscription.objects.filter(user=user).first() if user.is_authenticated else None


def region_choices() -> QuerySet[Organisation]:
    """The regions offered: the 科协 of the province and its cities."""
    return (Organisation.objects.alive().filter(kind__code="kx", depth__lte=2).order_by("path"))


@transaction.atomic
def save_subscription(actor: Any, *, active: bool, disciplines: Iterable[Discipline],
                      region: Organisation | None) -> CallSubscription:
    """Save the actor's own subscription (only theirs: the actor is the record)."""
    if not getattr(actor, "is_authenticated", False):
        raise ValidationError(_("请先登录。"))
    disciplines = list(disciplines)
    if len(disciplines) > 40:
        raise ValidationError(_("关注学科最多选择 40 个。"))
    if region is not None and not region_choices().filter(pk=region.pk).exists():
        raise ValidationError(_("请选择省或市科协作为关注地区。"))
    sub, created = CallSubscription.objects.select_for_update().get_or_create(
        user=actor, defaults={"active": active, "region": region})
    before = None if created else {"active": sub.active, "region": sub.region_id,
                                   "disciplines": sorted(sub.disciplines.values_list("code", flat=True))}
    sub.active, sub.region = active, region
    sub.save()
    sub.disciplines.set(disciplines)
    person = Person.objects.filter(user=actor).values_list("org_path", flat=True).first()
    log_action(actor, "calls.subscription.saved", sub, scope_path=person or "", before=before,
               after={"active": active, "region": region.pk if region else None,
                      "disciplines": sorted(d.code for d in disciplines)})
    return sub

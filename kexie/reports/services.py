"""Writes of the reporting module: forms and their versions, campaigns, filling, review.

Every write runs in a transaction, re-reads the row with ``select_for_update``, checks scope with
``require()`` on the fresh row and leaves an audit row. Review rights: a user who may change the filer's
parent organisation (a role at the parent or above), or the campaign owner's staff; a role at the
filer's own organisation alone lets a user fill, not review.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.accounts.services import users_at
from kexie.core.audit import log_action, snapshot
from kexie.core.scope import prefix_q, scope_paths, user_can
from kexie.core.services import is_system, require
from kexie.formkit import schema as S
from kexie.notices.services import notify
from kexie.orgs.models import Organisation, OrgStatus
from kexie.reports import figures, registry
from kexie.reports.models import (
    Campaign,
    CampaignStatus,
    EventAction,
    FormVersion,
    Period,
    ReportForm,
    Submission,
    SubmissionEvent,
    SubmissionStatus,
    SubmissionValue,
    VersionStatus,
)

FORM_FIELDS = ("code", "name", "description", "period", "owner")
CAMPAIGN_FIELDS = ("name", "year", "period_label", "opens_on", "deadline", "jump_share", "status")
EDITABLE = Submission.WORKFLOW.sources("fill")
DONE = (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED)
LIVE_STATUSES = (OrgStatus.ACTIVE, OrgStatus.PREPARING, OrgStatus.SUSPENDED)
EMPTY_SCHEMA: dict[str, Any] = {"sections": [], "rules": []}


class SubmissionInvalid(ValidationError):
    """Submission data that failed validation; ``result.errors`` holds the messages by field key."""

    def __init__(self, result: S.Result) -> None:
        super().__init__(result.messages() or [_("填报内容有误。")])
        self.result = result


# ---- forms and versions -------------------------------------------------------------------------

def _lock_form(form: ReportForm) -> ReportForm:
    fresh: ReportForm = ReportForm.objects.select_for_update().get(pk=form.pk)
    return fresh


def _lock_version(version: FormVersion) -> FormVersion:
    fresh: FormVersion = FormVersion.objects.select_for_update().select_related("form").get(pk=version.pk)
    return fresh


def _check_schema(value: Any) -> dict[str, Any]:
    problems = S.check_schema(value, prefill=registry.METRICS)
    if problems:
        raise ValidationError(problems)
    result: dict[str, Any] = value
    return result


@transaction.atomic
def create_form(actor: Any, *, owner: Organisation, code: str, name: str, description: str = "",
                period: str = Period.ANNUAL, schema: Mapping[str, Any] | None = None,
                note: str = "") -> ReportForm:
    """A new form with a first draft version (empty, or the given schema)."""
    require(actor, "reports.change", owner.path)
    if ReportForm.objects.filter(code=code).exists():
        raise ValidationError(_("报表代码“%(c)s”已被使用。") % {"c": code})
    body = _check_schema(dict(schema) if schema is not None else dict(EMPTY_SCHEMA))
    form = ReportForm.objects.create(code=code, name=name, description=description, period=period, owner=owner,
                                     org_path=owner.path)
    FormVersion.objects.create(form=form, number=1, schema=body, note=note, org_path=owner.path,
                               created_by=actor if getattr(actor, "pk", None) else None)
    log_action(actor, "reports.form.created", form, scope_path=form.org_path, after=snapshot(form, FORM_FIELDS))
    return form


@transaction.atomic
def edit_form(actor: Any, form: ReportForm, *, name: str, description: str, period: str) -> ReportForm:
    form = _lock_form(form)
    require(actor, "reports.change", form.org_path)
    before = snapshot(form, FORM_FIELDS)
    form.name, form.description, form.period = name, description, period
    form.save(update_fields=["name", "description", "period", "updated_at"])
    log_action(actor, "reports.form.changed", form, scope_path=form.org_path, before=before,
               after=snapshot(form, FORM_FIELDS))
    return form


@transaction.atomic
def save_schema(actor: Any, version: FormVersion, schema: Any, *, note: str | None = None) -> FormVersion:
    """Replace a draft version's schema (checked first). Published versions never change."""
    version = _lock_version(version)
    require(actor, "reports.change", version.org_path)
    FormVersion.WORKFLOW.check(version, "edit")
    before = {"schema": version.schema}
    version.schema = _check_schema(schema)
    if note is not None:
        version.note = note[:200]
    version.save(update_fields=["schema", "note"])
    log_action(actor, "reports.version.changed", version, scope_path=version.org_path, before=before,
               after={"schema": version.schema})
    return version


@transaction.atomic
def publish(actor: Any, version: FormVersion) -> FormVersion:
    version = _lock_version(version)
    require(actor, "reports.change", version.org_path)
    FormVersion.WORKFLOW.check(version, "publish")
    _check_schema(version.schema)
    if not list(S.fields(version.schema)):
        raise ValidationError(_("表单没有任何字段，不能发布。"))
    FormVersion.WORKFLOW.apply(version, "publish")
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    log_action(actor, "reports.version.published", version, scope_path=version.org_path,
               extra={"number": version.number})
    return version


@transaction.atomic
def new_version(actor: Any, form: ReportForm, *, note: str = "") -> FormVersion:
    """A draft copy of the latest version (one open draft per form at a time)."""
    form = _lock_form(form)
    require(actor, "reports.change", form.org_path)
    latest = FormVersion.objects.filter(form=form).order_by("-number").first()
    if latest is not None and latest.status == VersionStatus.DRAFT:
        raise ValidationError(_("已有未发布的草稿版本（第 %(n)s 版），请先编辑或发布它。") % {"n": latest.number})
    number = (FormVersion.objects.filter(form=form).aggregate(n=Max("number"))["n"] or 0) + 1
    version = FormVersion.objects.create(
        form=form, number=number, schema=latest.schema if latest else dict(EMPTY_SCHEMA), note=note,
        org_path=form.org_path, created_by=actor if getattr(actor, "pk", None) else None)
    log_action(actor, "reports.version.created", version, scope_path=version.org_path, extra={"number": number})
    return version


# ---- campaigns ----------------------------------------------------------------------------------
def usable_versions(user: Any) -> Any:
    """Published versions a user may run campaigns with: forms in their scope, and forms of the
    organisations above their scope (a province form run by a city for its own subtree)."""
    paths = scope_paths(user, "reports.change")
    qs = FormVersion.objects.filter(status=VersionStatus.PUBLISHED, form__deleted_at__isnull=True)
    if paths is None:
        return qs
    above = {p[:i] for p in paths for i in range(Organisation.steplen, len(p) + 1, Organisation.steplen)}
    return qs.filter(Q(pk__in=FormVersion.objects.for_user(user).values("pk")) | Q(org_path__in=sorted(above)))


def selected_orgs(root: Organisation, kinds: Sequence[str] = (), levels: Sequence[str] = (),
                  include_root: bool = True) -> Any:
    """Live organisations of the subtree of ``root`` matching the kinds and levels (empty: any)."""
    qs = Organisation.objects.alive().filter(prefix_q("path", [root.path]), status__in=LIVE_STATUSES)
    if kinds:
        qs = qs.filter(kind__code__in=list(kinds))
    if levels:
        qs = qs.filter(level__in=list(levels))
    if not include_root:
        qs = qs.exclude(pk=root.pk)
    return qs


@transaction.atomic
def create_campaign(actor: Any, *, version: FormVersion, name: str, year: int, root: Organisation,
                    opens_on: dt.date, deadline: dt.date, kinds: Sequence[str] = (), levels: Sequence[str] = (),
                    period_label: str = "", remind_days: Iterable[int] = (7, 3, 1),
                    include_root: bool = False, jump_share: int = 50) -> Campaign:
    """A campaign of ``version`` (published) owned by ``root``, with one submission per matching live
    organisation of its subtree, created in one bulk insert."""
    root = Organisation.objects.select_for_update().get(pk=root.pk)
    require(actor, "reports.change", root.path)
    if root.deleted_at:
        raise ValidationError(_("发起单位已删除。"))
    version = FormVersion.objects.select_related("form").get(pk=version.pk)
    if not root.path.startswith(version.org_path):  # a form of an ancestor may be run by any organisation below
        require(actor, "reports.view", version.org_path)
    if version.status != VersionStatus.PUBLISHED:
        raise ValidationError(_("只能使用已发布的报表版本发起填报。"))
    if deadline < opens_on:
        raise ValidationError(_("截止日期不能早于开始日期。"))
    days = sorted({int(d) for d in remind_days if int(d) > 0}, reverse=True)
    campaign = Campaign.objects.create(
        version=version, name=name, year=year, period_label=period_label, owner=root, org_path=root.path,
        selector={"root": root.pk, "kinds": list(kinds), "levels": list(levels), "include_root": include_root},
        opens_on=opens_on, deadline=deadline, remind_days=days, jump_share=jump_share,
        created_by=actor if getattr(actor, "pk", None) else None)
    orgs = selected_orgs(root, kinds, levels, include_root).values_list("pk", "path")
    Submission.objects.bulk_create([Submission(campaign=campaign, organisation_id=pk, org_path=path)
                                    for pk, path in orgs], batch_size=2000)
    n = Submission.objects.filter(campaign=campaign).count()
    if not n:
        raise ValidationError(_("填报范围内没有符合条件的组织。"))
    log_action(actor, "reports.campaign.created", campaign, scope_path=campaign.org_path,
               after=snapshot(campaign, CAMPAIGN_FIELDS), extra={"filers": n, "selector": campaign.selector})
    announce_opening(campaign)
    return campaign


def announce_opening(campaign: Campaign, today: dt.date | None = None) -> int:
    """The filers' users learn of a campaign when it opens: at once for one open today or earlier, on its
    opening day (the daily job) for one that opens later; never for one already past its deadline. One notice per
    user, filer and campaign (the key), so a second call sends nothing."""
    today = today or timezone.localdate()
    if campaign.status != CampaignStatus.OPEN or campaign.opens_on > today or campaign.deadline < today:
        return 0
    pending = list(Submission.objects.filter(campaign=campaign, status__in=EDITABLE)
                   .values_list("pk", "organisation_id"))
    people = users_at([org for _, org in pending], "reports.change")
    names = dict(Organisation.objects.filter(pk__in=list(people)).values_list("pk", "name"))
    sent = 0
    for pk, org in pending:
        users = people.get(org, [])
        if users:
            sent += notify(users, title=_("新的填报任务：《%(c)s》— %(org)s") % {"c": campaign.name,
                                                                               "org": names.get(org, "")},
                           body=_("请于 %(d)s 前填报并提交。") % {"d": campaign.deadline.isoformat()},
                           url=reverse("reports:submission", args=[pk]), key=f"reports:opened:{campaign.pk}:{org}")
    return sent


@transaction.atomic
def transition_campaign(actor: Any, campaign: Campaign, name: str) -> Campaign:
    """``close`` (结束填报) or ``reopen`` (重新开放) a campaign along ``Campaign.WORKFLOW``."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    require(actor, "reports.change", campaign.org_path)
    before = snapshot(campaign, ("status",))
    Campaign.WORKFLOW.apply(campaign, name)
    campaign.save(update_fields=["status"])
    log_action(actor, "reports.campaign.changed", campaign, scope_path=campaign.org_path, before=before,
               after=snapshot(campaign, ("status",)))
    return campaign


# ---- filling ------------------------------------------------------------------------------------
def _lock_submission(submission: Submission) -> Submission:
    fresh: Submission = (Submission.objects.select_for_update(of=("self",))
                         .select_related("campaign", "campaign__version", "organisation").get(pk=submission.pk))
    return fresh


def can_fill(user: Any, submission: Submission) -> bool:
    return (user_can(user, "reports.change", submission.org_path) and Submission.WORKFLOW.allows(submission, "fill")
            and submission.campaign.status == CampaignStatus.OPEN)


def can_withdraw(user: Any, submission: Submission) -> bool:
    """The filer may take back a submission not yet reviewed while the campaign is open."""
    return (user_can(user, "reports.change", submission.org_path) and Submission.WORKFLOW.allows(submission, "withdraw")
            and submission.campaign.status == CampaignStatus.OPEN)


def parent_path(submission: Submission) -> str:
    return submission.org_path[: -Organisation.steplen]


def can_review(user: Any, submission: Submission) -> bool:
    """The parent organisation's staff (or above), or the campaign owner's staff."""
    parent = parent_path(submission)
    return bool((parent and user_can(user, "reports.change", parent))
                or user_can(user, "reports.change", submission.campaign.org_path) and
                submission.campaign.org_path != submission.org_path)


def _require_fill(actor: Any, submission: Submission, name: str = "fill") -> None:
    require(actor, "reports.change", submission.org_path)
    if submission.campaign.status != CampaignStatus.OPEN:
        raise ValidationError(_("该填报任务已结束，不能再修改。"))
    Submission.WORKFLOW.check(submission, name)


def prefill_values(submission: Submission) -> dict[str, float]:
    """Registry figures for the prefilled number fields of the submission's form."""
    wanted = {f["key"]: f["prefill"] for f in S.fields(submission.campaign.version.schema)
              if f.get("prefill") in registry.METRICS and f.get("type") == "number"}
    if not wanted:
        return {}
    figures_by_org = registry.values(sorted(set(wanted.values())), [submission.organisation])
    mine = figures_by_org.get(submission.organisation_id, {})
    return {key: mine[metric] for key, metric in wanted.items() if metric in mine}


@transaction.atomic
def open_for_filling(actor: Any, submission: Submission) -> Submission:
    """When a filer opens a not-started submission, fill its empty prefill fields from the registry."""
    submission = _lock_submission(submission)
    if not Submission.WORKFLOW.allows(submission, "start") or not user_can(actor, "reports.change", submission.org_path):
        return submission
    values = prefill_values(submission)
    data = dict(submission.data or {})
    filled = {k: int(v) if float(v).is_integer() else v for k, v in values.items() if S.is_empty(data.get(k))}
    if filled:
        data.update(filled)
        submission.data = data
        submission.save(update_fields=["data", "updated_at"])
        log_action(actor, "reports.submission.prefilled", submission, scope_path=submission.org_path,
                   extra={"fields": sorted(filled)})
    return submission


@transaction.atomic
def save_draft(actor: Any, submission: Submission, raw: Mapping[str, Any]) -> Submission:
    """Save what the filer has so far: partial is fine, malformed is not (nothing is saved then)."""
    submission = _lock_submission(submission)
    _require_fill(actor, submission)
    result = S.clean(submission.campaign.version.schema, _merge_files(submission, raw), submit=False,
                     year=submission.campaign.year)
    if not result.ok:
        raise SubmissionInvalid(result)
    submission.data = result.data
    if Submission.WORKFLOW.allows(submission, "start"):
        Submission.WORKFLOW.apply(submission, "start")
    submission.save(update_fields=["data", "status", "updated_at"])
    log_action(actor, "reports.submission.saved", submission, scope_path=submission.org_path,
               extra={"status": submission.status})
    return submission


def previous_year(user: Any, submission: Submission) -> Submission | None:
    """The same organisation's submitted or accepted report of the same form for the year before, if the user may
    see it (the one scope helper)."""
    return (Submission.objects.for_user(user, "reports.view")
            .filter(organisation_id=submission.organisation_id, campaign__year=submission.campaign.year - 1,
                    campaign__version__form_id=submission.campaign.version.form_id,
                    status__in=(SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED))
            .order_by("-submitted_at", "-id").first())


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", "").replace("，", "").strip())
    except ValueError:
        return None


def year_on_year(schema: Mapping[str, Any], data: Mapping[str, Any], before: Mapping[str, Any] | None,
                 share: int) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Last year's figure of every number field (shown beside this year's), and a warning where this year's
    differs from it by more than ``share`` per cent — a check for the filer, never a block."""
    shown: dict[str, str] = {}
    warnings: dict[str, list[str]] = {}
    if not before:
        return shown, warnings
    for f in S.fields(schema):
        if f.get("type") != "number":
            continue
        key = f["key"]
        old, new = _as_number(before.get(key)), _as_number(data.get(key))
        if old is None:
            continue
        shown[key] = f"{old:,.0f}" if old.is_integer() else f"{old:,.2f}"
        if new is None or old <= 0 or share <= 0:
            continue
        change = (new - old) / old * 100
        if abs(change) > share:
            warnings[key] = [_("比上年（%(old)s）%(dir)s %(pct)s%%，超过 %(share)s%% 的提醒线，请核实后再提交。")
                             % {"old": shown[key], "dir": _("增加") if change > 0 else _("减少"),
                                "pct": f"{abs(change):,.0f}", "share": share}]
    return shown, warnings


def validate(submission: Submission, raw: Mapping[str, Any]) -> S.Result:
    """Full (submit-time) validation without saving."""
    return S.clean(submission.campaign.version.schema, _merge_files(submission, raw), submit=True,
                   year=submission.campaign.year)


def _merge_files(submission: Submission, raw: Mapping[str, Any]) -> dict[str, Any]:
    """File fields the page did not re-send keep their stored value."""
    merged = dict(raw)
    for f in S.fields(submission.campaign.version.schema):
        if f.get("type") == "file" and f["key"] not in merged and submission.data.get(f["key"]):
            merged[f["key"]] = submission.data[f["key"]]
    return merged


@transaction.atomic
def submit(actor: Any, submission: Submission, raw: Mapping[str, Any] | None = None,
           action: str = EventAction.SUBMITTED, notify_reviewers: bool = True) -> Submission:
    """Full validation; on success the submission is 已提交, its revision goes up, the history keeps
    a snapshot of the data and its figures are rewritten for aggregation."""
    submission = _lock_submission(submission)
    _require_fill(actor, submission, "submit")
    result = S.clean(submission.campaign.version.schema,
                     _merge_files(submission, raw if raw is not None else submission.data), submit=True,
                     year=submission.campaign.year)
    if not result.ok:
        raise SubmissionInvalid(result)
    now = timezone.now()
    submission.data = result.data
    Submission.WORKFLOW.apply(submission, "submit")
    submission.revision += 1
    submission.submitted_at, submission.submitted_by = now, actor if getattr(actor, "pk", None) else None
    submission.save(update_fields=["data", "status", "revision", "submitted_at", "submitted_by", "updated_at"])
    SubmissionEvent.objects.create(submission=submission, action=action, actor=submission.submitted_by,
                                   data=result.data, org_path=submission.org_path)
    write_values(submission)
    log_action(actor, "reports.submission.submitted", submission, scope_path=submission.org_path,
               extra={"revision": submission.revision, "via": action})
    if notify_reviewers:
        _notify_reviewers(submission)
    return submission


def write_values(submission: Submission) -> int:
    """Rewrite the submission's figures (``SubmissionValue``) from its data."""
    SubmissionValue.objects.filter(submission=submission).delete()
    rows = [SubmissionValue(campaign_id=submission.campaign_id, submission=submission,
                            org_path=submission.org_path, key=key[:120], value=value)
            for key, value in figures.all_figures(submission.data or {}).items()]
    SubmissionValue.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@transaction.atomic
def withdraw(actor: Any, submission: Submission) -> Submission:
    """The filer takes back a submission not yet reviewed, to correct it."""
    submission = _lock_submission(submission)
    require(actor, "reports.change", submission.org_path)
    Submission.WORKFLOW.check(submission, "withdraw")
    if submission.campaign.status != CampaignStatus.OPEN:
        raise ValidationError(_("该填报任务已结束，不能再修改。"))
    Submission.WORKFLOW.apply(submission, "withdraw")
    submission.save(update_fields=["status", "updated_at"])
    SubmissionValue.objects.filter(submission=submission).delete()
    SubmissionEvent.objects.create(submission=submission, action=EventAction.REOPENED,
                                   actor=actor if getattr(actor, "pk", None) else None, org_path=submission.org_path)
    log_action(actor, "reports.submission.withdrawn", submission, scope_path=submission.org_path)
    return submission


# ---- review -------------------------------------------------------------------------------------
def _require_review(actor: Any, submission: Submission, name: str) -> None:
    if not is_system(actor) and not can_review(actor, submission):
        raise PermissionDenied(_("只有上级组织或任务发起单位的工作人员可以审核该填报。"))
    Submission.WORKFLOW.check(submission, name)


@transaction.atomic
def accept(actor: Any, submission: Submission, comment: str = "") -> Submission:
    submission = _lock_submission(submission)
    _require_review(actor, submission, "accept")
    return _review(actor, submission, "accept", EventAction.ACCEPTED, comment.strip())


@transaction.atomic
def return_submission(actor: Any, submission: Submission, comment: str) -> Submission:
    submission = _lock_submission(submission)
    _require_review(actor, submission, "return")
    if not comment.strip():
        raise ValidationError(_("退回时必须填写退回意见。"))
    SubmissionValue.objects.filter(submission=submission).delete()
    return _review(actor, submission, "return", EventAction.RETURNED, comment.strip())


def _review(actor: Any, submission: Submission, transition: str, action: str, comment: str) -> Submission:
    Submission.WORKFLOW.apply(submission, transition)
    submission.reviewed_at = timezone.now()
    submission.reviewed_by = actor if getattr(actor, "pk", None) else None
    submission.comment = comment[:2000]
    submission.save(update_fields=["status", "reviewed_at", "reviewed_by", "comment", "updated_at"])
    SubmissionEvent.objects.create(submission=submission, action=action, actor=submission.reviewed_by,
                                   comment=submission.comment, data=submission.data, org_path=submission.org_path)
    log_action(actor, f"reports.submission.{action}", submission, scope_path=submission.org_path,
               extra={"comment": submission.comment, "revision": submission.revision})
    _notify_filers(submission, action)
    return submission


# ---- notices ------------------------------------------------------------------------------------
def _notify_reviewers(submission: Submission) -> None:
    parent = Organisation.objects.filter(path=parent_path(submission)).values_list("pk", flat=True).first()
    ids = [i for i in (parent, submission.campaign.owner_id) if i]
    users = [u for us in users_at(ids, "reports.change").values() for u in us]
    if not users:
        return
    name = submission.organisation.name
    notify(users, title=_("%(org)s提交了《%(c)s》，请审核") % {"org": name, "c": submission.campaign.name},
           body=_("%(org)s于 %(at)s 提交了第 %(n)s 次填报。") % {
               "org": name, "at": timezone.localtime(submission.submitted_at).strftime("%Y-%m-%d %H:%M")
               if submission.submitted_at else "", "n": submission.revision},
           url=reverse("reports:review", args=[submission.pk]),
           key=f"reports:submitted:{submission.pk}:{submission.revision}")


def _notify_filers(submission: Submission, action: str) -> None:
    users = users_at([submission.organisation_id], "reports.change").get(submission.organisation_id, [])
    if action == EventAction.RETURNED:
        title = _("填报已退回：%(c)s — %(org)s") % {"c": submission.campaign.name, "org": submission.organisation.name}
        body = _("退回意见：%(m)s") % {"m": submission.comment}
    else:
        title = _("填报已通过：%(c)s — %(org)s") % {"c": submission.campaign.name, "org": submission.organisation.name}
        body = submission.comment
    notify(users, title=title, body=body, url=reverse("reports:submission", args=[submission.pk]),
           key=f"reports:review:{action}:{submission.pk}:{submission.revision}")


# ---- reminders ----------------------------------------------------------------------------------
def send_reminders(today: dt.date | None = None) -> dict[str, int]:
    """Remind the users of every filer that has not submitted: ``remind_days`` before the deadline
    and once when it has passed. Idempotent: each notice has a key per campaign, filer and occasion."""
    today = today or timezone.localdate()
    sent = {"campaigns": 0, "filers": 0, "notices": 0}
    for campaign in Campaign.objects.filter(status=CampaignStatus.OPEN, opens_on__lte=today):
        if campaign.opens_on == today:  # created earlier to open today: announced now
            sent["notices"] += announce_opening(campaign, today)
        left = (campaign.deadline - today).days
        if left < 0:
            occasion, title = "overdue", _("《%(c)s》已超过截止日期（%(d)s），请尽快填报") % {
                "c": campaign.name, "d": campaign.deadline.isoformat()}
        elif left in {int(d) for d in campaign.remind_days or []}:
            occasion, title = f"d{left}", _("《%(c)s》将于 %(d)s 截止（还有 %(n)s 天），请按时填报") % {
                "c": campaign.name, "d": campaign.deadline.isoformat(), "n": left}
        else:
            continue
        sent["campaigns"] += 1
        pending = list(Submission.objects.filter(campaign=campaign, status__in=EDITABLE)
                       .values_list("pk", "organisation_id", "status"))
        people = users_at([org for _, org, _ in pending], "reports.change")
        org_names = dict(Organisation.objects.filter(pk__in=[org for _, org, _ in pending]).values_list("pk", "name"))
        for pk, org, status in pending:
            users = people.get(org, [])
            if not users:
                continue
            sent["filers"] += 1
            body = _("当前状态：%(s)s。") % {"s": SubmissionStatus(status).label}
            named = _("%(title)s — %(org)s") % {"title": title, "org": org_names.get(org, "")}
            sent["notices"] += notify(users, title=named, body=body, url=reverse("reports:submission", args=[pk]),
                                      key=f"reports:remind:{campaign.pk}:{org}:{occasion}")
    return sent

"""Aggregation up the tree (汇总): for a node of the tree, one row per child organisation that has
filers below it, with each chosen figure's sum, mean, count and share of the total.

Set-based: one GROUP BY over ``SubmissionValue`` keyed by the path prefix of each child (the first
``len(node.path) + steplen`` characters of the filer's path), on the (campaign, key, org_path) index,
and one GROUP BY over ``Submission`` for the filer counts by status. Both start from the scope helper,
so a row never includes a filer outside the user's scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Sum
from django.db.models.functions import Substr
from django.utils.safestring import SafeString, mark_safe

from kexie.core.scope import prefix_q
from kexie.formkit import schema as S
from kexie.orgs.models import Organisation
from kexie.reports.models import Campaign, Submission, SubmissionStatus, SubmissionValue


@dataclass
class Stat:
    sum: float = 0.0
    count: int = 0
    share: float | None = None

    @property
    def mean(self) -> float | None:
        return self.sum / self.count if self.count else None

    # Formatted once here rather than by template filters: a wide aggregate has tens of thousands of cells.
    @property
    def sum_text(self) -> str:
        return _number(self.sum)

    @property
    def mean_text(self) -> str:
        mean = self.mean
        return "—" if mean is None else f"{mean:.2f}"

    @property
    def share_text(self) -> str:
        return "—" if self.share is None else f"{self.share * 100:.0f}%"


def _number(value: float) -> str:
    """Up to two decimals, none when whole (as ``floatformat:"-2"``)."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


@dataclass
class Row:
    path: str
    org: Organisation | None
    own: bool = False  # the node itself as a filer (本级)
    filers: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    stats: dict[str, Stat] = field(default_factory=dict)
    submission_id: int | None = None
    cells: list[Stat] = field(default_factory=list)  # ``stats`` in the order of the chosen keys, for the page

    @property
    def counted(self) -> int:
        return sum(self.by_status.get(s, 0) for s in self.statuses)

    statuses: tuple[str, ...] = (SubmissionStatus.ACCEPTED,)

    def cells_html(self, tag: str = "td") -> SafeString:
        """The row's figures as table cells (sum, mean, count, share per chosen figure), built here in one
        pass: a wide aggregate is tens of thousands of cells, too many for template loops."""
        # Every value is a number formatted by Stat (digits, '.', '%', '—'): nothing to escape.
        cell = f'<{tag} class="num">{{}}</{tag}>' * 4
        return mark_safe("".join(cell.format(s.sum_text, s.mean_text, s.count, s.share_text)  # noqa: S308
                                 for s in self.cells))

    @property
    def leaf(self) -> bool:
        """A single filer with nothing below it: drill-down opens its submission."""
        return self.own or (self.filers == 1 and self.submission_id is not None)


@dataclass
class Aggregate:
    campaign: Campaign
    node: Organisation
    keys: list[str]
    labels: dict[str, str]
    statuses: tuple[str, ...]
    rows: list[Row]
    total: Row

    @property
    def columns(self) -> list[tuple[str, str]]:
        return [(k, self.labels[k]) for k in self.keys]

    @cached_property
    def keys_query(self) -> str:
        """The chosen keys as query parameters, for the drill-down links."""
        return urlencode([("keys", k) for k in self.keys])


def statuses_for(include_submitted: bool) -> tuple[str, ...]:
    if include_submitted:
        return (SubmissionStatus.ACCEPTED, SubmissionStatus.SUBMITTED)
    return (SubmissionStatus.ACCEPTED,)


def default_keys(campaign: Campaign, limit: int = 6) -> list[str]:
    return list(S.figure_keys(campaign.version.schema))[:limit]


def aggregate(user: Any, campaign: Campaign, node: Organisation, keys: Sequence[str],
              include_submitted: bool = False, action: str = "reports.view") -> Aggregate:
    labels = S.figure_keys(campaign.version.schema)
    keys = [k for k in keys if k in labels]
    statuses = statuses_for(include_submitted)
    width = len(node.path) + Organisation.steplen
    child = Substr("org_path", 1, width)

    subs = (Submission.objects.for_user(user, action).filter(campaign=campaign)
            .filter(prefix_q("org_path", [node.path])).annotate(child=child).order_by()
            .values("child", "status").annotate(n=Count("id")))
    rows: dict[str, Row] = {}
    for r in subs:
        row = rows.setdefault(r["child"], Row(r["child"], None, own=r["child"] == node.path, statuses=statuses))
        row.filers += r["n"]
        row.by_status[r["status"]] = row.by_status.get(r["status"], 0) + r["n"]

    values = (SubmissionValue.objects.for_user(user, action)
              .filter(campaign=campaign, key__in=keys,
                      submission_id__in=Submission.objects.filter(campaign=campaign, status__in=statuses).values("pk"))
              .filter(prefix_q("org_path", [node.path])).annotate(child=child).order_by()
              .values("child", "key").annotate(s=Sum("value"), n=Count("id")))
    for r in values:
        target = rows.get(r["child"])
        if target is not None:
            target.stats[r["key"]] = Stat(float(r["s"] or 0.0), int(r["n"]))

    orgs = {o.path: o for o in Organisation.objects.filter(path__in=list(rows)).select_related("kind")}
    singles = [p for p, row in rows.items() if row.filers == 1 or row.own]
    if singles:
        for pk, path in (Submission.objects.filter(campaign=campaign, org_path__in=singles)
                         .values_list("pk", "org_path")):
            rows[path].submission_id = pk
    total = Row(node.path, node, statuses=statuses)
    for row in rows.values():
        row.org = orgs.get(row.path)
        total.filers += row.filers
        for s, n in row.by_status.items():
            total.by_status[s] = total.by_status.get(s, 0) + n
        for k, st in row.stats.items():
            t = total.stats.setdefault(k, Stat())
            t.sum += st.sum
            t.count += st.count
    for k in keys:
        total.stats.setdefault(k, Stat())
        whole = total.stats[k].sum
        for row in rows.values():
            st = row.stats.setdefault(k, Stat())
            st.share = st.sum / whole if whole else None
        total.stats[k].share = 1.0 if whole else None
    for row in [*rows.values(), total]:
        row.cells = [row.stats[k] for k in keys]
    ordered = sorted(rows.values(), key=lambda r: (not r.own, r.path))
    return Aggregate(campaign, node, keys, {k: labels[k] for k in keys}, statuses, ordered, total)

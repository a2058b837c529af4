"""Governance rules as pure computation (SPEC §3.1; seed 003 §二.1, §三.3).

Nothing here touches the database: ``services.collect()`` turns a handful of aggregate queries into
``TermFacts`` (one per term) and ``evaluate()`` applies each ``RuleSpec`` to them. Thresholds are
parsed and checked here too (``parse_threshold`` / ``parse_parameter``), so the edit service and the
form give the same Chinese messages.

How each metric reads:

* ``frontline_share`` / ``young_share``: distinct people holding a post in the term now (a post with
  no 离任日期 or one after the evaluation date); the share is compared at six decimal places, so 2/3
  stored as 0.666667 is met by exactly two thirds. "45 岁以下" follows Chinese legal usage (以下 includes
  the number): young means at most ``parameter`` full years old on the evaluation date.
* ``official_posts`` / ``official_age`` / ``official_terms``: every serving or retired official
  (公职人员) holding a post in the term is checked on their own; the body fails when one of them does.
  Society posts are counted as distinct societies where the person holds a post now, in the newest term
  of a body of the kinds the rule names, across the whole province (not only the viewer's scope).
* ``term_overdue`` / ``term_expiring``: days past the due end (换届) of the newest term, days left
  before it. A term with a newer one after it has been renewed: these rules do not apply to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

SHARE_PLACES = Decimal("0.000001")


class Metric(models.TextChoices):
    FRONTLINE_SHARE = "frontline_share", gettext_lazy("一线科技工作者比例")
    YOUNG_SHARE = "young_share", gettext_lazy("青年（不超过规定年龄）比例")
    OFFICIAL_POSTS = "official_posts", gettext_lazy("公职人员兼任学会职务数")
    OFFICIAL_AGE = "official_age", gettext_lazy("公职人员年龄")
    OFFICIAL_TERMS = "official_terms", gettext_lazy("公职人员在同一机构任职届数")
    TERM_OVERDUE = "term_overdue", gettext_lazy("届满超期天数")
    TERM_EXPIRING = "term_expiring", gettext_lazy("距届满天数")


class Comparison(models.TextChoices):
    GTE = "gte", "≥"
    GT = "gt", ">"
    LTE = "lte", "≤"
    LT = "lt", "<"


class Severity(models.TextChoices):
    FAIL = "fail", gettext_lazy("不合规")
    WARN = "warn", gettext_lazy("提醒")


class Verdict(models.TextChoices):
    PASS = "pass", gettext_lazy("合格")
    FAIL = "fail", gettext_lazy("不合规")
    WARN = "warn", gettext_lazy("提醒")
    NA = "na", gettext_lazy("不适用")


SHARE_METRICS = frozenset({Metric.FRONTLINE_SHARE, Metric.YOUNG_SHARE})
OFFICIAL_METRICS = frozenset({Metric.OFFICIAL_POSTS, Metric.OFFICIAL_AGE, Metric.OFFICIAL_TERMS})
TERM_METRICS = frozenset({Metric.TERM_OVERDUE, Metric.TERM_EXPIRING})
# Metrics whose rule carries a second number (``parameter``): the age limit of "young".
PARAMETER_METRICS = frozenset({Metric.YOUNG_SHARE})

# (lowest, highest) accepted for integer thresholds, by metric.
INTEGER_BOUNDS: dict[str, tuple[int, int]] = {
    Metric.OFFICIAL_POSTS: (0, 50),
    Metric.OFFICIAL_AGE: (18, 120),
    Metric.OFFICIAL_TERMS: (1, 50),
    Metric.TERM_OVERDUE: (0, 3650),
    Metric.TERM_EXPIRING: (1, 3650),
}
PARAMETER_BOUNDS = (18, 100)


# --- thresholds --------------------------------------------------------------------------------------

def parse_threshold(metric: str, text: object) -> Decimal:
    """The threshold typed by staff, checked for the metric. A share is a number between 0 and 1,
    written 0.75, 75% or 3/4; counts, ages and days are whole numbers within sensible bounds."""
    raw = str(text if text is not None else "").strip().replace("，", ",").replace("％", "%")
    if not raw:
        raise ValidationError(_("请填写阈值。"), code="required")
    if metric in SHARE_METRICS:
        value = _share(raw)
        if value is None:
            raise ValidationError(_("阈值必须是数字，比例可写作 0.75、75% 或 3/4。"), code="invalid")
        if not Decimal(0) <= value <= Decimal(1):
            raise ValidationError(_("比例阈值必须在 0 到 1 之间（即 0% 到 100%）。"), code="range")
        return value.quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)
    if metric not in INTEGER_BOUNDS:
        raise ValidationError(_("未知的指标。"), code="metric")
    number = _integer(raw)
    if number is None:
        raise ValidationError(_("阈值必须是整数。"), code="invalid")
    low, high = INTEGER_BOUNDS[metric]
    if not low <= number <= high:
        raise ValidationError(_("阈值必须在 %(low)s 到 %(high)s 之间。") % {"low": low, "high": high}, code="range")
    return Decimal(number)


def parse_parameter(metric: str, text: object) -> int | None:
    """The age limit of a ``young_share`` rule (None for the other metrics, whatever is sent)."""
    if metric not in PARAMETER_METRICS:
        return None
    raw = str(text if text is not None else "").strip()
    number = _integer(raw) if raw else None
    low, high = PARAMETER_BOUNDS
    if number is None or not low <= number <= high:
        raise ValidationError(_("年龄界限必须是 %(low)s 到 %(high)s 之间的整数（周岁）。") % {"low": low, "high": high},
                              code="parameter")
    return number


def _share(raw: str) -> Decimal | None:
    try:
        if raw.endswith("%"):
            return Decimal(raw[:-1].strip()) / 100
        if "/" in raw:
            num, den = (part.strip() for part in raw.split("/", 1))
            frac = Fraction(int(num), int(den))
            return Decimal(frac.numerator) / Decimal(frac.denominator)
        value = Decimal(raw)
    except (InvalidOperation, ValueError, ZeroDivisionError):
        return None
    return value if value.is_finite() else None


def _integer(raw: str) -> int | None:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.to_integral_value():
        return None
    return int(value)


# --- dates -------------------------------------------------------------------------------------------

def years_before(on: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (28 February for 29 February in a common year)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def age_on(birth: dt.date, on: dt.date) -> int:
    """Full years (周岁) on ``on``."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def young_cutoff(on: dt.date, limit: int) -> dt.date:
    """A person is at most ``limit`` full years old on ``on`` iff born after this date."""
    return years_before(on, limit + 1)


# --- facts and results -------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleSpec:
    """A ``ComplianceRule`` as plain data."""

    pk: int
    code: str
    name: str
    metric: str
    comparison: str
    threshold: Decimal
    parameter: int | None = None
    severity: str = Severity.FAIL
    org_categories: tuple[str, ...] = ()
    body_kinds: tuple[str, ...] = ()
    text: str = ""  # the rule's basis, quoting the seed document

    def applies(self, org_category: str, body_kind: str) -> bool:
        return org_category in self.org_categories and body_kind in self.body_kinds


@dataclass
class Official:
    """A serving or retired official holding a post in the term."""

    person_id: int
    name: str
    birth_date: dt.date | None
    status: str
    terms: int = 1  # terms of this body in which the person held a post
    society_posts: dict[int, int] = field(default_factory=dict)  # rule pk -> societies with a post now


@dataclass
class Member:
    """A person holding a post in the term now (detail pages only)."""

    person_id: int
    name: str
    birth_date: dt.date | None
    frontline: bool
    official: str
    positions: list[str] = field(default_factory=list)


@dataclass
class TermFacts:
    term_id: int | None
    body_id: int
    body_kind: str
    org_category: str
    number: int | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    latest: bool = True
    members: int = 0
    frontline: int = 0
    young: dict[int, int] = field(default_factory=dict)  # age limit -> people at most that old
    officials: list[Official] = field(default_factory=list)
    roster: list[Member] | None = None  # filled for a detail page


@dataclass
class Result:
    rule: RuleSpec
    verdict: str
    figure: str
    people: list[int] = field(default_factory=list)
    value: Decimal | int | None = None
    applicable: bool = True

    @property
    def passed(self) -> bool:
        return self.verdict == Verdict.PASS

    @property
    def failed(self) -> bool:
        return self.verdict == Verdict.FAIL


def compare(value: Decimal | int, comparison: str, threshold: Decimal) -> bool:
    v = Decimal(value)
    if comparison == Comparison.GTE:
        return v >= threshold
    if comparison == Comparison.GT:
        return v > threshold
    if comparison == Comparison.LTE:
        return v <= threshold
    if comparison == Comparison.LT:
        return v < threshold
    raise ValueError(f"unknown comparison {comparison!r}")


def share(numerator: int, denominator: int) -> Decimal:
    return (Decimal(numerator) / Decimal(denominator)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def percent(value: Decimal, places: int = 1) -> str:
    """0.766666 -> '76.7%'; thresholds keep up to two places without trailing zeros (75%, 66.67%)."""
    pct = value * 100
    if places == 1:
        return f"{pct.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
    text = f"{pct.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}".rstrip("0").rstrip(".")
    return f"{text}%"


def requirement(rule: RuleSpec) -> str:
    """'≥ 75%', '≤ 70 周岁', '≤ 1 个' …"""
    sign = Comparison(rule.comparison).label
    t = rule.threshold
    if rule.metric in SHARE_METRICS:
        return f"{sign} {percent(t, 2)}"
    n = int(t)
    units: dict[str, str] = {
        Metric.OFFICIAL_POSTS: ngettext("%(n)s 个", "%(n)s 个", n) % {"n": n},
        Metric.OFFICIAL_AGE: _("%(n)s 周岁") % {"n": n},
        Metric.OFFICIAL_TERMS: ngettext("%(n)s 届", "%(n)s 届", n) % {"n": n},
        Metric.TERM_OVERDUE: ngettext("%(n)s 天", "%(n)s 天", n) % {"n": n},
        Metric.TERM_EXPIRING: ngettext("%(n)s 天", "%(n)s 天", n) % {"n": n},
    }
    return f"{sign} {units[rule.metric]}"


def evaluate(facts: TermFacts, rules: Iterable[RuleSpec], on: dt.date) -> list[Result]:
    """Every rule against one term; rules that do not apply to the body answer ``na``."""
    return [evaluate_one(facts, rule, on) for rule in rules]


def evaluate_one(facts: TermFacts, rule: RuleSpec, on: dt.date) -> Result:
    if not rule.applies(facts.org_category, facts.body_kind):
        return Result(rule, Verdict.NA, _("不适用于该机构"), applicable=False)
    if facts.term_id is None:
        return Result(rule, Verdict.NA, _("尚未登记届次"))
    if rule.metric in SHARE_METRICS:
        return _share_rule(facts, rule, on)
    if rule.metric in OFFICIAL_METRICS:
        return _official_rule(facts, rule, on)
    return _term_rule(facts, rule, on)


def _miss(rule: RuleSpec) -> str:
    return Verdict.WARN if rule.severity == Severity.WARN else Verdict.FAIL


def _share_rule(facts: TermFacts, rule: RuleSpec, on: dt.date) -> Result:
    if rule.metric == Metric.FRONTLINE_SHARE:
        count, label = facts.frontline, _("一线")
    else:
        limit = rule.parameter or 45
        count = facts.young.get(limit, 0)
        label = _("%(age)s 岁以下") % {"age": limit}
    total = facts.members
    if total == 0:
        return Result(rule, Verdict.NA, _("本届暂无在任人员"))
    value = share(count, total)
    ok = compare(value, rule.comparison, rule.threshold)
    figure = _("%(label)s %(count)s / %(total)s = %(pct)s，要求 %(req)s") % {
        "label": label, "count": count, "total": total, "pct": percent(value), "req": requirement(rule)}
    people: list[int] = []
    if facts.roster is not None:  # who counts against the share
        if rule.metric == Metric.FRONTLINE_SHARE:
            people = [m.person_id for m in facts.roster if not m.frontline]
        else:
            cutoff = young_cutoff(on, rule.parameter or 45)
            people = [m.person_id for m in facts.roster if m.birth_date is None or m.birth_date <= cutoff]
    return Result(rule, Verdict.PASS if ok else _miss(rule), figure, people, value)


def _official_value(official: Official, rule: RuleSpec, on: dt.date) -> int | None:
    if rule.metric == Metric.OFFICIAL_AGE:
        return age_on(official.birth_date, on) if official.birth_date else None
    if rule.metric == Metric.OFFICIAL_TERMS:
        return official.terms
    return official.society_posts.get(rule.pk, 0)


def _official_rule(facts: TermFacts, rule: RuleSpec, on: dt.date) -> Result:
    seen: dict[int, Official] = {o.person_id: o for o in facts.officials}
    offenders: list[tuple[Official, int]] = []
    for official in seen.values():
        value = _official_value(official, rule, on)
        if value is not None and not compare(value, rule.comparison, rule.threshold):
            offenders.append((official, value))
    offenders.sort(key=lambda pair: (-pair[1], pair[0].name, pair[0].person_id))
    whats: dict[str, str] = {
        Metric.OFFICIAL_POSTS: _("兼任学会职务"),
        Metric.OFFICIAL_AGE: _("年龄"),
        Metric.OFFICIAL_TERMS: _("在本机构任职届数"),
    }
    what = whats[rule.metric]
    if not seen:
        figure = _("本届无公职人员任职，要求%(what)s %(req)s") % {"what": what, "req": requirement(rule)}
    else:
        figure = _("公职人员 %(total)s 人，其中%(what)s不符合要求（%(req)s）的 %(bad)s 人") % {
            "total": len(seen), "what": what, "req": requirement(rule), "bad": len(offenders)}
    return Result(rule, _miss(rule) if offenders else Verdict.PASS, figure,
                  [o.person_id for o, _value in offenders], len(offenders))


def _term_rule(facts: TermFacts, rule: RuleSpec, on: dt.date) -> Result:
    assert facts.ends_on is not None
    ends = facts.ends_on.isoformat()
    if not facts.latest:
        return Result(rule, Verdict.NA, _("已换届（有更新的届次）"))
    if rule.metric == Metric.TERM_OVERDUE:
        overdue = max(0, (on - facts.ends_on).days)
        ok = compare(overdue, rule.comparison, rule.threshold)
        if overdue:
            figure = _("届满日期 %(ends)s，已超期 %(days)s 天未换届，要求 %(req)s") % {
                "ends": ends, "days": overdue, "req": requirement(rule)}
        else:
            figure = _("届满日期 %(ends)s，未超期") % {"ends": ends}
        return Result(rule, Verdict.PASS if ok else _miss(rule), figure, value=overdue)
    left = (facts.ends_on - on).days
    if left < 0:
        return Result(rule, Verdict.NA, _("届满日期 %(ends)s，已超期（见按期换届规则）") % {"ends": ends}, value=left)
    ok = compare(left, rule.comparison, rule.threshold)
    figure = _("届满日期 %(ends)s，距届满 %(days)s 天，要求 %(req)s") % {
        "ends": ends, "days": left, "req": requirement(rule)}
    return Result(rule, Verdict.PASS if ok else _miss(rule), figure, value=left)


def overall(results: Sequence[Result]) -> str:
    """The body's verdict: not compliant if one rule fails, a reminder if one warns, else compliant
    (``na`` when no rule applies)."""
    verdicts = {r.verdict for r in results}
    for v in (Verdict.FAIL, Verdict.WARN, Verdict.PASS):
        if v in verdicts:
            return v
    return Verdict.NA

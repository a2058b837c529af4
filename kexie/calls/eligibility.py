"""申报条件: a call's eligibility rules as data, checked on an applicant before applying and enforced on submit.

``Call.eligibility`` is a list of rules, each a dict with ``rule``:

- ``{"rule": "age", "on": "2026-12-31", "max": 35, "min": 0}`` — age on the date, bounds inclusive
  (the 35 of 托举工程 means "not yet 36 on that date");
- ``{"rule": "title", "levels": ["senior", "vice_senior"]}`` — title level among (``people.TitleLevel``);
- ``{"rule": "membership", "society": <organisation id or null for any society>}`` — a membership in good
  standing (新入会/有效/宽限期); for an organisation applicant, a group membership;
- ``{"rule": "region", "orgs": [<organisation ids>]}`` — the applicant's organisation in one of the subtrees;
- ``{"rule": "discipline", "codes": ["520", "31010"]}`` — a registry discipline of the applicant under one of the
  GB/T 13745 codes (a code covers the disciplines below it); it also chooses who is told when the call opens;
- ``{"rule": "previous", "years": 3, "types": ["talent"], "statuses": ["approved"]}`` — no application of
  those call types with those statuses in the last N call years (awards already received, or already applied).

``check_rules(rules)`` gives the problems of a rule list; ``evaluate(call, person=…, org=…)`` the verdict
with a Chinese reason per rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kexie.core.text import join_list

RULES = ("age", "title", "membership", "region", "discipline", "previous")
# The kinds as staff choose them on the call set-up page, with what each asks for.
RULE_CHOICES = [
    ("age", _lazy("年龄")),
    ("title", _lazy("职称级别")),
    ("membership", _lazy("会员资格")),
    ("region", _lazy("所在地区或单位")),
    ("discipline", _lazy("学科")),
    ("previous", _lazy("往届申报限制")),
]
RULE_HELP = {
    "age": _lazy("截至计算日期的周岁年龄，上下限含本数（至少填一个）"),
    "title": _lazy("申请人的职称级别须为所选之一"),
    "membership": _lazy("会籍有效（新入会、有效或宽限期）；留空学会编码为任一学会"),
    "region": _lazy("申请人的所在组织属于所列组织（含其下级）"),
    "discipline": _lazy("申请人的登记学科属于所列学科代码（含其下级学科）"),
    "previous": _lazy("近若干年内在所选类型的批次中有所选状态的申报者不得申报"),
}
GOOD_STANDING = ("new", "current", "grace")


@dataclass
class Check:
    rule: str
    ok: bool
    message: str


@dataclass
class Verdict:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def reasons(self) -> list[str]:
        return [c.message for c in self.checks if not c.ok]


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check_rules(rules: Any) -> list[str]:
    from kexie.calls.models import ApplicationStatus, CallType
    from kexie.people.models import TitleLevel

    if not isinstance(rules, list):
        return [_("申报条件应为列表。")]
    problems: list[str] = []
    for i, r in enumerate(rules, start=1):
        if not isinstance(r, dict) or r.get("rule") not in RULES:
            problems.append(_("第 %(n)s 条申报条件的类型未知。") % {"n": i})
            continue
        kind = r["rule"]
        if kind == "age":
            try:
                dt.date.fromisoformat(str(r.get("on")))
            except ValueError:
                problems.append(_("年龄条件缺少计算日期（如 2026-12-31）。"))
            lo, hi = r.get("min"), r.get("max")
            if (lo is not None and _int(lo) is None) or (hi is not None and _int(hi) is None) or (lo is None and hi is None):
                problems.append(_("年龄条件的上下限应为整数。"))
            elif lo is not None and hi is not None and lo > hi:
                problems.append(_("年龄条件的下限大于上限。"))
        elif kind == "title":
            levels = r.get("levels")
            valid = {v for v in TitleLevel.values if v}
            if not isinstance(levels, list) or not levels or not set(levels) <= valid:
                problems.append(_("职称条件的级别无效。"))
        elif kind == "membership":
            if r.get("society") is not None and _int(r.get("society")) is None:
                problems.append(_("会员条件的学会无效。"))
        elif kind == "region":
            orgs = r.get("orgs")
            if not isinstance(orgs, list) or not orgs or any(_int(o) is None for o in orgs):
                problems.append(_("地区条件应列出组织。"))
        elif kind == "discipline":
            codes = r.get("codes")
            if (not isinstance(codes, list) or not codes
                    or any(not isinstance(c, str) or not c.isdigit() or len(c) > 7 for c in codes)):
                problems.append(_("学科条件应列出学科代码。"))
        elif kind == "previous":
            years = _int(r.get("years"))
            if years is None or years < 1:
                problems.append(_("往届条件的年限应为正整数。"))
            if not set(r.get("types") or []) <= set(CallType.values):
                problems.append(_("往届条件的批次类型无效。"))
            if not set(r.get("statuses") or []) <= set(ApplicationStatus.values):
                problems.append(_("往届条件的状态无效。"))
    return problems


def describe(rule: dict[str, Any]) -> str:
    """The rule in words, for the call page."""
    from kexie.calls.models import ApplicationStatus, CallType
    from kexie.orgs.models import Organisation
    from kexie.people.models import TitleLevel

    kind = rule.get("rule")
    if kind == "age":
        parts = []
        if rule.get("min") is not None:
            parts.append(_("不小于 %(n)s 周岁") % {"n": rule["min"]})
        if rule.get("max") is not None:
            parts.append(_("不超过 %(n)s 周岁") % {"n": rule["max"]})
        return _("截至 %(d)s 年龄%(p)s") % {"d": rule.get("on"), "p": join_list(parts)}
    if kind == "title":
        labels = dict(TitleLevel.choices)
        return _("职称级别为：%(l)s") % {"l": join_list(str(labels.get(x, x)) for x in rule.get("levels") or [])}
    if kind == "membership":
        if rule.get("society"):
            soc = Organisation.objects.filter(pk=rule["society"]).values_list("name", flat=True).first()
            return _("须为%(s)s会员（会籍有效）") % {"s": soc or "—"}
        return _("须为任一学会会员（会籍有效）")
    if kind == "region":
        names = Organisation.objects.filter(pk__in=rule.get("orgs") or []).values_list("name", flat=True)
        return _("所在组织属于：%(o)s") % {"o": join_list(names)}
    if kind == "discipline":
        from kexie.people.models import Discipline

        codes = [c for c in rule.get("codes") or [] if isinstance(c, str)]
        names = {d.code: str(d) for d in Discipline.objects.filter(code__in=codes)}  # in the interface language
        return _("学科属于：%(d)s") % {"d": join_list(names.get(c, c) for c in codes)}
    if kind == "previous":
        types = dict(CallType.choices)
        statuses = dict(ApplicationStatus.choices)
        return _("近 %(y)s 年未曾在“%(t)s”类批次中%(s)s") % {
            "y": rule.get("years"), "t": join_list(str(types.get(x, x)) for x in rule.get("types") or []),
            "s": join_list(str(statuses.get(x, x)) for x in rule.get("statuses") or []) or _("申报")}
    return str(kind)


def evaluate(call: Any, *, person: Any = None, org: Any = None) -> Verdict:
    """Check every rule of ``call`` for a person (or an organisation applicant)."""
    verdict = Verdict()
    for rule in call.eligibility or []:
        if not isinstance(rule, dict):
            continue
        fn = _CHECKS.get(str(rule.get("rule")))
        if fn is not None:
            verdict.checks.append(fn(call, rule, person, org))
    return verdict


def _age(call: Any, rule: dict[str, Any], person: Any, org: Any) -> Check:
    on = dt.date.fromisoformat(str(rule["on"]))
    if person is None:
        return Check("age", False, _("年龄条件只适用于个人申报。"))
    if person.birth_date is None:
        return Check("age", False, _("登记信息中没有出生日期，无法核对年龄条件。"))
    age = age_on(person.birth_date, on)
    lo, hi = rule.get("min"), rule.get("max")
    if hi is not None and age > hi:
        return Check("age", False, _("截至 %(d)s 年龄为 %(a)s 周岁，超过 %(n)s 周岁的上限。")
                     % {"d": on.isoformat(), "a": age, "n": hi})
    if lo is not None and age < lo:
        return Check("age", False, _("截至 %(d)s 年龄为 %(a)s 周岁，未达到 %(n)s 周岁。")
                     % {"d": on.isoformat(), "a": age, "n": lo})
    return Check("age", True, _("截至 %(d)s 年龄为 %(a)s 周岁，符合要求。") % {"d": on.isoformat(), "a": age})


def _title(call: Any, rule: dict[str, Any], person: Any, org: Any) -> Check:
    from kexie.people.models import TitleLevel

    labels = dict(TitleLevel.choices)
    wanted = join_list(str(labels.get(x, x)) for x in rule.get("levels") or [])
    if person is None:
        return Check("title", False, _("职称条件只适用于个人申报。"))
    if person.title_level in (rule.get("levels") or []):
        return Check("title", True, _("职称级别为%(l)s，符合要求。") % {"l": labels.get(person.title_level)})
    have = labels.get(person.title_level) or _("无")
    return Check("title", False, _("职称级别为%(h)s，要求为：%(w)s。") % {"h": have, "w": wanted})


def _membership(call: Any, rule: dict[str, Any], person: Any, org: Any) -> Check:
    from kexie.members.models import GroupMembership, Membership
    from kexie.orgs.models import Organisation

    society_id = rule.get("society")
    if person is not None:
        qs: Any = Membership.objects.filter(deleted_at__isnull=True, person=person, status__in=GOOD_STANDING)
    elif org is not None:
        qs = GroupMembership.objects.filter(deleted_at__isnull=True, member=org, status__in=GOOD_STANDING)
    else:
        return Check("membership", False, _("没有申报主体。"))
    if society_id:
        qs = qs.filter(society_id=society_id)
    if qs.exists():
        return Check("membership", True, _("会籍有效，符合要求。"))
    if society_id:
        name = Organisation.objects.filter(pk=society_id).values_list("name", flat=True).first() or "—"
        return Check("membership", False, _("不是%(s)s的有效会员（须会籍有效）。") % {"s": name})
    return Check("membership", False, _("不是任何学会的有效会员（须会籍有效）。"))


def _region(call: Any, rule: dict[str, Any], person: Any, org: Any) -> Check:
    from kexie.orgs.models import Organisation

    roots = list(Organisation.objects.filter(pk__in=rule.get("orgs") or []).values_list("path", "name"))
    path = person.org_path if person is not None else (org.path if org is not None else "")
    if any(path.startswith(p) for p, _n in roots):
        return Check("region", True, _("所在组织在申报范围内。"))
    return Check("region", False, _("所在组织不在申报范围内（限：%(o)s）。") % {"o": join_list(n for _p, n in roots)})


def _discipline(call: Any, rule: dict[str, Any], person: Any, org: Any) -> Check:
    from kexie.people.models import PersonDiscipline

    codes = [c for c in rule.get("codes") or [] if isinstance(c, str) and c]
    if person is None:
        return Check("discipline", False, _("学科条件只适用于个人申报。"))
    have = PersonDiscipline.objects.filter(person=person).filter(discipline_q(codes, "discipline__code")).exists()
    if have:
        return Check("discipline", True, _("登记学科在申报范围内。"))
    return Check("discipline", False, _("登记学科不在申报范围内（限：%(c)s）。") % {"c": join_list(codes)})


def discipline_q(codes: list[str], field: str) -> Any:
    """Codes at or below any of ``codes`` (GB/T 13745 codes grow by digits: 520 → 52010 → 5201010)."""
    from django.db.models import Q

    q = Q(pk__in=[])
    for code in codes:
        q |= Q(**{f"{field}__startswith": code})
    return q


def _previous(call: Any, rule: dict[str, Any], person: Any, org: Any) -> Check:
    from kexie.calls.models import Application

    years = int(rule.get("years") or 0)
    qs = Application.objects.filter(call__year__gt=call.year - years - 1, call__year__lte=call.year,
                                    call__deleted_at__isnull=True).exclude(call=call)
    qs = qs.filter(applicant_person=person) if person is not None else qs.filter(applicant_org=org)
    if rule.get("types"):
        qs = qs.filter(call__type__in=rule["types"])
    if rule.get("statuses"):
        qs = qs.filter(status__in=rule["statuses"])
    hit = qs.select_related("call").order_by("-call__year").first()
    if hit is None:
        return Check("previous", True, _("近 %(y)s 年无限制情形。") % {"y": years})
    return Check("previous", False, _("%(y)s 年已在“%(c)s”中%(s)s，%(n)s 年内不得再次申报。")
                 % {"y": hit.call.year, "c": hit.call.name, "s": hit.get_status_display(), "n": years})


_CHECKS = {"age": _age, "title": _title, "membership": _membership, "region": _region, "discipline": _discipline,
           "previous": _previous}


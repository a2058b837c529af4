"""Where a leaf's raw figure comes from, and how a rule is put into words.

A leaf's ``source`` is an expression over figure keys: ``key``, ``a + b`` (and ``-``), or one division
``a + b / c`` read as ``(a + b) / (c)``: at most one ``/``, each side a sum of terms. A term is a
figure key of the leaf's own source type (a report field key such as ``academic_events.rows`` or a
registry metric such as ``individual_members``), the same key prefixed with ``report:`` or
``registry:`` to take it from the other source (e.g. ``registry:township_associations /
report:townships_total``), or a number. Any missing term, or a zero denominator, makes the figure
missing. An ``expert`` leaf takes the expert score entered for it (its ``source`` is empty).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kexie.core.text import join_clauses
from kexie.evaluation.models import Method, SourceType
from kexie.formkit import schema as S
from kexie.reports import registry

if TYPE_CHECKING:
    from kexie.evaluation.models import Indicator

KEY_RE = re.compile(r"^(?:(report|registry):)?([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)$")
NUMBER_RE = re.compile(r"^-?\d+(?:\.\d+)?$")


@dataclass(frozen=True)
class Term:
    sign: float
    kind: str  # "report", "registry" or "const"
    key: str
    value: float = 0.0


@dataclass(frozen=True)
class Expression:
    numerator: tuple[Term, ...]
    denominator: tuple[Term, ...] = ()

    def refs(self, kind: str) -> list[str]:
        return [t.key for t in (*self.numerator, *self.denominator) if t.kind == kind]


def _sum_terms(text: str, default_kind: str) -> tuple[Term, ...]:
    tokens = re.split(r"\s*([+-])\s*", text.strip())
    if tokens and tokens[0] == "":  # a leading sign
        tokens = ["0", *tokens[1:]]
    terms: list[Term] = []
    sign = 1.0
    for i, token in enumerate(tokens):
        if i % 2 == 1:
            sign = 1.0 if token == "+" else -1.0
            continue
        if NUMBER_RE.match(token):
            terms.append(Term(sign, "const", token, float(token)))
            continue
        match = KEY_RE.match(token)
        if not match:
            raise ValidationError(_("取数表达式“%(expr)s”中的“%(token)s”不是有效的数据项。"),
                                  params={"expr": text, "token": token})
        terms.append(Term(sign, match.group(1) or default_kind, match.group(2)))
    return tuple(terms)


def parse(source: str, source_type: str) -> Expression:
    """Parse a leaf's source (ValidationError with a Chinese message when it cannot be read)."""
    text = (source or "").strip()
    if not text:
        raise ValidationError(_("缺少取数表达式。"))
    if text.count("/") > 1:
        raise ValidationError(_("取数表达式“%(expr)s”最多只能有一个除号。"), params={"expr": text})
    top, _slash, bottom = text.partition("/")
    default = source_type if source_type in (SourceType.REPORT, SourceType.REGISTRY) else SourceType.REPORT
    expr = Expression(_sum_terms(top, default), _sum_terms(bottom, default) if _slash else ())
    for key in expr.refs(SourceType.REGISTRY):
        if key not in registry.METRICS:
            raise ValidationError(_("登记数据“%(key)s”不存在。"), params={"key": key})
    return expr


def evaluate(expr: Expression, columns: Mapping[tuple[str, str], np.ndarray], n: int) -> np.ndarray:
    """The figure for ``n`` organisations from ``columns`` ((kind, key) → values, NaN = missing)."""

    def total(terms: Sequence[Term]) -> np.ndarray:
        out = np.zeros(n)
        for t in terms:
            out = out + t.sign * (np.full(n, t.value) if t.kind == "const" else columns[(t.kind, t.key)])
        return out

    top = total(expr.numerator)
    if not expr.denominator:
        return top
    bottom = total(expr.denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(bottom == 0, np.nan, top / bottom)


def collect(orgs: Sequence[object], org_ids: Sequence[int], report: Mapping[int, Mapping[str, float | None]],
            registry_values: Mapping[int, Mapping[str, float]], keys: Iterable[tuple[str, str]]
            ) -> dict[tuple[str, str], np.ndarray]:
    """Columns of figures in ``org_ids`` order (NaN where missing)."""
    out: dict[tuple[str, str], np.ndarray] = {}
    for kind, key in set(keys):
        source = report if kind == SourceType.REPORT else registry_values
        column = np.full(len(org_ids), np.nan)
        for i, oid in enumerate(org_ids):
            value = source.get(oid, {}).get(key)
            if value is not None:
                column[i] = value
        out[(kind, key)] = column
    return out


# -- rules in words ----------------------------------------------------------------------------------------------

def number(value: float | None) -> str:
    """A figure as people write it: 35, 0.4667, 1,234.5."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def percent(fraction: float) -> str:
    return f"{fraction * 100:.2f}".rstrip("0").rstrip(".") + "%"


def report_schema(report_form: str) -> Mapping[str, Any]:
    """The newest published version's schema of the report form a system reads (empty when none)."""
    from kexie.reports.models import FormVersion, VersionStatus

    version = (FormVersion.objects.filter(form__code=report_form, status=VersionStatus.PUBLISHED)
               .order_by("-number").only("schema").first()) if report_form else None
    return version.schema if version is not None else {}


def source_text(indicator: Indicator, schema: Mapping[str, Any]) -> str:
    """A leaf's source in words — the report's field labels and the registry's figure names, not their keys:
    "学术活动（条数）", "个人会员数 ÷ 登记会员数"."""
    if indicator.source_type == SourceType.EXPERT:
        return _("专家评分")
    try:
        expr = parse(indicator.source, indicator.source_type)
    except ValidationError:
        return indicator.source
    fields = {f["key"]: f for f in S.fields(schema)} if schema else {}

    def label(term: Term) -> str:
        if term.kind == "const":
            return number(term.value)
        if term.kind == SourceType.REGISTRY:
            return str(registry.METRICS[term.key].label) if term.key in registry.METRICS else term.key
        table, _dot, column = term.key.partition(".")
        field = fields.get(table)
        if field is None:
            return term.key
        if not column:
            return S.label_of(field)
        if column == "rows":
            return _("%(t)s（条数）") % {"t": S.label_of(field)}
        col = next((c for c in field.get("columns") or [] if isinstance(c, dict) and c.get("key") == column), None)
        return _("%(t)s中“%(c)s”合计") % {"t": S.label_of(field), "c": S.label_of(col) if col else column}

    def side(terms: tuple[Term, ...]) -> str:
        out = ""
        for i, t in enumerate(terms):
            sign = "" if i == 0 and t.sign > 0 else (" − " if t.sign < 0 else " + ")
            out += (sign.strip() if i == 0 else sign) + label(t)
        return out

    top = side(expr.numerator)
    return f"{top} ÷ {side(expr.denominator)}" if expr.denominator else top


def method_text(indicator: Indicator) -> str:
    """The scoring rule of a leaf in words (system page and the explanation)."""
    p = indicator.params or {}
    if indicator.method == Method.BANDS:
        bands = join_clauses(_("≥%(t)s 得 %(s)s") % {"t": number(float(t)), "s": percent(float(s))}
                         for t, s in sorted(p.get("bands", []), key=lambda b: float(b[0])))
        return _("分档计分：%(bands)s；低于最低档得 0") % {"bands": bands}
    if indicator.method == Method.LINEAR:
        return _("区间线性计分：%(low)s 得 0，%(high)s 及以上得满分，之间按比例") % {
            "low": number(float(p["low"])), "high": number(float(p["high"]))}
    if indicator.method == Method.BEST_PEER:
        return _("与同类最优值之比：本单位数值 ÷ 同类最高值")
    if indicator.method == Method.PERCENTILE:
        return _("同类百分位：在同类有数据的单位中按数值排位，最低得 0，最高得满分，并列取平均位次")
    return ""


class Describer:
    """Turns one leaf's raw figure, fraction and reference into the sentence stored with the points.
    Built once per leaf (translations looked up once), called once per organisation."""

    def __init__(self, indicator: Indicator) -> None:
        self.indicator = indicator
        self.method = indicator.method
        self.params = indicator.params or {}
        self.weight = number(float(indicator.weight))
        self.tail = _("× %(weight)s 分 = %(points)s 分")
        self.missing_report = _("数据缺失（无已通过的年报），按 0 分计")
        self.missing_expert = _("数据缺失（未录入专家评分），按 0 分计")
        self.missing_value = _("数据缺失（未填报或无法计算），按 0 分计")
        self.below = _("%(raw)s 低于最低档 %(t)s，得分率 0%%")
        self.band = _("%(raw)s 达到 ≥%(t)s 档，得分率 %(pct)s")
        self.linear = _("(%(raw)s − %(low)s) ÷ (%(high)s − %(low)s) = %(pct)s（限 0–100%%）")
        self.best = _("%(raw)s ÷ 同类最优 %(best)s = %(pct)s")
        self.no_best = _("同类最优值不大于 0，得分率 0%")
        self.pctl = _("数值 %(raw)s 在同类 %(n)s 个有数据的单位中的百分位为 %(pct)s")
        if self.method == Method.BANDS:
            self.bands = sorted((float(t), float(s)) for t, s in self.params.get("bands", []))

    def __call__(self, raw: float, fraction: float, ref: float, points: str, missing: bool,
                 no_report: bool) -> str:
        if missing:
            if self.indicator.source_type == SourceType.EXPERT:
                return self.missing_expert
            return self.missing_report if no_report else self.missing_value
        r = number(raw)
        pct = percent(fraction)
        if self.method == Method.BANDS:
            reached = [t for t, _s in self.bands if raw + 1e-9 * max(1.0, abs(raw)) >= t]
            head = (self.band % {"raw": r, "t": number(reached[-1]), "pct": pct} if reached
                    else self.below % {"raw": r, "t": number(self.bands[0][0])})
        elif self.method == Method.LINEAR:
            head = self.linear % {"raw": r, "low": number(float(self.params["low"])),
                                  "high": number(float(self.params["high"])), "pct": pct}
        elif self.method == Method.BEST_PEER:
            head = (self.best % {"raw": r, "best": number(ref), "pct": pct} if ref > 0 else self.no_best)
        else:
            head = self.pctl % {"n": number(ref), "raw": r, "pct": pct}
        return f"{head} {self.tail % {'weight': self.weight, 'points': points}}"

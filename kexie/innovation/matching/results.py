"""The result shape shared by the CLI and the pages, and its explanation ("why")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import rjieba
from django.utils.translation import gettext as _

from kexie.core.text import join_clauses, join_list
from kexie.innovation.matching.disciplines import code_str, label
from kexie.innovation.matching.engine import Hit, Ranking
from kexie.innovation.matching.index import ExpertIndex


@dataclass
class MatchResult:
    person_id: int  # the ranked item's id: a person for need → experts, a need for the other directions
    name: str
    disciplines: list[str]  # GB/T 13745 first-level codes, primary first
    score: float
    why: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def region_text(hit: Hit, region: str | None) -> str | None:
    value = hit.features.get("region", 0.0)
    if value <= 0 or not region:
        return None
    county_level = region.strip()[:6].ljust(6, "0")[4:] != "00"
    if value >= 1.0 and county_level:
        return _("同一区县")
    return _("同一城市")


PHRASE_MAX = 12


@lru_cache(maxsize=256)
def _words(text: str) -> tuple[str, ...]:
    """The need's words as written: precise-mode segmentation with dictionary words only (no HMM guesses such as
    "轮修形" out of 齿轮修形), lower-cased."""
    return tuple(w.strip().lower() for w in rjieba.cut(text, False) if w.strip())


def _need_side(text: str, term: str, lexicon: frozenset[str] | set[str]) -> str:
    """How the need says a matched term: the longest expert keyword (any expert's) written in the need around the
    term ("齿轮传动" for the term 齿轮), else the need's own word holding it ("热处理" for 处理), else the term."""
    best = ""
    start = text.find(term)
    while start >= 0 and len(best) < PHRASE_MAX:
        end = start + len(term)
        for a in range(max(0, end - PHRASE_MAX), start + 1):
            for b in range(end, min(len(text), a + PHRASE_MAX) + 1):
                if b - a > len(best) and text[a:b] in lexicon:
                    best = text[a:b]
        start = text.find(term, start + 1)
    if best:
        return best
    held = [w for w in _words(text) if term in w]
    return max(held, key=len) if held else term


def _expert_side(term: str, need_side: str, keywords: Sequence[str]) -> str:
    """The expert's keyword that holds the term: the need's own phrase when the expert lists it, else the keyword
    closest to it (one holding the other), else the shortest; the term itself when it matched elsewhere (bio …)."""
    holding = [k for k in keywords if term in k]
    if not holding:
        return term
    if need_side in holding:
        return need_side
    close = [k for k in holding if k in need_side or need_side in k]
    return min(close or holding, key=len)


def term_pairs(text: str, terms: Sequence[str], keywords: Sequence[str] | None,
               lexicon: frozenset[str] | set[str]) -> list[tuple[str, str]]:
    """(need's term, expert's term) for each matched specific term, without repeats: "齿轮传动" ↔ "齿轮" when the
    need names the compound and the expert lists the part (or the other way round)."""
    text = (text or "").lower()
    kws = [k.strip().lower() for k in (keywords or []) if k and k.strip()]
    lex = set(lexicon) | {k for k in kws if len(k) <= PHRASE_MAX}
    out: list[tuple[str, str]] = []
    for term in terms:
        need = _need_side(text, term, lex)
        pair = (need, _expert_side(term, need, kws))
        if pair not in out:
            out.append(pair)
    return out


def pair_text(pair: tuple[str, str]) -> str:
    return pair[0] if pair[0] == pair[1] else f"{pair[0]} ↔ {pair[1]}"


def explain(index: ExpertIndex, ranking: Ranking, hit: Hit, region: str | None,
            keywords: Sequence[str] | None = None) -> dict[str, Any]:
    """``{"terms": ["齿轮传动 ↔ 齿轮", …], "pairs": [[need's term, expert's term], …], "disciplines": […],
    "region": str | None, "text": "匹配：…；学科：…；…"}``. Only specific terms are named (generic words such as
    设计 or 分析 earn no credit); ``keywords``: the expert's own expertise keywords, for the expert's side."""
    mine = index.disciplines_of(hit.pos)
    shared = [c for c in ranking.inferred if c in mine]
    where = region_text(hit, region)
    pairs = term_pairs(ranking.query.text, hit.terms, keywords, index.phrase_set())
    shown = [pair_text(p) for p in pairs]
    parts = []
    if shown:
        parts.append(_("匹配：%(terms)s") % {"terms": join_list(shown)})
    if shared:
        parts.append(_("学科：%(disciplines)s") % {"disciplines": join_list(label(c) for c in shared)})
    if where:
        parts.append(where)
    if hit.features.get("load", 0.0) > 0:
        parts.append(_("已有在办任务"))
    if hit.features.get("feedback", 0.0) > 0:
        parts.append(_("类似需求反馈有用"))
    elif hit.features.get("feedback", 0.0) < 0:
        parts.append(_("类似需求反馈无用"))
    return {"terms": shown, "pairs": [list(p) for p in pairs], "disciplines": [code_str(c) for c in shared], "region": where,
            "text": join_clauses(parts)}


def result(index: ExpertIndex, ranking: Ranking, hit: Hit, name: str, region: str | None,
           keywords: Sequence[str] | None = None) -> MatchResult:
    return MatchResult(int(index.ids[hit.pos]), name, [code_str(c) for c in index.disciplines_of(hit.pos)],
                       round(hit.score, 4), explain(index, ranking, hit, region, keywords))

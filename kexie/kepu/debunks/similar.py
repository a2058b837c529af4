"""Paraphrase finding (同一流言的不同说法): a claim is normalised — NFKC, traditional → simplified (OpenCC, as
identity resolution does), lower case, synonyms mapped to the words debunks use (``Synonym`` rows over the shipped
list of kexie/kepu/data/synonyms.py), jieba segmentation (precise mode: no sub-words to inflate the overlap), stopwords dropped — into a set of tokens. Candidates come
from the full-text index (``__tokens``, any of the query's tokens) and are ranked by a weighted overlap of token
sets: how much of the query the claim covers, and how much of the claim the query covers (decision 0053).

``similar(text)`` is used by the staff form (可能已有辟谣) and offered to public search; ``match_claim(query)`` tells
hot topics that a searched phrase is a rumour already debunked."""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from typing import Any

import rjieba
from django.core.cache import cache
from django.db.models import Q, QuerySet

from kexie.core.search import STOPWORDS
from kexie.identity.engine import to_simplified_many
from kexie.kepu.data.synonyms import SYNONYMS
from kexie.kepu.models import Debunk, Synonym

MAX_TEXT = 200  # characters of a query that count (a claim is at most 200)
MAX_TOKENS = 12  # tokens asked of the index (the longest first)
CANDIDATES = 200  # rows scored per query
MIN_SCORE = 0.45  # below: not the same rumour
MATCH_SCORE = 0.6  # match_claim: confident enough to say "already debunked"
CACHE_KEY = "kepu:debunks:synonyms"
CACHE_SECONDS = 300

# Words that carry no claim: question particles, hedges, the ways a rumour is introduced.
RUMOUR_STOPWORDS = frozenset("""
会 能 要 就 都 也 还 很 吗 呢 吧 啊 呀 哦 嘛 么 着 过 得 地 个 这 那 你 我 他 她 它 们 人 一 不 没 别
不能 不要 不会 能不能 会不会 是不是 是否 可以 可能 一定 真的 竟然 居然 千万 网传 听说 据说 传言 流传 说 称
一个 这个 那个 什么 怎么 这样 那样 因为 所以 如果 就是 还是 而且 其实 已经 经常 每天 多 少 后 前 再
""".split()) | STOPWORDS
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def _shipped() -> dict[str, str]:
    return {unicodedata.normalize("NFKC", t).lower(): c for t, c in SYNONYMS}


def synonym_items() -> tuple[tuple[str, str], ...]:
    """(term, canonical) pairs: the shipped list with ``Synonym`` rows over it, sorted (cached; saved rows clear
    the cache). A tuple, so the normalisation cache can key on it without sorting per call."""
    found = cache.get(CACHE_KEY)
    if isinstance(found, tuple):
        return found
    mapping = _shipped()
    for term, canonical in Synonym.objects.values_list("term", "canonical"):
        mapping[unicodedata.normalize("NFKC", term).lower().strip()] = canonical.strip()
    items = tuple(sorted(mapping.items()))
    cache.set(CACHE_KEY, items, CACHE_SECONDS)
    return items


def synonym_map() -> dict[str, str]:
    """term → canonical (see ``synonym_items``)."""
    return dict(synonym_items())


def forget_synonyms() -> None:
    cache.delete(CACHE_KEY)
    _pattern.cache_clear()
    _as_dict.cache_clear()
    _normalised.cache_clear()


@lru_cache(maxsize=8)
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    multi = sorted((t for t in terms if len(t) >= 2), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, multi))) if multi else None


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFKC", (text or "").replace("\x00", ""))[:MAX_TEXT]
    text = " ".join(text.split())
    return to_simplified_many([text])[0].lower() if text else ""


@lru_cache(maxsize=4)
def _as_dict(items: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return dict(items)


@lru_cache(maxsize=4096)
def _normalised(text: str, items: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    mapping = _as_dict(items)
    pattern = _pattern(tuple(mapping))
    tokens: list[str] = []

    def cut(part: str) -> None:
        for chunk in _PUNCT.split(part):
            for token in rjieba.cut(chunk) if chunk else ():
                token = mapping.get(token, token)  # single characters and words segmented whole
                if token and token not in RUMOUR_STOPWORDS:
                    tokens.append(token)

    at = 0
    for m in pattern.finditer(text) if pattern else ():
        cut(text[at:m.start()])
        tokens.append(mapping[m.group(0)])  # the canonical word, whole
        at = m.end()
    cut(text[at:])
    return tuple(dict.fromkeys(tokens))


def normalise(text: str) -> list[str]:
    """The claim's tokens after normalisation, in order of appearance (no repeats)."""
    prepared = _prepare(text)
    if not prepared:
        return []
    return list(_normalised(prepared, synonym_items()))


def _weight(token: str) -> float:
    """Longer words say more than single characters (吃, 物) — a BM25-like length prior without corpus counts."""
    return min(len(token), 4) / 4


def score(query: list[str] | set[str], claim: list[str] | set[str]) -> float:
    """0–1: the mean of the query's weighted coverage by the claim and the cosine of the weighted sets."""
    q, c = set(query), set(claim)
    if not q or not c:
        return 0.0
    wq = sum(_weight(t) for t in q)
    wc = sum(_weight(t) for t in c)
    both = sum(_weight(t) for t in q & c)
    return round((both / wq + both / math.sqrt(wq * wc)) / 2, 4)


def _claim_tokens(debunk: Debunk) -> list[str]:
    return normalise(debunk.claim)


def candidates(tokens: list[str], base: QuerySet[Debunk]) -> QuerySet[Debunk]:
    """Rows of ``base`` whose index holds any of the tokens (the longest first, at most MAX_TOKENS)."""
    asked = sorted(tokens, key=len, reverse=True)[:MAX_TOKENS]
    q = Q()
    for token in asked:
        q |= Q(search_text__tokens=token)
    return base.filter(q).order_by("-published_at", "-id")[:CANDIDATES]


def similar(text: str, limit: int = 5, exclude: Any = None, *, base: QuerySet[Debunk] | None = None,
            min_score: float = MIN_SCORE) -> list[tuple[Debunk, float]]:
    """The debunks most like ``text`` (published ones unless ``base`` says otherwise), best first, with their
    score (0–1); ``exclude``: a debunk (or its id) not to offer, e.g. the one being edited."""
    tokens = normalise(text)
    if not tokens or limit <= 0:
        return []
    rows = Debunk.objects.for_public() if base is None else base
    skip = getattr(exclude, "pk", exclude)
    if skip is not None:
        rows = rows.exclude(pk=skip)
    scored = [(d, score(tokens, _claim_tokens(d))) for d in candidates(tokens, rows)]
    ranked = sorted((p for p in scored if p[1] >= min_score), key=lambda p: (-p[1], -p[0].pk))
    return ranked[:limit]


def match_claim(query: str) -> Debunk | None:
    """The published debunk a searched phrase repeats, when the match is confident (hot topics flag it)."""
    found = similar(query, limit=1, min_score=MATCH_SCORE)
    return found[0][0] if found else None

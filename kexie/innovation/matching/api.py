"""The matcher's entry points: need → experts over the registry index (``match_need``), and ranking of
any small list of texts (``rank_texts``: needs for an expert, needs for an achievement)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np

from kexie.innovation.matching import engine
from kexie.innovation.matching.disciplines import to_first_level
from kexie.innovation.matching.index import ExpertIndex
from kexie.innovation.matching.model import Weights
from kexie.innovation.matching.results import MatchResult, result
from kexie.innovation.matching.store import _region_int, current_weights, get_index
from kexie.innovation.matching.text import text_tokens


def _alive_names(ids: list[int], allowed_paths: list[str] | None,
                 public_only: bool) -> dict[int, tuple[str, list[str]]]:
    """Re-check against the database: alive, in scope (own organisation under an allowed path), public; the
    name and the expertise keywords (the expert's side of the "why")."""
    from kexie.core.scope import prefix_q
    from kexie.people.models import Person

    qs = Person.objects.filter(id__in=ids, deleted_at__isnull=True)
    if allowed_paths is not None:
        qs = qs.filter(prefix_q("org_path", allowed_paths))
    if public_only:
        qs = qs.filter(public_profile=True)
    return {pid: (name, [str(k) for k in expertise] if isinstance(expertise, list) else [])
            for pid, name, expertise in qs.values_list("id", "name", "expertise")}


def match_need(text: str, *, top: int = 10, industry: str | None = None, region: str | None = None,
               load: Mapping[int, int] | None = None, allowed_paths: list[str] | None = None,
               public_only: bool = False, feedback: engine.FeedbackSource | None = None,
               index: ExpertIndex | None = None, weights: Weights | None = None) -> list[MatchResult]:
    """Experts for a technology need, best first, each with a short "why". ``allowed_paths``: only
    people whose organisation path starts with one of them (``None``: everyone). Raises ``EmptyQuery``
    when the text has nothing to match on. Results are re-checked against the database."""
    index = index if index is not None else get_index()
    weights = weights or current_weights()
    shortlist = top * 3 + 10
    while True:
        ranking = engine.rank(index, text, top=top, industry=industry, region=region, load=load,
                              allowed_paths=allowed_paths, public_only=public_only, weights=weights,
                              feedback=feedback, shortlist=shortlist)
        names = _alive_names([int(index.ids[h.pos]) for h in ranking.hits], allowed_paths, public_only)
        kept = [h for h in ranking.hits if int(index.ids[h.pos]) in names]
        if len(kept) >= top or len(ranking.hits) < shortlist or shortlist >= index.size:
            break
        shortlist *= 4  # many stale entries (people deleted since the build): look further down
    return [result(index, ranking, h, names[int(index.ids[h.pos])][0], region, names[int(index.ids[h.pos])][1])
            for h in kept[:top]]


Candidate = tuple[int, str, Sequence[str], str | None] | tuple[int, str, Sequence[str], str | None, str]


def small_index(candidates: Sequence[Candidate]) -> tuple[ExpertIndex, dict[int, str]]:
    """An index over a few texts, each ``(id, text, disciplines, region code[, title])``."""
    vocab: dict[str, int] = {}
    rows, cols, tfs, titles = [], [], [], {}
    d_indptr, d_codes = [0], []
    for n, cand in enumerate(candidates):
        counts: dict[str, int] = {}
        for t in text_tokens(cand[1]):
            counts[t] = counts.get(t, 0) + 1
        for t, c in counts.items():
            rows.append(n)
            cols.append(vocab.setdefault(t, len(vocab)))
            tfs.append(float(c))
        codes = list(dict.fromkeys(c for c in (to_first_level(x) for x in cand[2]) if c))
        d_codes.extend(codes)
        d_indptr.append(len(d_codes))
        titles[int(cand[0])] = str(cand[4]) if len(cand) > 4 else ""
    n = len(candidates)
    index = ExpertIndex.from_postings(
        rows=np.array(rows, dtype=np.int32), cols=np.array(cols, dtype=np.int32), tf=np.array(tfs, dtype=np.float32),
        vocab=list(vocab), ids=np.array([int(c[0]) for c in candidates], dtype=np.int64), org_paths=[""] * n,
        public=np.ones(n, dtype=bool), region=np.array([_region_int(c[3]) for c in candidates], dtype=np.int64),
        disc_indptr=np.array(d_indptr, dtype=np.int64), disc_codes=np.array(d_codes, dtype=np.int16),
        built_at=time.time(),
    )
    return index, titles


def rank_texts(query_text: str, candidates: Sequence[Candidate], top: int = 10, *,
               disciplines: Sequence[str] | None = None, region: str | None = None,
               weights: Weights | None = None) -> list[MatchResult]:
    """Rank a small list of texts (e.g. needs) for a query text (an expert's profile, an achievement).
    ``disciplines``: the query's own first-level disciplines when known (an expert's); otherwise they are
    inferred from the registry index when one has been built. Same result shape as ``match_need``, with
    the candidate's id in ``person_id`` and its title in ``name``."""
    index, titles = small_index(candidates)
    codes = [c for c in (to_first_level(x) for x in (disciplines or [])) if c]
    if not codes:
        codes = _registry_disciplines(query_text)
    ranking = engine.rank(index, query_text, top=top, region=region, weights=weights or Weights(),
                          disciplines=codes or None)
    return [result(index, ranking, h, titles.get(int(index.ids[h.pos]), ""), region) for h in ranking.hits]


def _registry_disciplines(text: str) -> list[int]:
    """The query's likely disciplines from the registry's statistics, when its index file exists."""
    from kexie.innovation.matching import model
    from kexie.innovation.matching.errors import MatchError
    from kexie.innovation.matching.store import index_path

    if not index_path().exists():
        return []
    registry = get_index()
    try:
        query = engine.Query.parse(registry, text)
    except MatchError:
        return []
    return model.top_disciplines(registry, model.infer_disciplines(registry, query.pos, query.weight))

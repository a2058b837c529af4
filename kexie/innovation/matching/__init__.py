"""Expert matching (技术需求 → 专家): Chinese segmentation, BM25 over profile fields, discipline and industry
mapping, region preference, load and feedback, with a short "why" per result. See
docs/decisions/0014-expert-matching.md.

- ``match_need(text, …)``: experts of the registry for a need (index of the current database);
- ``rank_texts(query, candidates, …)``: any small list of texts (needs for an expert or an achievement);
- ``build_index()`` / ``get_index()``: the registry index file, built on first use, reloaded on change;
- ``Feedback``, ``fit_weights``, ``evaluate``: learning from "useful / not useful" rows.
"""

from kexie.innovation.matching.api import match_need, rank_texts
from kexie.innovation.matching.errors import EmptyQuery, MatchError, NeedsUnavailable
from kexie.innovation.matching.feedback import Feedback, FeedbackRow, evaluate, fit_weights
from kexie.innovation.matching.results import MatchResult
from kexie.innovation.matching.sources import needs_source, set_needs_source
from kexie.innovation.matching.store import build_index, get_index

__all__ = [
    "EmptyQuery", "Feedback", "FeedbackRow", "MatchError", "MatchResult", "NeedsUnavailable", "build_index",
    "evaluate", "fit_weights", "get_index", "match_need", "needs_source", "rank_texts", "set_needs_source",
]

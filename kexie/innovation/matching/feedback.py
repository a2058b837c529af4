"""Learning from feedback ("this expert was / was not useful for this need").

Two uses of the labelled rows:

- ``Feedback.adjustments``: for a new query, each labelled expert gets ``Σ sim(query, labelled need) × ±1``
  over the rows about them whose need is similar enough (cosine of TF-IDF vectors ≥ ``MIN_SIMILARITY``),
  so an expert marked not useful sinks for similar needs and stays put for unrelated ones;
- ``fit_weights``: the feature weights of the ranking model fitted by L2-regularised logistic regression
  on the features of the labelled pairs (regularised towards the current weights, so a few rows move
  them a little).

``evaluate`` measures the effect on held-out rows: for each held-out need, its labelled experts ranked
by the model, R-precision (precision at the number of useful ones), before and after learning."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import cast

import numpy as np

from kexie.innovation.matching import engine
from kexie.innovation.matching.errors import MatchError
from kexie.innovation.matching.index import ExpertIndex
from kexie.innovation.matching.model import Weights

MIN_SIMILARITY = 0.2
FITTED = ("text", "discipline", "region")


@dataclass(frozen=True)
class FeedbackRow:
    person_id: int
    useful: bool
    need_text: str = ""
    need_id: int | None = None


def coerce_rows(rows: Iterable[object], resolve: Callable[[int], str] | None = None) -> list[FeedbackRow]:
    """Rows as ``FeedbackRow``, dicts (need_text or need_id, person_id, useful) or tuples
    ``(need text or id, person_id, useful)``; need ids are turned into texts with ``resolve``."""
    out = []
    for row in rows:
        if isinstance(row, FeedbackRow):
            r = row
        elif isinstance(row, dict):
            r = FeedbackRow(int(row["person_id"]), bool(row["useful"]), str(row.get("need_text") or ""),
                            row.get("need_id"))
        else:
            need, pid, useful = cast(tuple[object, int, bool], row)  # a 3-tuple by contract
            r = (FeedbackRow(int(pid), bool(useful), need_id=need) if isinstance(need, int)
                 else FeedbackRow(int(pid), bool(useful), str(need)))
        if not r.need_text and r.need_id is not None and resolve is not None:
            r = replace(r, need_text=resolve(r.need_id))
        if r.need_text:
            out.append(r)
    return out


class Feedback:
    """Labelled rows, usable as the ``feedback`` of a ranking."""

    def __init__(self, rows: Iterable[object], resolve: Callable[[int], str] | None = None) -> None:
        self.rows = coerce_rows(rows, resolve)
        self._vectors: tuple[int, list[dict[int, float]]] | None = None

    def _rows_vectors(self, index: ExpertIndex) -> list[dict[int, float]]:
        if self._vectors is None or self._vectors[0] != id(index):
            vecs = []
            for r in self.rows:
                try:
                    vecs.append(engine.Query.parse(index, r.need_text).vector(index))
                except MatchError:
                    vecs.append({})
            self._vectors = (id(index), vecs)
        return self._vectors[1]

    def adjustments(self, index: ExpertIndex, query: engine.Query) -> dict[int, float]:
        q = query.vector(index)
        out: dict[int, float] = {}
        for r, v in zip(self.rows, self._rows_vectors(index), strict=True):
            sim = sum(x * v.get(p, 0.0) for p, x in q.items())
            if sim >= MIN_SIMILARITY:
                out[r.person_id] = out.get(r.person_id, 0.0) + (sim if r.useful else -sim)
        return out


def _pairs(index: ExpertIndex, rows: list[FeedbackRow]) -> tuple[np.ndarray, np.ndarray]:
    by_need: dict[str, list[FeedbackRow]] = {}
    for r in rows:
        by_need.setdefault(r.need_text, []).append(r)
    xs: list[np.ndarray] = []
    ys: list[float] = []
    for text, group in by_need.items():
        try:
            xs.append(engine.features(index, text, [r.person_id for r in group]))
        except MatchError:
            continue
        ys.extend(float(r.useful) for r in group)
    if not xs:
        return np.zeros((0, len(FITTED))), np.zeros(0)
    return np.vstack(xs).astype(np.float64), np.array(ys)


def fit_weights(index: ExpertIndex, rows: Iterable[object], base: Weights | None = None,
                l2: float = 1.0, steps: int = 500) -> Weights:
    """Feature weights fitted to labelled rows (logistic regression, shrunk towards ``base``), scaled
    so that the text weight stays that of ``base`` (the ranking only depends on their ratios)."""
    base = base or Weights()
    x, y = _pairs(index, coerce_rows(rows))
    if len(y) < 2 or y.min() == y.max():
        return base
    w0 = np.array([getattr(base, f) for f in FITTED]) * 4.0
    w, bias = w0.copy(), 0.0
    for _ in range(steps):
        z = x @ w + bias
        p = 1 / (1 + np.exp(-z))
        grad = x.T @ (p - y) / len(y) + l2 * (w - w0) / len(y)
        w -= 0.5 * grad
        bias -= 0.5 * float((p - y).mean())
    if w[0] <= 0:
        return base
    scale = base.text / w[0]
    fitted = {f: float(max(v * scale, 0.0)) for f, v in zip(FITTED, w, strict=True)}
    return replace(base, **fitted)


def _model_scores(index: ExpertIndex, text: str, ids: list[int], weights: Weights,
                  feedback: Feedback | None) -> np.ndarray:
    x = engine.features(index, text, ids)
    score = x @ np.array([getattr(weights, f) for f in FITTED])
    if feedback is not None:
        adj = feedback.adjustments(index, engine.Query.parse(index, text))
        score += weights.feedback * np.array([adj.get(i, 0.0) for i in ids])
    return score


def precision(index: ExpertIndex, rows: Iterable[object], weights: Weights, feedback: Feedback | None = None) -> float:
    """Mean R-precision over the needs of ``rows``: their labelled experts ranked by the model."""
    by_need: dict[str, list[FeedbackRow]] = {}
    for r in coerce_rows(rows):
        by_need.setdefault(r.need_text, []).append(r)
    values = []
    for text, group in by_need.items():
        useful = sum(r.useful for r in group)
        if not useful or useful == len(group):
            continue
        try:
            score = _model_scores(index, text, [r.person_id for r in group], weights, feedback)
        except MatchError:
            continue
        order = np.argsort(-score, kind="stable")[:useful]
        values.append(sum(group[i].useful for i in order) / useful)
    return float(np.mean(values)) if values else float("nan")


def evaluate(index: ExpertIndex, train: Iterable[object], test: Iterable[object],
             base: Weights | None = None) -> dict[str, float]:
    """Held-out precision before learning (``base`` weights, no feedback) and after (weights fitted on
    ``train`` and ``train`` as feedback)."""
    base = base or Weights()
    train_rows, test_rows = coerce_rows(train), coerce_rows(test)
    fitted = fit_weights(index, train_rows, base)
    return {
        "before": precision(index, test_rows, base),
        "after": precision(index, test_rows, fitted, Feedback(train_rows)),
        "train_rows": float(len(train_rows)),
        "test_rows": float(len(test_rows)),
        **{f"weight_{f}": float(getattr(fitted, f)) for f in FITTED},
    }

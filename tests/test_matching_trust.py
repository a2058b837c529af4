"""Matching a person trusts: the why names the specific terms that matched (never a generic word such as 设计 or
分析 alone), compound terms match their parts both ways with the pair named (齿轮传动 ↔ 齿轮), generic words weigh
little, and the early cut-off of the ranking returns exactly what scoring every document returns."""

from __future__ import annotations

import numpy as np
import pytest
from django.test import override_settings

from kexie.innovation.matching import build_index, match_need, rank_texts
from kexie.innovation.matching import engine as eng
from kexie.innovation.matching.index import ExpertIndex
from kexie.innovation.matching.results import term_pairs
from kexie.innovation.matching.store import clear_cache
from kexie.innovation.matching.text import GENERIC_WORDS


@pytest.fixture
def match_dir(tmp_path, db):
    clear_cache()
    with override_settings(KEXIE_MATCH_DIR=tmp_path):
        yield tmp_path
    clear_cache()


def _person(org, name: str, keywords: list[str], code: str = "460"):
    from kexie.people.models import Discipline, Person, PersonDiscipline

    p = Person.objects.create(name=name, org=org, org_path=org.path, expertise=keywords, public_profile=True)
    PersonDiscipline.objects.create(person=p, discipline=Discipline.objects.get(code=code), is_primary=True)
    return p


def _why(results, person) -> dict:
    return next(r.why for r in results if r.person_id == person.pk)


def test_compound_in_the_need_matches_the_part_an_expert_lists_and_names_the_pair(province, match_dir):
    org = province["city_a"]
    part = _person(org, "齿甲", ["齿轮", "减速机"])
    whole = _person(org, "齿乙", ["齿轮传动", "润滑"])
    build_index()
    results = match_need("齿轮传动异响排查", top=50)
    assert {part.pk, whole.pk} <= {r.person_id for r in results}
    # The need says 齿轮传动; one expert lists the part, the other the whole term.
    assert "齿轮传动 ↔ 齿轮" in _why(results, part)["terms"]
    assert ["齿轮传动", "齿轮"] in _why(results, part)["pairs"]
    assert "齿轮传动" in _why(results, whole)["terms"]
    assert "匹配：齿轮传动 ↔ 齿轮" in _why(results, part)["text"]


def test_the_part_in_the_need_matches_an_expert_listing_the_compound(province, match_dir):
    org = province["city_a"]
    whole = _person(org, "齿丙", ["齿轮传动"])
    _person(org, "齿丁", ["齿轮"])  # someone lists the bare term, so it is a term experts use
    build_index()
    results = match_need("齿轮异响，希望专家诊断", top=50)
    why = _why(results, whole)
    assert "齿轮 ↔ 齿轮传动" in why["terms"] and ["齿轮", "齿轮传动"] in why["pairs"]


def test_generic_words_earn_no_credit_in_the_why(province, match_dir):
    org = province["city_a"]
    generic_only = _person(org, "泛甲", ["结构设计", "数据分析"], code="520")
    specific = _person(org, "专乙", ["齿轮修形", "结构设计"])
    build_index()
    results = match_need("齿轮修形的设计与分析", top=50)
    why = _why(results, specific)
    assert why["terms"] and not any(t in GENERIC_WORDS for p in why["pairs"] for t in p)
    assert any("修形" in t for t in why["terms"])
    # A profile that shares only generic words is never credited with them.
    if generic_only.pk in {r.person_id for r in results}:
        other = _why(results, generic_only)
        assert other["terms"] == [] and "匹配" not in other["text"]
    for r in results:
        for need_side, expert_side in r.why["pairs"]:
            assert need_side not in {"设计", "分析"} and expert_side not in {"设计", "分析"}


def test_generic_words_weigh_little_in_the_score(province, match_dir):
    needs = [(1, "产品结构设计与工艺分析", ["460"], None, "泛"), (2, "齿轮修形与啮合", ["460"], None, "专")]
    ranked = rank_texts("齿轮 设计 分析 研究 应用", needs, top=2, disciplines=["460"])
    assert ranked[0].person_id == 2 and ranked[0].why["terms"] == ["齿轮"]
    assert all(t not in GENERIC_WORDS for t in ranked[-1].why["terms"])


def test_term_pairs_use_the_words_as_written():
    lexicon = frozenset({"齿轮传动", "齿轮", "热处理"})
    assert term_pairs("高精度齿轮传动系统", ["齿轮"], ["齿轮"], lexicon) == [("齿轮传动", "齿轮")]
    assert term_pairs("齿轮噪声", ["齿轮"], ["热处理", "齿轮传动"], lexicon) == [("齿轮", "齿轮传动")]
    # a term matched outside the keywords (bio, honours) is named as the need says it
    assert term_pairs("真空热处理炉", ["热处理"], [], lexicon) == [("热处理", "热处理")]
    # no HMM guesses: 齿轮修形 never yields "轮修形"
    assert all("轮修形" not in p for pair in term_pairs("齿轮修形", ["修形"], [], frozenset()) for p in pair)


def _synthetic(n: int = 5000, seed: int = 3) -> ExpertIndex:
    rng = np.random.default_rng(seed)
    vocab = [f"term{i}" for i in range(300)] + sorted(GENERIC_WORDS)
    rows, cols, tf = [], [], []
    for d in range(n):
        for t in rng.choice(len(vocab), size=6, replace=False):
            rows.append(d)
            cols.append(int(t))
            tf.append(float(rng.integers(1, 4)))
    primary = rng.integers(1, 9, size=n) * 10 + 400
    return ExpertIndex.from_postings(
        rows=np.array(rows), cols=np.array(cols), tf=np.array(tf, dtype=np.float32), vocab=vocab,
        ids=np.arange(1, n + 1), org_paths=[f"0001{d // 100:04d}" for d in range(n)], public=np.ones(n, dtype=bool),
        region=np.zeros(n, dtype=np.int64), disc_indptr=np.arange(n + 1), disc_codes=primary)


@pytest.mark.parametrize("query", ["term1 term2 term3 设计", "term7 分析 技术 应用", "设计 分析", "term250", "term5 term5 term9 系统 管理"])
def test_early_cut_off_ranks_exactly_like_scoring_every_document(query):
    index = _synthetic()
    fast = eng.rank(index, query, top=10, shortlist=40)
    # allowed_paths covering everything takes the path that scores every touched document
    full = eng.rank(index, query, top=10, shortlist=40, allowed_paths=["0001"])
    assert [h.pos for h in fast.hits] == [h.pos for h in full.hits]
    assert np.allclose([h.score for h in fast.hits], [h.score for h in full.hits], atol=1e-5)


def test_documents_tied_at_the_last_place_are_taken_by_id_whichever_path_scores_them():
    # 30 identical profiles: every score ties, so the shortlist is the 10 smallest ids on the cut-off path and on
    # the path that scores every document (a plain argpartition would take any 10 of the 30)
    n = 30
    vocab = ["齿轮", "热处理"]
    rows = np.repeat(np.arange(n), 2)
    cols = np.tile(np.arange(2), n)
    ids = np.arange(1, n + 1)[::-1].copy()  # positions and ids in opposite orders
    index = ExpertIndex.from_postings(
        rows=rows, cols=cols, tf=np.ones(2 * n, dtype=np.float32), vocab=vocab, ids=ids,
        org_paths=[f"0001{d:04d}" for d in range(n)], public=np.ones(n, dtype=bool), region=np.zeros(n, dtype=np.int64),
        disc_indptr=np.arange(n + 1), disc_codes=np.full(n, 460))
    fast = eng.rank(index, "齿轮 热处理", top=10)
    full = eng.rank(index, "齿轮 热处理", top=10, allowed_paths=["0001"])
    assert [int(index.ids[h.pos]) for h in fast.hits] == list(range(1, 11))
    assert [int(index.ids[h.pos]) for h in full.hits] == list(range(1, 11))

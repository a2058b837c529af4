"""Identity resolution engine (no database): normalisation, comparison levels, weights, clusters,
and precision/recall on generated rosters with known truth."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kexie.demo.rosters import engine_columns, make_rosters, pair_scores
from kexie.identity import engine


def cols(*records: dict) -> dict[str, list]:
    keys = engine.COLUMNS
    return {k: [r.get(k, "") for r in records] for k in keys}


def test_names_traditional_variants_spaces_and_pinyin():
    assert engine.normalise_name("張 偉") == "张伟"
    assert engine.normalise_name("陳·峯") == "陈峰"  # traditional 陳, variant 峯, separator
    assert engine.normalise_name("歐陽　曉麗") == "欧阳晓丽"
    assert engine.pinyin("张伟") == "zhangwei"
    assert engine.pinyin("李丽") == engine.pinyin("李莉")  # homophones share the key


@pytest.mark.parametrize("raw", ["1980-03-05", "1980/3/5", "19800305", "1980年3月5日", "1980.03.05", "05/03/1980",
                                 dt.date(1980, 3, 5)])
def test_dates_in_roster_formats(raw):
    assert engine.parse_date(raw) == (1980, 3, 5)


def test_unreadable_dates_are_missing():
    assert engine.parse_date("不详") is None
    assert engine.parse_date("1980-02") is None
    assert engine.parse_date("") is None
    assert engine.parse_date("1980-13-05") == (1980, 5, 13)  # month and day swapped back


def test_employers_normalised():
    n = engine.normalise_employer
    assert n("江淮省智芯半导体有限公司") == n("江淮智芯半导体公司") == n("江淮智芯半导体") == "江淮智芯半导体"
    assert n("澜州市第一人民医院（本部）") == n("澜州第一人民医院") == n("瀾州第一人民醫院")
    assert n("澜芯微电子股份有限公司") == "澜芯微电子"


def test_comparison_levels():
    p = engine.prepare(cols(
        {"name": "張偉", "birth": "1980年3月5日", "gender": "M", "employer": "江淮大学"},
        {"name": "张伟", "birth": "1980-03-05", "gender": "M", "employer": "江淮大学"},
        {"name": "张玮", "birth": "1980-05-03", "gender": "M", "employer": "江淮理工大学"},
        {"name": "张强", "birth": "1980-03-06", "gender": "F", "employer": ""},
    ))
    a, b = np.array([0, 0, 0]), np.array([1, 2, 3])
    lv = engine.compare(p, a, b)
    assert lv["name"].tolist() == [3, 2, 1]  # same / same pinyin / one character apart
    assert lv["birth"].tolist() == [3, 2, 2]  # same / month and day swapped / one digit apart
    assert lv["gender"].tolist() == [1, 1, 0]
    assert lv["employer"].tolist() == [2, 1, -1]  # same / similar / missing
    assert lv["id"].tolist() == [-1, -1, -1]


def test_equal_id_number_is_a_match_and_different_ones_are_not():
    result = engine.resolve(cols(
        {"name": "王芳", "id_key": "990100198003050021", "birth": "1980-03-05"},
        {"name": "王方", "id_key": "990100198003050021", "birth": "", "phone_key": "13800000000"},
        {"name": "李娜", "id_key": "990100197001010011", "birth": "1970-01-01", "phone_key": "13900000000"},
        {"name": "李娜", "id_key": "990100197001010038", "birth": "1970-01-01", "phone_key": "13900000000"},
    ))
    prob = {(int(a), int(b)): float(p) for a, b, p in zip(result.a, result.b, result.probability, strict=True)}
    assert prob[(0, 1)] == 1.0
    assert prob[(2, 3)] < result.review_threshold  # same name, date and phone, but two ID numbers
    assert result.labels[0] == result.labels[1] and result.labels[2] != result.labels[3]


def test_excluded_pairs_are_not_compared():
    records = cols({"name": "赵敏", "phone_key": "1"}, {"name": "赵敏", "phone_key": "1"})
    assert len(engine.resolve(records).a) == 1
    assert len(engine.resolve(records, exclude=[(0, 1)]).a) == 0


def test_clusters_are_connected_components():
    labels = engine.clusters(6, np.array([0, 1, 4]), np.array([1, 2, 5]))
    assert labels.tolist() == [0, 0, 0, 3, 4, 4]


def test_rosters_keep_the_truth_and_carry_noise():
    r = make_rosters(3000, seed=3)
    assert len(r["name"]) == 3000 and len(set(r["person"])) < 3000
    assert any(engine.normalise_name(n) != n.replace(" ", "") for n in r["name"])  # traditional forms
    assert {"年" in d for d in r["birth"] if d} == {True, False}
    assert 0.3 < sum(1 for v in r["id_number"] if v) / 3000 < 0.8
    assert make_rosters(3000, seed=3)["name"] == r["name"]  # deterministic


def test_precision_and_recall_on_rosters():
    r = make_rosters(6000, seed=5)
    result = engine.resolve(engine_columns(r))
    scores = pair_scores(np.asarray(r["person"]), result.labels)
    assert result.weights.source == "estimated"
    assert scores["precision"] > 0.98 and scores["recall"] > 0.95, scores


def test_pair_scores():
    s = pair_scores(np.array([1, 1, 1, 2]), np.array([7, 7, 8, 8]))
    assert (s["true_pairs"], s["predicted_pairs"], s["correct_pairs"]) == (3, 2, 1)
    assert s["precision"] == 0.5 and s["recall"] == pytest.approx(1 / 3)

"""Identity resolution over plain records (SPEC §2.2): the same scientist reported by several rosters.

Pure functions over columns of plain values, no ORM, so the same code runs on the people table
(``kexie.identity.services``) and on 1,000,000 roster records in memory (``bench/identity.py``).

1. **Normalise** (``prepare``): names without spaces or ``·``, traditional → simplified (OpenCC ``t2s``
   plus a short table of variant characters OpenCC keeps), pinyin per character; dates from the
   formats rosters use (``1980-03-05``, ``1980/3/5``, ``19800305``, ``1980年3月5日``, ``05.03.1980``);
   employers without the ``省``/``市`` after a place name (``江淮省…`` and ``江淮…`` are one employer),
   legal-form suffixes (``有限公司``, ``股份``, ``集团``) and bracketed additions.
   Every column becomes an integer code (-1 = missing), so everything after this is NumPy.
2. **Block** (``candidate_pairs``): records sharing an ID number, a phone, an e-mail, pinyin of the name
   and birth year, name and employer, birth date and employer, or surname and birth date are compared;
   blocks larger than ``max_block`` are skipped (they carry no signal and would be quadratic).
3. **Score** (``compare`` + ``Weights``): Fellegi–Sunter. Each field gets a comparison level; its
   weight is log2(m/u). u comes from random pairs (name levels term-frequency adjusted: agreeing on
   a common name says less than agreeing on a rare one); m comes from the pairs that share an
   ID number, which are matches for free, so no EM is needed. An equal ID number is a match, a
   different one is strong evidence against.
4. **Cluster** (``clusters``): connected components of the pairs at or above the auto-merge
   probability whose names are at most one character apart (``auto_pairs``); pairs between the review
   and the auto-merge probability go to staff.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

FIELDS = ("id", "name", "birth", "gender", "employer", "phone", "email", "discipline")
# Number of comparison levels per field (0 = disagree … top = agree); -1 in a level array = missing.
LEVELS = {"id": 2, "name": 4, "birth": 4, "gender": 2, "employer": 3, "phone": 2, "email": 2, "discipline": 2}
def gettext_noop(message: str) -> str:
    """Marks a message for the catalogue (``makemessages`` looks for this name) without needing Django."""
    return message


# Chinese labels (message ids, marked for the catalogue; the console translates them when shown).
LEVEL_LABELS = {
    "id": (gettext_noop("不一致"), gettext_noop("一致")),
    "name": (gettext_noop("不同"), gettext_noop("相近（一字之差）"), gettext_noop("同音"), gettext_noop("相同")),
    "birth": (gettext_noop("不同"), gettext_noop("同年"), gettext_noop("相近（录入差错或月日颠倒）"), gettext_noop("相同")),
    "gender": (gettext_noop("不一致"), gettext_noop("一致")),
    "employer": (gettext_noop("不同"), gettext_noop("相近"), gettext_noop("相同")),
    "phone": (gettext_noop("不一致"), gettext_noop("一致")),
    "email": (gettext_noop("不一致"), gettext_noop("一致")),
    "discipline": (gettext_noop("不同"), gettext_noop("相同")),
}
MISSING = gettext_noop("缺失")
COLUMNS = ("name", "gender", "birth", "id_key", "phone_key", "email", "employer", "discipline")

# Variant characters that OpenCC's t2s leaves alone but rosters use for the same name.
VARIANTS = str.maketrans({
    "珎": "珍", "淸": "清", "衞": "卫", "峯": "峰", "羣": "群", "綫": "线", "凉": "凉", "筍": "笋",
    "堃": "坤", "甯": "宁", "畊": "耕", "喦": "岩", "昇": "升", "陞": "升", "鍊": "炼", "逰": "游",
    "秘": "秘", "祕": "秘", "叡": "睿", "塚": "冢", "栢": "柏", "囯": "国", "啓": "启", "瑠": "琉",
})
_NAME_STRIP = re.compile(r"[\s·•・.\u3000\u00b7\-_]+")
_DIGITS = re.compile(r"\d+")
_BRACKETS = re.compile(r"[（(【\[].*?[）)】\]]")
_SUFFIX = re.compile(r"(股份有限公司|有限责任公司|有限公司|股份公司|集团公司|集团|公司)$")
_PROVINCE = re.compile(r"^([\u4e00-\u9fff]{2,3})省")
_CITY = re.compile(r"^([\u4e00-\u9fff]{2,3})市")


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified_many(values: Sequence[str]) -> list[str]:
    """OpenCC t2s over a batch in one call (values must not contain newlines; callers strip them)."""
    if not values:
        return []
    out = _t2s().convert("\n".join(values)).split("\n")
    if len(out) != len(values):  # a value held a line break after all: convert one by one
        out = [_t2s().convert(v) for v in values]
    return [v.translate(VARIANTS) for v in out]


def normalise_name(value: str) -> str:
    return to_simplified_many([_NAME_STRIP.sub("", value or "")])[0]


_PINYIN: dict[int, str] = {}  # a str.translate table: code point -> toneless pinyin


def _learn(chars: Iterable[str]) -> None:
    missing = [c for c in set(chars) if ord(c) not in _PINYIN]
    if missing:
        from pypinyin import Style, lazy_pinyin

        for c in missing:
            _PINYIN[ord(c)] = "".join(lazy_pinyin(c, style=Style.NORMAL, errors="default")).lower()


def pinyin(name: str) -> str:
    """Toneless pinyin, one reading per character (the same reading every time, which is what a key needs)."""
    _learn(name)
    return name.translate(_PINYIN)


def pinyin_many(names: list[str]) -> list[str]:
    _learn("".join(names))
    return [n.translate(_PINYIN) for n in names]


def parse_date(value: Any) -> tuple[int, int, int] | None:
    """(year, month, day) from a date or the string forms rosters use; ``None`` when unreadable.
    Day-first forms (``05/03/1980``) are read as day/month/year; a month above 12 is swapped back."""
    if value is None or value == "":
        return None
    if hasattr(value, "year") and hasattr(value, "month"):
        return (int(value.year), int(value.month), int(value.day))
    parts = _DIGITS.findall(str(value))
    if len(parts) == 1 and len(parts[0]) == 8:
        s = parts[0]
        y, m, d = int(s[:4]), int(s[4:6]), int(s[6:])
    elif len(parts) >= 3 and len(parts[0]) == 4:
        y, m, d = int(parts[0]), int(parts[1]), int(parts[2])
    elif len(parts) >= 3 and len(parts[2]) == 4:
        d, m, y = int(parts[0]), int(parts[1]), int(parts[2])
    else:
        return None
    if m > 12 and d <= 12:
        m, d = d, m
    if not (1900 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31):
        return None
    return (y, m, d)


def normalise_employer(value: str) -> str:
    v = to_simplified_many([_NAME_STRIP.sub("", value or "")])[0] if value else ""
    return _employer_rules(v)


def _employer_rules(v: str) -> str:
    v = _BRACKETS.sub("", v)
    v = _PROVINCE.sub(r"\1", v)
    v = _CITY.sub(r"\1", v)
    for _ in range(2):
        v = _SUFFIX.sub("", v)
    return v


def _codes(values: Iterable[Any], count: int) -> tuple[np.ndarray, list[Any]]:
    """Integer codes in first-seen order, -1 for '' / None; also the distinct values by code."""
    values = values if isinstance(values, list) else list(values)
    table = dict.fromkeys(values)  # distinct values in order, at C speed
    table.pop("", None)
    table.pop(None, None)
    distinct = list(table)
    table = {v: i for i, v in enumerate(distinct)}
    table[""] = table[None] = -1
    codes = np.fromiter(map(table.__getitem__, values), dtype=np.int64, count=count)
    return codes, distinct


def _normalised_codes(values: Sequence[Any], n: int, fn: Any) -> np.ndarray:
    """Codes of ``fn(value)``, computing ``fn`` once per distinct raw value."""
    raw, distinct = _codes(values, n)
    mapping, _ = _codes([fn(v) for v in distinct], len(distinct))
    return _apply(mapping, raw)


@dataclass
class Prepared:
    """Normalised columns as integer codes, plus the strings the fuzzy comparisons need."""

    n: int
    name: np.ndarray
    pinyin: np.ndarray
    surname: np.ndarray
    name_text: list[str]  # by name code
    birth: np.ndarray  # ordinal day, -1 missing
    year: np.ndarray
    month: np.ndarray
    day: np.ndarray
    gender: np.ndarray
    id: np.ndarray
    phone: np.ndarray
    email: np.ndarray
    employer: np.ndarray
    employer_text: list[str]  # by employer code
    discipline: np.ndarray
    name_freq: np.ndarray = field(default_factory=lambda: np.zeros(0))  # share of records with this name
    pinyin_freq: np.ndarray = field(default_factory=lambda: np.zeros(0))


def prepare(cols: Mapping[str, Sequence[Any]]) -> Prepared:
    """Columns (see ``COLUMNS``; ``id_key``/``phone_key`` may be blind indexes) → ``Prepared``."""
    n = len(cols["name"])
    raw_names, name_raw_codes = _distinct(cols["name"], n)
    simplified = to_simplified_many([_NAME_STRIP.sub("", v) for v in raw_names])
    name_map, name_text = _recode(simplified)
    name = _apply(name_map, name_raw_codes)
    pys = pinyin_many(name_text)
    py_map, _ = _recode(pys)
    py = _apply(py_map, name)
    surnames = pinyin_many([_surname(t) for t in name_text])
    sur_map, _ = _recode(surnames)
    surname = _apply(sur_map, name)

    raw_dates, date_raw = _distinct(cols["birth"], n)
    parsed = [parse_date(v) for v in raw_dates]
    ords = np.array([_ordinal(p) for p in parsed] or [-1], dtype=np.int64)
    ymd = np.array([p if p else (-1, -1, -1) for p in parsed] or [(-1, -1, -1)], dtype=np.int64)
    take = np.where(date_raw >= 0, date_raw, 0)
    missing = date_raw < 0
    birth = np.where(missing, -1, ords[take])
    year = np.where(missing, -1, ymd[take, 0])
    month = np.where(missing, -1, ymd[take, 1])
    day = np.where(missing, -1, ymd[take, 2])
    birth = np.where(birth < 0, -1, birth)

    raw_emp, emp_raw = _distinct(cols["employer"], n)
    emp_s = [_employer_rules(v) for v in to_simplified_many([_NAME_STRIP.sub("", v) for v in raw_emp])]
    emp_map, employer_text = _recode(emp_s)
    employer = _apply(emp_map, emp_raw)

    gender = _normalised_codes(cols["gender"], n, lambda g: str(g or "").strip().upper()[:1])
    ident = _normalised_codes(cols["id_key"], n, lambda v: str(v or "").strip().upper())
    phone = _normalised_codes(cols["phone_key"], n, lambda v: str(v or "").strip())
    email = _normalised_codes(cols["email"], n, lambda v: str(v or "").strip().lower())
    discipline = _normalised_codes(cols["discipline"], n, lambda v: str(v or "").strip()[:3])
    p = Prepared(n, name, py, surname, name_text, birth, year, month, day, gender, ident, phone, email,
                 employer, employer_text, discipline)
    p.name_freq = _freq(name, n)
    p.pinyin_freq = _freq(py, n)
    return p


COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 端木 南宫 独孤 澹台 闻人 万俟 "
    "轩辕 呼延 申屠 太史 公冶 赫连 钟离 宗政 濮阳 淳于 单于 太叔 仲孙 完颜".split()
)


def _surname(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


def _distinct(values: Sequence[Any], n: int) -> tuple[list[str], np.ndarray]:
    codes, distinct = _codes((v if v is None or isinstance(v, str) else _as_key(v) for v in values), n)
    return [str(d) for d in distinct], codes


def _as_key(v: Any) -> str:
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return str(v)


def _recode(values: list[str]) -> tuple[np.ndarray, list[str]]:
    """Codes for already-distinct raw values after normalisation merged some of them."""
    codes, distinct = _codes(values, len(values))
    return codes, [str(d) for d in distinct]


def _apply(mapping: np.ndarray, raw: np.ndarray) -> np.ndarray:
    if len(mapping) == 0:
        return np.full(len(raw), -1, dtype=np.int64)
    out = mapping[np.where(raw >= 0, raw, 0)]
    return np.where(raw >= 0, out, -1)


def _ordinal(p: tuple[int, int, int] | None) -> int:
    if p is None:
        return -1
    import datetime as dt

    try:
        return dt.date(*p).toordinal()
    except ValueError:
        return -1


def _freq(codes: np.ndarray, n: int) -> np.ndarray:
    """Per record: the share of records with the same code (term frequency); 0 when missing."""
    present = codes >= 0
    if not present.any():
        return np.zeros(n)
    counts = np.bincount(codes[present])
    out = np.zeros(n)
    out[present] = counts[codes[present]] / n
    return out


# --- blocking ---------------------------------------------------------------------------------


def _combine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One key from two codes; -1 when either is missing."""
    width = int(b.max()) + 2 if len(b) else 1
    return np.where((a >= 0) & (b >= 0), a * width + b, -1)


def blocking_keys(p: Prepared) -> dict[str, np.ndarray]:
    return {
        "id": p.id,
        "phone": p.phone,
        "email": p.email,
        "pinyin+year": _combine(p.pinyin, p.year),
        "name+employer": _combine(p.name, p.employer),
        "birth+employer": _combine(p.birth, p.employer),
        "surname+birth": _combine(p.surname, p.birth),
    }


def pairs_from_key(key: np.ndarray, max_block: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of rows sharing ``key`` (rows with -1 never pair), in blocks of at most ``max_block``."""
    rows = np.flatnonzero(key >= 0)
    if len(rows) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = rows[np.argsort(key[rows], kind="stable")]
    k = key[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    sizes = np.diff(np.r_[starts, len(k)])
    keep = np.repeat(sizes <= max_block, sizes)
    order, k = order[keep], k[keep]
    out_a, out_b = [], []
    for d in range(1, max_block):
        if d >= len(k):
            break
        same = k[d:] == k[:-d]
        if not same.any():
            break
        out_a.append(order[:-d][same])
        out_b.append(order[d:][same])
    if not out_a:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_a), np.concatenate(out_b)


def candidate_pairs(p: Prepared, max_block: int = 50,
                    exclude: Iterable[tuple[int, int]] = ()) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Distinct row pairs (a < b) from every blocking key, less ``exclude`` (row pairs decided distinct)."""
    parts, stats = [], {}
    for name, key in blocking_keys(p).items():
        a, b = pairs_from_key(key, max_block)
        stats[name] = len(a)
        parts.append(np.minimum(a, b) * p.n + np.maximum(a, b))
    codes = np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
    excluded = np.array([min(x, y) * p.n + max(x, y) for x, y in exclude], dtype=np.int64)
    if len(excluded):
        codes = codes[~np.isin(codes, excluded)]
    return codes // p.n, codes % p.n, stats


# --- comparison -------------------------------------------------------------------------------


def _eq_level(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.where((x < 0) | (y < 0), -1, (x == y).astype(np.int64))


def _text_similarity(texts: list[str], x: np.ndarray, y: np.ndarray, mask: np.ndarray, kind: str) -> np.ndarray:
    """Per pair in ``mask``: Levenshtein distance (names) or normalised Indel similarity (employers),
    computed once per distinct pair of values."""
    from rapidfuzz import process
    from rapidfuzz.distance import Indel, Levenshtein

    out = np.zeros(len(x), dtype=np.float64)
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return out
    width = len(texts) + 1
    pair_codes, inverse = np.unique(x[idx] * width + y[idx], return_inverse=True)
    arr = np.asarray(texts, dtype=object)
    qa, qb = arr[pair_codes // width].tolist(), arr[pair_codes % width].tolist()
    scorer = Levenshtein.distance if kind == "name" else Indel.normalized_similarity
    out[idx] = np.asarray(process.cpdist(qa, qb, scorer=scorer, workers=-1), dtype=np.float64)[inverse]
    return out


def compare(p: Prepared, a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """Comparison level per field for each pair (rows ``a[i]``, ``b[i]``); -1 = a value is missing."""
    lv: dict[str, np.ndarray] = {}
    lv["id"] = _eq_level(p.id[a], p.id[b])
    na, nb = p.name[a], p.name[b]
    name = np.full(len(a), -1, dtype=np.int64)
    present = (na >= 0) & (nb >= 0)
    name[present] = 0
    exact = present & (na == nb)
    homophone = present & ~exact & (p.pinyin[a] == p.pinyin[b])
    rest = present & ~exact & ~homophone
    dist = _text_similarity(p.name_text, na, nb, rest, "name")
    name[rest & (dist <= 1)] = 1
    name[homophone] = 2
    name[exact] = 3
    lv["name"] = name

    ya, yb, ma, mb, da, db = p.year[a], p.year[b], p.month[a], p.month[b], p.day[a], p.day[b]
    birth = np.full(len(a), -1, dtype=np.int64)
    present = (p.birth[a] >= 0) & (p.birth[b] >= 0)
    birth[present] = 0
    same_year = present & (ya == yb)
    swapped = same_year & (ma == db) & (da == mb)
    one_field = present & (((ya == yb) & (ma == mb)) | ((ya == yb) & (da == db)) | ((ma == mb) & (da == db)))
    digit = present & _one_digit_apart(ya, yb, ma, mb, da, db)
    birth[same_year] = 1
    birth[(swapped | digit | one_field) & present & (p.birth[a] != p.birth[b])] = 2
    birth[present & (p.birth[a] == p.birth[b])] = 3
    lv["birth"] = birth

    lv["gender"] = _eq_level(p.gender[a], p.gender[b])
    ea, eb = p.employer[a], p.employer[b]
    emp = np.full(len(a), -1, dtype=np.int64)
    present = (ea >= 0) & (eb >= 0)
    emp[present] = 0
    same = present & (ea == eb)
    sim = _text_similarity(p.employer_text, ea, eb, present & ~same, "employer")
    emp[present & ~same & (sim >= 0.8)] = 1
    emp[same] = 2
    lv["employer"] = emp
    lv["phone"] = _eq_level(p.phone[a], p.phone[b])
    lv["email"] = _eq_level(p.email[a], p.email[b])
    lv["discipline"] = _eq_level(p.discipline[a], p.discipline[b])
    return lv


def _one_digit_apart(ya: np.ndarray, yb: np.ndarray, ma: np.ndarray, mb: np.ndarray, da: np.ndarray,
                     db: np.ndarray) -> np.ndarray:
    """YYYYMMDD strings one digit apart (a typing slip)."""
    sa = ya * 10000 + ma * 100 + da
    sb = yb * 10000 + mb * 100 + db
    diff = np.abs(sa - sb)
    out = np.zeros(len(sa), dtype=bool)
    for place in range(8):
        unit = 10 ** place
        out |= (diff % unit == 0) & (diff // unit <= 9) & (diff // unit > 0) & (
            (sa // (unit * 10)) == (sb // (unit * 10)))
    return out


# --- weights ----------------------------------------------------------------------------------

# m-probabilities measured on the roster generator's data (pairs sharing an ID number, 200,000 records,
# seed 2); used when a run has too few ID-number pairs to estimate its own, as in the register, where an
# ID number is unique among people in register.
DEFAULT_M = {
    "name": [0.002, 0.024, 0.052, 0.922],
    "birth": [0.002, 0.002, 0.070, 0.926],
    "gender": [0.012, 0.988],
    "employer": [0.185, 0.005, 0.810],
    "phone": [0.260, 0.740],
    "email": [0.170, 0.830],
    "discipline": [0.090, 0.910],
}
# u-probabilities from 1,000,000 random pairs of the same run (name levels 2-3 are replaced by term frequencies).
DEFAULT_U = {
    "name": [0.998, 0.0022, 0.00001, 0.000006],
    "birth": [0.971, 0.0232, 0.0056, 0.00008],
    "gender": [0.49, 0.51],
    "employer": [0.995, 0.0016, 0.0038],
    "phone": [0.999996, 0.000004],
    "email": [0.999999, 0.000001],
    "discipline": [0.913, 0.087],
}
ID_DISAGREE = -12.0  # a person has one ID number: a different one all but rules a match out
MIN_ID_PAIRS = 200
# Shrinkage toward the reference shares, in pseudo-observations: a small register's few random pairs must not
# turn one shared birthday into overwhelming evidence.
U_PSEUDO = 10_000
M_PSEUDO = 50
# Without ID-number pairs the prior assumes one record in five has a duplicate somewhere.
DEFAULT_DUPLICATE_SHARE = 0.2


@dataclass
class Weights:
    m: dict[str, list[float]]
    u: dict[str, list[float]]
    prior: float  # probability that two random records are the same person
    source: str = "default"

    def table(self) -> dict[str, list[float]]:
        """log2(m/u) per field and level."""
        return {f: [round(math.log2(m / u), 2) for m, u in zip(self.m[f], self.u[f], strict=True)] for f in self.m}


def estimate_weights(p: Prepared, a: np.ndarray, b: np.ndarray, levels: dict[str, np.ndarray],
                     sample: int = 1_000_000, seed: int = 0) -> Weights:
    """m from candidate pairs that share an ID number, u from random pairs, prior from ID numbers."""
    id_pairs = levels["id"] == 1
    with_id = int((p.id >= 0).sum())
    rng = np.random.default_rng(seed)
    size = min(sample, max(p.n * 4, 200_000))
    ra = rng.integers(0, p.n, size)
    rb = rng.integers(0, p.n, size)
    ok = ra != rb
    rand = compare(p, ra[ok], rb[ok])
    u = {f: _dist(rand[f], LEVELS[f], DEFAULT_U[f], U_PSEUDO) for f in DEFAULT_U}
    if int(id_pairs.sum()) >= MIN_ID_PAIRS:
        m = {f: _dist(levels[f][id_pairs], LEVELS[f], DEFAULT_M[f], M_PSEUDO) for f in DEFAULT_M}
        prior = float(id_pairs.sum()) / max(with_id * (with_id - 1) / 2, 1)
        source = "estimated"
    else:
        m = {f: list(v) for f, v in DEFAULT_M.items()}
        prior = DEFAULT_DUPLICATE_SHARE / max(p.n, 2)
        source = "default"
    return Weights(m, u, min(max(prior, 1e-12), 0.5), source)


def _dist(values: np.ndarray, k: int, fallback: list[float], pseudo: int) -> list[float]:
    """Level shares with ``pseudo`` observations spread as ``fallback`` (shrinkage toward the reference)."""
    v = values[values >= 0]
    counts = np.bincount(v, minlength=k)[:k].astype(float)
    counts += pseudo * np.asarray(fallback)
    shares: list[float] = (counts / counts.sum()).tolist()
    return shares


def match_weight(p: Prepared, a: np.ndarray, b: np.ndarray, levels: dict[str, np.ndarray],
                 w: Weights) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Total match weight (log2 odds, prior included) and the contribution of each field."""
    parts: dict[str, np.ndarray] = {}
    for f in DEFAULT_M:
        lv = levels[f]
        table = np.log2(np.asarray(w.m[f]) / np.asarray(w.u[f]))
        parts[f] = np.where(lv >= 0, table[np.maximum(lv, 0)], 0.0)
    # Term frequency: agreeing on a common name is weaker evidence than on a rare one.
    name_lv = levels["name"]
    tf_exact = np.maximum(p.name_freq[a], 1.0 / p.n)
    tf_py = np.maximum(p.pinyin_freq[a], 1.0 / p.n)
    parts["name"] = np.where(name_lv == 3, np.log2(w.m["name"][3] / tf_exact), parts["name"])
    parts["name"] = np.where(name_lv == 2, np.log2(w.m["name"][2] / tf_py), parts["name"])
    parts["id"] = np.where(levels["id"] == 0, ID_DISAGREE, 0.0)
    total = math.log2(w.prior / (1 - w.prior)) + sum(parts.values())
    total = np.where(levels["id"] == 1, np.inf, total)
    return np.asarray(total), parts


def probability(weight: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        p: np.ndarray = 1.0 / (1.0 + np.exp2(-np.clip(weight, -60, 60)))
    return p


# --- clustering -------------------------------------------------------------------------------


def clusters(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components: label = smallest row in the component (min-label propagation with
    pointer jumping, all NumPy)."""
    label = np.arange(n, dtype=np.int64)
    if len(a) == 0:
        return label
    while True:
        la, lb = label[a], label[b]
        low = np.minimum(la, lb)
        before = label.copy()
        np.minimum.at(label, la, low)
        np.minimum.at(label, lb, low)
        while True:  # pointer jumping
            nxt: np.ndarray = label[label]
            if np.array_equal(nxt, label):
                break
            label = nxt
        if np.array_equal(label, before):
            return label


def auto_pairs(prob: np.ndarray, levels: dict[str, np.ndarray], threshold: float) -> np.ndarray:
    """Pairs merged without review: at or above ``threshold``, and with names at most one character apart
    (or the same ID number). Whatever the other fields say, two different names go to staff."""
    merged: np.ndarray = (prob >= threshold) & ((levels["name"] >= 1) | (levels["id"] == 1))
    return merged


# --- the whole run ----------------------------------------------------------------------------


@dataclass
class Result:
    prepared: Prepared
    a: np.ndarray
    b: np.ndarray
    levels: dict[str, np.ndarray]
    parts: dict[str, np.ndarray]
    weight: np.ndarray
    probability: np.ndarray
    labels: np.ndarray  # cluster label per row at the auto-merge threshold
    weights: Weights
    blocking: dict[str, int]
    auto_threshold: float
    review_threshold: float
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def auto(self) -> np.ndarray:
        return auto_pairs(self.probability, self.levels, self.auto_threshold)

    @property
    def review(self) -> np.ndarray:
        review: np.ndarray = (self.probability >= self.review_threshold) & ~self.auto
        return review

    def evidence(self, i: int) -> dict[str, dict[str, Any]]:
        """Per field: level label and weight of pair ``i`` (the review page shows this)."""
        out: dict[str, dict[str, Any]] = {}
        for f in FIELDS:
            lv = int(self.levels[f][i])
            w = float(self.parts[f][i]) if f in self.parts else 0.0
            out[f] = {"level": lv, "label": LEVEL_LABELS[f][lv] if lv >= 0 else MISSING, "weight": round(w, 2)}
        return out


def resolve(cols: Mapping[str, Sequence[Any]], *, auto_threshold: float = 0.99, review_threshold: float = 0.5,
            max_block: int = 50, exclude: Iterable[tuple[int, int]] = (), weights: Weights | None = None) -> Result:
    """Normalise, block, score and cluster; ``exclude`` holds row pairs already judged distinct."""
    import time

    t = time.perf_counter()
    timings = {}
    p = prepare(cols)
    timings["prepare"] = time.perf_counter() - t
    t = time.perf_counter()
    a, b, stats = candidate_pairs(p, max_block, exclude)
    timings["block"] = time.perf_counter() - t
    t = time.perf_counter()
    levels = compare(p, a, b)
    w = weights or estimate_weights(p, a, b, levels)
    weight, parts = match_weight(p, a, b, levels, w)
    prob = probability(weight)
    timings["score"] = time.perf_counter() - t
    t = time.perf_counter()
    auto = auto_pairs(prob, levels, auto_threshold)
    labels = clusters(p.n, a[auto], b[auto])
    timings["cluster"] = time.perf_counter() - t
    return Result(p, a, b, levels, parts, weight, prob, labels, w, stats, auto_threshold, review_threshold, timings)

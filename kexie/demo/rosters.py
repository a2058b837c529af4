"""Society rosters with realistic duplicates and known truth, for identity resolution
(``kexie.identity``): its tests and ``bench/identity.py``.

``make_rosters(n, seed)`` draws people (names, gender, birth date, a valid GB 11643 ID number for
most, phone, e-mail, employer, discipline) and reports each of them in one to five society rosters,
``n`` records in all. Every copy carries the noise rosters really have: traditional or variant
characters, a homophone or a wrong character in the given name, spaces inside the name, dates in
several formats (some with month and day swapped), missing ID numbers, a changed phone or
employer, the employer written another way (``江淮省`` prefix, ``有限公司`` dropped, ``市`` added).
Distinct people who share a name (and sometimes a birth year) occur as they do in life.
Each record keeps its true person id in ``person``, so precision and recall can be measured.
Deterministic for a seed; vectorised draws, about 10 µs of Python per record."""

from __future__ import annotations

import datetime as dt

import numpy as np

from kexie.core.validators import _ID_CHECK, _ID_WEIGHTS
from kexie.demo.data import names as NM
from kexie.demo.data import orgs as OG
from kexie.demo.data import province as PV

COPIES = (1, 2, 3, 4, 5)
COPY_WEIGHTS = (0.55, 0.27, 0.11, 0.05, 0.02)
DATE_FORMATS = ("{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}{m:02d}{d:02d}", "{y}年{m}月{d}日",
                "{y}.{m:02d}.{d:02d}", "{d:02d}/{m:02d}/{y}")
MAIL_DOMAINS = ("163.com", "126.com", "qq.com", "sina.com", "foxmail.com", "jh.edu.cn")
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _employers() -> list[tuple[str, str]]:
    cities = [c.removesuffix("市") for _, c in PV.CITIES]
    out = list(OG.ENTERPRISES) + list(OG.UNIVERSITIES) + list(OG.INSTITUTES)
    for h in OG.HOSPITALS:
        for city in cities[:4]:
            out.append((h.replace("{city}", city), "320"))
    return list(dict.fromkeys(out))


def _variant(employer: str, u: float) -> str:
    """The same employer as another roster writes it."""
    if "有限公司" in employer and u < 0.4:
        return employer.replace("股份有限公司", "").replace("有限公司", "公司" if u < 0.2 else "")
    if employer.startswith(PV.PROVINCE[1].removesuffix("省")) and not employer.startswith(PV.PROVINCE[1]) and u < 0.7:
        return PV.PROVINCE[1] + employer[len(PV.PROVINCE[1].removesuffix("省")):]
    if u < 0.85:
        return employer + "（" + ("总部" if "公司" in employer else "本部") + "）"
    return " ".join(employer)  # spaces typed between characters


def make_rosters(n: int, seed: int = 1, rosters: int = 40) -> dict[str, list]:
    """``n`` roster records as columns: record, roster, name, gender, birth, id_number, phone, email,
    employer, discipline, person (the truth)."""
    import opencc

    rs = np.random.default_rng([seed, 20261123])
    copies = np.asarray(COPIES)[rs.choice(len(COPIES), size=n, p=COPY_WEIGHTS)]
    people = int(np.searchsorted(np.cumsum(copies), n) + 1)
    copies = copies[:people]
    copies[-1] -= int(copies.sum() - n)

    surnames, sw = zip(*NM.SURNAMES, strict=True)
    sur_p = np.asarray(sw, dtype=float) / sum(sw)
    male = rs.random(people) < 0.58
    sur = rs.choice(len(surnames), size=people, p=sur_p)
    two = rs.random(people) >= 0.25
    g1, g2, neutral = rs.random(people), rs.random(people), rs.random((people, 2)) < 0.2
    age = np.clip(rs.normal(44, 11, people), 22, 80).astype(int)
    day_off = rs.integers(0, 365, people)
    has_id = rs.random(people) < 0.85
    region = rs.integers(0, len(PV.CITIES), people)
    seq = rs.integers(0, 1000, people)
    has_phone = rs.random(people) < 0.92
    phone_n = rs.integers(13_000_000_000, 19_999_999_999, people)
    has_mail = rs.random(people) < 0.45
    mail_n = rs.integers(0, 10_000_000, people)
    employers = _employers()
    emp = rs.integers(0, len(employers), people)

    today = dt.date(2026, 11, 1).toordinal()
    counties = [code for code, _ in PV.CITIES]
    region_sums = [sum(int(c) * w for c, w in zip(r, _ID_WEIGHTS[:6], strict=True)) for r in counties]
    pools = {True: list(NM.GIVEN_MALE), False: list(NM.GIVEN_FEMALE)}
    given_neutral = list(NM.GIVEN_NEUTRAL)
    seen_ids: set[str] = set()
    base = []
    for i in range(people):
        pool = pools[bool(male[i])]
        chars = []
        for j, u in enumerate((g1[i], g2[i]) if two[i] else (g1[i],)):
            src = given_neutral if neutral[i, j] else pool
            chars.append(src[int(u * len(src))])
        name = surnames[sur[i]] + "".join(chars)
        a = int(age[i])
        birth = dt.date.fromordinal(today - a * 365 - a // 4 - int(day_off[i]))
        id_number = ""
        if has_id[i]:
            s = int(seq[i]) // 2 * 2 + (1 if male[i] else 0)
            ymd = birth.strftime("%Y%m%d")
            while True:
                first = f"{counties[region[i]]}{ymd}{s:03d}"
                if first not in seen_ids:
                    break
                s = (s + 2) % 1000
            seen_ids.add(first)
            check = _ID_CHECK[(region_sums[region[i]] + sum(int(c) * w for c, w in
                                                             zip(first[6:], _ID_WEIGHTS[6:], strict=True))) % 11]
            id_number = first + check
        phone = str(int(phone_n[i])) if has_phone[i] else ""
        mail = ""
        if has_mail[i]:
            m = int(mail_n[i])
            mail = f"{LETTERS[m % 26]}{LETTERS[m // 26 % 26]}{m // 676}@{MAIL_DOMAINS[m % len(MAIL_DOMAINS)]}"
        employer, disc = employers[emp[i]]
        base.append((name, "M" if male[i] else "F", birth, id_number, phone, mail, employer, disc))

    return _copies(base, copies, rs, rosters, employers, opencc.OpenCC("s2t"))


def _homophones() -> dict[str, list[str]]:
    from pypinyin import lazy_pinyin

    by_sound: dict[str, list[str]] = {}
    for c in dict.fromkeys([*NM.GIVEN_MALE, *NM.GIVEN_FEMALE, *NM.GIVEN_NEUTRAL]):
        by_sound.setdefault(lazy_pinyin(c)[0], []).append(c)
    return {c: [o for o in group if o != c] for group in by_sound.values() for c in group if len(group) > 1}


def _copies(base, copies, rs, rosters, employers, s2t) -> dict[str, list]:
    total = int(copies.sum())
    person = np.repeat(np.arange(len(base)), copies)
    first = np.r_[True, person[1:] != person[:-1]]
    roster = rs.integers(0, rosters, total)
    u = rs.random((total, 16))
    fmt = rs.integers(0, len(DATE_FORMATS), total)
    homophones = _homophones()
    typo_chars = list(NM.GIVEN_MALE) + list(NM.GIVEN_FEMALE)
    traditional = {}
    names = sorted({b[0] for b in base})
    for name, trad in zip(names, s2t.convert("\n".join(names)).split("\n"), strict=True):
        traditional[name] = trad
    cols: dict[str, list] = {k: [] for k in ("record", "roster", "name", "gender", "birth", "id_number", "phone",
                                              "email", "employer", "discipline", "person")}
    for r in range(total):
        p = int(person[r])
        name, gender, birth, id_number, phone, mail, employer, disc = base[p]
        x = u[r]
        # Noise is lighter on a person's first record so that most clusters have one clean anchor.
        k = 0.5 if first[r] else 1.0
        if x[0] < 0.12 * k:
            name = traditional[name]
        if x[1] < 0.04 * k and len(name) > 1:
            alts = homophones.get(name[-1])
            if alts:
                name = name[:-1] + alts[int(x[2] * len(alts))]
        elif x[1] < 0.055 * k and len(name) > 1:
            name = name[:-1] + typo_chars[int(x[2] * len(typo_chars))]
        if x[3] < 0.04:
            name = name[0] + " " + name[1:]
        if x[4] < 0.05:
            gender = ""
        elif x[4] < 0.055:
            gender = "F" if gender == "M" else "M"  # a slip
        if x[5] < 0.05 * k:
            date = ""
        else:
            y, m, d = birth.year, birth.month, birth.day
            if x[6] < 0.03 * k and d <= 12 and d != m:
                m, d = d, m
            elif x[6] < 0.045 * k:
                d = d % 28 + 1  # a wrong day
            date = DATE_FORMATS[int(fmt[r])].format(y=y, m=m, d=d)
        if x[7] < (0.25 if first[r] else 0.45):
            id_number = ""
        if phone and x[8] < 0.15 * k:
            phone = ""
        elif phone and x[8] < 0.3 * k:
            phone = str(13_000_000_000 + int(x[9] * 6_999_999_999))  # a new number
        if mail and x[10] < 0.5:
            mail = ""
        elif mail and x[10] < 0.55:
            mail = "w" + mail  # another address
        if x[11] < 0.12 * k:
            employer, disc2 = employers[int(x[12] * len(employers))]
            disc = disc2 if x[13] < 0.5 else disc
        elif x[11] < 0.4:
            employer = _variant(employer, x[12])
        if x[14] < 0.03:
            disc = ""
        cols["record"].append(r + 1)
        cols["roster"].append(int(roster[r]))
        cols["name"].append(name)
        cols["gender"].append(gender)
        cols["birth"].append(date)
        cols["id_number"].append(id_number)
        cols["phone"].append(phone)
        cols["email"].append(mail)
        cols["employer"].append(employer)
        cols["discipline"].append(disc)
        cols["person"].append(p)
    return cols


def engine_columns(cols: dict[str, list]) -> dict[str, list]:
    """The roster columns under the names ``kexie.identity.engine`` reads."""
    return {"name": cols["name"], "gender": cols["gender"], "birth": cols["birth"], "id_key": cols["id_number"],
            "phone_key": cols["phone"], "email": cols["email"], "employer": cols["employer"],
            "discipline": cols["discipline"]}


def pair_scores(truth: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Pairwise precision, recall and F1 of predicted cluster ``labels`` against ``truth``."""
    truth = np.asarray(truth, dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)

    def pairs(*keys: np.ndarray) -> int:
        _, counts = np.unique(np.stack(keys, axis=1), axis=0, return_counts=True)
        return int((counts * (counts - 1) // 2).sum())

    true_pairs, predicted, both = pairs(truth), pairs(labels), pairs(truth, labels)
    precision = both / predicted if predicted else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"true_pairs": true_pairs, "predicted_pairs": predicted, "correct_pairs": both,
            "precision": precision, "recall": recall, "f1": f1}

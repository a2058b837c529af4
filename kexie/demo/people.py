"""Vectorised generation of people for ``kexie seed``: every random draw for a chunk of people is
made at once with NumPy (PCG64, deterministic for a seed), and the per-person Python work is
reduced to assembling strings, encrypting two identifiers and building the search tokens.
Rows come out as tuples in the column order of ``generator.PERSON_COLUMNS`` and friends.

Chunk ``k`` draws from its own generator (``default_rng([seed, k])``) and belongs to stream
``k % STREAMS``; a stream owns a quarter of the ID-number sequence digits, so streams never issue the
same ID number and can run in separate processes (``PeopleMaker.run``) while the output stays the
same for a seed whether it is made in one process or several."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import traceback
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import rjieba

from kexie.core.crypto import blind_index_many, encrypt_many
from kexie.core.validators import _ID_CHECK, _ID_WEIGHTS
from kexie.demo.data import expertise as EX
from kexie.demo.data import names as NM
from kexie.demo.data import profiles as PR
from kexie.demo.data import province as PV

LEVELS = ("初级", "中级", "副高级", "正高级")
LEVEL_CODE = {"正高级": "senior", "副高级": "vice_senior", "中级": "middle", "初级": "junior"}
# Title level weights by age band (<30, <40, <50, 50+), in LEVELS order.
BAND_WEIGHTS = np.array([[60, 40, 0, 0], [15, 55, 27, 3], [0, 35, 45, 20], [0, 20, 45, 35]], dtype=float)
STREAMS = 2
NATIONALITIES = ["回族", "满族", "蒙古族", "壮族", "土家族", "苗族", "朝鲜族"]
CATEGORIES = ("student", "member", "senior", "fellow", "honorary")
# Keywords go into a JSON array by string joining; the vocabulary has nothing that needs escaping.
assert not any('"' in k or "\\" in k for ks in EX.EXPERTISE.values() for k in ks)


def _cum(weights) -> np.ndarray:
    c = np.cumsum(np.asarray(weights, dtype=float))
    return c / c[-1]


def _pick(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)


@dataclass
class Tables:
    """Everything the per-person loop looks up, prepared once."""

    surnames: list[str]
    surname_cum: np.ndarray
    male: list[str]
    female: list[str]
    neutral: list[str]
    regions: list[str]
    region_sums: list[int]


def tables() -> Tables:
    names, weights = zip(*NM.SURNAMES, strict=True)
    regions = [c for c, _ in PV.CITIES]
    return Tables(
        list(names), _cum(weights), list(NM.GIVEN_MALE), list(NM.GIVEN_FEMALE), list(NM.GIVEN_NEUTRAL), regions,
        [sum(int(c) * w for c, w in zip(r, _ID_WEIGHTS[:6], strict=True)) for r in regions],
    )


_DATE_W = _ID_WEIGHTS[6:14]
_SEQ_W = _ID_WEIGHTS[14:17]
_SEQ_SUM = [sum(int(c) * w for c, w in zip(f"{s:03d}", _SEQ_W, strict=True)) for s in range(1000)]


def _date_sum(ymd: str) -> int:
    return sum(int(c) * w for c, w in zip(ymd, _DATE_W, strict=True))


class PeopleMaker:
    """Generates people for ``ProvinceGenerator`` in chunks."""

    def __init__(self, gen, seed: int):
        self.gen = gen
        self.seed = seed
        self.t = tables()
        self.holders = gen.holders
        self.holder_cum = _cum([h.weight for h in self.holders])
        self.first_level = gen.first_level
        self.fl_index = {c: i for i, c in enumerate(self.first_level)}
        self.expertise = [EX.EXPERTISE[c] for c in self.first_level]
        self.seen_ids: list[set[int]] = [set() for _ in range(STREAMS)]
        self.date_sums: dict[int, tuple[str, int]] = {}
        self.name_tokens: dict[str, str] = {}
        self.today = gen.today
        self.today_ord = self.today.toordinal()
        # Per holder: employers (name, first-level index or -1, title names per level, the first-level indexes a
        # person there may hold: one discipline profile, kexie/demo/data/profiles.py), education cum.
        from kexie.demo.generator import EDU_BY_SECTOR

        self.h_emp: list[list[tuple[str, int, list[str], list[int]]]] = []
        self.h_edu: list[tuple] = []
        edu_cums = []
        series_cache: dict[str, tuple[list[str], list[int]]] = {}
        for h in self.holders:
            emps = []
            for employer in h.employers:
                name, disc = employer[0], employer[1]
                sector = employer[2] if len(employer) > 2 else h.sector
                series = PR.series_for(sector, disc)
                if series not in series_cache:
                    titles = dict((lvl, t) for t, lvl in EX.TITLES[series])
                    series_cache[series] = ([titles.get(lvl, "") for lvl in LEVELS],
                                            PR.allowed(series, self.first_level))
                titles_by_level, fits = series_cache[series]
                own = self.fl_index.get(disc, -1)
                emps.append((name, own if own in fits else -1, titles_by_level, fits))
            self.h_emp.append(emps)
            values, weights = zip(*EDU_BY_SECTOR[h.sector], strict=True)
            self.h_edu.append(values)
            edu_cums.append(_cum(weights))
        width = max(len(c) for c in edu_cums)
        self.edu_cum = np.array([np.pad(c, (0, width - len(c)), constant_values=2.0) for c in edu_cums])
        societies_by_disc: dict[int, list] = {}
        for soc, disc in gen.societies:
            societies_by_disc.setdefault(self.fl_index.get(disc, -1), []).append(soc)
        self.soc_by_disc = societies_by_disc
        self.all_societies = [s for s, _ in gen.societies]

    def _date(self, ordinal: int) -> tuple[str, int]:
        hit = self.date_sums.get(ordinal)
        if hit is None:
            ymd = dt.date.fromordinal(ordinal).strftime("%Y%m%d")
            hit = self.date_sums[ordinal] = (ymd, _date_sum(ymd))
        return hit

    def _search(self, name: str, title: str, employer: str, keywords: list[str]) -> str:
        """The same tokens as ``people.services.person_search_text`` (repeats are harmless to both
        indexes), with the per-title, per-employer and per-keyword parts cached."""
        from kexie.core.search import name_parts
        from kexie.demo.generator import _cached_employer, _cached_segments

        name_part = self.name_tokens.get(name)
        if name_part is None:
            name_part = self.name_tokens[name] = " ".join((name, *rjieba.cut_for_search(name), *name_parts(name)))
        return " ".join((name_part, _cached_segments(title), _cached_employer(employer),
                         *map(_cached_segments, keywords)))

    def run(self, plan: list[int], first_id: int, member_share: float, now, *, text: bool,
            processes: bool) -> Iterator[tuple[int, object, object, object]]:
        """Chunks of ``plan[k]`` people in order, ids from ``first_id``: (people, rows of people,
        disciplines, memberships), as tuples or, with ``text``, as ``COPY`` text blocks. With
        ``processes`` each stream runs in a forked process (which never touches the database)."""
        from kexie.core.bulk import copy_text

        starts = [first_id + sum(plan[:k]) for k in range(len(plan))]

        def make(k: int):
            rows = self.chunk(k, plan[k], starts[k], member_share, now)
            return (plan[k], *(copy_text(r) for r in rows)) if text else (plan[k], *rows)

        if not processes or len(plan) < 2:
            for k in range(len(plan)):
                yield make(k)
            return
        ctx = multiprocessing.get_context("fork")
        queues = [ctx.Queue(maxsize=2) for _ in range(STREAMS)]

        def work(stream: int) -> None:
            try:
                for k in range(stream, len(plan), STREAMS):
                    queues[stream].put(make(k))
            except BaseException:  # noqa: BLE001 - reported to the parent, which raises
                queues[stream].put(("error", traceback.format_exc()))

        workers = [ctx.Process(target=work, args=(g,), daemon=True) for g in range(STREAMS)]
        for w in workers:
            w.start()
        try:
            for k in range(len(plan)):
                item = queues[k % STREAMS].get()
                if item[0] == "error":
                    raise RuntimeError(f"生成人员数据的子进程出错：\n{item[1]}")
                yield item
        finally:
            for w in workers:
                w.join(timeout=5)
                if w.is_alive():
                    w.terminate()

    def chunk(self, k: int, n: int, person_id: int, member_share: float, now):
        """Chunk ``k``: people with ids from ``person_id``; disciplines and memberships without ids
        (the database numbers them in load order)."""
        rs, t = np.random.default_rng([self.seed, k]), self.t
        stream = k % STREAMS
        seen = self.seen_ids[stream]
        h_idx = _pick(self.holder_cum, rs.random(n))
        emp_u, disc_u, override = rs.random(n), rs.random(n), rs.random(n) < 0.15
        sur = _pick(t.surname_cum, rs.random(n))
        male = rs.random(n) < 0.58
        two = rs.random(n) >= 0.25
        char_u, neutral = rs.random((n, 2)), rs.random((n, 2)) < 0.2
        age = np.clip(rs.normal(44, 11, n), 22, 75).astype(int)
        day_off = rs.integers(0, 365, n)
        band = np.searchsorted([30, 40, 50], age, side="right")
        level_u, edu_u = rs.random(n), rs.random(n)
        kw_n, kw_u = rs.integers(2, 6, n), rs.random((n, 5))
        has_id, region = rs.random(n) < 0.85, rs.integers(0, len(t.regions), n)
        seq = rs.integers(0, 500 // STREAMS, n) * STREAMS + stream  # this stream's sequence digits
        has_phone, phone_p, phone_n = rs.random(n) < 0.9, rs.integers(3, 10, n), rs.integers(0, 1_000_000_000, n)
        han, nat = rs.random(n) < 0.93, rs.integers(0, len(NATIONALITIES), n)
        public = rs.random(n) < 0.2
        second, second_d = rs.random(n) < 0.3, rs.integers(0, len(self.first_level), n)
        member, soc_u, mem_u = rs.random(n) < member_share, rs.random(n), rs.random((n, 4))
        band_cum = np.cumsum(BAND_WEIGHTS, axis=1) / BAND_WEIGHTS.sum(axis=1, keepdims=True)
        levels = np.minimum((level_u[:, None] >= band_cum[band]).sum(axis=1), 3)
        edu = (edu_u[:, None] >= self.edu_cum[h_idx]).sum(axis=1)
        # Plain Python values from here on: indexing NumPy arrays one element at a time is slow.
        (h_idx, emp_u, disc_u, override, sur, male, two, char_u, neutral, age, day_off, levels, edu, kw_n, kw_u,
         has_id, region, seq, has_phone, phone_p, phone_n, han, nat, public, second, second_d, member, soc_u,
         mem_u) = (a.tolist() for a in (h_idx, emp_u, disc_u, override, sur, male, two, char_u, neutral, age,
                                         day_off, levels, edu, kw_n, kw_u, has_id, region, seq, has_phone, phone_p,
                                         phone_n, han, nat, public, second, second_d, member, soc_u, mem_u))

        people, pds, members, ids, phones = [], [], [], [], []
        org_pks, org_paths = [h.org.pk for h in self.holders], [h.org.path for h in self.holders]
        for i in range(n):
            h = h_idx[i]
            emps = self.h_emp[h]
            employer, d, titles, fits = emps[int(emp_u[i] * len(emps))]
            if d < 0 or override[i]:  # another discipline of the same profile
                d = fits[int(disc_u[i] * len(fits))]
            pool = t.male if male[i] else t.female
            chars = []
            for j in range(2 if two[i] else 1):
                src = t.neutral if neutral[i][j] else pool
                chars.append(src[int(char_u[i][j] * len(src))])
            name = t.surnames[sur[i]] + "".join(chars)
            a = age[i]
            birth_ord = self.today_ord - a * 365 - a // 4 - day_off[i]
            birth = dt.date.fromordinal(birth_ord)
            lvl = levels[i]
            while not titles[lvl] and lvl > 0:
                lvl -= 1
            title = titles[lvl]
            edu_values = self.h_edu[h]
            education = edu_values[min(edu[i], len(edu_values) - 1)]
            terms = self.expertise[d]
            keywords = list(dict.fromkeys(terms[int(u * len(terms))] for u in kw_u[i][: kw_n[i]]))
            id_number = ""
            if has_id[i]:
                s = seq[i] * 2 + (1 if male[i] else 0)
                key = (region[i] * 10_000_000 + birth_ord) * 1000 + s
                while key in seen:
                    s = (s + 2 * STREAMS) % 1000
                    key = (region[i] * 10_000_000 + birth_ord) * 1000 + s
                seen.add(key)
                ymd, dsum = self._date(birth_ord)
                check = _ID_CHECK[(t.region_sums[region[i]] + dsum + _SEQ_SUM[s]) % 11]
                id_number = f"{t.regions[region[i]]}{ymd}{s:03d}{check}"
            phone = f"1{phone_p[i]}{phone_n[i]:09d}" if has_phone[i] else ""
            ids.append(id_number)
            phones.append(phone)
            people.append([
                person_id, name, "M" if male[i] else "F", birth, "汉族" if han[i] else NATIONALITIES[nat[i]],
                "", "", "", "", "",  # id, id hash, phone, phone hash: filled in batch below
                org_pks[h], org_paths[h], None, employer, "", title, LEVEL_CODE.get(LEVELS[lvl], ""),
                education, '["' + '","'.join(keywords) + '"]', "", "[]", bool(public[i]), None,
                self._search(name, title, employer, keywords), now, now, None,
            ])
            main = self.gen.disciplines[self.first_level[d]]
            pds.append((person_id, main, True))
            other = fits[second_d[i] % len(fits)]
            if second[i] and other != d:
                pds.append((person_id, self.gen.disciplines[self.first_level[other]], False))
            if member[i]:
                socs = self.soc_by_disc.get(d) or self.all_societies
                soc = socs[int(soc_u[i] * len(socs))]
                members.append(self.gen._membership_row_np(person_id, soc, a, now, mem_u[i]))
            person_id += 1
        for row, *pii in zip(people, encrypt_many(ids), blind_index_many(ids), encrypt_many(phones),
                             blind_index_many(phones), strict=True):
            row[5:9] = pii
        return people, pds, members

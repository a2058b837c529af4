"""Deterministic synthetic expert profiles for bench/match_scale.py, made with NumPy from the demo
vocabulary (kexie/demo/data/expertise.py, orgs.py): a primary discipline (uniform over first-level
disciplines), 2-5 of its expertise keywords, an employer (half the time one of that discipline), a title
of the employer's sector, sometimes an honour and a second discipline; organisations sorted by path.

``make(n, seed)`` returns the index inputs as (row, term, weighted tf) arrays (segmenting each distinct
fragment once) plus, on demand, each profile as a space-separated token string for the peers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HONOURS = ["省科学技术进步奖一等奖", "省自然科学奖二等奖", "国务院政府特殊津贴专家", "省有突出贡献中青年专家",
           "省劳动模范", "全国优秀科技工作者", "省技术发明奖三等奖", "省杰出青年科学基金获得者",
           "省五一劳动奖章", "市科技进步奖一等奖", "省优秀青年科技人才", "省学术技术带头人"]
TITLES = ["教授", "副教授", "研究员", "副研究员", "正高级工程师", "高级工程师", "工程师", "主任医师", "高级农艺师"]
ORGS = 2000
REGIONS = [340102, 340103, 340104, 340111, 340121, 340202, 340203, 340207, 340302, 340303, 340402, 340403,
           340502, 340503, 340602, 340603, 340702, 340705, 340802, 340803]


@dataclass
class Synth:
    rows: np.ndarray
    cols: np.ndarray
    tf: np.ndarray
    vocab: list[str]
    ids: np.ndarray
    org_paths: list[str]
    public: np.ndarray
    region: np.ndarray
    disc_indptr: np.ndarray
    disc_codes: np.ndarray
    primary: np.ndarray
    fragments: list[str]
    frag_tokens: list[str]  # each fragment as its space-separated tokens
    slots: list[tuple[np.ndarray, np.ndarray]]  # (document rows, fragment ids) per slot

    def docs(self) -> list[str]:
        """Each profile as space-separated tokens (no field weights), for the peers."""
        parts: list[list[str]] = [[] for _ in range(len(self.ids))]
        for rows, frags in self.slots:
            for r, f in zip(rows.tolist(), frags.tolist(), strict=True):
                parts[r].append(self.frag_tokens[f])
        return [" ".join(p) for p in parts]


def make(n: int, seed: int = 1) -> Synth:
    from kexie.demo.data import expertise as EX
    from kexie.demo.data import orgs as OD
    from kexie.innovation.matching.disciplines import first_level
    from kexie.innovation.matching.text import FIELD_WEIGHTS, tokens

    rng = np.random.default_rng(seed)
    codes = sorted(int(c) for c in EX.EXPERTISE)
    names = first_level()
    fragments: list[str] = []
    frag_field: list[str] = []

    def add(value: str, field: str) -> int:
        fragments.append(value)
        frag_field.append(field)
        return len(fragments) - 1

    kw_start, kw_len = [], []
    for c in codes:
        terms = EX.EXPERTISE[f"{c:03d}"]
        kw_start.append(len(fragments))
        kw_len.append(len(terms))
        for t in terms:
            add(t, "expertise")
    disc_frag = np.array([add(names.get(c, ""), "discipline") for c in codes])
    employers = [(name.replace("{city}", "澜州"), int(c)) for name, c in OD.UNIVERSITIES + OD.INSTITUTES + OD.ENTERPRISES]
    emp_frag = np.array([add(e, "employer") for e, _ in employers])
    emp_by_disc = {c: [i for i, (_, ec) in enumerate(employers) if ec == c] for c in codes}
    honour_frag = np.array([add(h, "honours") for h in HONOURS])
    title_frag = np.array([add(t, "employer") for t in TITLES])

    d = rng.integers(0, len(codes), n)
    k = rng.integers(2, 6, n)
    kw = (rng.random((n, 5)) * np.array(kw_len)[d][:, None]).astype(np.int64) + np.array(kw_start)[d][:, None]
    own = rng.random(n) < 0.5
    emp = rng.integers(0, len(employers), n)
    pick = rng.random(n)
    for j, c in enumerate(codes):
        pool = emp_by_disc[c]
        sel = own & (d == j)
        if pool and sel.any():
            emp[sel] = np.array(pool)[(pick[sel] * len(pool)).astype(np.int64)]
    has_honour = rng.random(n) < 0.15
    honour = rng.integers(0, len(HONOURS), n)
    title = rng.integers(0, len(TITLES), n)
    second = rng.random(n) < 0.3
    d2 = rng.integers(0, len(codes), n)
    second &= d2 != d
    org = np.sort(rng.integers(0, ORGS, n))
    rows = np.arange(n)

    slots = [(rows[k > j], kw[k > j, j]) for j in range(5)]
    slots += [(rows, disc_frag[d]), (rows[second], disc_frag[d2[second]]), (rows, emp_frag[emp]),
              (rows[has_honour], honour_frag[honour[has_honour]]), (rows, title_frag[title])]

    vocab: dict[str, int] = {}
    frag_ids = [[vocab.setdefault(t, len(vocab)) for t in tokens(f)] for f in fragments]
    frag_len = np.array([len(x) for x in frag_ids])
    frag_off = np.concatenate([[0], np.cumsum(frag_len)])
    frag_tok = np.array([t for x in frag_ids for t in x], dtype=np.int32)
    frag_w = np.array([FIELD_WEIGHTS[f] for f in frag_field], dtype=np.float32)
    out_r, out_c, out_w = [], [], []
    for r, f in slots:
        lengths = frag_len[f]
        total = int(lengths.sum())
        starts = np.repeat(frag_off[f] - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        out_r.append(np.repeat(r, lengths).astype(np.int32))
        out_c.append(frag_tok[starts + np.arange(total)])
        out_w.append(np.repeat(frag_w[f], lengths))
    disc_indptr = np.concatenate([[0], np.cumsum(1 + second.astype(np.int64))])
    disc_codes = np.empty(int(disc_indptr[-1]), dtype=np.int16)
    disc_codes[disc_indptr[:-1]] = np.array(codes)[d]
    disc_codes[disc_indptr[:-1][second] + 1] = np.array(codes)[d2[second]]
    paths = [f"{o + 1:04d}" for o in range(ORGS)]
    inv = {v: t for t, v in vocab.items()}
    return Synth(
        rows=np.concatenate(out_r), cols=np.concatenate(out_c), tf=np.concatenate(out_w),
        vocab=[inv[i] for i in range(len(vocab))], ids=np.arange(1, n + 1, dtype=np.int64),
        org_paths=[paths[o] for o in org.tolist()], public=rng.random(n) < 0.2,
        region=np.array(REGIONS)[org % len(REGIONS)], disc_indptr=disc_indptr, disc_codes=disc_codes,
        primary=np.array(codes)[d], fragments=fragments, frag_tokens=[" ".join(tokens(f)) for f in fragments],
        slots=slots,
    )

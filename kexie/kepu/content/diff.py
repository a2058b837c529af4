"""The visible difference between two versions of an item: the plain text of each, cut into sentences
(paragraphs, then 。！？；!?;), compared with difflib; a replaced sentence pair is compared again character by
character so that a changed word stands out. The result is a list of (op, text) runs the template shows as
plain text, <ins> or <del> — always escaped, never the stored HTML."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from kexie.kepu.content.sanitize import paragraphs

SENTENCE = re.compile(r"(?<=[。！？；!?;])")
FINE_LIMIT = 4000  # characters of a replaced run compared character by character


@dataclass(frozen=True)
class Run:
    op: str  # "equal" / "insert" / "delete"
    text: str


def sentences(text_paragraphs: list[str]) -> list[str]:
    out: list[str] = []
    for para in text_paragraphs:
        parts = [s for s in SENTENCE.split(para) if s]
        if parts:
            parts[-1] += "\n"
        out.extend(parts)
    return out


def _fine(old: str, new: str) -> list[Run]:
    if len(old) + len(new) > FINE_LIMIT:
        return [Run("delete", old), Run("insert", new)]
    runs: list[Run] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(Run("equal", old[i1:i2]))
            continue
        if i2 > i1:
            runs.append(Run("delete", old[i1:i2]))
        if j2 > j1:
            runs.append(Run("insert", new[j1:j2]))
    return runs


def diff_texts(old: list[str], new: list[str]) -> list[Run]:
    """Runs that turn the ``old`` sentences into the ``new`` ones."""
    runs: list[Run] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(Run("equal", "".join(old[i1:i2])))
        elif op == "delete":
            runs.append(Run("delete", "".join(old[i1:i2])))
        elif op == "insert":
            runs.append(Run("insert", "".join(new[j1:j2])))
        else:
            runs.extend(_fine("".join(old[i1:i2]), "".join(new[j1:j2])))
    return _merged(runs)


def _merged(runs: list[Run]) -> list[Run]:
    out: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        if out and out[-1].op == run.op:
            out[-1] = Run(run.op, out[-1].text + run.text)
        else:
            out.append(run)
    return out


def diff_bodies(old_html: str, new_html: str) -> list[Run]:
    return diff_texts(sentences(paragraphs(old_html, images=True)), sentences(paragraphs(new_html, images=True)))


def diff_line(old: str, new: str) -> list[Run]:
    """A short field (title, summary) compared character by character."""
    return _merged(_fine(old or "", new or "")) if old != new else [Run("equal", old or "")]


def changed(runs: list[Run]) -> bool:
    return any(r.op != "equal" for r in runs)

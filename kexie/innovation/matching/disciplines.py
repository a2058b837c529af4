"""First-level GB/T 13745 disciplines as small integers, and their names for explanations."""

from __future__ import annotations

from functools import lru_cache

from kexie.people.data.disciplines import DISCIPLINES
from kexie.people.data.disciplines_en import NAMES_EN
from kexie.people.disciplines import display_name


@lru_cache(maxsize=1)
def first_level() -> dict[int, str]:
    """``{460: "机械工程", …}`` for the 62 first-level disciplines."""
    return {int(code): name for code, name, parent in DISCIPLINES if not parent}


def to_first_level(code: str) -> int:
    """The first-level discipline of any GB/T 13745 code as an int (0 when not a discipline code)."""
    head = (code or "")[:3]
    return int(head) if head.isdigit() else 0


def label(code: int) -> str:
    """"460 机械工程" ("460 Mechanical engineering" in the English interface)."""
    name = first_level().get(code, "")
    return f"{code} {display_name(name, NAMES_EN.get(code_str(code), '')) if name else ''}".strip()


def code_str(code: int) -> str:
    return f"{code:03d}"

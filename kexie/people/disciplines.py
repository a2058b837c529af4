"""Load the GB/T 13745 classification shipped in ``people/data/disciplines.py``."""

from typing import Any

from kexie.people.data.disciplines import DISCIPLINES, SECTOR


def load_disciplines(Discipline) -> int:  # noqa: N803 - historical model passed by migrations
    by_code: dict[str, Any] = {}
    for code, name, parent in sorted(DISCIPLINES, key=lambda d: (len(d[0]), d[0])):
        sector = SECTOR.get(code[:3], "")
        obj, _ = Discipline.objects.update_or_create(
            code=code, defaults={"name": name, "parent": by_code.get(parent), "sector": sector}
        )
        by_code[code] = obj
    return len(by_code)

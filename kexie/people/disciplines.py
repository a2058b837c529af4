"""Load the GB/T 13745 classification shipped in ``people/data/disciplines.py`` (English names from
``people/data/disciplines_en.py``), and show a discipline's name in the interface language."""

from typing import Any

from django.utils.translation import get_language

from kexie.people.data.disciplines import DISCIPLINES, SECTOR
from kexie.people.data.disciplines_en import NAMES_EN


def display_name(name: str, name_en: str = "") -> str:
    """The English name in the English interface when there is one; the Chinese name otherwise."""
    if name_en and (get_language() or "").lower().startswith("en"):
        return name_en
    return name


def label(code: str, name: str, name_en: str = "") -> str:
    """"code name" in the interface language (pickers, filters, breakdowns)."""
    return f"{code} {display_name(name, name_en)}"


def load_disciplines(Discipline) -> int:  # noqa: N803 - historical model passed by migrations
    english = any(f.name == "name_en" for f in Discipline._meta.get_fields())  # absent before migration 0009
    by_code: dict[str, Any] = {}
    for code, name, parent in sorted(DISCIPLINES, key=lambda d: (len(d[0]), d[0])):
        sector = SECTOR.get(code[:3], "")
        defaults = {"name": name, "parent": by_code.get(parent), "sector": sector}
        if english:
            defaults["name_en"] = NAMES_EN.get(code, "")
        obj, _ = Discipline.objects.update_or_create(code=code, defaults=defaults)
        by_code[code] = obj
    return len(by_code)


def load_english_names(Discipline) -> int:  # noqa: N803 - historical model passed by migrations
    """Set the English names of the disciplines already loaded (a migration after the field was added)."""
    rows = list(Discipline.objects.filter(code__in=list(NAMES_EN)).only("pk", "code"))
    for row in rows:
        row.name_en = NAMES_EN[row.code]
    Discipline.objects.bulk_update(rows, ["name_en"], batch_size=500)
    return len(rows)

"""The index of the current database: built from alive people (streamed in chunks), saved as an
``.npz`` under ``settings.KEXIE_MATCH_DIR`` (default ``VAR_DIR/match``), loaded lazily, cached in the
process and reloaded when the file changes. Built on first use when no file exists."""

from __future__ import annotations

import threading
import time
from array import array
from pathlib import Path

import numpy as np
from django.conf import settings

from kexie.innovation.matching.disciplines import first_level, to_first_level
from kexie.innovation.matching.index import ExpertIndex
from kexie.innovation.matching.model import Weights
from kexie.innovation.matching.text import FIELD_WEIGHTS, text_tokens, tokens

CHUNK = 20_000
PHRASE_MAX = 12  # longer "keywords" are sentences: they name no term
_lock = threading.Lock()
_cache: dict[str, tuple[float, ExpertIndex]] = {}


def match_dir() -> Path:
    return Path(getattr(settings, "KEXIE_MATCH_DIR", None) or Path(settings.VAR_DIR) / "match")


def index_path() -> Path:
    return match_dir() / "experts.npz"


def weights_path() -> Path:
    return match_dir() / "weights.json"


def current_weights() -> Weights:
    return Weights.load_or_default(weights_path())


def _region_int(code: str | None) -> int:
    code = (code or "").strip()
    return int(code[:6].ljust(6, "0")) if code[:6].isdigit() else 0


def _person_disciplines() -> dict[int, list[int]]:
    """First-level disciplines per alive person, primary first."""
    from kexie.people.models import PersonDiscipline

    out: dict[int, list[int]] = {}
    rows = (PersonDiscipline.objects.filter(person__deleted_at__isnull=True)
            .order_by("person_id", "-is_primary", "discipline__code")
            .values_list("person_id", "discipline__code").iterator(chunk_size=CHUNK))
    for pid, code in rows:
        c = to_first_level(code)
        lst = out.setdefault(pid, [])
        if c and c not in lst:
            lst.append(c)
    return out


def build_index(path: Path | None = None) -> ExpertIndex:
    """Index every alive person (expertise, bio, disciplines, employer, honours) and save it."""
    from kexie.people.models import Person

    started = time.time()
    names = first_level()
    discs = _person_disciplines()
    vocab: dict[str, int] = {}
    rows, cols, tfs = array("i"), array("i"), array("f")
    ids, paths, public, regions = array("q"), [], array("b"), array("q")
    d_indptr, d_codes = array("q", [0]), array("h")
    phrases: set[str] = set()
    qs = (Person.objects.filter(deleted_at__isnull=True).order_by("org_path", "id")
          .values_list("id", "org_path", "expertise", "bio", "employer_name", "honours", "public_profile",
                       "org__region__code"))
    for n, (pid, path_, expertise, bio, employer, honours, pub, region) in enumerate(qs.iterator(chunk_size=CHUNK)):
        tf: dict[str, float] = {}
        mine = discs.get(pid, [])
        phrases.update(p.strip().lower() for p in _strings(expertise) if 1 < len(p.strip()) <= PHRASE_MAX)
        fields: list[tuple[str, tuple[str, ...] | list[str]]] = [
            ("expertise", _strings(expertise)), ("honours", _strings(honours)),
            ("discipline", [names.get(c, "") for c in mine]), ("employer", [employer or ""]),
        ]
        for field_name, values in fields:
            fw = FIELD_WEIGHTS[field_name]
            for value in values:
                for t in tokens(value):
                    tf[t] = tf.get(t, 0.0) + fw
        for t in text_tokens(bio or ""):
            tf[t] = tf.get(t, 0.0) + FIELD_WEIGHTS["bio"]
        for t, f in tf.items():
            rows.append(n)
            cols.append(vocab.setdefault(t, len(vocab)))
            tfs.append(f)
        ids.append(pid)
        paths.append(path_)
        public.append(bool(pub))
        regions.append(_region_int(region))
        d_codes.extend(mine)
        d_indptr.append(len(d_codes))
    index = ExpertIndex.from_postings(
        rows=np.frombuffer(rows, dtype=np.int32), cols=np.frombuffer(cols, dtype=np.int32),
        tf=np.frombuffer(tfs, dtype=np.float32), vocab=list(vocab), ids=np.frombuffer(ids, dtype=np.int64),
        org_paths=paths, public=np.frombuffer(public, dtype=np.int8).astype(bool),
        region=np.frombuffer(regions, dtype=np.int64), disc_indptr=np.frombuffer(d_indptr, dtype=np.int64),
        disc_codes=np.frombuffer(d_codes, dtype=np.int16), built_at=started, phrases=sorted(phrases),
    )
    target = path or index_path()
    index.save(target)
    with _lock:
        _cache[str(target)] = (target.stat().st_mtime, index)
    return index


def _strings(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if v]
    return [str(value)] if value else []


def get_index(path: Path | None = None) -> ExpertIndex:
    """The cached index, reloaded when its file changed; built when there is none."""
    target = path or index_path()
    key = str(target)
    with _lock:
        try:
            mtime = target.stat().st_mtime
        except FileNotFoundError:
            mtime = None
        cached = _cache.get(key)
        if mtime is not None and cached and cached[0] == mtime:
            return cached[1]
        if mtime is not None:
            index = ExpertIndex.load(target)
            _cache[key] = (mtime, index)
            return index
    return build_index(target)


def clear_cache() -> None:
    with _lock:
        _cache.clear()

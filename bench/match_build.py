"""``build_index()`` from a real database and ``match_need`` end to end (with the database re-check of the
top results), on the database of DATABASE_URL: build time, index file size, peak memory of this process,
query p50/p95 over the labelled needs, and the same with a city's scope (``allowed_paths``).

Run (1,000,000 people: ``kexie seed --scale tiny --people 1000000 --seed 1`` into a fresh SQLite file, ~5 min):
DATABASE_URL=sqlite:////tmp/m1.sqlite3 .venv/bin/python bench/match_build.py  (about 2 minutes at 1,000,000)"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    import django

    django.setup()
    from django.test import override_settings

    from bench.common import summarize
    from bench.data.needs_labelled import NEEDS
    from kexie.innovation.matching import build_index, match_need
    from kexie.orgs.models import Organisation

    with tempfile.TemporaryDirectory() as tmp, override_settings(KEXIE_MATCH_DIR=Path(tmp)):
        t = time.perf_counter()
        index = build_index()
        build_s = time.perf_counter() - t
        size = (Path(tmp) / "experts.npz").stat().st_size
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        city = Organisation.objects.filter(depth=2, kind__code="kx").order_by("path").first()
        out: dict[str, object] = {"people": index.size, "postings": int(index.term_docs.shape[0]),
                                  "build_s": round(build_s, 1), "file_mb": round(size / 2**20, 1),
                                  "peak_rss_mb_after_build": round(rss)}
        for label, paths in (("all", None), ("city", [city.path] if city else None)):
            times = []
            for need in NEEDS:
                text = f"{need['title']}\n{need['text']}"
                t = time.perf_counter()
                match_need(text, top=10, industry=need["industry"], allowed_paths=paths)
                times.append(time.perf_counter() - t)
            out[f"match_need_{label}"] = summarize(times)
        print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

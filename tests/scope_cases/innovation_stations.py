"""点火: a city-B workstation (tests/test_innovation_stations.py has the rest, including the export)."""

from __future__ import annotations

import datetime as dt

TABLE = {
    "innovation:station-list": ("list", None),  # stations of the caller's scope only
    "innovation:station-export": ("export", None),  # tests/test_innovation_stations.py checks its rows
    "innovation:station-create": ("list", None),  # the owner must be in the creator's change scope
    "innovation:station": ("detail", "station"),
    "innovation:station-edit": ("change", "station"),
    "innovation:station-act": ("change", "station"),
}


def records(province):
    from kexie.innovation.models import Station, StationYear

    b = province["city_b"]
    station = Station.objects.create(kind="academician", name="B市院士工作站", host_name="B市某企业", owner=b,
                                     org_path=b.path, agreement_start=dt.date(2024, 1, 1),
                                     agreement_end=dt.date(2030, 12, 31))
    StationYear.objects.create(station=station, year=2024, projects=3, org_path=b.path)
    return {"station": station}

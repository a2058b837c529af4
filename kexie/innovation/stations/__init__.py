"""点火 (工作站, SPEC §3.5): stations, residents and yearly results (services.py), the daily status refresh and the
figures for reporting (metrics.py); forms, views and URL patterns.

``station_metrics`` is re-exported here: the reports registry reads it as ``kexie.innovation.stations``."""

from kexie.innovation.stations.metrics import station_metrics

__all__ = ["station_metrics"]

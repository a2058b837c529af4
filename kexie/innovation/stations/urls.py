"""URL patterns of 数字科创: stations (mounted by kexie/innovation/urls.py in the innovation namespace)."""

from django.urls import path

from kexie.innovation.stations import views as v

urlpatterns: list = [
    path("stations/", v.station_list, name="station-list"),
    path("stations/export/", v.station_export, name="station-export"),
    path("stations/new/", v.station_create, name="station-create"),
    path("stations/<int:pk>/", v.station_detail, name="station"),
    path("stations/<int:pk>/edit/", v.station_edit, name="station-edit"),
    path("stations/<int:pk>/act/", v.station_act, name="station-act"),
]

"""应急科普 pages (included under ``kepu:``): staff incidents under /kepu/manage/incidents/, the fast-track POST of
an item, and the public incident pages under /kepu/incidents/."""

from django.urls import path

from kexie.kepu.emergency import public, views

urlpatterns = [
    path("incidents/", public.incidents_public, name="incidents-public"),
    path("incidents/<int:pk>/", public.incident_public, name="incident"),
    path("manage/incidents/", views.incidents, name="incidents"),
    path("manage/incidents/new/", views.incident_create, name="incident-create"),
    path("manage/incidents/<int:pk>/", views.incident_manage, name="incident-manage"),
    path("manage/incidents/<int:pk>/edit/", views.incident_edit, name="incident-edit"),
    path("manage/incidents/<int:pk>/close/", views.incident_close, name="incident-close"),
    path("manage/<int:pk>/fast-publish/", views.fast_publish, name="item-fast-publish"),
]

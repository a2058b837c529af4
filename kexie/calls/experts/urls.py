"""URL patterns of expert libraries (joined under ``calls:`` by kexie/calls/urls.py)."""

from django.urls import path

from kexie.calls.experts import views

urlpatterns: list = [
    path("experts/", views.libraries, name="libraries"),
    path("experts/<int:pk>/", views.library_detail, name="library"),
    path("experts/entry/<int:pk>/", views.expert_availability, name="expert"),
]

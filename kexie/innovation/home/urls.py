"""URL patterns of the enterprise's home (mounted by kexie/innovation/urls.py in the innovation namespace)."""

from django.urls import path

from kexie.innovation.home import views

urlpatterns: list = [
    path("mine/", views.my_enterprise, name="my-enterprise"),
]

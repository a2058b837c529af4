"""URL patterns of 数字科创: intro (mounted by kexie/innovation/urls.py in the innovation namespace)."""

from django.urls import path

from kexie.innovation.introductions import views as v

urlpatterns: list = [
    path("intro/", v.intro_list, name="intro-list"),
    path("intro/new/", v.intro_create, name="intro-create"),
    path("intro/<int:pk>/", v.intro_detail, name="intro"),
    path("intro/<int:pk>/act/", v.intro_act, name="intro-act"),
]

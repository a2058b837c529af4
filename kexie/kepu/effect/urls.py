"""Effect and hot topics (included by kexie/kepu/urls.py under ``kepu:``)."""

from django.urls import path

from kexie.kepu.effect import views
from kexie.kepu.hot import views as hot_views

urlpatterns = [
    path("beacon/", views.beacon, name="beacon"),
    path("items/<int:pk>/rate/", views.rate, name="rate"),
    path("manage/effect/", views.effect, name="effect"),
    path("manage/effect/export/", views.effect_export, name="effect-export"),
    path("manage/<int:pk>/effect/", views.item_effect, name="item-effect"),
    path("manage/hot/", hot_views.hot, name="hot"),
]

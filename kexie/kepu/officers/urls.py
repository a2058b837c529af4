"""科普中国信息员 under ``kepu:``: the officer's own pages under /kepu/officers/, staff pages under
/kepu/manage/officers/."""

from django.urls import path

from kexie.kepu.officers import views

urlpatterns = [
    path("officers/join/", views.join, name="officer-join"),
    path("officers/me/", views.me, name="officer-me"),
    path("officers/share/<int:pk>/", views.share, name="officer-share"),
    path("officers/ranking/", views.ranking_page, name="officers-ranking"),
    path("manage/officers/", views.officer_list, name="officers"),
    path("manage/officers/export/", views.officer_export, name="officers-export"),
    path("manage/officers/rules/", views.point_rules, name="point-rules"),
    path("manage/officers/<int:pk>/active/", views.officer_active, name="officer-active"),
]

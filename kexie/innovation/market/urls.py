"""URL patterns of 数字科创: the public marketplace (科创云集市), achievements, enquiries and service statistics
(mounted by kexie/innovation/urls.py in the innovation namespace)."""

from django.urls import path

from kexie.innovation.market import views, views_staff

urlpatterns: list = [
    path("market/", views.market_home, name="market"),
    path("market/needs/<int:pk>/", views.market_need, name="market-need"),
    path("market/achievements/<int:pk>/", views.market_achievement, name="market-achievement"),
    path("achievements/", views.achievement_list, name="achievements"),
    path("achievements/new/", views.achievement_create, name="achievement-create"),
    path("achievements/<int:pk>/", views.achievement_detail, name="achievement"),
    path("achievements/<int:pk>/edit/", views.achievement_edit, name="achievement-edit"),
    path("achievements/<int:pk>/act/", views.achievement_act, name="achievement-act"),
    path("enquiries/", views_staff.enquiry_list, name="enquiries"),
    path("enquiries/<int:pk>/", views_staff.enquiry_detail, name="enquiry"),
    path("services/", views_staff.services_dashboard, name="services"),
    path("services/export/", views_staff.services_export, name="services-export"),
]

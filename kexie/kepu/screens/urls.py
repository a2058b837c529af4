"""科普大屏 under ``kepu:``: staff pages under /kepu/manage/screens/, the screen's own under /kepu/screens/."""

from django.urls import path

from kexie.kepu.screens import views

urlpatterns = [
    path("manage/screens/", views.screen_list, name="screens"),
    path("manage/screens/new/", views.screen_create, name="screen-create"),
    path("manage/screens/<int:pk>/edit/", views.screen_edit, name="screen-edit"),
    path("manage/screens/<int:pk>/key/", views.screen_key, name="screen-key"),
    path("screens/play/", views.play, name="screen-play"),
    path("screens/heartbeat/", views.heartbeat, name="screen-heartbeat"),
]

from django.urls import path

from kexie.home import views

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    path("me/export/", views.me_export, name="me-export"),
]

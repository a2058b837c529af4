from django.urls import path

from kexie.census import views

app_name = "census"
urlpatterns = [
    path("", views.page, name="page"),
    path("export/", views.export, name="export"),
]

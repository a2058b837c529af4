from django.urls import path

from tests.registry_app import views

app_name = "registry_app"
urlpatterns = [path("", views.page, name="page")]

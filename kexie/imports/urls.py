from django.urls import path

from kexie.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.batch_list, name="list"),
    path("template/<str:kind>/", views.template, name="template"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/errors/", views.error_file, name="errors"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("<int:pk>/rollback/", views.rollback, name="rollback"),
]

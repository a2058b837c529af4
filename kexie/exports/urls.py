from django.urls import path

from kexie.exports import views

app_name = "exports"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("<int:pk>/again/", views.again, name="again"),
]

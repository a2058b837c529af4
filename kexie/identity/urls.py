from django.urls import path

from kexie.identity import views

app_name = "identity"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("export/", views.export, name="export"),
    path("<int:pk>/", views.pair, name="pair"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/distinct/", views.distinct, name="distinct"),
    path("merges/", views.merges, name="merges"),
    path("merges/<int:pk>/undo/", views.undo, name="undo"),
]

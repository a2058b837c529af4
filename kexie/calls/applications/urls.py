"""URL patterns of applying, filling, the applications of a call, nominations and the formal check (joined under ``calls:`` by kexie/calls/urls.py)."""

from django.urls import path

from kexie.calls.applications import views

urlpatterns: list = [
    path("<int:pk>/apply/", views.apply, name="apply"),
    path("<int:pk>/applications/", views.call_applications, name="applications"),
    path("<int:pk>/export/", views.call_export, name="export"),
    path("<int:pk>/nominations/", views.nominations, name="nominations"),
    path("<int:pk>/formal/", views.formal_queue, name="formal"),
    path("<int:pk>/formal/batch/", views.formal_batch, name="formal-batch"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/fill/", views.application_fill, name="fill"),
    path("applications/<int:pk>/rows/", views.application_rows, name="rows"),
    path("applications/<int:pk>/file/", views.application_file, name="file"),
    path("applications/<int:pk>/nominate/", views.application_nominate, name="nominate"),
    path("applications/<int:pk>/formal/", views.application_formal, name="formal-check"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="withdraw"),
    path("applications/<int:pk>/close/", views.application_close, name="close"),
    path("applications/<int:pk>/declare/", views.application_declare, name="declare"),
]

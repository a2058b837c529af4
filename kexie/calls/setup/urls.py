"""URL patterns of a call's set-up: the list, the detail, create, edit, the 申报表, open, advance, quotas (joined under ``calls:`` by kexie/calls/urls.py)."""

from django.urls import path

from kexie.calls.setup import views

urlpatterns: list = [
    path("", views.call_list, name="list"),
    path("new/", views.call_create, name="create"),
    path("<int:pk>/", views.call_detail, name="detail"),
    path("<int:pk>/edit/", views.call_edit, name="edit"),
    path("<int:pk>/setup.json", views.setup_json, name="setup-json"),
    path("<int:pk>/form/", views.call_form, name="call-form"),
    path("<int:pk>/form.json", views.form_json, name="form-json"),
    path("<int:pk>/form/upload/", views.form_upload, name="form-upload"),
    path("<int:pk>/open/", views.call_open, name="open"),
    path("<int:pk>/advance/", views.call_advance, name="advance"),
    path("<int:pk>/quotas/", views.call_quotas, name="quotas"),
]

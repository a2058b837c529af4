from django.urls import path

from kexie.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("campaigns/new/", views.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/close/", views.campaign_close, name="campaign-close"),
    path("campaigns/<int:pk>/export/", views.campaign_export, name="campaign-export"),
    path("campaigns/<int:pk>/aggregate/", views.aggregate_page, name="aggregate"),
    path("campaigns/<int:pk>/aggregate/export/", views.aggregate_export, name="aggregate-export"),
    path("campaigns/<int:pk>/import/template/", views.import_template, name="import-template"),
    path("campaigns/<int:pk>/import/", views.import_upload, name="import"),
    path("submissions/<int:pk>/", views.submission_fill, name="submission"),
    path("submissions/<int:pk>/rows/", views.submission_rows, name="submission-rows"),
    path("submissions/<int:pk>/file/", views.submission_file, name="submission-file"),
    path("submissions/<int:pk>/review/", views.submission_review, name="review"),
    path("forms/", views.form_list, name="forms"),
    path("forms/<int:pk>/", views.form_detail, name="form"),
    path("forms/<int:pk>/new-version/", views.form_new_version, name="form-new-version"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version-edit"),
    path("versions/<int:pk>/publish/", views.version_publish, name="version-publish"),
    path("versions/<int:pk>/schema.json", views.version_json, name="version-json"),
    path("versions/<int:pk>/upload/", views.version_upload, name="version-upload"),
]

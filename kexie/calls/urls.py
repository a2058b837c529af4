from django.urls import path

from kexie.calls import views

app_name = "calls"
urlpatterns: list = [
    path("", views.call_list, name="list"),
    path("new/", views.call_create, name="create"),
    path("<int:pk>/", views.call_detail, name="detail"),
    path("<int:pk>/edit/", views.call_edit, name="edit"),
    path("<int:pk>/open/", views.call_open, name="open"),
    path("<int:pk>/advance/", views.call_advance, name="advance"),
    path("<int:pk>/quotas/", views.call_quotas, name="quotas"),
    path("<int:pk>/apply/", views.apply, name="apply"),
    path("<int:pk>/applications/", views.call_applications, name="applications"),
    path("<int:pk>/export/", views.call_export, name="export"),
    path("<int:pk>/nominations/", views.nominations, name="nominations"),
    path("<int:pk>/formal/", views.formal_queue, name="formal"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/fill/", views.application_fill, name="fill"),
    path("applications/<int:pk>/rows/", views.application_rows, name="rows"),
    path("applications/<int:pk>/file/", views.application_file, name="file"),
    path("applications/<int:pk>/nominate/", views.application_nominate, name="nominate"),
    path("applications/<int:pk>/formal/", views.application_formal, name="formal-check"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="withdraw"),
    path("applications/<int:pk>/declare/", views.application_declare, name="declare"),
    path("experts/", views.libraries, name="libraries"),
    path("experts/<int:pk>/", views.library_detail, name="library"),
    path("experts/entry/<int:pk>/", views.expert_availability, name="expert"),
]
